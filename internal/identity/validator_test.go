package identity_test

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/crmsync/crmsync/internal/identity"
	"github.com/crmsync/crmsync/internal/identity/identitytest"
	"github.com/golang-jwt/jwt/v5"
)

func TestValidateRejectsBadTokens(t *testing.T) {
	v, fx := setup(t, func(o *identity.Options) { o.Tenants = []string{identity.DevTenantID} })
	open, _ := setup(t, nil)
	for _, c := range identitytest.BadTokens(t, fx.issuer, fx.server.authority, identity.DevClientID) {
		t.Run(c.Name, func(t *testing.T) {
			_, err := v.Validate(t.Context(), c.Token)
			wantCheck(t, err, c.Check)
			if c.NeedsAllowList {
				// Valid except for the allow-list, so a validator with none accepts it.
				if _, err := open.Validate(t.Context(), c.Token); err == nil {
					t.Fatalf("validator without allow-list rejected a token it should accept")
				}
			}
		})
	}
}

func TestValidateAcceptsGoodTokens(t *testing.T) {
	v, fx := setup(t, nil)
	auth := fx.server.authority
	exp := time.Now().Add(time.Hour).Truncate(time.Second)
	base := jwt.MapClaims{
		"aud": "api://" + identity.DevClientID, "iss": "https://sts.windows.net/" + identity.DevTenantID + "/",
		"tid": identity.DevTenantID, "oid": "AAAAAAAA-0000-0000-0000-000000000001", "scp": "access_as_user",
		"appid": identity.DevClientID, "ver": "1.0", "exp": exp.Unix(), "unique_name": "Bob@Contoso.test",
		"email": "bob@contoso.test", "name": "Bob",
	}
	v1UniqueName, err := fx.issuer.Sign(base)
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name  string
		token string
		want  identity.Principal
	}{
		{
			name:  "v2 with defaults",
			token: mint(t, fx.issuer, identity.TokenRequest{Authority: auth, UPN: "Alice@Contoso.test", Now: exp.Add(-time.Hour)}),
			want: identity.Principal{
				TenantID: identity.DevTenantID, ObjectID: identity.DevObjectID(identity.DevTenantID, "alice@contoso.test"),
				UPN: "alice@contoso.test", Name: "Alice", Scopes: []string{"access_as_user"}, TokenVersion: "2.0", ExpiresAt: exp,
			},
		},
		{
			name: "v2 with roles and scopes",
			token: mint(t, fx.issuer, identity.TokenRequest{Authority: auth, UPN: "carol.jones@contoso.test", Now: exp.Add(-time.Hour),
				Roles: []string{identity.RoleAdmin, identity.RoleManager}, Scopes: []string{"User.Read", "access_as_user"}}),
			want: identity.Principal{
				TenantID: identity.DevTenantID, ObjectID: identity.DevObjectID(identity.DevTenantID, "carol.jones@contoso.test"),
				UPN: "carol.jones@contoso.test", Name: "Carol Jones", Roles: []string{identity.RoleAdmin, identity.RoleManager},
				Scopes: []string{"User.Read", "access_as_user"}, TokenVersion: "2.0", ExpiresAt: exp,
			},
		},
		{
			name:  "v1 with upn",
			token: mint(t, fx.issuer, identity.TokenRequest{Authority: auth, UPN: "dave@contoso.test", Version: "1.0", Now: exp.Add(-time.Hour)}),
			want: identity.Principal{
				TenantID: identity.DevTenantID, ObjectID: identity.DevObjectID(identity.DevTenantID, "dave@contoso.test"),
				UPN: "dave@contoso.test", Name: "Dave", Scopes: []string{"access_as_user"}, TokenVersion: "1.0", ExpiresAt: exp,
			},
		},
		{
			name:  "v1 with unique_name only",
			token: v1UniqueName,
			want: identity.Principal{
				TenantID: identity.DevTenantID, ObjectID: "aaaaaaaa-0000-0000-0000-000000000001", UPN: "bob@contoso.test",
				Name: "Bob", Email: "bob@contoso.test", Scopes: []string{"access_as_user"}, TokenVersion: "1.0", ExpiresAt: exp,
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := v.Validate(t.Context(), tt.token)
			if err != nil {
				t.Fatalf("validate: %v", err)
			}
			tt.want.Token = tt.token
			if !equalPrincipal(got, tt.want) {
				t.Fatalf("principal\n got %+v\nwant %+v", got, tt.want)
			}
		})
	}
}

func equalPrincipal(a, b identity.Principal) bool {
	return a.TenantID == b.TenantID && a.ObjectID == b.ObjectID && a.UPN == b.UPN && a.Name == b.Name &&
		a.Email == b.Email && slices.Equal(a.Roles, b.Roles) && slices.Equal(a.Scopes, b.Scopes) &&
		a.TokenVersion == b.TokenVersion && a.ExpiresAt.Equal(b.ExpiresAt) && a.Token == b.Token
}

func TestPrincipalHasRole(t *testing.T) {
	p := identity.Principal{Roles: []string{identity.RoleManager}}
	tests := []struct {
		name string
		role string
		want bool
	}{
		{name: "held", role: identity.RoleManager, want: true},
		{name: "not held", role: identity.RoleAdmin, want: false},
		{name: "case differs", role: "crm.manager", want: false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := p.HasRole(tt.role); got != tt.want {
				t.Fatalf("HasRole(%q) = %v", tt.role, got)
			}
		})
	}
}

func TestLeewayIsCappedAtFiveMinutes(t *testing.T) {
	now := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	v, fx := setup(t, func(o *identity.Options) {
		o.Leeway = time.Hour
		o.Now = func() time.Time { return now }
	})
	tests := []struct {
		name   string
		issued time.Time // tokens live one hour
		check  string    // empty: accepted
	}{
		{name: "expired 4m ago", issued: now.Add(-64 * time.Minute)},
		{name: "expired 6m ago", issued: now.Add(-66 * time.Minute), check: "expired"},
		{name: "valid from 4m ahead", issued: now.Add(4 * time.Minute)},
		{name: "valid from 6m ahead", issued: now.Add(6 * time.Minute), check: "not-yet-valid"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tok := mint(t, fx.issuer, identity.TokenRequest{Authority: fx.server.authority, UPN: "alice@contoso.test", Now: tt.issued})
			_, err := v.Validate(t.Context(), tok)
			if tt.check == "" {
				if err != nil {
					t.Fatalf("validate: %v", err)
				}
				return
			}
			wantCheck(t, err, tt.check)
		})
	}
}

func TestNewValidatorChecksOptions(t *testing.T) {
	tests := []struct {
		name    string
		opts    identity.Options
		wantErr bool
	}{
		{name: "defaults to Entra", opts: identity.Options{ClientID: identity.DevClientID}},
		{name: "loopback http", opts: identity.Options{Authority: "http://127.0.0.1:8080/dev/oidc/", ClientID: identity.DevClientID}},
		{name: "no client id", opts: identity.Options{}, wantErr: true},
		{name: "client id not a guid", opts: identity.Options{ClientID: "api://crmsync"}, wantErr: true},
		{name: "http beyond loopback", opts: identity.Options{Authority: "http://login.example.com", ClientID: identity.DevClientID}, wantErr: true},
		{name: "relative authority", opts: identity.Options{Authority: "/dev/oidc", ClientID: identity.DevClientID}, wantErr: true},
		{name: "tenant not a guid", opts: identity.Options{ClientID: identity.DevClientID, Tenants: []string{"contoso.com"}}, wantErr: true},
		{name: "negative leeway", opts: identity.Options{ClientID: identity.DevClientID, Leeway: -time.Second}, wantErr: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			v, err := identity.NewValidator(tt.opts)
			if (err != nil) != tt.wantErr {
				t.Fatalf("err = %v, wantErr %v", err, tt.wantErr)
			}
			if v != nil {
				v.Close()
			}
		})
	}
}

func TestNewValidatorDoesNoNetworkIO(t *testing.T) {
	_, fx := setup(t, nil)
	if got := fx.server.metadataHits.Load() + fx.server.jwksHits.Load(); got != 0 {
		t.Fatalf("NewValidator made %d requests", got)
	}
}

func TestValidateHonoursContextWhileDiscovering(t *testing.T) {
	v, fx := setup(t, nil)
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	tok := mint(t, fx.issuer, identity.TokenRequest{Authority: fx.server.authority, UPN: "alice@contoso.test"})
	_, err := v.Validate(ctx, tok)
	wantCheck(t, err, "keys-unavailable")
	if _, err := v.Validate(t.Context(), tok); err != nil {
		t.Fatalf("validate after abandoned discovery: %v", err)
	}
}
