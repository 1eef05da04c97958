package main

import (
	"flag"
	"fmt"
	"io"
	"net/url"
	"strings"
	"time"

	"github.com/google/uuid"

	"github.com/crmsync/crmsync/internal/demo"
	"github.com/crmsync/crmsync/internal/identity"
)

// devToken prints an access token from the local development issuer: the key in the data dir, the
// issuer URL of the server at CRMSYNC_ADDR. Production identity has no such door.
func devToken(args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("dev-token", flag.ContinueOnError)
	fs.SetOutput(stderr)
	user := fs.String("user", "", "the user's UPN, e.g. "+demo.Alice+" (required)")
	roles := fs.String("roles", "", "comma-separated app roles, e.g. CRM.Admin,CRM.Manager (default: the demo user's roles; \"none\" for none)")
	tenant := fs.String("tenant", identity.DevTenantID, "the tenant id (GUID)")
	lifetime := fs.Duration("lifetime", 8*time.Hour, "how long the token is valid")
	dataDir := fs.String("data-dir", withDefault(getenv("CRMSYNC_DATA_DIR"), "./data"), "the server's data dir [CRMSYNC_DATA_DIR]")
	addr := fs.String("addr", withDefault(getenv("CRMSYNC_ADDR"), "127.0.0.1:8080"), "the server's address [CRMSYNC_ADDR]")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if getenv("CRMSYNC_CLIENT_ID") != "" {
		return fmt.Errorf("dev-token works in local mode only; with CRMSYNC_CLIENT_ID set, tokens come from Entra ID")
	}
	if *user == "" || !strings.Contains(*user, "@") {
		return fmt.Errorf("--user is required: a UPN such as %s", demo.Alice)
	}
	if _, err := uuid.Parse(*tenant); err != nil {
		return fmt.Errorf("--tenant %q is not a tenant id (a GUID)", *tenant)
	}
	tokenRoles := demo.DefaultRoles(strings.ToLower(*user))
	if *roles == "none" {
		tokenRoles = nil
	} else if *roles != "" {
		tokenRoles = strings.Split(*roles, ",")
	}
	issuer, err := identity.LoadOrCreateDevIssuer(*dataDir)
	if err != nil {
		return err
	}
	token, err := issuer.Mint(identity.TokenRequest{Authority: "http://" + *addr + "/dev/oidc", TenantID: strings.ToLower(*tenant),
		UPN: strings.ToLower(*user), Name: demo.DisplayName(strings.ToLower(*user)), Roles: tokenRoles, Lifetime: *lifetime})
	if err != nil {
		return fmt.Errorf("mint token: %w", err)
	}
	fmt.Fprintln(stdout, token)
	return nil
}

func withDefault(v, def string) string {
	if v == "" {
		return def
	}
	return v
}

func hostOf(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		return ""
	}
	return u.Host
}
