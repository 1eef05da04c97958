package graphfake

import (
	"github.com/crmsync/crmsync/internal/outlook"
)

// MoveMessage simulates the user moving a message to another folder ("archive", a folder id, …), as
// Exchange does it: the message keeps its immutable id but gets a new REST id, under which Office.js
// shows it from then on (the old one finds nothing); it leaves the old folder's delta as @removed and
// shows in the new folder's. It returns the new REST id.
func (s *Server) MoveMessage(user, id, folder string) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	mb := s.mustMailbox(user)
	it := mb.find(id, outlook.KindMessage)
	if it == nil {
		panic("graphfake: MoveMessage: no message " + id + " in mailbox " + user)
	}
	f := mb.folder(folder)
	mb.seq++
	mb.removed = append(mb.removed, tombstone{coll: it.coll, id: it.id, rest: it.rest, seq: mb.seq})
	mb.emit("deleted", it)
	delete(mb.byREST, it.rest)
	_, it.rest = mb.newItemIDs(outlook.KindMessage)
	mb.byREST[it.rest] = it
	it.coll, it.msg.ParentFolderID = "messages:"+f.id, f.id
	mb.bump(it, s.now().UTC())
	mb.emit("created", it)
	return it.rest
}
