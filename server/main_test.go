package main

import (
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"errors"
	"flag"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/crmsync/crmsync/internal/store/storetest"
)

// syncBuffer is an io.Writer the test can read while run writes to it.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

func envOf(m map[string]string) func(string) string { return func(k string) string { return m[k] } }

// served is a `crmsync serve` running in-process: its HTTP and development HTTPS base URLs, and stop,
// which delivers the shutdown signal and waits for run to return (at the end of the test at the latest).
type served struct {
	base, https string
	stop        func() error
}

// startServe runs `crmsync serve` in-process on free ports.
func startServe(t *testing.T, env map[string]string) served {
	t.Helper()
	if _, set := env["CRMSYNC_DEV_HTTPS_ADDR"]; !set {
		env["CRMSYNC_DEV_HTTPS_ADDR"] = "127.0.0.1:0" // never the shared default port 8443 in tests
	}
	ctx, cancel := context.WithCancel(context.Background())
	stdout, stderr := &syncBuffer{}, &syncBuffer{}
	done := make(chan error, 1)
	go func() { done <- run(ctx, []string{"serve"}, envOf(env), stdout, stderr) }()
	listening := regexp.MustCompile(`listening on (http://\S+)`)
	httpsBanner := regexp.MustCompile(`and on (https://\S+)`)
	deadline := time.Now().Add(30 * time.Second)
	for {
		if m := listening.FindStringSubmatch(stdout.String()); m != nil {
			base, https := m[1], ""
			if h := httpsBanner.FindStringSubmatch(stdout.String()); h != nil {
				https = h[1]
			}
			waitHealthy(t, base)
			var once sync.Once
			var stopErr error
			stop := func() error {
				once.Do(func() {
					cancel()
					select {
					case stopErr = <-done:
					case <-time.After(30 * time.Second):
						stopErr = errors.New("run did not return after the shutdown signal")
					}
				})
				return stopErr
			}
			// Stopped when the test ends, unless the test stopped it first, before its data dir goes.
			t.Cleanup(func() {
				if err := stop(); err != nil {
					t.Errorf("stop serve: %v", err)
				}
			})
			return served{base: base, https: https, stop: stop}
		}
		select {
		case err := <-done:
			cancel()
			t.Fatalf("serve ended early: %v\nstderr: %s", err, stderr.String())
		default:
		}
		if time.Now().After(deadline) {
			cancel()
			t.Fatalf("serve did not start; stderr: %s", stderr.String())
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func waitHealthy(t *testing.T, base string) {
	t.Helper()
	for range 100 {
		if resp, err := http.Get(base + "/healthz"); err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return
			}
		}
		time.Sleep(20 * time.Millisecond)
	}
	t.Fatal("/healthz never answered")
}

// call sends an API request to a running service and checks the exchange against the OpenAPI document.
func call(t *testing.T, method, url, token string, body any, into any) int {
	t.Helper()
	var sent []byte
	if body != nil {
		sent, _ = json.Marshal(body)
	}
	req, _ := http.NewRequest(method, url, bytes.NewReader(sent))
	req.Header.Set("Authorization", "Bearer "+token)
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	got, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	checkOpenAPI(t, req, sent, resp, got)
	if into != nil {
		if err := json.Unmarshal(got, into); err != nil {
			t.Fatal(err)
		}
	}
	return resp.StatusCode
}

// The definition of done: local mode serves the API, and a token from dev-token creates and
// searches records.
func TestLocalModeEndToEnd(t *testing.T) {
	dataDir := t.TempDir()
	env := map[string]string{"CRMSYNC_ADDR": "127.0.0.1:0", "CRMSYNC_DATA_DIR": dataDir, "CRMSYNC_LOG_LEVEL": "warn"}
	srv := startServe(t, env)
	base := srv.base

	var out strings.Builder
	tokenEnv := map[string]string{"CRMSYNC_ADDR": strings.TrimPrefix(base, "http://"), "CRMSYNC_DATA_DIR": dataDir}
	if err := run(context.Background(), []string{"dev-token", "--user", "alice@contoso.test"}, envOf(tokenEnv), &out, io.Discard); err != nil {
		t.Fatal(err)
	}
	token := strings.TrimSpace(out.String())
	if strings.Count(token, ".") != 2 || strings.Contains(token, " ") {
		t.Fatalf("dev-token printed %q, want only a JWT", token)
	}
	checkDevHTTPS(t, dataDir, srv.https)

	var me struct {
		UPN   string
		Roles []string
	}
	if code := call(t, "GET", base+"/api/v1/me", token, nil, &me); code != 200 || me.UPN != "alice@contoso.test" || len(me.Roles) != 2 {
		t.Fatalf("me = %d %+v", code, me)
	}
	var found struct {
		Items []struct{ ID, Type, Name string }
	}
	call(t, "GET", base+"/api/v1/records?search=dana", token, nil, &found)
	if len(found.Items) != 1 || found.Items[0].Name != "Dana Whitfield" {
		t.Fatalf("the demo seed lacks Dana Whitfield: %+v", found)
	}
	var created struct{ ID string }
	if code := call(t, "POST", base+"/api/v1/records/lead", token, map[string]any{"fields": map[string]any{
		"firstName": "Ada", "lastName": "Lovelace", "company": "Analytical Engines", "email": "ada@engines.test"}}, &created); code != 201 {
		t.Fatalf("create = %d", code)
	}
	call(t, "GET", base+"/api/v1/records?search=ada@engines", token, nil, &found)
	if len(found.Items) != 1 || found.Items[0].ID != created.ID {
		t.Fatalf("search after create = %+v", found)
	}
	if err := srv.stop(); err != nil {
		t.Fatalf("graceful shutdown: %v", err)
	}

	// A restart keeps the data and the signing key, so the same token still works and nothing is seeded twice.
	srv = startServe(t, env)
	base = srv.base
	tokenEnv["CRMSYNC_ADDR"] = strings.TrimPrefix(base, "http://")
	out.Reset()
	if err := run(context.Background(), []string{"dev-token", "--user", "alice@contoso.test"}, envOf(tokenEnv), &out, io.Discard); err != nil {
		t.Fatal(err)
	}
	call(t, "GET", base+"/api/v1/records?search=dana", strings.TrimSpace(out.String()), nil, &found)
	if len(found.Items) != 1 {
		t.Fatalf("after restart: %+v", found)
	}
}

func TestCommandLine(t *testing.T) {
	cases := []struct {
		name    string
		args    []string
		env     map[string]string
		wantErr string
		wantOut string
	}{
		{name: "serve -h documents every variable", args: []string{"serve", "-h"}, wantErr: flag.ErrHelp.Error()},
		{name: "unknown command", args: []string{"launch"}, wantErr: `unknown command "launch"`},
		{name: "conflicting credentials", args: []string{"serve"}, env: map[string]string{"CRMSYNC_CLIENT_ID": "5c2f7a7e-8f0d-4e62-a3c3-1f2b3c4d5e6f",
			"CRMSYNC_CLIENT_SECRET": "x", "CRMSYNC_CLIENT_CERT": "/x.pem"}, wantErr: "CRMSYNC_CLIENT_SECRET and CRMSYNC_CLIENT_CERT are mutually exclusive"},
		{name: "local mode refuses a public address", args: []string{"serve", "--addr", "0.0.0.0:8080"}, wantErr: "only listens on loopback"},
		{name: "dev-token needs a user", args: []string{"dev-token"}, wantErr: "--user is required"},
		{name: "dev-token refuses production", args: []string{"dev-token", "--user", "a@b.test"}, env: map[string]string{"CRMSYNC_CLIENT_ID": "x"}, wantErr: "local mode only"},
		{name: "migrate", args: []string{"migrate"}, wantOut: "sqlite database is up to date"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			env := map[string]string{"CRMSYNC_DATA_DIR": t.TempDir()}
			for k, v := range tc.env {
				env[k] = v
			}
			var stdout, stderr strings.Builder
			err := run(context.Background(), tc.args, envOf(env), &stdout, &stderr)
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("err = %v, want %q", err, tc.wantErr)
				}
			} else if err != nil {
				t.Fatal(err)
			}
			if !strings.Contains(stdout.String(), tc.wantOut) {
				t.Fatalf("stdout = %q, want %q", stdout.String(), tc.wantOut)
			}
			if tc.args[len(tc.args)-1] == "-h" && !strings.Contains(stderr.String(), "CRMSYNC_ENCRYPTION_KEY") {
				t.Fatalf("-h output lacks the variables: %s", stderr.String())
			}
		})
	}
}

// The same binary serves from PostgreSQL when CRMSYNC_DATABASE_URL names one (skipped without a server).
func TestServeOnPostgres(t *testing.T) {
	dataDir := t.TempDir()
	env := map[string]string{"CRMSYNC_ADDR": "127.0.0.1:0", "CRMSYNC_DATA_DIR": dataDir, "CRMSYNC_LOG_LEVEL": "warn",
		"CRMSYNC_DATABASE_URL": storetest.PostgresURL(t)}
	srv := startServe(t, env)
	base := srv.base
	var ready struct{ Database string }
	resp, err := http.Get(base + "/readyz")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if err := json.NewDecoder(resp.Body).Decode(&ready); err != nil || ready.Database != "postgres" {
		t.Fatalf("readyz = %+v, %v", ready, err)
	}
	var out strings.Builder
	if err := run(context.Background(), []string{"dev-token", "--user", "bob@contoso.test", "--addr", strings.TrimPrefix(base, "http://"), "--data-dir", dataDir},
		envOf(nil), &out, io.Discard); err != nil {
		t.Fatal(err)
	}
	var found struct{ Items []struct{ Name string } }
	if code := call(t, "GET", base+"/api/v1/records?search=priya", strings.TrimSpace(out.String()), nil, &found); code != 200 || len(found.Items) != 1 {
		t.Fatalf("bob's search on postgres = %d %+v", code, found)
	}
}

// checkDevHTTPS fetches /healthz over the development HTTPS listener, trusting only the CA in the data dir.
func checkDevHTTPS(t *testing.T, dataDir, url string) {
	t.Helper()
	if url == "" {
		t.Fatal("serve printed no https address")
	}
	caPEM, err := os.ReadFile(filepath.Join(dataDir, "dev-ca.pem"))
	if err != nil {
		t.Fatal(err)
	}
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(caPEM) {
		t.Fatal("dev-ca.pem holds no certificate")
	}
	client := &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool}}}
	resp, err := client.Get(url + "/healthz")
	if err != nil {
		t.Fatalf("https: %v", err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("https /healthz = %d", resp.StatusCode)
	}
}
