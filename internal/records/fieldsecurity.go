package records

import (
	"context"

	"github.com/crmsync/crmsync/internal/crm"
	"github.com/crmsync/crmsync/internal/store"
)

// Rules is Access with field security: everything that decides what one actor may see and do with their
// tenant's records, read once and applied to as many records as a request or a synchronization pass
// touches. Secured fields the actor may not read are left out of every record they get; a write that
// sets or changes a secured field they may not create or update is refused before anything is stored.
type Rules struct {
	Access
	types    []crm.EntityType
	byName   map[string]crm.EntityType
	perms    []crm.FieldPermission
	security crm.FieldSecurity
	// open: field security changes nothing for this actor (an admin, or no secured field in the tenant).
	open bool
}

// Rules loads the actor's access, their tenant's record types and its field security.
func (s *Service) Rules(ctx context.Context, actor crm.Actor) (Rules, error) {
	access, err := s.Access(ctx, actor)
	if err != nil {
		return Rules{}, err
	}
	types, err := s.store.EntityTypes(ctx, actor.TenantID)
	if err != nil {
		return Rules{}, err
	}
	perms, err := s.store.FieldPermissions(ctx, actor.TenantID)
	if err != nil {
		return Rules{}, err
	}
	r := Rules{Access: access, types: types, byName: make(map[string]crm.EntityType, len(types)), perms: perms,
		security: crm.NewFieldSecurity(perms), open: true}
	for _, t := range types {
		r.byName[t.Name] = t
		if t.HasSecuredFields() {
			r.open = false
		}
	}
	if actor.IsAdmin() {
		r.open = true
	}
	return r, nil
}

// FieldPermissions are the tenant's field security grants the rules were built from.
func (r Rules) FieldPermissions() []crm.FieldPermission { return r.perms }

// EntityType returns one of the tenant's record types.
func (r Rules) EntityType(name string) (crm.EntityType, error) {
	t, ok := r.byName[name]
	if !ok {
		return crm.EntityType{}, crm.NotFound("there is no record type %q", name)
	}
	return t, nil
}

func (r Rules) typeNames() []string {
	names := make([]string, len(r.types))
	for i, t := range r.types {
		names[i] = t.Name
	}
	return names
}

// FieldReadable reports whether the actor may read the field of records of typ (activity types have no
// secured fields).
func (r Rules) FieldReadable(typ, field string) bool {
	t, ok := r.byName[typ]
	return r.open || !ok || r.security.Can(r.actor.Roles, t, field, crm.OpRead)
}

// FieldWritable reports whether the actor may change the field of a record or activity of typ owned by
// ownerID: their role must let them update it, and their field security let them update the field.
func (r Rules) FieldWritable(typ, ownerID, field string) bool {
	if !r.Can(crm.OpUpdate, typ, ownerID) {
		return false
	}
	t, ok := r.byName[typ]
	return r.open || !ok || r.security.Can(r.actor.Roles, t, field, crm.OpUpdate)
}

// WithAccess returns t with each field's Access for the actor, by their field security.
func (r Rules) WithAccess(t crm.EntityType) crm.EntityType {
	fields := make([]crm.Field, len(t.Fields))
	for i, f := range t.Fields {
		can := func(op crm.Operation) bool { return r.open || r.security.Can(r.actor.Roles, t, f.Name, op) }
		f.Access = &crm.FieldAccess{Read: can(crm.OpRead), Create: can(crm.OpCreate), Update: can(crm.OpUpdate)}
		fields[i] = f
	}
	t.Fields = fields
	return t
}

// Redact leaves out of rec the secured fields the actor may not read.
func (r Rules) Redact(rec crm.Record) crm.Record {
	if r.open {
		return rec
	}
	t, ok := r.byName[rec.Type]
	if !ok {
		return rec
	}
	return r.security.Redact(r.actor.Roles, t, rec)
}

// RedactAll is Redact of each record.
func (r Rules) RedactAll(recs []crm.Record) []crm.Record {
	if r.open {
		return recs
	}
	out := make([]crm.Record, len(recs))
	for i, rec := range recs {
		out[i] = r.Redact(rec)
	}
	return out
}

// HiddenEmailFields are the email fields the actor may not read: a search must not match their values,
// or it would tell who has which address.
func (r Rules) HiddenEmailFields() []store.TypeField {
	if r.open {
		return nil
	}
	var out []store.TypeField
	for _, t := range r.types {
		for _, f := range t.Fields {
			if f.IsEmail() && !r.security.Can(r.actor.Roles, t, f.Name, crm.OpRead) {
				out = append(out, store.TypeField{Type: t.Name, Field: f.Name})
			}
		}
	}
	return out
}

// hiddenFields names ("type.field") the secured fields of types the actor may not read.
func (r Rules) hiddenFields(types []crm.EntityType) []string {
	if r.open {
		return nil
	}
	var hidden []string
	for _, t := range types {
		for _, f := range t.Fields {
			if f.Secured && !r.security.Can(r.actor.Roles, t, f.Name, crm.OpRead) {
				hidden = append(hidden, t.Name+"."+f.Name)
			}
		}
	}
	return hidden
}

// CheckCreate refuses a new record of t that sets a secured field the actor may not create. It validates
// the input as the store will, so that what is checked is what would be stored.
func (r Rules) CheckCreate(t crm.EntityType, in crm.RecordInput) error {
	if r.open {
		return nil
	}
	norm, err := t.Normalize(in, nil)
	if err != nil {
		return err
	}
	return r.security.CheckWrite(r.actor.Roles, t, nil, norm.Fields)
}

// PrepareUpdate returns the input to store for an update of current, and refuses one that changes a
// secured field the actor may not update. A full replace keeps the secured fields the actor may not read
// or update when it leaves them out, rather than clearing what they could not see.
func (r Rules) PrepareUpdate(t crm.EntityType, current crm.Record, in crm.RecordInput, merge bool) (crm.RecordInput, error) {
	if r.open {
		return in, nil
	}
	var base map[string]any
	if merge {
		base = current.Fields
	} else {
		in = r.security.KeepUnseen(r.actor.Roles, t, in, current.Fields)
	}
	probe := in
	if merge && probe.Name == nil && len(t.NameFrom) == 0 {
		probe.Name = &current.Name // as the store does for a merge
	}
	norm, err := t.Normalize(probe, base)
	if err != nil {
		return crm.RecordInput{}, err
	}
	if err := r.security.CheckWrite(r.actor.Roles, t, current.Fields, norm.Fields); err != nil {
		return crm.RecordInput{}, err
	}
	return in, nil
}
