package crm_test

import (
	"testing"

	"github.com/crmsync/crmsync/internal/crm"
)

func TestAccessPolicyDefaults(t *testing.T) {
	own, all := crm.LevelOwn, crm.LevelAll
	tests := []struct {
		name  string
		roles []string
		want  map[crm.Operation]crm.Level
	}{
		{name: "no roles act as user", roles: nil, want: map[crm.Operation]crm.Level{crm.OpRead: own, crm.OpCreate: own, crm.OpUpdate: own, crm.OpDelete: own}},
		{name: "user", roles: []string{crm.RoleUser}, want: map[crm.Operation]crm.Level{crm.OpRead: own, crm.OpCreate: own, crm.OpUpdate: own, crm.OpDelete: own}},
		{name: "manager", roles: []string{crm.RoleManager}, want: map[crm.Operation]crm.Level{crm.OpRead: all, crm.OpCreate: own, crm.OpUpdate: own, crm.OpDelete: own}},
		{name: "admin", roles: []string{crm.RoleAdmin}, want: map[crm.Operation]crm.Level{crm.OpRead: all, crm.OpCreate: all, crm.OpUpdate: all, crm.OpDelete: all}},
		{name: "unknown role grants nothing beyond user", roles: []string{"CRM.Auditor"}, want: map[crm.Operation]crm.Level{crm.OpRead: own, crm.OpCreate: own, crm.OpUpdate: own, crm.OpDelete: own}},
	}
	policy := crm.NewAccessPolicy(nil)
	for _, tt := range tests {
		for _, op := range crm.Operations {
			for _, recordType := range []string{crm.TypeAccount, crm.TypeCase, "project"} {
				t.Run(tt.name+"/"+string(op)+"/"+recordType, func(t *testing.T) {
					if got := policy.Level(tt.roles, recordType, op); got != tt.want[op] {
						t.Errorf("Level(%q, %s, %s) = %s, want %s", tt.roles, recordType, op, got, tt.want[op])
					}
				})
			}
		}
	}
}

func TestAccessPolicyRules(t *testing.T) {
	rule := func(role, recordType string, op crm.Operation, l crm.Level) crm.AccessRule {
		return crm.AccessRule{Role: role, RecordType: recordType, Operation: op, Level: l}
	}
	tests := []struct {
		name       string
		rules      []crm.AccessRule
		roles      []string
		recordType string
		op         crm.Operation
		want       crm.Level
	}{
		{
			name:       "stored rule lowers the user default",
			rules:      []crm.AccessRule{rule(crm.RoleUser, crm.TypeContact, crm.OpDelete, crm.LevelNone)},
			recordType: crm.TypeContact, op: crm.OpDelete, want: crm.LevelNone,
		},
		{
			name:       "stored rule raises the user default",
			rules:      []crm.AccessRule{rule(crm.RoleUser, crm.TypeAccount, crm.OpRead, crm.LevelAll)},
			recordType: crm.TypeAccount, op: crm.OpRead, want: crm.LevelAll,
		},
		{
			name:       "stored rule lowers the admin default",
			rules:      []crm.AccessRule{rule(crm.RoleAdmin, crm.TypeCase, crm.OpDelete, crm.LevelOwn)},
			roles:      []string{crm.RoleAdmin},
			recordType: crm.TypeCase, op: crm.OpDelete, want: crm.LevelOwn,
		},
		{
			name:       "stored rule leaves other types at the default",
			rules:      []crm.AccessRule{rule(crm.RoleUser, crm.TypeContact, crm.OpDelete, crm.LevelNone)},
			recordType: crm.TypeAccount, op: crm.OpDelete, want: crm.LevelOwn,
		},
		{
			name:       "stored rule leaves other operations at the default",
			rules:      []crm.AccessRule{rule(crm.RoleUser, crm.TypeContact, crm.OpDelete, crm.LevelNone)},
			recordType: crm.TypeContact, op: crm.OpUpdate, want: crm.LevelOwn,
		},
		{
			name:       "stored rule of another role does not apply",
			rules:      []crm.AccessRule{rule(crm.RoleManager, crm.TypeContact, crm.OpUpdate, crm.LevelAll)},
			recordType: crm.TypeContact, op: crm.OpUpdate, want: crm.LevelOwn,
		},
		{
			name:       "any-type rule applies to every type",
			rules:      []crm.AccessRule{rule(crm.RoleManager, crm.AnyType, crm.OpUpdate, crm.LevelAll)},
			roles:      []string{crm.RoleManager},
			recordType: "project", op: crm.OpUpdate, want: crm.LevelAll,
		},
		{
			name: "type-specific rule beats the any-type rule",
			rules: []crm.AccessRule{
				rule(crm.RoleUser, crm.AnyType, crm.OpDelete, crm.LevelNone),
				rule(crm.RoleUser, crm.TypeContact, crm.OpDelete, crm.LevelAll),
			},
			recordType: crm.TypeContact, op: crm.OpDelete, want: crm.LevelAll,
		},
		{
			name: "type-specific rule beats the any-type rule even when lower",
			rules: []crm.AccessRule{
				rule(crm.RoleUser, crm.TypeContact, crm.OpRead, crm.LevelOwn),
				rule(crm.RoleUser, crm.AnyType, crm.OpRead, crm.LevelAll),
			},
			recordType: crm.TypeContact, op: crm.OpRead, want: crm.LevelOwn,
		},
		{
			name: "any-type rule applies where no type-specific rule is",
			rules: []crm.AccessRule{
				rule(crm.RoleUser, crm.AnyType, crm.OpDelete, crm.LevelNone),
				rule(crm.RoleUser, crm.TypeContact, crm.OpDelete, crm.LevelAll),
			},
			recordType: crm.TypeAccount, op: crm.OpDelete, want: crm.LevelNone,
		},
		{
			name:       "highest level among the roles wins",
			rules:      []crm.AccessRule{rule(crm.RoleManager, crm.TypeLead, crm.OpRead, crm.LevelNone)},
			roles:      []string{crm.RoleManager, crm.RoleAdmin},
			recordType: crm.TypeLead, op: crm.OpRead, want: crm.LevelAll,
		},
		{
			name:       "highest level wins whatever the order of roles",
			rules:      []crm.AccessRule{rule(crm.RoleAdmin, crm.TypeLead, crm.OpRead, crm.LevelNone)},
			roles:      []string{crm.RoleAdmin, crm.RoleManager},
			recordType: crm.TypeLead, op: crm.OpRead, want: crm.LevelAll,
		},
		{
			name:       "user role counts for a manager lowered to none",
			rules:      []crm.AccessRule{rule(crm.RoleManager, crm.TypeLead, crm.OpUpdate, crm.LevelNone)},
			roles:      []string{crm.RoleManager},
			recordType: crm.TypeLead, op: crm.OpUpdate, want: crm.LevelOwn,
		},
		{
			name: "user role counts when it grants more than the actor's roles",
			rules: []crm.AccessRule{
				rule(crm.RoleUser, crm.TypeLead, crm.OpRead, crm.LevelAll),
				rule(crm.RoleManager, crm.TypeLead, crm.OpRead, crm.LevelOwn),
			},
			roles:      []string{crm.RoleManager},
			recordType: crm.TypeLead, op: crm.OpRead, want: crm.LevelAll,
		},
		{
			name: "every role lowered to none",
			rules: []crm.AccessRule{
				rule(crm.RoleUser, crm.AnyType, crm.OpDelete, crm.LevelNone),
				rule(crm.RoleManager, crm.AnyType, crm.OpDelete, crm.LevelNone),
			},
			roles:      []string{crm.RoleManager},
			recordType: crm.TypeLead, op: crm.OpDelete, want: crm.LevelNone,
		},
		{
			name: "the last of two rules for the same key wins",
			rules: []crm.AccessRule{
				rule(crm.RoleUser, crm.TypeLead, crm.OpRead, crm.LevelAll),
				rule(crm.RoleUser, crm.TypeLead, crm.OpRead, crm.LevelNone),
			},
			recordType: crm.TypeLead, op: crm.OpRead, want: crm.LevelNone,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := crm.NewAccessPolicy(tt.rules)
			if got := p.Level(tt.roles, tt.recordType, tt.op); got != tt.want {
				t.Errorf("Level(%q, %s, %s) = %s, want %s", tt.roles, tt.recordType, tt.op, got, tt.want)
			}
		})
	}
}

func TestActorPermits(t *testing.T) {
	actor := crm.Actor{TenantID: "t1", UserID: "u1"}
	tests := []struct {
		name    string
		level   crm.Level
		ownerID string
		want    bool
	}{
		{name: "all on own", level: crm.LevelAll, ownerID: "u1", want: true},
		{name: "all on other", level: crm.LevelAll, ownerID: "u2", want: true},
		{name: "own on own", level: crm.LevelOwn, ownerID: "u1", want: true},
		{name: "own on other", level: crm.LevelOwn, ownerID: "u2", want: false},
		{name: "own on unowned", level: crm.LevelOwn, ownerID: "", want: false},
		{name: "none on own", level: crm.LevelNone, ownerID: "u1", want: false},
		{name: "none on other", level: crm.LevelNone, ownerID: "u2", want: false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := actor.Permits(tt.level, tt.ownerID); got != tt.want {
				t.Errorf("Permits(%s, %q) = %v, want %v", tt.level, tt.ownerID, got, tt.want)
			}
		})
	}
}

func TestAccessPolicyCan(t *testing.T) {
	p := crm.NewAccessPolicy([]crm.AccessRule{
		{Role: crm.RoleUser, RecordType: crm.TypeContact, Operation: crm.OpDelete, Level: crm.LevelNone},
	})
	user := crm.Actor{UserID: "u1"}
	manager := crm.Actor{UserID: "u1", Roles: []string{crm.RoleManager}}
	admin := crm.Actor{UserID: "u1", Roles: []string{crm.RoleAdmin}}
	tests := []struct {
		name    string
		actor   crm.Actor
		op      crm.Operation
		ownerID string
		want    bool
	}{
		{name: "user reads own", actor: user, op: crm.OpRead, ownerID: "u1", want: true},
		{name: "user reads other", actor: user, op: crm.OpRead, ownerID: "u2", want: false},
		{name: "user deletes own where a rule forbids", actor: user, op: crm.OpDelete, ownerID: "u1", want: false},
		{name: "manager reads other", actor: manager, op: crm.OpRead, ownerID: "u2", want: true},
		{name: "manager updates other", actor: manager, op: crm.OpUpdate, ownerID: "u2", want: false},
		{name: "manager deletes own", actor: manager, op: crm.OpDelete, ownerID: "u1", want: true},
		{name: "admin deletes other", actor: admin, op: crm.OpDelete, ownerID: "u2", want: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := p.Can(tt.actor, crm.TypeContact, tt.op, tt.ownerID); got != tt.want {
				t.Errorf("Can(%v, contact, %s, %q) = %v, want %v", tt.actor.Roles, tt.op, tt.ownerID, got, tt.want)
			}
		})
	}
}

func TestActorRoles(t *testing.T) {
	tests := []struct {
		name      string
		roles     []string
		role      string
		wantHas   bool
		wantAdmin bool
	}{
		{name: "everyone holds user", roles: nil, role: crm.RoleUser, wantHas: true},
		{name: "manager not held", roles: nil, role: crm.RoleManager},
		{name: "manager held", roles: []string{crm.RoleManager}, role: crm.RoleManager, wantHas: true},
		{name: "admin held", roles: []string{crm.RoleManager, crm.RoleAdmin}, role: crm.RoleAdmin, wantHas: true, wantAdmin: true},
		{name: "roles are case-sensitive", roles: []string{"crm.admin"}, role: crm.RoleAdmin},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a := crm.Actor{UserID: "u1", Roles: tt.roles}
			if got := a.HasRole(tt.role); got != tt.wantHas {
				t.Errorf("HasRole(%q) = %v, want %v", tt.role, got, tt.wantHas)
			}
			if got := a.IsAdmin(); got != tt.wantAdmin {
				t.Errorf("IsAdmin() = %v, want %v", got, tt.wantAdmin)
			}
		})
	}
}

func TestParseLevel(t *testing.T) {
	for _, l := range []crm.Level{crm.LevelNone, crm.LevelOwn, crm.LevelAll} {
		t.Run("round trip "+l.String(), func(t *testing.T) {
			got, err := crm.ParseLevel(l.String())
			if err != nil {
				t.Fatalf("ParseLevel(%q): %v", l.String(), err)
			}
			if got != l {
				t.Errorf("ParseLevel(%q) = %d, want %d", l.String(), got, l)
			}
		})
	}
	for _, s := range []string{"", "All", "OWN", " own", "read", "2"} {
		t.Run("rejects "+s, func(t *testing.T) {
			if got, err := crm.ParseLevel(s); err == nil {
				t.Errorf("ParseLevel(%q) = %s, want an error", s, got)
			}
		})
	}
}

func TestLevelString(t *testing.T) {
	tests := []struct {
		level crm.Level
		want  string
	}{
		{crm.LevelNone, "none"},
		{crm.LevelOwn, "own"},
		{crm.LevelAll, "all"},
	}
	for _, tt := range tests {
		t.Run(tt.want, func(t *testing.T) {
			if got := tt.level.String(); got != tt.want {
				t.Errorf("String() = %q, want %q", got, tt.want)
			}
		})
	}
}
