package main

import (
	"testing"

	"github.com/crmsync/crmsync/internal/config"
)

// TestTaskpaneAuthority: a single-tenant deployment signs in at its tenant's authority, as a
// single-tenant app registration requires; a multitenant one at /common; local mode at the
// development issuer.
func TestTaskpaneAuthority(t *testing.T) {
	const (
		clientID = "6f1c2d3e-4a5b-4c6d-8e7f-901a2b3c4d5e"
		contoso  = "72f988bf-86f1-41af-91ab-2d7cd011db47"
		fabrikam = "0a1b2c3d-0000-4000-8000-00000000c0de"
	)
	prod := config.Config{ClientID: clientID, PublicURL: "https://crm.contoso.com"}
	cases := []struct {
		name      string
		tenants   []string
		authority string
		want      string
	}{
		{"one tenant", []string{contoso}, "https://login.microsoftonline.com", "https://login.microsoftonline.com/" + contoso},
		{"several tenants", []string{contoso, fabrikam}, "https://login.microsoftonline.com", "https://login.microsoftonline.com/common"},
		{"any onboarded tenant", nil, "https://login.microsoftonline.com/", "https://login.microsoftonline.com/common"},
		{"a national cloud", []string{contoso}, "https://login.microsoftonline.us", "https://login.microsoftonline.us/" + contoso},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			cfg := prod
			cfg.Tenants = tc.tenants
			got := taskpaneConfig(cfg, tc.authority)
			if got.Authority != tc.want || got.APIScope != "api://crm.contoso.com/"+clientID+"/access_as_user" || got.Local {
				t.Fatalf("config = %+v, want authority %s", got, tc.want)
			}
		})
	}
}
