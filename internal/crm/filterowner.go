package crm

// PicksOnlyOwn reports whether the filters can pick only items owned by the user me, whatever else the
// items hold: every enabled filter requires ownerId to be me (@me, or me's id). With no enabled filter
// nothing is picked, which is only the user's items too. The synchronization's push uses it to read only
// the user's own CRM changes (and those of the items their Outlook holds) instead of the tenant's.
func PicksOnlyOwn(filters []Filter, me string) bool {
	for _, f := range filters {
		if f.Enabled && !f.Conditions.onlyOwn(me) {
			return false
		}
	}
	return true
}

// onlyOwn reports whether the condition matches only items whose ownerId is me: an "and" with one such
// member, an "or" whose members all are, or ownerId eq (or in) me alone.
func (c Condition) onlyOwn(me string) bool {
	isMe := func(v any) bool { s, ok := v.(string); return ok && (s == MeValue || (me != "" && s == me)) }
	switch c.Group {
	case GroupAnd:
		for _, sub := range c.Conditions {
			if sub.onlyOwn(me) {
				return true
			}
		}
		return false
	case GroupOr:
		for _, sub := range c.Conditions {
			if !sub.onlyOwn(me) {
				return false
			}
		}
		return true
	}
	if c.Field != FieldOwnerID {
		return false
	}
	switch c.Op {
	case CondEq:
		return isMe(c.Value)
	case CondIn:
		values, _ := c.Value.([]any)
		for _, v := range values {
			if !isMe(v) {
				return false
			}
		}
		return len(values) > 0
	}
	return false
}
