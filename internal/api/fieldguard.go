package api

import (
	"github.com/gin-gonic/gin"

	"github.com/crmsync/crmsync/internal/crm"
	"github.com/crmsync/crmsync/internal/store"
)

// fieldGuard applies field security to the records one caller reads and writes: secured fields they may
// not read are left out of every record they get, and a write that sets or changes a secured field they
// may not create or update is refused before anything is stored.
type fieldGuard struct {
	roles    []string
	types    map[string]crm.EntityType
	security crm.FieldSecurity
	open     bool // nothing to guard: an admin, or no secured field among the types
}

// fieldGuard loads what is needed to guard records of types; the field security profiles are read only
// when one of the types has a secured field and the caller is not an admin.
func (s *Server) fieldGuard(c *gin.Context, types ...crm.EntityType) (fieldGuard, error) {
	who := callerOf(c)
	g := fieldGuard{roles: who.Roles, types: make(map[string]crm.EntityType, len(types)), open: true}
	for _, t := range types {
		g.types[t.Name] = t
		if t.HasSecuredFields() {
			g.open = false
		}
	}
	if who.IsAdmin() {
		g.open = true
	}
	if g.open {
		return g, nil
	}
	fs, err := s.deps.Store.FieldSecurity(c.Request.Context(), who.TenantID)
	if err != nil {
		return fieldGuard{}, err
	}
	g.security = fs
	return g, nil
}

// allTypesGuard guards records of any of the tenant's types (searches). Admins need no types.
func (s *Server) allTypesGuard(c *gin.Context) (fieldGuard, error) {
	if callerOf(c).IsAdmin() {
		return fieldGuard{open: true}, nil
	}
	types, err := s.deps.Store.EntityTypes(c.Request.Context(), callerOf(c).TenantID)
	if err != nil {
		return fieldGuard{}, err
	}
	return s.fieldGuard(c, types...)
}

// hiddenEmailFields are the email fields the caller may not read: a search must not match their values,
// or it would tell who has which address.
func (g fieldGuard) hiddenEmailFields() []store.TypeField {
	if g.open {
		return nil
	}
	var out []store.TypeField
	for _, t := range g.types {
		for _, f := range t.Fields {
			if f.IsEmail() && !g.security.Can(g.roles, t, f.Name, crm.OpRead) {
				out = append(out, store.TypeField{Type: t.Name, Field: f.Name})
			}
		}
	}
	return out
}

// redact leaves out the secured fields the caller may not read.
func (g fieldGuard) redact(rec crm.Record) crm.Record {
	if g.open {
		return rec
	}
	t, ok := g.types[rec.Type]
	if !ok {
		return rec
	}
	return g.security.Redact(g.roles, t, rec)
}

func (g fieldGuard) redactAll(recs []crm.Record) []crm.Record {
	if g.open {
		return recs
	}
	out := make([]crm.Record, len(recs))
	for i, r := range recs {
		out[i] = g.redact(r)
	}
	return out
}

// checkCreate refuses a new record of t that sets a secured field the caller may not create. It
// validates the input as the store will, so that what is checked is what would be stored.
func (g fieldGuard) checkCreate(t crm.EntityType, in crm.RecordInput) error {
	if g.open {
		return nil
	}
	norm, err := t.Normalize(in, nil)
	if err != nil {
		return err
	}
	return g.security.CheckWrite(g.roles, t, nil, norm.Fields)
}

// prepareUpdate returns the input to store for an update of current, and refuses one that changes a
// secured field the caller may not update. A full replace keeps the secured fields the caller may not
// read or update when it leaves them out, rather than clearing what they could not see.
func (g fieldGuard) prepareUpdate(t crm.EntityType, current crm.Record, in crm.RecordInput, merge bool) (crm.RecordInput, error) {
	if g.open {
		return in, nil
	}
	var base map[string]any
	if merge {
		base = current.Fields
	} else {
		in = g.security.KeepUnseen(g.roles, t, in, current.Fields)
	}
	probe := in
	if merge && probe.Name == nil && len(t.NameFrom) == 0 {
		probe.Name = &current.Name // as the store does for a merge
	}
	norm, err := t.Normalize(probe, base)
	if err != nil {
		return crm.RecordInput{}, err
	}
	if err := g.security.CheckWrite(g.roles, t, current.Fields, norm.Fields); err != nil {
		return crm.RecordInput{}, err
	}
	return in, nil
}

// redactRecord leaves out of one record the secured fields the caller may not read (records shown
// beside tracking results). When the rules cannot be read, it shows no fields at all.
func (s *Server) redactRecord(c *gin.Context, rec crm.Record) crm.Record {
	if callerOf(c).IsAdmin() {
		return rec
	}
	t, err := s.deps.Store.EntityType(c.Request.Context(), callerOf(c).TenantID, rec.Type)
	if err == nil {
		var g fieldGuard
		if g, err = s.fieldGuard(c, t); err == nil {
			return g.redact(rec)
		}
	}
	rec.Fields = map[string]any{}
	return rec
}
