// Package demo seeds local mode: the demo tenant "Contoso (demo)", its users alice (admin) and bob, and
// CRM records whose people and companies write the demo mailbox's mail, so that tracking an email in the
// sandbox resolves its parties to records at once.
package demo

import (
	"context"
	"fmt"

	"github.com/crmsync/crmsync/internal/crm"
	"github.com/crmsync/crmsync/internal/identity"
	"github.com/crmsync/crmsync/internal/store"
)

// TenantName is the demo tenant's display name.
const TenantName = "Contoso (demo)"

// The demo users.
const (
	Alice = "alice@contoso.test"
	Bob   = "bob@contoso.test"
)

// DefaultRoles returns the app roles a demo user's development token carries unless told otherwise.
func DefaultRoles(upn string) []string {
	if upn == Alice {
		return []string{identity.RoleAdmin}
	}
	return nil
}

type seedRecord struct {
	key, typ, owner string
	name            string
	fields          map[string]any
	refs            map[string]string // field → key of an earlier record
}

var records = []seedRecord{
	{key: "fabrikam", typ: crm.TypeAccount, owner: Alice, name: "Fabrikam, Inc.", fields: map[string]any{"email": "info@fabrikam.test", "phone": "+1 425 555 0100", "website": "https://www.fabrikam.test"}},
	{key: "northwind", typ: crm.TypeAccount, owner: Alice, name: "Northwind Traders", fields: map[string]any{"email": "orders@northwindtraders.test", "phone": "+1 206 555 0142", "website": "https://northwindtraders.test"}},
	{key: "adventure", typ: crm.TypeAccount, owner: Bob, name: "Adventure Works Cycles", fields: map[string]any{"email": "hello@adventure-works.test", "website": "https://adventure-works.test"}},
	{key: "litware", typ: crm.TypeAccount, owner: Alice, name: "Litware, Inc.", fields: map[string]any{"email": "contact@litware.test"}},
	{key: "dana", typ: crm.TypeContact, owner: Alice, fields: map[string]any{"firstName": "Dana", "lastName": "Whitfield", "email": "dana.whitfield@fabrikam.test", "phone": "+1 425 555 0117"}, refs: map[string]string{"accountId": "fabrikam"}},
	{key: "marco", typ: crm.TypeContact, owner: Alice, fields: map[string]any{"firstName": "Marco", "lastName": "Rossi", "email": "marco.rossi@northwindtraders.test"}, refs: map[string]string{"accountId": "northwind"}},
	{key: "priya", typ: crm.TypeContact, owner: Bob, fields: map[string]any{"firstName": "Priya", "lastName": "Natarajan", "email": "priya.natarajan@adventure-works.test"}, refs: map[string]string{"accountId": "adventure"}},
	{key: "jonas", typ: crm.TypeContact, owner: Alice, fields: map[string]any{"firstName": "Jonas", "lastName": "Berg", "email": "jonas.berg@litware.test"}, refs: map[string]string{"accountId": "litware"}},
	{key: "kenji", typ: crm.TypeLead, owner: Alice, fields: map[string]any{"firstName": "Kenji", "lastName": "Watanabe", "company": "Wingtip Toys", "email": "kenji.watanabe@wingtiptoys.test"}},
	{key: "sofia", typ: crm.TypeLead, owner: Bob, fields: map[string]any{"firstName": "Sofia", "lastName": "Alvarez", "company": "Tailspin Toys", "email": "sofia.alvarez@tailspintoys.test"}},
	{key: "fleet", typ: crm.TypeOpportunity, owner: Alice, name: "Fabrikam fleet renewal: 200 e-bikes", fields: map[string]any{"estimatedValue": 48000.0, "closeDate": "2027-03-31"}, refs: map[string]string{"accountId": "fabrikam"}},
	{key: "delay", typ: crm.TypeCase, owner: Alice, fields: map[string]any{"title": "Northwind: spring order delivered late", "priority": "high", "status": "active"}, refs: map[string]string{"customerId": "northwind"}},
}

// Seed onboards the demo tenant and its users, and adds the demo records when the tenant has none yet,
// so that restarting keeps what a developer changed.
func Seed(ctx context.Context, s *store.Store) error {
	if _, err := s.EnsureTenant(ctx, identity.DevTenantID, TenantName); err != nil {
		return fmt.Errorf("seed demo tenant: %w", err)
	}
	owners := map[string]string{}
	for _, upn := range []string{Alice, Bob} {
		u, err := s.UserByObjectID(ctx, identity.DevTenantID, identity.DevObjectID(identity.DevTenantID, upn))
		if crm.IsNotFound(err) {
			u, err = s.UserOnSight(ctx, crm.User{TenantID: identity.DevTenantID, ObjectID: identity.DevObjectID(identity.DevTenantID, upn),
				UPN: upn, Email: upn, DisplayName: DisplayName(upn), Roles: DefaultRoles(upn)})
		}
		if err != nil {
			return fmt.Errorf("seed demo user %s: %w", upn, err)
		}
		owners[upn] = u.ID
	}
	n, err := s.CountRecords(ctx, identity.DevTenantID, "")
	if err != nil || n > 0 {
		return err
	}
	ids := map[string]string{}
	for _, r := range records {
		in := crm.RecordInput{Fields: map[string]any{}}
		if r.name != "" {
			in.Name = &r.name
		}
		for k, v := range r.fields {
			in.Fields[k] = v
		}
		for field, key := range r.refs {
			in.Fields[field] = ids[key]
		}
		rec, err := s.CreateRecord(ctx, identity.DevTenantID, r.typ, owners[r.owner], in)
		if err != nil {
			return fmt.Errorf("seed demo %s %s: %w", r.typ, r.key, err)
		}
		ids[r.key] = rec.ID
	}
	return nil
}

// DisplayName is the name a demo user goes by.
func DisplayName(upn string) string {
	switch upn {
	case Alice:
		return "Alice Johnson"
	case Bob:
		return "Bob Kelly"
	}
	return upn
}
