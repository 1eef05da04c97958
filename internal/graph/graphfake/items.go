package graphfake

import (
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"net/http"
	"strings"

	"github.com/crmsync/crmsync/internal/outlook"
)

// kindDesc is what the generic GET and PATCH handlers need to know of an Outlook item kind.
type kindDesc struct {
	kind   outlook.Kind
	set    string // the entity set in URLs and @odata.context
	render func(c *call, it *item) map[string]any
	patch  func(it *item, fields map[string]json.RawMessage) error // kind-specific properties
	// create builds a new item, ids minted, from a POST body, or answers why the body is refused.
	create func(c *call, fields map[string]json.RawMessage) (*item, response)
}

// newItem is an item of kind k in delta collection coll, before its ids and payload are set.
func newItem(k outlook.Kind, coll string) *item {
	return &item{kind: k, coll: coll, props: map[string]extProp{}, exts: map[string]*extension{}}
}

// postItem serves POST /users/{user}/<set>: it creates an item, stamp property and categories
// included, and answers 201 with it. The new item shows in the next delta round.
func postItem(k kindDesc) func(*call) response {
	return func(c *call) response {
		fields, err := decodeObject(c.body)
		if err != nil {
			return graphError(http.StatusBadRequest, "RequestBodyRead", err.Error())
		}
		it, fail := k.create(c, fields)
		if it == nil {
			return fail
		}
		c.mb.add(it, c.now)
		return response{status: http.StatusCreated, body: c.entity(k, it, false)}
	}
}

// deleteItem serves DELETE /users/{user}/<set>/{id}: 204, the item moved to Deleted Items (see
// trash.go), and delta reports it as @removed.
func deleteItem(k kindDesc) func(*call) response {
	return trashItem(k.kind)
}

// getItem serves GET /users/{user}/<set>/{id}, with $select and the stamp property through $expand.
func getItem(k kindDesc) func(*call) response {
	return func(c *call) response {
		it, fail := c.lookup(c.params["id"], k.kind)
		if it == nil {
			return fail
		}
		return ok(c.entity(k, it, true))
	}
}

// patchItem serves PATCH /users/{user}/<set>/{id}: categories, extended properties and a few
// kind-specific properties. Like Graph it answers 200 with the updated item, and a change of any kind
// gives the item a new change key and a place in delta.
func patchItem(k kindDesc) func(*call) response {
	return func(c *call) response {
		it, fail := c.lookup(c.params["id"], k.kind)
		if it == nil {
			return fail
		}
		if resp, stale := c.checkIfMatch(it); stale {
			return resp
		}
		fields, err := decodeObject(c.body)
		if err != nil {
			return graphError(http.StatusBadRequest, "RequestBodyRead", err.Error())
		}
		// Patch a copy, so that a property refused half-way leaves the item as it was.
		next := it.clone()
		if err := patchCommon(next, fields); err != nil {
			return graphError(http.StatusBadRequest, "RequestBodyRead", err.Error())
		}
		if err := k.patch(next, fields); err != nil {
			var refused *refusal
			if errors.As(err, &refused) {
				return refused.resp
			}
			return graphError(http.StatusBadRequest, "RequestBodyRead", err.Error())
		}
		*it = *next
		c.mb.touch(it, c.now)
		return ok(c.entity(k, it, false))
	}
}

// refusal is a patch refused with an answer of its own, rather than as an unreadable body.
type refusal struct{ resp response }

func (r *refusal) Error() string { return fmt.Sprint(r.resp.body) }

// lookup finds the item a request names, or the error Graph answers: 400 for an id that cannot be one,
// 404 for one that is not there. A request that writes an occurrence of a series makes it an exception.
func (c *call) lookup(id string, k outlook.Kind) (*item, response) {
	if !wellFormed(id) {
		return nil, malformedID()
	}
	it := c.mb.find(id, k)
	if it == nil {
		return nil, notFound()
	}
	if it.virtual && c.r != nil && c.r.Method != http.MethodGet {
		it = c.mb.materialize(it, c.now)
	}
	return it, response{}
}

// entity renders it for a response: $select applied, the extended properties $expand asks for added.
func (c *call) entity(k kindDesc, it *item, expand bool) map[string]any {
	obj := k.render(c, it)
	if sel := c.query.Get("$select"); sel != "" {
		obj = selectFields(obj, sel)
	}
	if expand {
		for _, e := range parseExpand(c.query.Get("$expand")) {
			if strings.EqualFold(e.name, "singleValueExtendedProperties") {
				// Graph leaves the property out, rather than sending [], when nothing matches.
				if props := it.matchingProps(e.ids); len(props) > 0 {
					obj["singleValueExtendedProperties"] = props
				}
			}
		}
	}
	obj["@odata.context"] = c.root + "/$metadata#users('" + c.mb.objectID + "')/" + k.set + "/$entity"
	return obj
}

// checkIfMatch enforces an If-Match header: 412 when the item changed since the client read it.
func (c *call) checkIfMatch(it *item) (response, bool) {
	want := c.r.Header.Get("If-Match")
	if want == "" || want == "*" || want == it.etag() || want == it.changeKey() || want == `"`+it.changeKey()+`"` {
		return response{}, false
	}
	return graphError(http.StatusPreconditionFailed, "ErrorIrresolvableConflict",
		"The send or update operation could not be performed because the change key passed in the request does not match the current change key for the item."), true
}

func (it *item) matchingProps(ids []string) []any {
	var out []any
	for _, p := range it.props {
		if len(ids) > 0 && !containsFold(ids, p.id) {
			continue
		}
		out = append(out, map[string]any{"id": p.id, "value": p.value})
	}
	return out
}

func containsFold(ids []string, id string) bool {
	for _, x := range ids {
		if propKey(x) == propKey(id) {
			return true
		}
	}
	return false
}

// patchCommon applies what every Outlook item kind accepts: categories and extended properties.
func patchCommon(it *item, fields map[string]json.RawMessage) error {
	var cats []string
	if raw, ok := fields["categories"]; ok {
		if err := json.Unmarshal(raw, &cats); err != nil {
			return fmt.Errorf("property categories: %w", err)
		}
		it.setCategories(cats)
	}
	raw, ok := fields["singleValueExtendedProperties"]
	if !ok {
		return nil
	}
	var props []struct {
		ID    string  `json:"id"`
		Value *string `json:"value"`
	}
	if err := json.Unmarshal(raw, &props); err != nil {
		return fmt.Errorf("property singleValueExtendedProperties: %w", err)
	}
	for _, p := range props {
		if strings.TrimSpace(p.ID) == "" {
			return fmt.Errorf("an extended property has no id")
		}
		v := ""
		if p.Value != nil {
			v = *p.Value
		}
		if propKey(p.ID) == propKey(outlook.StampPropertyID) && v != "" {
			it.stampWrites++
		}
		it.setProp(p.ID, v)
	}
	return nil
}

func (it *item) setCategories(cats []string) {
	cats = nonNil(cats)
	switch {
	case it.msg != nil:
		it.msg.Categories = cats
	case it.ev != nil:
		it.ev.Categories = cats
	case it.ct != nil:
		it.ct.Categories = cats
	case it.task != nil:
		it.task.Categories = cats
	}
}

// clone copies it deeply enough that patching the copy leaves it alone: patches replace slices and
// maps' entries, never edit them in place.
func (it *item) clone() *item {
	c := *it
	c.props = maps.Clone(it.props)
	c.exts = maps.Clone(it.exts)
	if it.msg != nil {
		m := *it.msg
		c.msg = &m
	}
	if it.ev != nil {
		e := *it.ev
		c.ev = &e
	}
	if it.ct != nil {
		ct := *it.ct
		c.ct = &ct
	}
	if it.task != nil {
		t := *it.task
		c.task = &t
	}
	return &c
}

// decodeObject reads a JSON object body, keeping each property raw for the patcher to decode.
func decodeObject(body []byte) (map[string]json.RawMessage, error) {
	var fields map[string]json.RawMessage
	if err := json.Unmarshal(body, &fields); err != nil {
		return nil, fmt.Errorf("the request body is not a JSON object: %w", err)
	}
	if fields == nil {
		return nil, fmt.Errorf("the request body is empty")
	}
	return fields, nil
}

// decodeField decodes property name into dst when the body has it; null sets the zero value.
func decodeField[T any](fields map[string]json.RawMessage, name string, dst *T) error {
	raw, ok := fields[name]
	if !ok {
		return nil
	}
	var v T
	if err := json.Unmarshal(raw, &v); err != nil {
		return fmt.Errorf("property %s: %w", name, err)
	}
	*dst = v
	return nil
}

// RESTID returns the REST id of the item with id in either form (what Office.js convertToRestId gives
// the add-in), or "" when there is no such item. Tasks have one form; RESTID returns their task id.
func (s *Server) RESTID(user, immutableID string) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	if it := s.mustMailbox(user).findAny(immutableID); it != nil {
		return it.rest
	}
	return ""
}

// StampWrites returns how many PATCHes (or, for a task, extension POSTs and PATCHes) set a non-empty
// stamp on the item, id in either form or a TaskItemID. Crash tests check that no item is stamped twice.
func (s *Server) StampWrites(user, id string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	if it := s.mustMailbox(user).findAny(id); it != nil {
		return it.stampWrites
	}
	return 0
}

// DeleteItem simulates the user deleting an item (id in either form, or a TaskItemID), as Outlook does:
// a message, event or contact moves to Deleted Items (see trash.go), where Graph still finds it by id;
// one already there, a task, or one meeting of a series is deleted for good and then answers 404.
// Delta reports it as @removed either way. PurgeItem deletes for good.
func (s *Server) DeleteItem(user, id string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	mb := s.mustMailbox(user)
	it := mb.findAny(id)
	if it == nil {
		panic("graphfake: DeleteItem: no item " + id + " in mailbox " + user)
	}
	if it.virtual {
		it = mb.materialize(it, s.now().UTC())
	}
	mb.trash(it, s.now().UTC())
}

// edit runs a simulated user edit of the item with id: it must exist and be of kind k.
func (s *Server) edit(user, id string, k outlook.Kind, change func(it *item)) {
	s.mu.Lock()
	defer s.mu.Unlock()
	mb := s.mustMailbox(user)
	it := mb.findAny(id)
	if it == nil || it.kind != k {
		panic(fmt.Sprintf("graphfake: no %s %s in mailbox %s", k, id, user))
	}
	if it.virtual { // the user edits one meeting of a series: it becomes an exception
		it = mb.materialize(it, s.now().UTC())
	}
	change(it)
	mb.touch(it, s.now().UTC())
}
