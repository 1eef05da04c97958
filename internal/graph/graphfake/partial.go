package graphfake

import (
	"encoding/json"
	"maps"
	"slices"
	"time"

	"github.com/crmsync/crmsync/internal/outlook"
)

// Partial delta entries. "Updated instances are represented by their id with at least the properties
// that have been updated, but additional properties may be included" (delta-query-overview.md,
// "Resource representation in the delta query response"). This server sends exactly that: in a round
// that follows a deltaLink, an item that was already in the collection before the round is sent as its
// id, @odata.type and @odata.etag and the properties that changed during the round, a property that
// became empty as null; an item new to the collection (created, or moved into it) is sent whole. So a
// client that reads a missing property as empty clears what the user never touched.
//
// Every change renders the item and compares each property's JSON with the last rendering: what
// differs is what changed, whichever way the change came (a PATCH, a simulated user edit, a stamp).

// recordChanges notes which properties the change just made to it touched. Callers hold s.mu.
func (mb *mailbox) recordChanges(it *item) {
	snap := mb.snapshot(it)
	if it.changedAt == nil {
		it.changedAt = map[string]int64{}
	}
	for k, v := range snap {
		if old, ok := it.snap[k]; !ok || old != v {
			it.changedAt[k] = it.seq
		}
	}
	for k := range it.snap {
		if _, ok := snap[k]; !ok {
			it.changedAt[k] = it.seq
		}
	}
	it.snap = snap
}

// snapshot renders every property of it, each as JSON.
func (mb *mailbox) snapshot(it *item) map[string]string {
	c := &call{mb: mb, immutable: true}
	out := map[string]string{}
	for k, v := range renderItem(c, it) {
		b, _ := json.Marshal(v) // rendered values are plain JSON
		out[k] = string(b)
	}
	return out
}

// renderItem renders an item of any kind, whole.
func renderItem(c *call, it *item) map[string]any {
	switch it.kind {
	case outlook.KindMessage:
		return renderMessage(c, it)
	case outlook.KindAppointment:
		return renderEvent(c, it)
	case outlook.KindContact:
		return renderContact(c, it)
	default:
		return renderTask(it)
	}
}

// alwaysSent are the properties of a partial entry that are there whether or not they changed.
var alwaysSent = []string{"@odata.type", "@odata.etag", "id"}

// partialEntry cuts a whole rendering down to what changed after the change after.
func partialEntry(it *item, whole map[string]any, after int64) map[string]any {
	out := map[string]any{}
	for _, k := range alwaysSent {
		if v, ok := whole[k]; ok {
			out[k] = v
		}
	}
	for _, k := range slices.Sorted(maps.Keys(it.changedAt)) {
		if it.changedAt[k] > after {
			out[k] = whole[k] // nil, so null, when the property is gone
		}
	}
	return out
}

// changedSince reports whether property name of it changed after the change after.
func (it *item) changedSince(name string, after int64) bool { return it.changedAt[name] > after }

// timestampOf is how Graph renders an item's timestamps: a message's to the second, as in the message
// examples; an event's, contact's or task's with seven fractional digits ("createdDateTime":
// "2017-10-07T04:59:12.9698856Z" in user-post-events.md), so a client must not assume whole seconds.
func timestampOf(k outlook.Kind, t time.Time) time.Time {
	if k == outlook.KindMessage {
		return t.UTC().Truncate(time.Second)
	}
	return t.UTC().Truncate(100 * time.Nanosecond)
}

// timestamp renders an item's createdDateTime or lastModifiedDateTime.
func (it *item) timestamp(t time.Time) any {
	if t.IsZero() {
		return nil
	}
	if it.kind == outlook.KindMessage {
		return instant(t)
	}
	return timestampOf(it.kind, t).Format("2006-01-02T15:04:05.0000000Z")
}
