package crm

import (
	"bytes"
	"encoding/json"
	"fmt"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// The groups of the condition language.
const (
	GroupAnd = "and"
	GroupOr  = "or"
)

// The operators of the condition language.
const (
	CondEq        = "eq"          // equal (text case-insensitively)
	CondNe        = "ne"          // not equal; an empty field is not equal to anything
	CondIn        = "in"          // equal to one of an array of values
	CondContains  = "contains"    // text holding the value, case-insensitively
	CondGt        = "gt"          // greater than (numbers, dates, times)
	CondLt        = "lt"          // less than (numbers, dates, times)
	CondOnOrAfter = "on-or-after" // on or after a date or time
	CondNull      = "null"        // the field is empty; takes no value
	CondNotNull   = "not-null"    // the field has a value; takes no value
)

// FilterOperators lists the operators in the order messages show them.
var FilterOperators = []string{CondEq, CondNe, CondIn, CondContains, CondGt, CondLt, CondOnOrAfter, CondNull, CondNotNull}

// MeValue stands for the user the filter is evaluated for; it fits ownerId and reference fields.
const MeValue = "@me"

// Limits of the condition language.
const (
	MaxConditionDepth  = 4   // groups nest at most this deep, the outermost group counting as 1
	MaxConditionLeaves = 50  // comparisons in one filter
	MaxInValues        = 100 // values of one in
	maxValueLength     = 400 // characters of one text value
)

// Condition is a node of a filter's conditions: a group (Group "and" or "or" over Conditions) or a
// comparison of Field by Op with Value. In JSON a group is {"and": […]} or {"or": […]} and a comparison
// {"field", "op", "value"}. Values are kept in canonical form: float64 for numbers, bool, strings (dates
// as 2006-01-02, times as RFC 3339 in UTC), []any for in, nil for null and not-null.
type Condition struct {
	Group      string
	Conditions []Condition
	Field      string
	Op         string
	Value      any
}

// MarshalJSON writes the condition in the filter language.
func (c Condition) MarshalJSON() ([]byte, error) {
	if c.Group != "" {
		members := c.Conditions
		if members == nil {
			members = []Condition{}
		}
		return json.Marshal(map[string][]Condition{c.Group: members})
	}
	return json.Marshal(struct {
		Field string `json:"field"`
		Op    string `json:"op"`
		Value any    `json:"value,omitempty"`
	}{c.Field, c.Op, c.Value})
}

// UnmarshalJSON reads conditions stored earlier. It checks their shape and operators, not the fields,
// which need the record type (see FilterInput.Filter).
func (c *Condition) UnmarshalJSON(data []byte) error {
	var v any
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	if err := dec.Decode(&v); err != nil {
		return fmt.Errorf("decode conditions: %w", err)
	}
	p := conditionParser{}
	parsed := p.node(v, "", 0)
	if len(p.errs) > 0 {
		return fmt.Errorf("conditions: %s: %s", p.errs[0].Field, p.errs[0].Message)
	}
	*c = parsed
	return nil
}

// conditionParser walks decoded JSON, building conditions and collecting errors at JSON pointers. Without
// a schema it checks only the shape.
type conditionParser struct {
	schema *EntityType
	errs   []FieldError
	leaves int
}

func (p *conditionParser) fail(path, format string, args ...any) {
	p.errs = append(p.errs, FieldError{Field: path, Message: fmt.Sprintf(format, args...)})
}

// pointerToken escapes a member name for a JSON pointer (RFC 6901).
func pointerToken(s string) string {
	return strings.NewReplacer("~", "~0", "/", "~1").Replace(s)
}

func sortedKeys(m map[string]any) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// node parses the condition at path; depth counts the groups around it.
func (p *conditionParser) node(v any, path string, depth int) Condition {
	m, ok := v.(map[string]any)
	if !ok {
		p.fail(path, `must be an object: a condition {"field", "op", "value"} or a group {"and": […]} or {"or": […]}`)
		return Condition{}
	}
	_, isAnd := m[GroupAnd]
	_, isOr := m[GroupOr]
	if isAnd || isOr {
		return p.group(m, path, depth+1)
	}
	if depth == 0 {
		p.fail(path, `must be a group: {"and": […]} or {"or": […]}`)
		return Condition{}
	}
	return p.comparison(m, path)
}

func (p *conditionParser) group(m map[string]any, path string, depth int) Condition {
	_, hasAnd := m[GroupAnd]
	_, hasOr := m[GroupOr]
	if hasAnd && hasOr {
		p.fail(path, "a group is either and or or, not both: nest one in the other")
		return Condition{}
	}
	key := GroupAnd
	if hasOr {
		key = GroupOr
	}
	for _, k := range sortedKeys(m) {
		if k != key {
			p.fail(path+"/"+pointerToken(k), "is not a member of a group, which holds only %q", key)
		}
	}
	if depth > MaxConditionDepth {
		p.fail(path, "groups nest at most %d deep", MaxConditionDepth)
		return Condition{}
	}
	items, ok := m[key].([]any)
	if !ok {
		p.fail(path+"/"+key, "must be an array of conditions")
		return Condition{}
	}
	if len(items) == 0 && (depth > 1 || key == GroupOr) {
		p.fail(path+"/"+key, "must hold at least one condition (only the outermost and may be empty: every record)")
	}
	c := Condition{Group: key, Conditions: make([]Condition, 0, len(items))}
	for i, item := range items {
		c.Conditions = append(c.Conditions, p.node(item, path+"/"+key+"/"+strconv.Itoa(i), depth))
	}
	return c
}

// opsByKind lists the operators each kind of field takes.
var opsByKind = map[FieldKind][]string{
	KindText:      {CondEq, CondNe, CondIn, CondContains, CondNull, CondNotNull},
	KindEmail:     {CondEq, CondNe, CondIn, CondContains, CondNull, CondNotNull},
	KindPhone:     {CondEq, CondNe, CondIn, CondContains, CondNull, CondNotNull},
	KindURL:       {CondEq, CondNe, CondIn, CondContains, CondNull, CondNotNull},
	KindChoice:    {CondEq, CondNe, CondIn, CondNull, CondNotNull},
	KindReference: {CondEq, CondNe, CondIn, CondNull, CondNotNull},
	KindBoolean:   {CondEq, CondNe, CondNull, CondNotNull},
	KindNumber:    {CondEq, CondNe, CondIn, CondGt, CondLt, CondNull, CondNotNull},
	KindDate:      {CondEq, CondNe, CondIn, CondGt, CondLt, CondOnOrAfter, CondNull, CondNotNull},
	KindDateTime:  {CondEq, CondNe, CondIn, CondGt, CondLt, CondOnOrAfter, CondNull, CondNotNull},
}

func (p *conditionParser) comparison(m map[string]any, path string) Condition {
	p.leaves++
	if p.leaves == MaxConditionLeaves+1 {
		p.fail(path, "a filter holds at most %d conditions", MaxConditionLeaves)
	}
	for _, k := range sortedKeys(m) {
		if k != "field" && k != "op" && k != "value" {
			p.fail(path+"/"+pointerToken(k), "is not a member of a condition (field, op, value)")
		}
	}
	var c Condition
	fieldOK, opOK := p.str(m, "field", path, &c.Field), p.str(m, "op", path, &c.Op)
	if opOK && !slices.Contains(FilterOperators, c.Op) {
		p.fail(path+"/op", "must be one of %s", strings.Join(FilterOperators, ", "))
		opOK = false
	}
	var field Field
	if fieldOK && p.schema != nil {
		f, ok := filterField(*p.schema, c.Field)
		if !ok {
			p.fail(path+"/field", "%s has no field %q (it has %s)", p.schema.Name, c.Field, filterFieldNames(*p.schema))
			fieldOK = false
		}
		field = f
	}
	if opOK && fieldOK && p.schema != nil && !slices.Contains(opsByKind[field.Kind], c.Op) {
		p.fail(path+"/op", "%q does not apply to %s, a %s field: use %s", c.Op, c.Field, field.Kind, strings.Join(opsByKind[field.Kind], ", "))
		opOK = false
	}
	if !opOK {
		return c
	}
	raw, hasValue := m["value"]
	switch c.Op {
	case CondNull, CondNotNull:
		if hasValue {
			p.fail(path+"/value", "%s takes no value: leave value out", c.Op)
		}
	case CondIn:
		items, ok := raw.([]any)
		switch {
		case !hasValue:
			p.fail(path+"/value", "is required: an array of values")
		case !ok:
			p.fail(path+"/value", "must be an array of values")
		case len(items) == 0 || len(items) > MaxInValues:
			p.fail(path+"/value", "must hold from 1 to %d values", MaxInValues)
		default:
			values := make([]any, len(items))
			for i, item := range items {
				values[i] = p.value(item, field, fieldOK && p.schema != nil, c.Op, path+"/value/"+strconv.Itoa(i))
			}
			c.Value = values
		}
	default:
		if !hasValue {
			p.fail(path+"/value", "is required")
		} else {
			c.Value = p.value(raw, field, fieldOK && p.schema != nil, c.Op, path+"/value")
		}
	}
	return c
}

// str reads a required string member.
func (p *conditionParser) str(m map[string]any, key, path string, into *string) bool {
	v, ok := m[key]
	if !ok {
		p.fail(path+"/"+key, "is required")
		return false
	}
	s, ok := v.(string)
	if !ok || s == "" {
		p.fail(path+"/"+key, "must be a non-empty string")
		return false
	}
	*into = s
	return true
}

// value checks one comparison value against the field (when known) and returns its canonical form.
func (p *conditionParser) value(raw any, f Field, known bool, op, path string) any {
	if raw == nil {
		p.fail(path, "must not be null: use the op null to match an empty field")
		return nil
	}
	if s, ok := raw.(string); ok && s == MeValue {
		if known && f.Kind != KindReference {
			p.fail(path, "%s stands for the current user: it fits ownerId and reference fields, not %s", MeValue, f.Name)
			return nil
		}
		return MeValue
	}
	if !known {
		return canonicalJSON(raw)
	}
	switch {
	case op == CondContains:
		s, ok := raw.(string)
		if s = strings.TrimSpace(s); !ok || s == "" || utf8.RuneCountInString(s) > maxValueLength {
			p.fail(path, "must be text of 1 to %d characters", maxValueLength)
			return nil
		}
		return s
	case op == CondOnOrAfter && f.Kind == KindDateTime:
		// A whole day is allowed: on or after its start, in UTC.
		if s, ok := raw.(string); ok {
			if _, err := time.Parse(time.DateOnly, strings.TrimSpace(s)); err == nil {
				return strings.TrimSpace(s)
			}
		}
	}
	if s, ok := raw.(string); ok && f.Kind != KindNumber && f.Kind != KindBoolean && utf8.RuneCountInString(s) > maxValueLength {
		p.fail(path, "must be at most %d characters", maxValueLength)
		return nil
	}
	v, msg := f.normalize(raw)
	if msg != "" && f.Kind == KindReference {
		msg = "must be an id (a UUID) or " + MeValue
	}
	if msg != "" {
		p.fail(path, "%s", msg)
		return nil
	}
	return v
}

// canonicalJSON turns decoded JSON numbers into float64, inside arrays too.
func canonicalJSON(v any) any {
	switch x := v.(type) {
	case json.Number:
		if f, err := x.Float64(); err == nil {
			return f
		}
		return x.String()
	case []any:
		out := make([]any, len(x))
		for i, item := range x {
			out[i] = canonicalJSON(item)
		}
		return out
	}
	return v
}
