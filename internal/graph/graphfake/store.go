package graphfake

import (
	"cmp"
	"crypto/sha256"
	"encoding/base64"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/crmsync/crmsync/internal/outlook"
)

// mailbox is one user's data. The Server's mutex guards it.
type mailbox struct {
	objectID, upn string
	serial        int        // seeds new ids, so a seeded mailbox has the same ids on every run
	seq           int64      // numbers every change, for delta queries
	epoch         int        // bumped by ExpireDeltaTokens; tokens of an older epoch are gone
	reset         DeltaReset // how a token of an older epoch is answered
	folders       map[string]*folder
	items         map[string]*item // by immutable id; tasks by task id
	byREST        map[string]*item
	lists         []*taskList
	removed       []tombstone
	bodies        []string // of POST and PATCH requests, for Bodies
	name          string   // display name, for the mail it sends; the UPN when empty
	// onChange hears of every item created, updated or deleted, for change notifications. It runs with
	// the Server's mutex held and must not block.
	onChange func(change string, it *item)
}

type folder struct {
	id, name string
}

type taskList struct {
	id, name, wellKnown string
	created             time.Time
}

// tombstone remembers a deleted item so that delta can report it as @removed.
type tombstone struct {
	coll     string
	id, rest string
	seq      int64
}

// item is a message, event, contact or task. Exactly one of msg, ev, ct and task is set; their ID,
// Stamp and ChangeKey fields are not kept up to date: the item's own fields are the truth.
type item struct {
	kind        outlook.Kind
	id, rest    string // immutable and REST id; equal for tasks, which have one form
	coll        string // the delta collection: "messages:<folder id>", "events", "contacts", "tasks:<list id>"
	seq         int64  // the mailbox change that last touched it
	born        int64  // the mailbox change that created it: orders Events, Contacts and Tasks
	version     int
	created     time.Time
	modified    time.Time
	props       map[string]extProp    // single-value extended properties by normalized id
	exts        map[string]*extension // open extensions by lower-cased extension name
	stampWrites int

	joined    int64             // the mailbox change that put it in its collection: its delta entries are whole until then
	snap      map[string]string // its properties as last rendered, JSON by name (see partial.go)
	changedAt map[string]int64  // the mailbox change that last changed each property

	series  *series // set on a series master (see series.go)
	master  *item   // set on an exception or occurrence: its series master
	index   int     // an exception's or occurrence's place in its series
	virtual bool    // an occurrence, rendered from its master: written, it becomes an exception
	trashed bool    // an event or contact in Deleted Items, out of its collection (see trash.go)

	msg  *outlook.Message
	ev   *outlook.Event
	ct   *outlook.Contact
	task *outlook.Task

	meeting *meetingMessage // set on a message that is a meeting request, update or cancellation
}

type extProp struct {
	id, value string
}

type extension struct {
	name string
	data map[string]any
}

func newMailbox(objectID, upn string, now time.Time) *mailbox {
	mb := &mailbox{
		objectID: objectID,
		upn:      upn,
		folders:  map[string]*folder{},
		items:    map[string]*item{},
		byREST:   map[string]*item{},
	}
	// The folders every mailbox has, by their Graph well-known names.
	for _, name := range []string{"inbox", "sentitems", "drafts", "deleteditems", "archive", "junkemail", "outbox", "contacts"} {
		mb.folder(name)
	}
	// The default To Do list every mailbox has. Its id does not draw on serial, so that the ids of seeded
	// items stay what they were before mailboxes had it.
	h := sha256.Sum256([]byte(objectID + "/list/default"))
	mb.lists = append(mb.lists, &taskList{
		id: "AAMkADU3" + base64.URLEncoding.EncodeToString(h[:23]), name: "Tasks", wellKnown: "defaultList", created: now,
	})
	return mb
}

// folder returns the folder named by well-known name, display name or id, creating a named one.
func (mb *mailbox) folder(nameOrID string) *folder {
	if f := mb.lookupFolder(nameOrID); f != nil {
		return f
	}
	f := &folder{id: mb.newID("folder", "AQMkADAw"), name: nameOrID}
	mb.folders[f.id] = f
	mb.folders[strings.ToLower(nameOrID)] = f
	return f
}

func (mb *mailbox) lookupFolder(nameOrID string) *folder {
	if f := mb.folders[nameOrID]; f != nil {
		return f
	}
	return mb.folders[strings.ToLower(nameOrID)]
}

func (mb *mailbox) list(id string) *taskList {
	for _, l := range mb.lists {
		if l.id == id {
			return l
		}
	}
	return nil
}

// newID mints a deterministic id: a prefix shaped like Graph's and URL-safe base64 ending in '=', like
// the REST ids Office.js hands the add-in.
func (mb *mailbox) newID(kind, prefix string) string {
	mb.serial++
	h := sha256.Sum256(fmt.Appendf(nil, "%s/%s/%d", mb.objectID, kind, mb.serial))
	return prefix + base64.URLEncoding.EncodeToString(h[:23])
}

// newItemIDs mints the two forms of an Outlook item id. They differ, as in Graph, so that a client that
// mixes them up is caught: immutable ids start "AAkA", REST ids "AAMk".
func (mb *mailbox) newItemIDs(kind outlook.Kind) (immutable, rest string) {
	rest = mb.newID(string(kind), "AAMkAGI2")
	h := sha256.Sum256([]byte("immutable/" + rest))
	return "AAkALgAAAAAAHYQDEapmEc2byACqAC-EWg0A" + base64.RawURLEncoding.EncodeToString(h[:24]), rest
}

// add stores a new item and records it as a change.
func (mb *mailbox) add(it *item, now time.Time) {
	it.created = now
	if it.props == nil {
		it.props = map[string]extProp{}
	}
	if it.exts == nil {
		it.exts = map[string]*extension{}
	}
	mb.items[it.id] = it
	mb.byREST[it.rest] = it
	mb.bump(it, now)
	it.born, it.joined = it.seq, it.seq
	mb.emit("created", it)
}

// itemsOf returns the items of kind k in the order they were created.
func (mb *mailbox) itemsOf(k outlook.Kind) []*item {
	var out []*item
	for _, it := range mb.items {
		if it.kind == k {
			out = append(out, it)
		}
	}
	slices.SortFunc(out, func(a, b *item) int { return cmp.Compare(a.born, b.born) })
	return out
}

// touch records a change to it: a new change key and a place in the delta order.
func (mb *mailbox) touch(it *item, now time.Time) {
	mb.bump(it, now)
	mb.emit("updated", it)
}

func (mb *mailbox) bump(it *item, now time.Time) {
	mb.seq++
	it.seq = mb.seq
	it.version++
	it.modified = now
	mb.recordChanges(it)
}

// emit tells onChange of a change: "created", "updated" or "deleted".
func (mb *mailbox) emit(change string, it *item) {
	if mb.onChange != nil {
		mb.onChange(change, it)
	}
}

// address is how the mailbox's user signs the mail it sends.
func (mb *mailbox) address() outlook.Address {
	return outlook.Address{Name: or(mb.name, mb.upn), Email: mb.upn}
}

// remove deletes it for good and leaves a tombstone for delta. Deleting an occurrence or exception
// cancels that one meeting of its series.
func (mb *mailbox) remove(it *item) {
	if it.master != nil {
		mb.cancelOccurrence(it)
		return
	}
	delete(mb.items, it.id)
	delete(mb.byREST, it.rest)
	mb.leave(it)
	if it.series != nil {
		mb.dropOccurrences(it)
	}
	mb.emit("deleted", it)
}

// leave records that it left its delta collection: a tombstone delta reports as @removed.
func (mb *mailbox) leave(it *item) {
	mb.seq++
	mb.removed = append(mb.removed, tombstone{coll: it.coll, id: it.id, rest: it.rest, seq: mb.seq})
}

// find returns the item of kind k with id in either form; for an occurrence of a series, a virtual item
// rendered from its master.
func (mb *mailbox) find(id string, k outlook.Kind) *item {
	it := mb.items[id]
	if it == nil {
		it = mb.byREST[id]
	}
	if it == nil && k == outlook.KindAppointment {
		it = mb.occurrence(id)
	}
	if it == nil || it.kind != k {
		return nil
	}
	return it
}

// findAny returns the message, event or contact with id in either form, or the task named by a
// TaskItemID.
func (mb *mailbox) findAny(id string) *item {
	if listID, taskID, ok := outlook.SplitTaskItemID(id); ok {
		if it := mb.find(taskID, outlook.KindTask); it != nil && it.task.ListID == listID {
			return it
		}
		return nil
	}
	for _, k := range []outlook.Kind{outlook.KindMessage, outlook.KindAppointment, outlook.KindContact} {
		if it := mb.find(id, k); it != nil {
			return it
		}
	}
	return nil
}

// wellFormed reports whether id could be a Graph id: URL-safe base64 with '=' padding.
func wellFormed(id string) bool {
	if id == "" {
		return false
	}
	for _, r := range id {
		switch {
		case r >= 'A' && r <= 'Z', r >= 'a' && r <= 'z', r >= '0' && r <= '9', r == '-', r == '_', r == '=':
		default:
			return false
		}
	}
	return true
}

// changeKey changes with every version of an item. It is standard base64, '+' and '/' included, as
// Exchange change keys are.
func (it *item) changeKey() string {
	h := sha256.Sum256(fmt.Appendf(nil, "%s#%d", it.id, it.version))
	return "CQAAABYAAAD" + base64.StdEncoding.EncodeToString(h[:21])
}

// lastModified is the item's lastModifiedDateTime as Graph renders it: UTC, to the second for a
// message, to the 100 ns tick for the others (see timestamp).
func (it *item) lastModified() time.Time { return timestampOf(it.kind, it.modified) }

func (it *item) etag() string { return `W/"` + it.changeKey() + `"` }

// idFor returns the id form the request asked for with Prefer: IdType.
func (it *item) idFor(immutable bool) string {
	if immutable {
		return it.id
	}
	return it.rest
}

// stamp is the CRM id stamped on it: the stamp property, or for a task the stamp extension's crmId.
func (it *item) stamp() string {
	if it.kind == outlook.KindTask {
		if e := it.exts[strings.ToLower(outlook.StampExtensionName)]; e != nil {
			s, _ := e.data["crmId"].(string)
			return s
		}
		return ""
	}
	return it.props[propKey(outlook.StampPropertyID)].value
}

// setStamp writes the stamp without counting a stamp write: seeding and simulated user edits.
func (it *item) setStamp(v string) {
	if it.kind == outlook.KindTask {
		key := strings.ToLower(outlook.StampExtensionName)
		if v == "" {
			delete(it.exts, key)
			return
		}
		it.exts[key] = &extension{name: outlook.StampExtensionName, data: map[string]any{"crmId": v}}
		return
	}
	it.setProp(outlook.StampPropertyID, v)
}

// setProp sets an extended property; an empty value unsets it, which is how crmsync untracks an item
// (Graph cannot delete an extended property through PATCH).
func (it *item) setProp(id, value string) {
	if value == "" {
		delete(it.props, propKey(id))
		return
	}
	it.props[propKey(id)] = extProp{id: id, value: value}
}

// propKey normalizes an extended property id, "String {GUID} Name X": the type and GUID match in any
// case and spacing, the name only as it is spelled ("filtering the string name (Name) in the id of an
// extended property is case-sensitive", singlevaluelegacyextendedproperty-get.md).
func propKey(id string) string {
	norm := strings.Join(strings.Fields(id), " ")
	i := strings.Index(strings.ToLower(norm), " name ")
	if i < 0 {
		return strings.ToLower(norm) // the "String 0x…" tag form has no name
	}
	return strings.ToLower(norm[:i]) + " Name " + norm[i+len(" name "):]
}
