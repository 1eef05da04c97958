package graphfake

import (
	"cmp"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"
)

// defaultPageSize is Graph's page size for delta when the client sends no odata.maxpagesize.
const defaultPageSize = 10

// deltaToken is the state a $skiptoken or $deltatoken carries. Every change in a mailbox has its own
// sequence number, so a round is "the changes numbered (After, Upto]" and pages resume after the last
// number delivered: a change made while a client pages lands in the next round instead of being lost.
type deltaToken struct {
	Coll        string `json:"c"`
	Epoch       int    `json:"e"`           // the mailbox's epoch; ExpireDeltaTokens bumps it
	Incremental bool   `json:"i,omitempty"` // false in the initial round, which reports no removals
	After       int64  `json:"a"`
	Upto        int64  `json:"u"`
	Start       string `json:"s,omitempty"` // the calendar view window
	End         string `json:"n,omitempty"`
	Select      string `json:"l,omitempty"`
}

func (t deltaToken) encode() string {
	b, _ := json.Marshal(t) // cannot fail: plain fields
	return base64.RawURLEncoding.EncodeToString(b)
}

func decodeDeltaToken(s string) (deltaToken, error) {
	var t deltaToken
	b, err := base64.RawURLEncoding.DecodeString(s)
	if err == nil {
		err = json.Unmarshal(b, &t)
	}
	if err != nil {
		return t, fmt.Errorf("decode delta token: %w", err)
	}
	return t, nil
}

// deltaSource is one collection a delta query walks.
type deltaSource struct {
	coll      string
	odataType string
	set       string // for @odata.context
	render    func(c *call, it *item) map[string]any
	windowed  bool // calendarView: startDateTime and endDateTime bound the events
}

// messageDelta serves GET /users/{user}/mailFolders/{folder}/messages/delta.
func messageDelta(c *call) response {
	f := c.mb.lookupFolder(c.params["folder"])
	if f == nil {
		return notFound()
	}
	return c.delta(deltaSource{coll: "messages:" + f.id, odataType: "#microsoft.graph.message", set: "message", render: renderMessage})
}

// eventDelta serves GET /users/{user}/calendarView/delta?startDateTime=…&endDateTime=….
func eventDelta(c *call) response {
	return c.delta(deltaSource{coll: "events", odataType: "#microsoft.graph.event", set: "event", render: renderEvent, windowed: true})
}

// contactDelta serves GET /users/{user}/contactFolders/{folder}/contacts/delta, the documented path
// (contact-delta.md); {folder} is the default contacts folder's id, which a contact's parentFolderId
// gives.
func contactDelta(c *call) response {
	if f := c.mb.folders[c.params["folder"]]; f == nil || f != c.mb.lookupFolder("contacts") {
		return notFound()
	}
	return c.delta(deltaSource{coll: "contacts", odataType: "#microsoft.graph.contact", set: "contact", render: renderContact})
}

// undocumentedDelta answers a delta path Graph does not track changes on, such as
// /users/{user}/contacts/delta, as Graph does ("Unsupported request: Change tracking is not supported
// against 'microsoft.graph.contact'"): the documented one goes through the folder.
func undocumentedDelta(entity string) func(*call) response {
	return func(*call) response {
		return graphError(http.StatusBadRequest, "BadRequest", "Unsupported request: Change tracking is not supported against 'microsoft.graph."+entity+"'.")
	}
}

// taskDelta serves GET /users/{user}/todo/lists/{list}/tasks/delta.
func taskDelta(c *call) response {
	listID := c.params["list"]
	if !wellFormed(listID) {
		return malformedID()
	}
	if c.mb.list(listID) == nil {
		return notFound()
	}
	render := func(_ *call, it *item) map[string]any { return renderTask(it) }
	return c.delta(deltaSource{coll: "tasks:" + listID, odataType: "#microsoft.graph.todoTask", set: "todoTask", render: render})
}

// delta answers one page of a delta round: the initial round lists every item, later rounds (from a
// deltaLink) the items changed since, in full, and the removed ones as {"id":…,"@removed":{…}}.
func (c *call) delta(src deltaSource) response {
	st, fail, valid := c.deltaState(src)
	if !valid {
		return fail
	}
	var start, end time.Time
	if src.windowed {
		start, _ = time.Parse(time.RFC3339, st.Start)
		end, _ = time.Parse(time.RFC3339, st.End)
	}
	// Render with the $select of the round's first request, which later links do not repeat.
	c.query.Set("$select", st.Select)

	type entry struct {
		seq int64
		obj map[string]any
	}
	var entries []entry
	removed := func(seq int64, id, rest string) {
		if !st.Incremental {
			return
		}
		ref := rest
		if c.immutable {
			ref = id
		}
		entries = append(entries, entry{seq, map[string]any{"@odata.type": src.odataType, "id": ref, "@removed": map[string]any{"reason": "deleted"}}})
	}
	for _, it := range c.mb.items {
		if it.coll != src.coll || it.seq <= st.After || it.seq > st.Upto {
			continue
		}
		if src.windowed && !it.overlaps(start, end) {
			removed(it.seq, it.id, it.rest) // moved out of the window
			continue
		}
		obj := src.render(c, it)
		// An item already in the collection before an incremental round is sent as what changed; in a
		// calendar view, an event whose times changed may have just entered the window, and is whole.
		moved := src.windowed && (it.changedSince("start", st.After) || it.changedSince("end", st.After))
		if st.Incremental && it.joined <= st.After && !moved {
			obj = partialEntry(it, obj, st.After)
		}
		if st.Select != "" {
			obj = selectFields(obj, st.Select)
		}
		if _, derived := obj["@odata.type"]; !derived { // an eventMessage keeps its own
			obj["@odata.type"] = src.odataType
		}
		entries = append(entries, entry{it.seq, obj})
		if src.windowed && it.series != nil {
			for _, stub := range occurrenceEntries(c, it, start, end) {
				entries = append(entries, entry{it.seq, stub})
			}
		}
	}
	for _, t := range c.mb.removed {
		if t.coll == src.coll && t.seq > st.After && t.seq <= st.Upto {
			removed(t.seq, t.id, t.rest)
		}
	}
	slices.SortStableFunc(entries, func(a, b entry) int { return cmp.Compare(a.seq, b.seq) })

	size := c.pageSize
	if size == 0 {
		size = defaultPageSize
	}
	// A page ends after a whole change: a series' master and its occurrences share one, and are not
	// split across pages.
	cut := min(size, len(entries))
	for cut < len(entries) && cut > 0 && entries[cut].seq == entries[cut-1].seq {
		cut++
	}
	page := entries[:cut]
	value := make([]any, 0, len(page))
	for _, e := range page {
		value = append(value, e.obj)
	}
	body := map[string]any{"@odata.context": c.root + "/$metadata#Collection(" + src.set + ")", "value": value}
	if len(entries) > cut {
		next := st
		next.After = page[len(page)-1].seq
		body["@odata.nextLink"] = c.deltaLink("$skiptoken=" + next.encode())
	} else {
		done := deltaToken{Coll: st.Coll, Epoch: st.Epoch, Incremental: true, After: st.Upto, Upto: st.Upto, Start: st.Start, End: st.End, Select: st.Select}
		body["@odata.deltaLink"] = c.deltaLink("$deltatoken=" + done.encode())
	}
	resp := ok(body)
	if c.pageSize > 0 {
		resp = withHeader(resp, "Preference-Applied", fmt.Sprintf("odata.maxpagesize=%d", c.pageSize))
	}
	return resp
}

// deltaState reads the round and position a request continues, or starts a new round.
func (c *call) deltaState(src deltaSource) (deltaToken, response, bool) {
	raw, isDelta := c.query.Get("$deltatoken"), true
	if raw == "" {
		raw, isDelta = c.query.Get("$skiptoken"), false
	}
	if raw == "" {
		st := deltaToken{Coll: src.coll, Epoch: c.mb.epoch, Upto: c.mb.seq, Select: c.query.Get("$select")}
		if src.windowed {
			start, err1 := parseGraphTime(c.query.Get("startDateTime"), time.UTC)
			end, err2 := parseGraphTime(c.query.Get("endDateTime"), time.UTC)
			if err1 != nil || err2 != nil || !start.Before(end) {
				return st, graphError(http.StatusBadRequest, "ErrorInvalidParameter",
					"This request requires a time window specified by the query string parameters StartDateTime and EndDateTime."), false
			}
			st.Start, st.End = start.Format(time.RFC3339), end.Format(time.RFC3339)
		}
		return st, response{}, true
	}
	st, err := decodeDeltaToken(raw)
	if err != nil || st.Coll != src.coll {
		return st, graphError(http.StatusBadRequest, "ErrorInvalidUrlQuery", "The sync state token is malformed."), false
	}
	if st.Epoch != c.mb.epoch {
		resp := c.mb.reset.response()
		if resp.status == http.StatusGone {
			// "a response code of 410 (gone) and a Location header containing a request URL with an empty
			// $deltaToken (same as the initial query)" (delta-query-overview.md, Synchronization reset).
			fresh := ""
			if src.windowed {
				fresh = "startDateTime=" + url.QueryEscape(st.Start) + "&endDateTime=" + url.QueryEscape(st.End)
			}
			resp = withHeader(resp, "Location", c.deltaLink(fresh))
		}
		return st, resp, false
	}
	if isDelta {
		st.Incremental, st.After, st.Upto = true, st.Upto, c.mb.seq
	}
	return st, response{}, true
}

// deltaLink builds an absolute link back to this delta query with query appended.
func (c *call) deltaLink(query string) string {
	path := c.path
	for _, suffix := range []string{"delta()", "delta%28%29"} {
		if strings.HasSuffix(path, suffix) {
			path = strings.TrimSuffix(path, suffix) + "delta"
		}
	}
	link := c.root + path
	if query != "" {
		link += "?" + query
	}
	return link
}
