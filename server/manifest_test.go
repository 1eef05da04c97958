package main

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"

	addinmanifest "github.com/crmsync/crmsync/addin-manifest"
)

func TestManifestCommand(t *testing.T) {
	const clientID = "5c2f7a7e-8f0d-4e62-a3c3-1f2b3c4d5e6f"
	local, err := addinmanifest.RenderXML(addinmanifest.Local("1.0.0.0"))
	if err != nil {
		t.Fatal(err)
	}
	prod, err := addinmanifest.RenderXML(addinmanifest.Deployment{PublicURL: "https://crm.example.com", ClientID: clientID, Version: "1.2.0.0"})
	if err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name    string
		args    []string
		env     map[string]string
		want    []byte // the whole output, when set
		wantErr string
	}{
		{name: "local mode renders the local development manifest", args: []string{"manifest", "--version", "1.0.0.0"}, want: local},
		{name: "local mode ignores CRMSYNC_PUBLIC_URL", args: []string{"manifest", "--version", "1.0.0.0"},
			env: map[string]string{"CRMSYNC_PUBLIC_URL": "http://127.0.0.1:8080"}, want: local},
		{name: "flags", args: []string{"manifest", "--public-url", "https://crm.example.com", "--client-id", clientID, "--version", "1.2.0.0"}, want: prod},
		{name: "environment", args: []string{"manifest", "--version", "1.2.0.0"},
			env: map[string]string{"CRMSYNC_PUBLIC_URL": "https://crm.example.com/", "CRMSYNC_CLIENT_ID": clientID}, want: prod},
		{name: "json", args: []string{"manifest", "--format", "json", "--public-url", "https://crm.example.com", "--client-id", clientID}},
		{name: "http public URL", args: []string{"manifest", "--public-url", "http://crm.example.com", "--client-id", clientID}, wantErr: "must be https"},
		{name: "client id not a GUID", args: []string{"manifest", "--public-url", "https://crm.example.com", "--client-id", "x"}, wantErr: "client id"},
		{name: "bad version", args: []string{"manifest", "--version", "1.0"}, wantErr: "n.n.n.n"},
		{name: "public URL without client id", args: []string{"manifest", "--public-url", "https://crm.example.com"}, wantErr: "--public-url needs --client-id"},
		{name: "unknown format", args: []string{"manifest", "--format", "yaml"}, wantErr: `--format "yaml"`},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			var stdout bytes.Buffer
			err := run(context.Background(), tc.args, envOf(tc.env), &stdout, io.Discard)
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("err = %v, want %q", err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if tc.want != nil && !bytes.Equal(stdout.Bytes(), tc.want) {
				t.Fatalf("printed:\n%s\nwant:\n%s", stdout.Bytes(), tc.want)
			}
			if tc.want == nil && !json.Valid(stdout.Bytes()) {
				t.Fatalf("--format json printed no JSON: %s", stdout.Bytes())
			}
		})
	}
}

func TestServeServesTheManifests(t *testing.T) {
	env := map[string]string{"CRMSYNC_ADDR": "127.0.0.1:0", "CRMSYNC_DATA_DIR": t.TempDir(), "CRMSYNC_LOG_LEVEL": "warn"}
	srv := startServe(t, env)
	for _, m := range []struct {
		path, contentType string
		render            func(addinmanifest.Deployment) ([]byte, error)
	}{
		{"/manifest.xml", "application/xml", addinmanifest.RenderXML},
		{"/manifest.json", "application/json", addinmanifest.RenderJSON},
	} {
		resp, err := http.Get(srv.base + m.path)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		want, err := m.render(addinmanifest.Local(addinVersion()))
		if err != nil {
			t.Fatal(err)
		}
		if resp.StatusCode != http.StatusOK || resp.Header.Get("Content-Type") != m.contentType || !bytes.Equal(body, want) {
			t.Fatalf("GET %s = %d %s, want 200 %s with the local development manifest:\n%s",
				m.path, resp.StatusCode, resp.Header.Get("Content-Type"), m.contentType, body)
		}
	}
}
