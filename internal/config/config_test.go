package config_test

import (
	"errors"
	"flag"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/crmsync/crmsync/internal/config"
)

func env(m map[string]string) func(string) string { return func(k string) string { return m[k] } }

const prodID = "5c2f7a7e-8f0d-4e62-a3c3-1f2b3c4d5e6f"

func prod(extra map[string]string) map[string]string {
	m := map[string]string{"CRMSYNC_ADDR": "0.0.0.0:8080", "CRMSYNC_CLIENT_ID": prodID, "CRMSYNC_CLIENT_SECRET": "s3cret",
		"CRMSYNC_PUBLIC_URL": "https://crm.contoso.com", "CRMSYNC_ENCRYPTION_KEY": "MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY="}
	for k, v := range extra {
		m[k] = v
	}
	return m
}

func TestLoad(t *testing.T) {
	cases := []struct {
		name    string
		env     map[string]string
		args    []string
		wantErr string
		check   func(t *testing.T, c config.Config)
	}{
		{name: "defaults are local mode", env: map[string]string{}, check: func(t *testing.T, c config.Config) {
			if !c.Local() || !c.Demo || c.Addr != "127.0.0.1:8080" || c.DataDir != "./data" || c.RateLimit != 50 || c.JobTimeout != 2*time.Minute || c.ScheduleInterval != 30*time.Second || c.DevHTTPSAddr != "localhost:8443" {
				t.Fatalf("defaults = %+v", c)
			}
		}},
		{name: "flag wins over variable", env: map[string]string{"CRMSYNC_ADDR": "127.0.0.1:9000"}, args: []string{"-addr", "127.0.0.1:9001"},
			check: func(t *testing.T, c config.Config) {
				if c.Addr != "127.0.0.1:9001" {
					t.Fatalf("addr = %s", c.Addr)
				}
			}},
		{name: "production", env: prod(map[string]string{"CRMSYNC_TENANTS": " 72F988BF-86F1-41AF-91AB-2D7CD011DB47 ,"}), check: func(t *testing.T, c config.Config) {
			if c.Local() || len(c.Tenants) != 1 || c.Tenants[0] != "72f988bf-86f1-41af-91ab-2d7cd011db47" || len(c.EncryptionKeys) != 1 || len(c.EncryptionKeys[0]) != 32 || c.Credential.Kind != config.CredentialSecret {
				t.Fatalf("production = %+v", c)
			}
		}},
		{name: "secret and cert", env: prod(map[string]string{"CRMSYNC_CLIENT_CERT": "/etc/crmsync/app.pem"}),
			wantErr: "CRMSYNC_CLIENT_SECRET and CRMSYNC_CLIENT_CERT are mutually exclusive"},
		{name: "local mode on a public address", env: map[string]string{"CRMSYNC_ADDR": "0.0.0.0:8080"}, wantErr: "only listens on loopback"},
		{name: "production without credentials", env: prod(map[string]string{"CRMSYNC_CLIENT_SECRET": ""}), wantErr: "production needs CRMSYNC_CLIENT_CREDENTIAL"},
		{name: "production over http", env: prod(map[string]string{"CRMSYNC_PUBLIC_URL": "http://crm.contoso.com"}), wantErr: "must be https"},
		{name: "client id not a guid", env: prod(map[string]string{"CRMSYNC_CLIENT_ID": "my-app"}), wantErr: "not an application (client) id"},
		{name: "short encryption key", env: prod(map[string]string{"CRMSYNC_ENCRYPTION_KEY": "c2hvcnQ="}), wantErr: "key 1 of 1 is 5 bytes, it must be 32"},
		{name: "tenant not a guid", env: prod(map[string]string{"CRMSYNC_TENANTS": "contoso.com"}), wantErr: `"contoso.com" is not a tenant id`},
		{name: "bad database url", env: map[string]string{"CRMSYNC_DATABASE_URL": "mysql://x"}, wantErr: "CRMSYNC_DATABASE_URL must be"},
		{name: "bad rate", env: map[string]string{"CRMSYNC_RATE_LIMIT": "fast"}, wantErr: "CRMSYNC_RATE_LIMIT"},
		{name: "stray argument", args: []string{"extra"}, wantErr: "unexpected arguments"},
		{name: "dev https on a public address", env: map[string]string{"CRMSYNC_DEV_HTTPS_ADDR": "0.0.0.0:8443"}, wantErr: "must be a loopback host:port"},
		{name: "dev https with a test tenant", env: prod(map[string]string{"CRMSYNC_DEV_HTTPS_ADDR": "localhost:8443"}), check: func(t *testing.T, c config.Config) {
			if c.DevHTTPSAddr != "localhost:8443" {
				t.Fatalf("DevHTTPSAddr = %q", c.DevHTTPSAddr)
			}
		}},
		{name: "dev https off", env: map[string]string{"CRMSYNC_DEV_HTTPS_ADDR": "off"}, check: func(t *testing.T, c config.Config) {
			if c.DevHTTPSAddr != "" {
				t.Fatalf("DevHTTPSAddr = %q", c.DevHTTPSAddr)
			}
		}},
		{name: "demo in production", env: prod(map[string]string{"CRMSYNC_DEMO": "true"}), wantErr: "CRMSYNC_DEMO is for local mode only"},
		{name: "bad job timeout", env: map[string]string{"CRMSYNC_JOB_TIMEOUT": "5ms"}, wantErr: "CRMSYNC_JOB_TIMEOUT"},
		{name: "bad schedule interval", env: map[string]string{"CRMSYNC_SCHEDULE_INTERVAL": "100ms"}, wantErr: "CRMSYNC_SCHEDULE_INTERVAL"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			c, err := config.Load("serve", tc.args, env(tc.env), io.Discard)
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("err = %v, want it to mention %q", err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			tc.check(t, c)
		})
	}
}

func TestHelpListsEveryVariable(t *testing.T) {
	var out strings.Builder
	_, err := config.Load("serve", []string{"-h"}, env(nil), &out)
	if !errors.Is(err, flag.ErrHelp) {
		t.Fatalf("err = %v, want flag.ErrHelp", err)
	}
	for _, v := range config.Variables() {
		if !strings.Contains(out.String(), v[0]) {
			t.Errorf("-h does not mention %s", v[0])
		}
	}
}

func TestLocalEncryptionKeyPersists(t *testing.T) {
	dir := t.TempDir()
	a, err := config.LocalEncryptionKey(dir)
	if err != nil {
		t.Fatal(err)
	}
	b, err := config.LocalEncryptionKey(dir)
	if err != nil || string(a) != string(b) || len(a) != 32 {
		t.Fatalf("key changed between calls or wrong size: %v", err)
	}
}

// CRMSYNC_NOTIFICATIONS is on by default where Microsoft Graph can reach CRMSYNC_PUBLIC_URL (https, not
// loopback) and in local mode (the demo mailbox posts to this very process); "on" elsewhere is refused.
// CRMSYNC_BACKSTOP_INTERVAL is 6 hours by default and never longer than a subscription lives.
func TestNotificationsAndBackstop(t *testing.T) {
	cases := []struct {
		name     string
		env      map[string]string
		wantErr  string
		notify   bool
		backstop time.Duration
	}{
		{name: "production default", env: prod(nil), notify: true, backstop: 6 * time.Hour},
		{name: "local mode default", env: map[string]string{}, notify: true, backstop: 6 * time.Hour},
		{name: "production off", env: prod(map[string]string{"CRMSYNC_NOTIFICATIONS": "off"}), notify: false, backstop: 6 * time.Hour},
		{name: "local mode off", env: map[string]string{"CRMSYNC_NOTIFICATIONS": "OFF"}, notify: false, backstop: 6 * time.Hour},
		{name: "loopback public URL", env: prod(map[string]string{"CRMSYNC_PUBLIC_URL": "https://localhost:8443"}), notify: false, backstop: 6 * time.Hour},
		{name: "on for a loopback public URL", env: prod(map[string]string{"CRMSYNC_PUBLIC_URL": "https://127.0.0.1:8443", "CRMSYNC_NOTIFICATIONS": "on"}),
			wantErr: "CRMSYNC_NOTIFICATIONS=on needs CRMSYNC_PUBLIC_URL"},
		{name: "neither on nor off", env: prod(map[string]string{"CRMSYNC_NOTIFICATIONS": "sometimes"}), wantErr: `CRMSYNC_NOTIFICATIONS: "sometimes"`},
		{name: "a backstop of an hour", env: prod(map[string]string{"CRMSYNC_BACKSTOP_INTERVAL": "1h"}), notify: true, backstop: time.Hour},
		{name: "a backstop at the longest", env: prod(map[string]string{"CRMSYNC_BACKSTOP_INTERVAL": config.MaxBackstopInterval.String()}), notify: true,
			backstop: config.MaxBackstopInterval},
		{name: "a backstop longer than a subscription", env: prod(map[string]string{"CRMSYNC_BACKSTOP_INTERVAL": "72h"}), wantErr: "CRMSYNC_BACKSTOP_INTERVAL"},
		{name: "a backstop too short", env: prod(map[string]string{"CRMSYNC_BACKSTOP_INTERVAL": "10s"}), wantErr: "CRMSYNC_BACKSTOP_INTERVAL"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			c, err := config.Load("crmsync", nil, env(tc.env), io.Discard)
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("err = %v, want %q", err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if c.Notifications != tc.notify || c.BackstopInterval != tc.backstop {
				t.Fatalf("notifications %v, backstop %s; want %v, %s", c.Notifications, c.BackstopInterval, tc.notify, tc.backstop)
			}
		})
	}
}
