package main

import (
	"encoding/json"
	"net/http"
	"testing"
)

// Local mode with the demo mailbox serves the sandbox, whose tokens the service accepts; without the demo
// mailbox there is no sandbox.
func TestSandboxIsWiredInLocalMode(t *testing.T) {
	t.Run("with the demo mailbox", func(t *testing.T) {
		srv := startServe(t, map[string]string{"CRMSYNC_ADDR": "127.0.0.1:0", "CRMSYNC_DATA_DIR": t.TempDir(), "CRMSYNC_LOG_LEVEL": "warn"})
		if code := getJSON(t, srv.base+"/dev/outlook", nil); code != http.StatusOK {
			t.Fatalf("GET /dev/outlook = %d", code)
		}
		var tok struct{ Token string }
		if code := getJSON(t, srv.base+"/dev/outlook/token?user=bob@contoso.test", &tok); code != http.StatusOK || tok.Token == "" {
			t.Fatalf("GET /dev/outlook/token = %d %+v", code, tok)
		}
		var me struct{ UPN string }
		if code := call(t, "GET", srv.base+"/api/v1/me", tok.Token, nil, &me); code != http.StatusOK || me.UPN != "bob@contoso.test" {
			t.Fatalf("GET /api/v1/me with the sandbox's token = %d %+v, want bob", code, me)
		}
	})
	t.Run("without it", func(t *testing.T) {
		srv := startServe(t, map[string]string{"CRMSYNC_ADDR": "127.0.0.1:0", "CRMSYNC_DATA_DIR": t.TempDir(), "CRMSYNC_LOG_LEVEL": "warn",
			"CRMSYNC_DEMO": "false"})
		if code := getJSON(t, srv.base+"/dev/outlook", nil); code != http.StatusNotFound {
			t.Fatalf("GET /dev/outlook = %d, want 404", code)
		}
	})
}

// getJSON GETs url and decodes a 200 answer into into (when not nil), returning the status.
func getJSON(t *testing.T, url string, into any) int {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if into != nil && resp.StatusCode == http.StatusOK {
		if err := json.NewDecoder(resp.Body).Decode(into); err != nil {
			t.Fatal(err)
		}
	}
	return resp.StatusCode
}
