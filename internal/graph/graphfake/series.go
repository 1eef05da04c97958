package graphfake

import (
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/crmsync/crmsync/internal/outlook"
)

// Recurring meetings, as a calendar view shows them. An event has a type (event resource): a
// singleInstance, a seriesMaster holding the recurrence, an occurrence of the series, or an exception
// (an occurrence changed on its own). A calendar view, and so its delta, "may include single instances
// or occurrences and exceptions of a recurring series" (delta-query-events.md), and this server's also
// lists the master, dated by its first meeting, as Graph does. A calendar view's delta sends an
// occurrence as a stub: @odata.type, @odata.etag, id, seriesMasterId, type and its start and end only,
// every time the master changes; an exception and the master are sent like any event. Each occurrence
// has an iCalUId of its own ("this ID is different for each occurrence in a recurring series").
//
// Occurrences are not stored: they are rendered from the master when asked for, and a write to one
// (PATCH, such as a stamp) makes it an exception, as Outlook does with any edit of one meeting of a
// series. Deleting an occurrence or exception cancels that meeting; deleting the master, the series.

// Recurrence is a series' pattern, the subset of Graph's patternedRecurrence this server models.
type Recurrence struct {
	Pattern  string // "daily" or "weekly"
	Interval int    // every Interval days or weeks; 0 means 1
	Count    int    // how many meetings (a "numbered" range); 0 means 10
}

// series is what a master holds of its recurrence.
type series struct {
	rec        Recurrence
	exceptions map[int]*item // by index
	cancelled  map[int]bool  // by index
}

func newSeries(r Recurrence) *series {
	if r.Interval <= 0 {
		r.Interval = 1
	}
	if r.Count <= 0 {
		r.Count = 10
	}
	if r.Pattern != "weekly" {
		r.Pattern = "daily"
	}
	return &series{rec: r, exceptions: map[int]*item{}, cancelled: map[int]bool{}}
}

// step is the time between two meetings of the series.
func (s *series) step() time.Duration {
	if s.rec.Pattern == "weekly" {
		return time.Duration(s.rec.Interval) * 7 * 24 * time.Hour
	}
	return time.Duration(s.rec.Interval) * 24 * time.Hour
}

// AddSeries stores a recurring series in user's calendar: e is its first meeting, r how it recurs. It
// returns the master as Event would (Type seriesMaster).
func (s *Server) AddSeries(user string, e outlook.Event, r Recurrence) outlook.Event {
	ev := s.AddEvent(user, e)
	s.mu.Lock()
	defer s.mu.Unlock()
	mb := s.mustMailbox(user)
	it := mb.find(ev.ID, outlook.KindAppointment)
	it.series = newSeries(r)
	mb.recordChanges(it)
	return it.eventValue()
}

// MakeRecurring simulates the user turning an event into a recurring series with pattern r: the event
// keeps its id and becomes the series master.
func (s *Server) MakeRecurring(user, id string, r Recurrence) {
	s.edit(user, id, outlook.KindAppointment, func(it *item) {
		if it.master != nil || it.series != nil {
			panic("graphfake: MakeRecurring: " + id + " is already part of a series")
		}
		it.series = newSeries(r)
	})
}

// Occurrences returns the meetings of the series whose master is masterID, in order: occurrences and
// exceptions, without the cancelled ones, each as Event reads it.
func (s *Server) Occurrences(user, masterID string) []outlook.Event {
	s.mu.Lock()
	defer s.mu.Unlock()
	mb := s.mustMailbox(user)
	m := mb.find(masterID, outlook.KindAppointment)
	if m == nil || m.series == nil {
		panic("graphfake: Occurrences: " + masterID + " is not a series master")
	}
	var out []outlook.Event
	for i := range m.series.rec.Count {
		if it := mb.meeting(m, i); it != nil {
			out = append(out, it.eventValue())
		}
	}
	return out
}

// meeting is the i-th meeting of master's series: its exception, or a virtual occurrence; nil when
// cancelled.
func (mb *mailbox) meeting(master *item, i int) *item {
	if master.series.cancelled[i] {
		return nil
	}
	if ex := master.series.exceptions[i]; ex != nil {
		return ex
	}
	return mb.virtualOccurrence(master, i)
}

// occurrenceIDs mints the ids of the i-th occurrence of master, in both forms.
func occurrenceIDs(master *item, i int) (immutable, rest string) {
	h := sha256.Sum256(fmt.Appendf(nil, "%s/occurrence/%d", master.rest, i))
	rest = "AAMkAGI2" + base64.URLEncoding.EncodeToString(h[:23])
	hi := sha256.Sum256([]byte("immutable/" + rest))
	return "AAkALgAAAAAAHYQDEapmEc2byACqAC-EWg0A" + base64.RawURLEncoding.EncodeToString(hi[:24]), rest
}

// virtualOccurrence renders the i-th occurrence of master: the master's meeting at the occurrence's
// time, with its own ids and iCalUId.
func (mb *mailbox) virtualOccurrence(master *item, i int) *item {
	ev := cloneEvent(*master.ev)
	shift := time.Duration(i) * master.series.step()
	ev.Start, ev.End = ev.Start.Add(shift), ev.End.Add(shift)
	sum := sha256.Sum256(fmt.Appendf(nil, "%s/%d", ev.ICalUID, i))
	ev.ICalUID = "040000008200E00074C5B7101A82E00800000000" + strings.ToUpper(hex.EncodeToString(sum[:16]))
	ev.TransactionID = ""
	it := &item{kind: outlook.KindAppointment, coll: "events", ev: &ev, master: master, index: i, virtual: true,
		seq: master.seq, born: master.born, version: master.version, created: master.created, modified: master.modified,
		props: master.props, exts: map[string]*extension{}}
	it.id, it.rest = occurrenceIDs(master, i)
	return it
}

// occurrence finds the virtual occurrence with id in either form, or nil.
func (mb *mailbox) occurrence(id string) *item {
	for _, m := range mb.items {
		if m.series == nil {
			continue
		}
		for i := range m.series.rec.Count {
			if m.series.cancelled[i] || m.series.exceptions[i] != nil {
				continue
			}
			if imm, rest := occurrenceIDs(m, i); id == imm || id == rest {
				return mb.virtualOccurrence(m, i)
			}
		}
	}
	return nil
}

// materialize makes a virtual occurrence an exception of its series, about to be written.
func (mb *mailbox) materialize(v *item, now time.Time) *item {
	it := v
	it.virtual = false
	it.props = map[string]extProp{}
	for k, p := range v.master.props {
		it.props[k] = p // the occurrence had the master's properties; the exception keeps its own copy
	}
	v.master.series.exceptions[v.index] = it
	mb.items[it.id], mb.byREST[it.rest] = it, it
	mb.bump(it, now)
	it.born, it.joined = it.seq, it.seq
	return it
}

// cancelOccurrence deletes one meeting of a series: an exception or an occurrence.
func (mb *mailbox) cancelOccurrence(it *item) {
	s := it.master.series
	delete(s.exceptions, it.index)
	s.cancelled[it.index] = true
	delete(mb.items, it.id)
	delete(mb.byREST, it.rest)
	mb.leave(it)
	mb.emit("deleted", it)
}

// dropOccurrences removes every meeting of a master's series, which leaves the calendar with it.
func (mb *mailbox) dropOccurrences(master *item) {
	for i := range master.series.rec.Count {
		it := mb.meeting(master, i)
		if it == nil {
			continue
		}
		delete(mb.items, it.id)
		delete(mb.byREST, it.rest)
		mb.leave(it)
	}
}

// span is the time the series covers, first meeting to last.
func (master *item) span() (time.Time, time.Time) {
	last := time.Duration(master.series.rec.Count-1) * master.series.step()
	return master.ev.Start, master.ev.End.Add(last)
}

// eventType is the event's type property.
func (it *item) eventType() string {
	switch {
	case it.series != nil:
		return outlook.EventSeriesMaster
	case it.virtual:
		return outlook.EventOccurrence
	case it.master != nil:
		return outlook.EventException
	}
	return outlook.EventSingle
}

// recurrenceJSON is Graph's patternedRecurrence of a master, null for any other event.
func (it *item) recurrenceJSON() any {
	if it.series == nil {
		return nil
	}
	r := it.series.rec
	pattern := map[string]any{"type": r.Pattern, "interval": r.Interval, "month": 0, "dayOfMonth": 0, "firstDayOfWeek": "sunday", "index": "first"}
	if r.Pattern == "weekly" {
		pattern["daysOfWeek"] = []string{strings.ToLower(it.ev.Start.Weekday().String())}
	}
	return map[string]any{
		"pattern": pattern,
		"range": map[string]any{"type": "numbered", "startDate": it.ev.Start.Format(time.DateOnly), "endDate": "0001-01-01",
			"recurrenceTimeZone": "UTC", "numberOfOccurrences": r.Count},
	}
}

// occurrenceStub is a calendar view delta's entry for an occurrence.
func occurrenceStub(c *call, it *item) map[string]any {
	return map[string]any{
		"@odata.type":    "#microsoft.graph.event",
		"@odata.etag":    it.master.etag(),
		"id":             it.idFor(c.immutable),
		"seriesMasterId": it.master.idFor(c.immutable),
		"type":           outlook.EventOccurrence,
		"start":          dateTimeTZ(it.ev.Start),
		"end":            dateTimeTZ(it.ev.End),
	}
}

// occurrenceEntries are the stubs of master's occurrences in the window, for a delta round that saw the
// master change.
func occurrenceEntries(c *call, master *item, start, end time.Time) []map[string]any {
	var out []map[string]any
	for i := range master.series.rec.Count {
		if master.series.cancelled[i] || master.series.exceptions[i] != nil {
			continue
		}
		occ := c.mb.virtualOccurrence(master, i)
		if occ.overlaps(start, end) {
			out = append(out, occurrenceStub(c, occ))
		}
	}
	return slices.Clip(out)
}
