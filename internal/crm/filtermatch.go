package crm

import (
	"encoding/json"
	"strings"
	"time"
)

// matches evaluates the condition. Text compares case-insensitively; a field that is missing, null or ""
// is empty: only null and ne match it.
func (c Condition) matches(fields map[string]any, ownerID, me string) bool {
	switch c.Group {
	case GroupAnd:
		for _, sub := range c.Conditions {
			if !sub.matches(fields, ownerID, me) {
				return false
			}
		}
		return true
	case GroupOr:
		for _, sub := range c.Conditions {
			if sub.matches(fields, ownerID, me) {
				return true
			}
		}
		return false
	}
	actual := fields[c.Field]
	if c.Field == FieldOwnerID && ownerID != "" {
		actual = ownerID
	}
	present := actual != nil && actual != ""
	switch c.Op {
	case CondNull:
		return !present
	case CondNotNull:
		return present
	case CondEq:
		return present && equalValue(actual, c.Value, me)
	case CondNe:
		return !present || !equalValue(actual, c.Value, me)
	case CondIn:
		values, _ := c.Value.([]any)
		for _, v := range values {
			if present && equalValue(actual, v, me) {
				return true
			}
		}
		return false
	case CondContains:
		s, ok := actual.(string)
		want, _ := c.Value.(string)
		return ok && want != "" && strings.Contains(strings.ToLower(s), strings.ToLower(want))
	case CondGt:
		n, ok := compareValue(actual, c.Value)
		return present && ok && n > 0
	case CondLt:
		n, ok := compareValue(actual, c.Value)
		return present && ok && n < 0
	case CondOnOrAfter:
		n, ok := compareValue(actual, c.Value)
		return present && ok && n >= 0
	}
	return false
}

// equalValue compares a field's value with a condition's, which is in canonical form; @me is the user
// the filter runs for, and matches nothing when there is none.
func equalValue(actual, want any, me string) bool {
	switch w := want.(type) {
	case float64:
		a, ok := toFloat(actual)
		return ok && a == w
	case bool:
		a, ok := actual.(bool)
		return ok && a == w
	case string:
		if w == MeValue {
			if me == "" {
				return false
			}
			w = me
		}
		if _, isTime := actual.(time.Time); isTime || isDateTime(w) {
			a, okA := toTime(actual)
			b, okB := toTime(w)
			if okA && okB {
				return a.Equal(b)
			}
		}
		a, ok := actual.(string)
		return ok && strings.EqualFold(a, w)
	}
	return false
}

// compareValue orders a field's value against a number, date or time; false when they do not compare.
func compareValue(actual, want any) (int, bool) {
	if w, ok := want.(float64); ok {
		a, ok := toFloat(actual)
		switch {
		case !ok:
			return 0, false
		case a < w:
			return -1, true
		case a > w:
			return 1, true
		}
		return 0, true
	}
	a, okA := toTime(actual)
	b, okB := toTime(want)
	if !okA || !okB {
		return 0, false
	}
	return a.Compare(b), true
}

func toFloat(v any) (float64, bool) {
	switch x := v.(type) {
	case float64:
		return x, true
	case float32:
		return float64(x), true
	case int:
		return float64(x), true
	case int32:
		return float64(x), true
	case int64:
		return float64(x), true
	case json.Number:
		f, err := x.Float64()
		return f, err == nil
	}
	return 0, false
}

// toTime reads a time or a date (the start of the day, UTC) from a value.
func toTime(v any) (time.Time, bool) {
	switch x := v.(type) {
	case time.Time:
		return x, true
	case *time.Time:
		if x != nil {
			return *x, true
		}
	case string:
		if t, err := time.Parse(time.RFC3339Nano, x); err == nil {
			return t, true
		}
		if t, err := time.Parse(time.DateOnly, x); err == nil {
			return t, true
		}
	}
	return time.Time{}, false
}

func isDateTime(s string) bool {
	_, err := time.Parse(time.RFC3339Nano, s)
	return err == nil
}
