package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"net"
	"net/http"
	"os"
	"os/exec"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/crmsync/crmsync/internal/graph/graphfake"
	"github.com/crmsync/crmsync/internal/identity"
	"github.com/crmsync/crmsync/internal/outlook"
	"github.com/crmsync/crmsync/internal/store"
	"github.com/crmsync/crmsync/internal/store/storetest"
)

// The crash test: the real binary takes 2,000 concurrent Track clicks while it is killed with SIGKILL at
// random moments and restarted. Afterwards every click that got a 202 is done, each distinct email is one
// activity, and no Outlook item was stamped twice. Skipped with -short (it builds the binary and takes
// a minute per database); `make crash-test` runs it alone.
func TestCrashLosesNothing(t *testing.T) {
	if testing.Short() {
		t.Skip("the crash test is long; run it with make crash-test")
	}
	bin := crmsyncBinary(t)
	t.Run("sqlite", func(t *testing.T) { crashTest(t, bin, "") })
	t.Run("postgres", func(t *testing.T) { crashTest(t, bin, storetest.PostgresURL(t)) })
}

const (
	crashClicks   = 2000
	crashKills    = 4
	crashParallel = 64
)

type crashItem struct {
	user, upn, itemID, immutableID, messageID string
}

func crashTest(t *testing.T, bin, databaseURL string) {
	dataDir := t.TempDir()
	fake, graphURL := graphfake.Start(t, graphfake.WithLatency(2*time.Millisecond))
	items := seedCrashMailboxes(fake)
	distinctEmails := map[string]bool{}
	for _, it := range items {
		distinctEmails[it.messageID] = true
	}

	addr := freeAddr(t)
	authority := "http://" + addr + "/dev/oidc"
	issuer, err := identity.LoadOrCreateDevIssuer(dataDir)
	if err != nil {
		t.Fatal(err)
	}
	tokens := map[string]string{}
	for _, upn := range []string{"alice@contoso.test", "bob@contoso.test"} {
		if tokens[upn], err = issuer.Mint(identity.TokenRequest{Authority: authority, UPN: upn, Lifetime: time.Hour}); err != nil {
			t.Fatal(err)
		}
	}
	env := append(os.Environ(), "CRMSYNC_ADDR="+addr, "CRMSYNC_DATA_DIR="+dataDir, "CRMSYNC_GRAPH_URL="+graphURL,
		"CRMSYNC_RATE_LIMIT=0", "CRMSYNC_DEV_HTTPS_ADDR=off", "CRMSYNC_JOB_TIMEOUT=4s", "CRMSYNC_LOG_LEVEL=error", "CRMSYNC_DATABASE_URL="+databaseURL)
	proc := &crashProcess{t: t, bin: bin, env: env, base: "http://" + addr}
	if err := proc.start(); err != nil {
		t.Fatal(err)
	}
	defer proc.stop()

	// Kill at random moments while the clicks arrive and while they are worked.
	killerDone := make(chan struct{})
	go func() {
		defer close(killerDone)
		for range crashKills {
			time.Sleep(time.Duration(300+rand.IntN(1200)) * time.Millisecond)
			proc.kill()
			if err := proc.start(); err != nil {
				t.Error(err)
				return
			}
		}
	}()

	client := &http.Client{Timeout: 10 * time.Second}
	accepted := make([]string, len(items))
	var retries atomic.Int64
	var wg sync.WaitGroup
	next := make(chan int)
	for range crashParallel {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range next {
				it := items[i]
				body, _ := json.Marshal(map[string]any{"itemId": it.itemID, "itemType": "message", "internetMessageId": it.messageID})
				for attempt := 0; ; attempt++ {
					id, err := postTrack(client, proc.base, tokens[it.upn], body)
					if err == nil {
						accepted[i] = id
						break
					}
					retries.Add(1)
					if attempt > 400 {
						t.Errorf("click %d never acknowledged: %v", i, err)
						return
					}
					time.Sleep(25 * time.Millisecond)
				}
			}
		}()
	}
	for i := range items {
		next <- i
	}
	close(next)
	wg.Wait()
	<-killerDone
	t.Logf("%d clicks acknowledged through %d kills (%d retried sends)", len(items), crashKills, retries.Load())

	// A retried click is the same request.
	for _, i := range []int{0, len(items) / 2, len(items) - 1} {
		body, _ := json.Marshal(map[string]any{"itemId": items[i].itemID, "itemType": "message"})
		if id, err := postTrack(client, proc.base, tokens[items[i].upn], body); err != nil || id != accepted[i] {
			t.Fatalf("click %d again = %s, %v; want %s", i, id, err, accepted[i])
		}
	}

	// Every acknowledged click ends done.
	deadline := time.Now().Add(3 * time.Minute)
	pending := map[int]bool{}
	for i := range items {
		pending[i] = true
	}
	for len(pending) > 0 {
		for i := range pending {
			state, errText := getTrackState(client, proc.base, tokens[items[i].upn], accepted[i])
			switch state {
			case "done":
				delete(pending, i)
			case "failed":
				t.Fatalf("click %d failed: %s", i, errText)
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d requests still open after 3 minutes", len(pending))
		}
		if len(pending) > 0 {
			time.Sleep(200 * time.Millisecond)
		}
	}
	proc.stop()

	db, err := store.Open(context.Background(), databaseURL, dataDir)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	n, err := db.CountActivities(context.Background(), identity.DevTenantID, "email")
	if err != nil {
		t.Fatal(err)
	}
	if n != len(distinctEmails) {
		t.Fatalf("%d email activities for %d distinct emails", n, len(distinctEmails))
	}
	for _, it := range items {
		if w := fake.StampWrites(it.user, it.immutableID); w != 1 {
			t.Fatalf("item %s of %s was stamped %d times", it.immutableID, it.upn, w)
		}
	}
	t.Logf("%d requests done, %d activities for %d distinct emails, every item stamped once", len(items), n, len(distinctEmails))
}

// seedCrashMailboxes fills alice's and bob's mailboxes: 3/4 of the clicks are alice's own emails, the
// rest bob's, half of which are copies of alice's (the same email sent to both).
func seedCrashMailboxes(fake *graphfake.Server) []crashItem {
	var items []crashItem
	users := map[string]string{}
	for _, upn := range []string{"alice@contoso.test", "bob@contoso.test"} {
		users[upn] = identity.DevObjectID(identity.DevTenantID, upn)
		fake.AddMailbox(users[upn], upn)
	}
	from := outlook.Address{Name: "Dana Whitfield", Email: "dana.whitfield@fabrikam.test"}
	aliceCount := crashClicks * 3 / 4
	for i := range crashClicks {
		upn, messageID := "alice@contoso.test", fmt.Sprintf("<crash-%d@fabrikam.test>", i)
		if i >= aliceCount {
			upn = "bob@contoso.test"
			if i%2 == 0 {
				messageID = fmt.Sprintf("<crash-%d@fabrikam.test>", i-aliceCount) // a copy of one of alice's
			}
		}
		m := fake.AddMessage(users[upn], "inbox", outlook.Message{InternetMessageID: messageID, ConversationID: "crash-conv",
			Subject: "Crash test " + messageID, Body: "…", From: from, SentAt: time.Now().Add(-time.Hour), ReceivedAt: time.Now().Add(-time.Hour)})
		items = append(items, crashItem{user: users[upn], upn: upn, itemID: fake.RESTID(users[upn], m.ID), immutableID: m.ID, messageID: messageID})
	}
	return items
}

func postTrack(client *http.Client, base, token string, body []byte) (string, error) {
	req, _ := http.NewRequest("POST", base+"/api/v1/track", bytes.NewReader(body))
	req.Header.Set("Authorization", "Bearer "+token)
	req.Header.Set("Content-Type", "application/json")
	resp, err := client.Do(req)
	if err != nil {
		return "", err
	}
	defer resp.Body.Close()
	var out struct{ ID string }
	if err := json.NewDecoder(resp.Body).Decode(&out); err != nil || resp.StatusCode != http.StatusAccepted {
		return "", fmt.Errorf("status %d: %v", resp.StatusCode, err)
	}
	return out.ID, nil
}

func getTrackState(client *http.Client, base, token, id string) (string, string) {
	req, _ := http.NewRequest("GET", base+"/api/v1/track/"+id, nil)
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := client.Do(req)
	if err != nil {
		return "", err.Error()
	}
	defer resp.Body.Close()
	var out struct{ State, Error string }
	_ = json.NewDecoder(resp.Body).Decode(&out)
	return out.State, out.Error
}

// freeAddr picks a loopback port that is free now; the process keeps it across restarts so that the
// tokens' issuer stays valid.
func freeAddr(t *testing.T) string {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().String()
}

// crashProcess runs the binary and kills it.
type crashProcess struct {
	t    *testing.T
	bin  string
	env  []string
	base string
	mu   sync.Mutex
	cmd  *exec.Cmd
	logs syncBuffer
}

// start runs the binary and waits until it is ready. It may run off the test's goroutine, so it
// returns its error rather than failing the test.
func (p *crashProcess) start() error {
	p.mu.Lock()
	defer p.mu.Unlock()
	cmd := exec.Command(p.bin, "serve")
	cmd.Env = p.env
	cmd.Stdout = &p.logs
	cmd.Stderr = &p.logs
	if err := cmd.Start(); err != nil {
		return fmt.Errorf("start crmsync: %w", err)
	}
	p.cmd = cmd
	deadline := time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) {
		if resp, err := http.Get(p.base + "/readyz"); err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return nil
			}
		}
		time.Sleep(20 * time.Millisecond)
	}
	return fmt.Errorf("crmsync did not become ready:\n%s", tail(p.logs.String()))
}

func (p *crashProcess) kill() {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.cmd == nil {
		return
	}
	_ = p.cmd.Process.Signal(syscall.SIGKILL)
	_ = p.cmd.Wait()
	p.cmd = nil
}

// stop ends the process gracefully, as an orchestrator would.
func (p *crashProcess) stop() {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.cmd == nil {
		return
	}
	_ = p.cmd.Process.Signal(syscall.SIGTERM)
	done := make(chan error, 1)
	go func() { done <- p.cmd.Wait() }()
	select {
	case err := <-done:
		if err != nil {
			p.t.Errorf("crmsync exited with %v after SIGTERM:\n%s", err, tail(p.logs.String()))
		}
	case <-time.After(30 * time.Second):
		_ = p.cmd.Process.Kill()
		p.t.Errorf("crmsync did not stop within 30s of SIGTERM")
	}
	p.cmd = nil
}

func tail(s string) string {
	lines := strings.Split(s, "\n")
	return strings.Join(lines[max(0, len(lines)-30):], "\n")
}
