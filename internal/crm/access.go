package crm

import "fmt"

// Operation is something a user does to a record.
type Operation string

// The operations access rules are given for.
const (
	OpRead   Operation = "read"
	OpCreate Operation = "create"
	OpUpdate Operation = "update"
	OpDelete Operation = "delete"
)

// Operations lists every operation, in a stable order.
var Operations = []Operation{OpRead, OpCreate, OpUpdate, OpDelete}

// Level is how far an operation reaches: nothing, the records the user owns, or every record of the tenant.
type Level int

// The access levels, in increasing order.
const (
	LevelNone Level = iota
	LevelOwn
	LevelAll
)

// String returns the level's API name.
func (l Level) String() string {
	switch l {
	case LevelOwn:
		return "own"
	case LevelAll:
		return "all"
	}
	return "none"
}

// ParseLevel reads a level's API name.
func ParseLevel(s string) (Level, error) {
	switch s {
	case "none":
		return LevelNone, nil
	case "own":
		return LevelOwn, nil
	case "all":
		return LevelAll, nil
	}
	return LevelNone, fmt.Errorf("unknown access level %q (none, own, all)", s)
}

// The security roles. Every user holds RoleUser; the others come from the Entra app roles in the token.
const (
	RoleUser    = "user"
	RoleManager = "CRM.Manager"
	RoleAdmin   = "CRM.Admin"
)

// AnyType stands for every record type in an access rule.
const AnyType = "*"

// AccessRule sets the level of one operation on one record type (or AnyType) for one role.
type AccessRule struct {
	Role       string    `json:"role"`
	RecordType string    `json:"recordType"`
	Operation  Operation `json:"operation"`
	Level      Level     `json:"-"`
}

type ruleKey struct {
	role, recordType string
	op               Operation
}

// AccessPolicy decides how far each role reaches. Rules an admin stored override the defaults: users act
// on what they own, managers read everything and act on what they own, admins act on everything.
type AccessPolicy struct {
	rules map[ruleKey]Level
}

// PolicyOf builds the policy of a tenant's stored levels, as AccessLevels shows them.
func PolicyOf(levels []AccessLevel) (AccessPolicy, error) {
	rules := make([]AccessRule, 0, len(levels))
	for _, l := range levels {
		level, err := ParseLevel(l.Level)
		if err != nil {
			return AccessPolicy{}, fmt.Errorf("access rule %s/%s/%s: %w", l.Role, l.RecordType, l.Operation, err)
		}
		rules = append(rules, AccessRule{Role: l.Role, RecordType: l.RecordType, Operation: Operation(l.Operation), Level: level})
	}
	return NewAccessPolicy(rules), nil
}

// NewAccessPolicy builds a policy from a tenant's stored rules.
func NewAccessPolicy(rules []AccessRule) AccessPolicy {
	p := AccessPolicy{rules: make(map[ruleKey]Level, len(rules))}
	for _, r := range rules {
		p.rules[ruleKey{r.Role, r.RecordType, r.Operation}] = r.Level
	}
	return p
}

func defaultLevel(role string, op Operation) Level {
	switch role {
	case RoleAdmin:
		return LevelAll
	case RoleManager:
		if op == OpRead {
			return LevelAll
		}
		return LevelOwn
	case RoleUser:
		return LevelOwn
	}
	return LevelNone
}

func (p AccessPolicy) roleLevel(role, recordType string, op Operation) Level {
	if l, ok := p.rules[ruleKey{role, recordType, op}]; ok {
		return l
	}
	if l, ok := p.rules[ruleKey{role, AnyType, op}]; ok {
		return l
	}
	return defaultLevel(role, op)
}

// Level returns the highest level any of the roles grants for op on recordType. RoleUser always counts.
func (p AccessPolicy) Level(roles []string, recordType string, op Operation) Level {
	best := p.roleLevel(RoleUser, recordType, op)
	for _, r := range roles {
		if l := p.roleLevel(r, recordType, op); l > best {
			best = l
		}
	}
	return best
}

// Actor is the user on whose behalf something is done.
type Actor struct {
	TenantID string
	UserID   string
	Roles    []string
}

// IsAdmin reports whether the actor holds the admin role.
func (a Actor) IsAdmin() bool { return a.HasRole(RoleAdmin) }

// HasRole reports whether the actor holds role.
func (a Actor) HasRole(role string) bool {
	for _, r := range a.Roles {
		if r == role {
			return true
		}
	}
	return role == RoleUser
}

// Permits reports whether level lets actor act on something owned by ownerID.
func (a Actor) Permits(level Level, ownerID string) bool {
	return level == LevelAll || (level == LevelOwn && a.UserID != "" && ownerID == a.UserID)
}

// Can reports whether the actor may do op on a record of recordType owned by ownerID.
func (p AccessPolicy) Can(a Actor, recordType string, op Operation, ownerID string) bool {
	return a.Permits(p.Level(a.Roles, recordType, op), ownerID)
}
