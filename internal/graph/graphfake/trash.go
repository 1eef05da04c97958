package graphfake

import (
	"net/http"
	"time"

	"github.com/crmsync/crmsync/internal/outlook"
)

// Deleted Items. An ordinary delete, by the user in Outlook or by DELETE through Graph, moves a
// message, event or contact to the Deleted Items folder; permanent deletion is a separate action
// ("Permanently delete a message and place it in the Purges folder", message-permanentdelete.md; the
// same exists for events and contacts). So after a DELETE the item leaves its folder (delta reports it
// @removed) but Graph still finds it by its id: a message or contact with parentFolderId Deleted
// Items, an event no longer in the calendar (GET /calendar/events/{id} answers 404). Deleting an item
// already in Deleted Items, or permanentDelete, removes it for good, as do deleting a To Do task and
// deleting one meeting of a series.

// trash deletes it as an ordinary delete does.
func (mb *mailbox) trash(it *item, now time.Time) {
	switch {
	case it.kind == outlook.KindTask, it.master != nil, it.inTrash(mb):
		mb.remove(it)
	case it.kind == outlook.KindMessage:
		mb.leave(it)
		mb.emit("deleted", it)
		f := mb.folder("deleteditems")
		it.msg.ParentFolderID, it.coll = f.id, "messages:"+f.id
		mb.bump(it, now)
		it.joined = it.seq
	default: // an event or a contact
		mb.leave(it)
		mb.emit("deleted", it)
		if it.series != nil {
			mb.dropOccurrences(it)
		}
		it.trashed, it.coll = true, "deleteditems"
		if it.ct != nil {
			it.ct.ParentFolderID = mb.folder("deleteditems").id
		}
		mb.bump(it, now)
		it.joined = it.seq
	}
}

// inTrash reports whether it is in Deleted Items already.
func (it *item) inTrash(mb *mailbox) bool {
	if it.kind == outlook.KindMessage {
		return it.msg.ParentFolderID == mb.folder("deleteditems").id
	}
	return it.trashed
}

// trashItem serves DELETE /users/{user}/<set>/{id}: 204, the item in Deleted Items.
func trashItem(k outlook.Kind) func(*call) response {
	return func(c *call) response {
		it, fail := c.lookup(c.params["id"], k)
		if it == nil {
			return fail
		}
		c.mb.trash(it, c.now)
		return response{status: http.StatusNoContent}
	}
}

// permanentDelete serves POST /users/{user}/<set>/{id}/permanentDelete: 204, the item gone for good.
func permanentDelete(k outlook.Kind) func(*call) response {
	return func(c *call) response {
		it, fail := c.lookup(c.params["id"], k)
		if it == nil {
			return fail
		}
		c.mb.remove(it)
		return response{status: http.StatusNoContent}
	}
}

// getCalendarEvent serves GET /users/{user}/calendar/events/{id}: an event of the calendar, which one in
// Deleted Items no longer is.
func getCalendarEvent(c *call) response {
	it, fail := c.lookup(c.params["id"], outlook.KindAppointment)
	if it == nil {
		return fail
	}
	if it.trashed {
		return notFound()
	}
	return ok(c.entity(eventKind(), it, true))
}

// PurgeItem simulates the user deleting an item for good (id in either form, or a TaskItemID): emptying
// Deleted Items, or a shift-delete. It then answers 404.
func (s *Server) PurgeItem(user, id string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	mb := s.mustMailbox(user)
	it := mb.findAny(id)
	if it == nil {
		panic("graphfake: PurgeItem: no item " + id + " in mailbox " + user)
	}
	mb.remove(it)
}

// InDeletedItems reports whether the item with id (either form) is in user's Deleted Items.
func (s *Server) InDeletedItems(user, id string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	mb := s.mustMailbox(user)
	it := mb.findAny(id)
	return it != nil && it.inTrash(mb)
}
