package store_test

import (
	"context"
	"fmt"
	"reflect"
	"testing"

	"github.com/crmsync/crmsync/internal/crm"
	"github.com/crmsync/crmsync/internal/store"
	"github.com/crmsync/crmsync/internal/store/storetest"
)

func TestFieldMappingsStore(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		f := storetest.NewTenant(t, s, "alice@contoso.test")
		other := storetest.NewTenant(t, s, "eve@fabrikam.test")
		direction := func(tenantID, kind, field string) string {
			maps, err := s.FieldMappings(ctx, tenantID)
			if err != nil {
				t.Fatal(err)
			}
			for _, m := range maps {
				if m.ItemKind == kind && m.CRMField == field {
					return m.Direction
				}
			}
			t.Fatalf("no mapping %s.%s", kind, field)
			return ""
		}
		if maps, _ := s.FieldMappings(ctx, f.Tenant.ID); !reflect.DeepEqual(maps, crm.DefaultFieldMappings()) {
			t.Fatalf("a new tenant's mappings are not the defaults")
		}
		changes, err := crm.DecodeFieldMappingChanges([]byte(`[{"itemKind":"contact","crmField":"phone","direction":"to_outlook"},{"itemKind":"task","crmField":"body","direction":"none"}]`))
		if err != nil {
			t.Fatal(err)
		}
		if _, err := s.SetFieldMappings(ctx, f.Tenant.ID, changes); err != nil {
			t.Fatal(err)
		}
		if d := direction(f.Tenant.ID, "contact", "phone"); d != crm.DirectionToOutlook {
			t.Errorf("contact.phone = %s", d)
		}
		if d := direction(f.Tenant.ID, "task", "body"); d != crm.DirectionNone {
			t.Errorf("task.body = %s", d)
		}
		if d := direction(other.Tenant.ID, "contact", "phone"); d != crm.DirectionTwoWay {
			t.Errorf("another tenant's contact.phone = %s", d)
		}
		// Back to the default, and again: no row is left behind or doubled.
		back, _ := crm.DecodeFieldMappingChanges([]byte(`{"itemKind":"contact","crmField":"phone","direction":"two_way"}`))
		for range 2 {
			if _, err := s.SetFieldMappings(ctx, f.Tenant.ID, back); err != nil {
				t.Fatal(err)
			}
		}
		if d := direction(f.Tenant.ID, "contact", "phone"); d != crm.DirectionTwoWay {
			t.Errorf("contact.phone after reset = %s", d)
		}
	})
}

func TestFieldPermissionsStore(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		f := storetest.NewTenant(t, s, "alice@contoso.test")
		other := storetest.NewTenant(t, s, "eve@fabrikam.test")
		if _, err := s.CreateEntityType(ctx, f.Tenant.ID, crm.EntityType{Name: "deal", Fields: []crm.Field{
			{Name: "title", Kind: crm.KindText}, {Name: "margin", Kind: crm.KindNumber, Secured: true}}}); err != nil {
			t.Fatal(err)
		}
		grants := []crm.FieldPermission{
			{Role: crm.RoleManager, RecordType: "deal", Field: "margin", Read: true, Update: true},
			{Role: crm.RoleUser, RecordType: "deal", Field: "margin"}, // grants nothing: not stored
		}
		stored, err := s.ReplaceFieldPermissions(ctx, f.Tenant.ID, grants)
		if err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(stored, grants[:1]) {
			t.Fatalf("stored = %+v", stored)
		}
		deal, _ := s.EntityType(ctx, f.Tenant.ID, "deal")
		fs, err := s.FieldSecurity(ctx, f.Tenant.ID)
		if err != nil {
			t.Fatal(err)
		}
		if !fs.Can([]string{crm.RoleManager}, deal, "margin", crm.OpRead) || fs.Can(nil, deal, "margin", crm.OpRead) {
			t.Error("the stored grants do not decide")
		}

		// An invalid set changes nothing.
		_, err = s.ReplaceFieldPermissions(ctx, f.Tenant.ID, []crm.FieldPermission{{Role: crm.RoleUser, RecordType: "deal", Field: "title", Read: true}})
		wantCode(t, err, crm.CodeInvalid)
		if again, _ := s.FieldPermissions(ctx, f.Tenant.ID); !reflect.DeepEqual(again, stored) {
			t.Fatalf("after a refused replace: %+v", again)
		}
		// Another tenant has no such type, so it cannot grant it; and sees none of these grants.
		_, err = s.ReplaceFieldPermissions(ctx, other.Tenant.ID, grants[:1])
		wantCode(t, err, crm.CodeInvalid)
		if theirs, _ := s.FieldPermissions(ctx, other.Tenant.ID); len(theirs) != 0 {
			t.Fatalf("the other tenant's grants = %+v", theirs)
		}
		// An empty set removes every grant.
		if cleared, err := s.ReplaceFieldPermissions(ctx, f.Tenant.ID, nil); err != nil || len(cleared) != 0 {
			t.Fatalf("cleared = %+v, %v", cleared, err)
		}
	})
}

func TestAccessLevelsStore(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		f := storetest.NewTenant(t, s, "alice@contoso.test")
		levels := []crm.AccessLevel{
			{Role: crm.RoleUser, RecordType: "account", Operation: "read", Level: "all"},
			{Role: crm.RoleManager, RecordType: "*", Operation: "delete", Level: "none"},
		}
		stored, err := s.ReplaceAccessLevels(ctx, f.Tenant.ID, levels)
		if err != nil {
			t.Fatal(err)
		}
		if len(stored) != 2 {
			t.Fatalf("stored = %+v", stored)
		}
		policy, _ := s.AccessPolicy(ctx, f.Tenant.ID)
		if policy.Level(nil, "account", crm.OpRead) != crm.LevelAll || policy.Level([]string{crm.RoleManager}, "case", crm.OpDelete) != crm.LevelOwn {
			t.Errorf("policy does not follow the stored levels")
		}
		_, err = s.ReplaceAccessLevels(ctx, f.Tenant.ID, []crm.AccessLevel{{Role: crm.RoleUser, RecordType: "invoice", Operation: "read", Level: "all"}})
		wantCode(t, err, crm.CodeInvalid)
		if again, _ := s.AccessLevels(ctx, f.Tenant.ID); !reflect.DeepEqual(again, stored) {
			t.Fatalf("after a refused replace: %+v", again)
		}
		if cleared, err := s.ReplaceAccessLevels(ctx, f.Tenant.ID, []crm.AccessLevel{}); err != nil || len(cleared) != 0 {
			t.Fatalf("cleared = %v, %v", cleared, err)
		}
		policy, _ = s.AccessPolicy(ctx, f.Tenant.ID)
		if got := fmt.Sprint(policy.Level(nil, "account", crm.OpRead)); got != "own" {
			t.Errorf("after clearing, user reads %s accounts", got)
		}
	})
}

// Admins may secure built-in fields, except those a record's name is derived from.
func TestBuiltInFieldsCanBeSecured(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		f := storetest.NewTenant(t, s, "alice@contoso.test")
		contact, _ := s.EntityType(ctx, f.Tenant.ID, "contact")
		for i := range contact.Fields {
			if contact.Fields[i].Name == "phone" {
				contact.Fields[i].Secured = true
			}
		}
		updated, err := s.UpdateEntityType(ctx, f.Tenant.ID, contact)
		if err != nil {
			t.Fatal(err)
		}
		if phone, _ := updated.Field("phone"); !phone.Secured || !phone.BuiltIn {
			t.Fatalf("phone = %+v", phone)
		}
		for i := range contact.Fields {
			if contact.Fields[i].Name == "lastName" {
				contact.Fields[i].Secured = true
			}
		}
		_, err = s.UpdateEntityType(ctx, f.Tenant.ID, contact)
		wantCode(t, err, crm.CodeInvalid)
	})
}
