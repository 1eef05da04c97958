package main

import (
	"bufio"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"
)

// demoMessage finds a message of the demo mailbox by subject through the fake Graph the server mounts,
// and returns its REST id: what Office.js hands the add-in.
func demoMessage(t *testing.T, base, upn, subject string) (id, internetMessageID string) {
	t.Helper()
	req, _ := http.NewRequest("GET", base+"/dev/graph/v1.0/users/"+upn+"/mailFolders/inbox/messages/delta", nil)
	req.Header.Set("Authorization", "Bearer demo")
	req.Header.Set("Prefer", "odata.maxpagesize=100")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var page struct {
		Value []struct{ ID, Subject, InternetMessageID string }
	}
	if err := json.NewDecoder(resp.Body).Decode(&page); err != nil {
		t.Fatal(err)
	}
	for _, m := range page.Value {
		if m.Subject == subject {
			return m.ID, m.InternetMessageID
		}
	}
	t.Fatalf("the demo inbox of %s has no %q", upn, subject)
	return "", ""
}

type trackView struct {
	ID, State, Error string
	Activity         *struct {
		ID, Subject string
		Parties     []struct {
			Address string
			Record  *struct{ Type, ID string }
		}
	}
}

// Track, watch, look up and untrack an email of the demo mailbox through the running service.
func TestTrackThroughTheService(t *testing.T) {
	dataDir := t.TempDir()
	env := map[string]string{"CRMSYNC_ADDR": "127.0.0.1:0", "CRMSYNC_DATA_DIR": dataDir, "CRMSYNC_LOG_LEVEL": "warn"}
	srv := startServe(t, env)
	base := srv.base
	var out strings.Builder
	if err := run(context.Background(), []string{"dev-token", "--user", "alice@contoso.test", "--addr", strings.TrimPrefix(base, "http://"), "--data-dir", dataDir},
		envOf(nil), &out, io.Discard); err != nil {
		t.Fatal(err)
	}
	token := strings.TrimSpace(out.String())
	itemID, messageID := demoMessage(t, base, "alice@contoso.test", "Spring order arrived late")

	var accepted trackView
	if code := call(t, "POST", base+"/api/v1/track", token, map[string]any{"itemId": itemID, "itemType": "message", "internetMessageId": messageID}, &accepted); code != http.StatusAccepted {
		t.Fatalf("track = %d %+v", code, accepted)
	}

	// The event stream reports each state until done.
	req, _ := http.NewRequest("GET", base+"/api/v1/track/"+accepted.ID+"/events", nil)
	req.Header.Set("Authorization", "Bearer "+token)
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	resp, err := http.DefaultClient.Do(req.WithContext(ctx))
	if err != nil {
		t.Fatal(err)
	}
	if ct := resp.Header.Get("Content-Type"); ct != "text/event-stream" {
		t.Fatalf("content type %q", ct)
	}
	var last trackView
	scanner := bufio.NewScanner(resp.Body)
	scanner.Buffer(make([]byte, 1<<20), 1<<20)
	for scanner.Scan() {
		if data, ok := strings.CutPrefix(scanner.Text(), "data: "); ok {
			if err := json.Unmarshal([]byte(data), &last); err != nil {
				t.Fatal(err)
			}
		}
	}
	resp.Body.Close()
	if last.State != "done" || last.Activity == nil || last.Activity.Subject != "Spring order arrived late" {
		t.Fatalf("last event = %+v", last)
	}
	resolved := false
	for _, p := range last.Activity.Parties {
		if p.Address == "marco.rossi@northwindtraders.test" && p.Record != nil && p.Record.Type == "contact" {
			resolved = true
		}
	}
	if !resolved {
		t.Fatalf("the sender did not resolve to the demo contact: %+v", last.Activity.Parties)
	}

	var tracked struct {
		Tracked  bool
		Activity *struct{ ID string }
	}
	call(t, "GET", base+"/api/v1/items/"+itemID+"/tracking", token, nil, &tracked)
	if !tracked.Tracked || tracked.Activity.ID != last.Activity.ID {
		t.Fatalf("item tracking = %+v", tracked)
	}
	var again trackView
	if code := call(t, "POST", base+"/api/v1/track", token, map[string]any{"itemId": itemID, "itemType": "message"}, &again); code != 202 || again.ID != accepted.ID {
		t.Fatalf("a retried click = %d %+v, want the same request", code, again)
	}

	var untrack trackView
	if code := call(t, "DELETE", base+"/api/v1/items/"+itemID+"/tracking", token, nil, &untrack); code != http.StatusAccepted {
		t.Fatalf("untrack = %d", code)
	}
	deadline := time.Now().Add(20 * time.Second)
	for {
		call(t, "GET", base+"/api/v1/track/"+untrack.ID, token, nil, &untrack)
		if untrack.State == "done" {
			break
		}
		if untrack.State == "failed" || time.Now().After(deadline) {
			t.Fatalf("untrack = %+v", untrack)
		}
		time.Sleep(20 * time.Millisecond)
	}
	call(t, "GET", base+"/api/v1/items/"+itemID+"/tracking", token, nil, &tracked)
	if tracked.Tracked {
		t.Fatal("still tracked after untrack")
	}
	var problem struct{ Status int }
	if code := call(t, "DELETE", base+"/api/v1/items/"+itemID+"/tracking", token, nil, &problem); code != 404 {
		t.Fatalf("untracking an untracked item = %d", code)
	}
	if code := call(t, "POST", base+"/api/v1/track", token, map[string]any{"itemId": itemID, "itemType": "fax"}, &problem); code != 422 {
		t.Fatalf("unknown item type = %d", code)
	}
	if code := call(t, "POST", base+"/api/v1/track", token, map[string]any{"itemId": itemID, "itemType": "message", "extra": 1}, &problem); code != 422 {
		t.Fatalf("unknown member = %d", code)
	}
}
