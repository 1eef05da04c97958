package crm_test

import (
	"reflect"
	"testing"

	"github.com/crmsync/crmsync/internal/crm"
)

// deal has a secured field (margin) beside an open one (title).
var deal = crm.EntityType{Name: "deal", Fields: []crm.Field{
	{Name: "title", Kind: crm.KindText},
	{Name: "margin", Kind: crm.KindNumber, Secured: true},
	{Name: "notes", Kind: crm.KindText, Secured: true},
}}

func TestFieldSecurityCan(t *testing.T) {
	fs := crm.NewFieldSecurity([]crm.FieldPermission{
		{Role: crm.RoleManager, RecordType: "deal", Field: "margin", Read: true, Update: true},
		{Role: crm.RoleUser, RecordType: "deal", Field: "notes", Read: true},
	})
	tests := []struct {
		name  string
		roles []string
		field string
		op    crm.Operation
		want  bool
	}{
		{name: "open field", roles: nil, field: "title", op: crm.OpUpdate, want: true},
		{name: "unknown field is not secured", roles: nil, field: "other", op: crm.OpRead, want: true},
		{name: "secured, no grant", roles: nil, field: "margin", op: crm.OpRead, want: false},
		{name: "manager's read grant", roles: []string{crm.RoleManager}, field: "margin", op: crm.OpRead, want: true},
		{name: "manager's update grant", roles: []string{crm.RoleManager}, field: "margin", op: crm.OpUpdate, want: true},
		{name: "manager has no create grant", roles: []string{crm.RoleManager}, field: "margin", op: crm.OpCreate, want: false},
		{name: "the user grant counts for everyone", roles: []string{crm.RoleManager}, field: "notes", op: crm.OpRead, want: true},
		{name: "user grant is read only", roles: nil, field: "notes", op: crm.OpUpdate, want: false},
		{name: "admins always", roles: []string{crm.RoleAdmin}, field: "margin", op: crm.OpCreate, want: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := fs.Can(tt.roles, deal, tt.field, tt.op); got != tt.want {
				t.Errorf("Can = %v, want %v", got, tt.want)
			}
		})
	}
}

func TestFieldSecurityRedactAndWrite(t *testing.T) {
	fs := crm.NewFieldSecurity([]crm.FieldPermission{{Role: crm.RoleManager, RecordType: "deal", Field: "margin", Read: true}})
	rec := crm.Record{Type: "deal", Fields: map[string]any{"title": "Fleet", "margin": 0.3, "notes": "secret"}}

	if got := fs.Redact(nil, deal, rec).Fields; !reflect.DeepEqual(got, map[string]any{"title": "Fleet"}) {
		t.Errorf("user sees %v", got)
	}
	if got := fs.Redact([]string{crm.RoleManager}, deal, rec).Fields; !reflect.DeepEqual(got, map[string]any{"title": "Fleet", "margin": 0.3}) {
		t.Errorf("manager sees %v", got)
	}
	if got := fs.Redact([]string{crm.RoleAdmin}, deal, rec).Fields; len(got) != 3 {
		t.Errorf("admin sees %v", got)
	}
	if len(rec.Fields) != 3 {
		t.Errorf("Redact changed its argument: %v", rec.Fields)
	}

	tests := []struct {
		name          string
		roles         []string
		before, after map[string]any
		wantForbidden bool
	}{
		{name: "create without secured fields", after: map[string]any{"title": "x"}},
		{name: "create setting a secured field", after: map[string]any{"title": "x", "margin": 0.1}, wantForbidden: true},
		{name: "admin creates with it", roles: []string{crm.RoleAdmin}, after: map[string]any{"margin": 0.1}},
		{name: "update keeping it", before: rec.Fields, after: map[string]any{"title": "y", "margin": 0.3, "notes": "secret"}},
		{name: "update changing it", before: rec.Fields, after: map[string]any{"title": "Fleet", "margin": 0.5, "notes": "secret"}, wantForbidden: true},
		{name: "update clearing it", before: rec.Fields, after: map[string]any{"title": "Fleet", "notes": "secret"}, wantForbidden: true},
		{name: "manager may read but not update", roles: []string{crm.RoleManager}, before: rec.Fields, after: map[string]any{"margin": 0.5, "notes": "secret"}, wantForbidden: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := fs.CheckWrite(tt.roles, deal, tt.before, tt.after)
			if tt.wantForbidden != (crm.ErrorCode(err) == crm.CodeForbidden) {
				t.Errorf("CheckWrite = %v, want forbidden %v", err, tt.wantForbidden)
			}
		})
	}

	// A full replace keeps what the caller could not see or change.
	in := crm.RecordInput{Fields: map[string]any{"title": "New"}}
	kept := fs.KeepUnseen(nil, deal, in, rec.Fields)
	if !reflect.DeepEqual(kept.Fields, map[string]any{"title": "New", "margin": 0.3, "notes": "secret"}) || len(in.Fields) != 1 {
		t.Errorf("KeepUnseen = %v (input now %v)", kept.Fields, in.Fields)
	}
	if kept := fs.KeepUnseen([]string{crm.RoleAdmin}, deal, in, rec.Fields); len(kept.Fields) != 1 {
		t.Errorf("admin's replace kept %v", kept.Fields)
	}
}

func TestCheckFieldPermissions(t *testing.T) {
	types := []crm.EntityType{deal, builtIn(t, "contact")}
	tests := []struct {
		name      string
		perms     []crm.FieldPermission
		wantPaths []string
	}{
		{name: "valid", perms: []crm.FieldPermission{{Role: "user", RecordType: "deal", Field: "margin", Read: true}, {Role: "CRM.Manager", RecordType: "deal", Field: "margin", Read: true, Update: true}}},
		{name: "empty", perms: nil},
		{name: "admin role", perms: []crm.FieldPermission{{Role: "CRM.Admin", RecordType: "deal", Field: "margin"}}, wantPaths: []string{"/items/0/role"}},
		{name: "unknown role", perms: []crm.FieldPermission{{Role: "CRM.Auditor", RecordType: "deal", Field: "margin"}}, wantPaths: []string{"/items/0/role"}},
		{name: "unknown type", perms: []crm.FieldPermission{{Role: "user", RecordType: "invoice", Field: "margin"}}, wantPaths: []string{"/items/0/recordType"}},
		{name: "unknown field", perms: []crm.FieldPermission{{Role: "user", RecordType: "deal", Field: "cost"}}, wantPaths: []string{"/items/0/field"}},
		{name: "field not secured", perms: []crm.FieldPermission{{Role: "user", RecordType: "contact", Field: "phone"}}, wantPaths: []string{"/items/0/field"}},
		{name: "twice", perms: []crm.FieldPermission{{Role: "user", RecordType: "deal", Field: "notes"}, {Role: "user", RecordType: "deal", Field: "notes"}}, wantPaths: []string{"/items/1"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := crm.CheckFieldPermissions(tt.perms, types)
			if tt.wantPaths == nil {
				if err != nil {
					t.Fatal(err)
				}
				return
			}
			if paths := invalidFields(t, err); !reflect.DeepEqual(paths, tt.wantPaths) {
				t.Errorf("paths = %v, want %v", paths, tt.wantPaths)
			}
		})
	}
}

func TestCheckAccessLevels(t *testing.T) {
	names := []string{"account", "contact"}
	tests := []struct {
		name      string
		levels    []crm.AccessLevel
		wantPaths []string
	}{
		{name: "valid", levels: []crm.AccessLevel{{Role: "user", RecordType: "account", Operation: "read", Level: "all"},
			{Role: "CRM.Manager", RecordType: "*", Operation: "delete", Level: "none"}, {Role: "user", RecordType: "task", Operation: "create", Level: "own"}}},
		{name: "bad members", levels: []crm.AccessLevel{{Role: "boss", RecordType: "invoice", Operation: "share", Level: "most"}},
			wantPaths: []string{"/items/0/level", "/items/0/operation", "/items/0/recordType", "/items/0/role"}},
		{name: "twice", levels: []crm.AccessLevel{{Role: "user", RecordType: "account", Operation: "read", Level: "all"}, {Role: "user", RecordType: "account", Operation: "read", Level: "own"}},
			wantPaths: []string{"/items/1"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rules, err := crm.CheckAccessLevels(tt.levels, names)
			if tt.wantPaths == nil {
				if err != nil || len(rules) != len(tt.levels) {
					t.Fatalf("rules %v, %v", rules, err)
				}
				return
			}
			if paths := invalidFields(t, err); !reflect.DeepEqual(paths, tt.wantPaths) {
				t.Errorf("paths = %v, want %v", paths, tt.wantPaths)
			}
		})
	}
}

func TestNameCannotComeFromASecuredField(t *testing.T) {
	typ := crm.EntityType{Name: "project", NameFrom: []string{"title"}, Fields: []crm.Field{{Name: "title", Kind: crm.KindText, Secured: true}}}
	if paths := invalidFields(t, typ.Validate()); !reflect.DeepEqual(paths, []string{"nameFrom"}) {
		t.Errorf("paths = %v", paths)
	}
}
