package crm

import (
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"strconv"
)

// FieldPermission is a field security profile's grant: what one role may do with one secured field of a
// record type. A secured field is hidden from, and closed to, every role without a grant; admins always
// have every grant, as Dynamics' System Administrator does.
type FieldPermission struct {
	Role       string `json:"role"`
	RecordType string `json:"recordType"`
	Field      string `json:"field"`
	Read       bool   `json:"read"`
	Create     bool   `json:"create"`
	Update     bool   `json:"update"`
}

type fieldKey struct{ role, recordType, field string }

// FieldSecurity decides who may read, create and update secured fields.
type FieldSecurity struct {
	grants map[fieldKey]FieldPermission
}

// NewFieldSecurity builds the decision from a tenant's stored grants.
func NewFieldSecurity(perms []FieldPermission) FieldSecurity {
	fs := FieldSecurity{grants: make(map[fieldKey]FieldPermission, len(perms))}
	for _, p := range perms {
		fs.grants[fieldKey{p.Role, p.RecordType, p.Field}] = p
	}
	return fs
}

// HasSecuredFields reports whether any field of t is secured, that is whether field security can change
// anything for it.
func (t EntityType) HasSecuredFields() bool {
	return slices.ContainsFunc(t.Fields, func(f Field) bool { return f.Secured })
}

// Can reports whether a user holding roles may do op (OpRead, OpCreate or OpUpdate) with the field of t.
// Fields that are not secured are open; RoleUser counts for everyone.
func (fs FieldSecurity) Can(roles []string, t EntityType, field string, op Operation) bool {
	f, ok := t.Field(field)
	if !ok || !f.Secured || slices.Contains(roles, RoleAdmin) {
		return true
	}
	for _, role := range append([]string{RoleUser}, roles...) {
		g := fs.grants[fieldKey{role, t.Name, field}]
		if (op == OpRead && g.Read) || (op == OpCreate && g.Create) || (op == OpUpdate && g.Update) {
			return true
		}
	}
	return false
}

// Redact returns rec without the secured fields the roles may not read; rec itself is not changed.
func (fs FieldSecurity) Redact(roles []string, t EntityType, rec Record) Record {
	var hidden []string
	for name := range rec.Fields {
		if !fs.Can(roles, t, name, OpRead) {
			hidden = append(hidden, name)
		}
	}
	if len(hidden) == 0 {
		return rec
	}
	rec.Fields = maps.Clone(rec.Fields)
	for _, name := range hidden {
		delete(rec.Fields, name)
	}
	return rec
}

// KeepUnseen completes a full replace (PUT) of a record: a secured field the roles may not both read and
// update keeps its current value when the input leaves it out, instead of being cleared by someone who
// could not see or change it. It returns the input to use; in is not changed.
func (fs FieldSecurity) KeepUnseen(roles []string, t EntityType, in RecordInput, current map[string]any) RecordInput {
	cloned := false
	for _, f := range t.Fields {
		if _, given := in.Fields[f.Name]; given || current[f.Name] == nil {
			continue
		}
		if !fs.Can(roles, t, f.Name, OpRead) || !fs.Can(roles, t, f.Name, OpUpdate) {
			if !cloned {
				in.Fields, cloned = maps.Clone(in.Fields), true
				if in.Fields == nil {
					in.Fields = map[string]any{}
				}
			}
			in.Fields[f.Name] = current[f.Name]
		}
	}
	return in
}

// CheckWrite refuses a write that would set (create: before is nil) or change (update) a secured field
// the roles may not create or update. after holds the normalized fields the write would store.
func (fs FieldSecurity) CheckWrite(roles []string, t EntityType, before, after map[string]any) error {
	op := OpUpdate
	if before == nil {
		op = OpCreate
	}
	for _, f := range t.Fields {
		if !f.Secured || fs.Can(roles, t, f.Name, op) {
			continue
		}
		if op == OpCreate && after[f.Name] != nil {
			return Forbidden("the field %s of %s is secured: your security profile does not let you set it", f.Name, t.Name)
		}
		if op == OpUpdate && !sameValue(before[f.Name], after[f.Name]) {
			return Forbidden("the field %s of %s is secured: your security profile does not let you change it", f.Name, t.Name)
		}
	}
	return nil
}

func sameValue(a, b any) bool {
	ja, errA := json.Marshal(a)
	jb, errB := json.Marshal(b)
	return errA == nil && errB == nil && string(ja) == string(jb)
}

// FieldSecurityRoles are the roles that can hold field grants; admins hold them all anyway.
var FieldSecurityRoles = []string{RoleUser, RoleManager}

// CheckFieldPermissions validates a whole set of grants against the tenant's record types: known roles,
// secured fields, no grant twice. Errors point into the body at /items/<i>/….
func CheckFieldPermissions(perms []FieldPermission, types []EntityType) error {
	byName := map[string]EntityType{}
	for _, t := range types {
		byName[t.Name] = t
	}
	var errs []FieldError
	seen := map[fieldKey]bool{}
	for i, p := range perms {
		at := "/items/" + strconv.Itoa(i)
		switch {
		case p.Role == RoleAdmin:
			errs = append(errs, FieldError{at + "/role", RoleAdmin + " always has every grant"})
			continue
		case !slices.Contains(FieldSecurityRoles, p.Role):
			errs = append(errs, FieldError{at + "/role", "must be user (everyone) or " + RoleManager})
			continue
		}
		t, ok := byName[p.RecordType]
		if !ok {
			errs = append(errs, FieldError{at + "/recordType", fmt.Sprintf("there is no record type %q", p.RecordType)})
			continue
		}
		f, ok := t.Field(p.Field)
		switch {
		case !ok:
			errs = append(errs, FieldError{at + "/field", fmt.Sprintf("%s has no field %q", t.Name, p.Field)})
			continue
		case !f.Secured:
			errs = append(errs, FieldError{at + "/field", fmt.Sprintf("%s.%s is not secured: mark it secured in the record type first", t.Name, p.Field)})
			continue
		}
		key := fieldKey{p.Role, p.RecordType, p.Field}
		if seen[key] {
			errs = append(errs, FieldError{at, fmt.Sprintf("%s has a grant for %s.%s already", p.Role, p.RecordType, p.Field)})
		}
		seen[key] = true
	}
	if len(errs) > 0 {
		return Invalid("the field security profiles are not valid at "+errs[0].Field+": "+errs[0].Message, errs...)
	}
	return nil
}

// AccessLevel is a stored access rule as admins read and write it.
type AccessLevel struct {
	Role       string `json:"role"`
	RecordType string `json:"recordType"`
	Operation  string `json:"operation"`
	Level      string `json:"level"`
}

// AccessLevelOf shows a rule.
func AccessLevelOf(r AccessRule) AccessLevel {
	return AccessLevel{Role: r.Role, RecordType: r.RecordType, Operation: string(r.Operation), Level: r.Level.String()}
}

// AccessRoles are the roles access rules are given for.
var AccessRoles = []string{RoleUser, RoleManager, RoleAdmin}

// DefaultAccessLevels lists the built-in levels of each role, for every record type (AnyType).
func DefaultAccessLevels() []AccessLevel {
	var out []AccessLevel
	for _, role := range AccessRoles {
		for _, op := range Operations {
			out = append(out, AccessLevel{Role: role, RecordType: AnyType, Operation: string(op), Level: defaultLevel(role, op).String()})
		}
	}
	return out
}

// CheckAccessLevels validates a whole set of access rules against the tenant's record type names
// (activity types and AnyType are always known) and returns them as rules. Errors point into the body at
// /items/<i>/….
func CheckAccessLevels(levels []AccessLevel, typeNames []string) ([]AccessRule, error) {
	var errs []FieldError
	var rules []AccessRule
	seen := map[ruleKey]bool{}
	for i, l := range levels {
		at := "/items/" + strconv.Itoa(i)
		n := len(errs)
		if !slices.Contains(AccessRoles, l.Role) {
			errs = append(errs, FieldError{at + "/role", "must be user (everyone), " + RoleManager + " or " + RoleAdmin})
		}
		if l.RecordType != AnyType && !IsActivityType(l.RecordType) && !slices.Contains(typeNames, l.RecordType) {
			errs = append(errs, FieldError{at + "/recordType", fmt.Sprintf("there is no record type %q (use * for every type)", l.RecordType)})
		}
		if !slices.Contains(Operations, Operation(l.Operation)) {
			errs = append(errs, FieldError{at + "/operation", "must be read, create, update or delete"})
		}
		level, err := ParseLevel(l.Level)
		if err != nil {
			errs = append(errs, FieldError{at + "/level", "must be none, own or all"})
		}
		if len(errs) > n {
			continue
		}
		key := ruleKey{l.Role, l.RecordType, Operation(l.Operation)}
		if seen[key] {
			errs = append(errs, FieldError{at, fmt.Sprintf("%s has a level for %s %s already", l.Role, l.Operation, l.RecordType)})
			continue
		}
		seen[key] = true
		rules = append(rules, AccessRule{Role: l.Role, RecordType: l.RecordType, Operation: Operation(l.Operation), Level: level})
	}
	if len(errs) > 0 {
		return nil, Invalid("the access levels are not valid at "+errs[0].Field+": "+errs[0].Message, errs...)
	}
	return rules, nil
}
