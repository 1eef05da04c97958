package tracking_test

import (
	"context"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/crmsync/crmsync/internal/graph"
	"github.com/crmsync/crmsync/internal/graph/entrafake"
	"github.com/crmsync/crmsync/internal/graph/graphfake"
	"github.com/crmsync/crmsync/internal/outlook"
	"github.com/crmsync/crmsync/internal/store"
	"github.com/crmsync/crmsync/internal/store/storetest"
	"github.com/crmsync/crmsync/internal/tracking"
	"github.com/crmsync/crmsync/internal/tracking/trackingtest"
)

// TestClickWaitsOutAnIdentityOutage: with a managed identity as the app's credential, a Track click made
// while the identity's endpoint answers 500 is neither failed nor counted against the mailbox: it waits,
// and is done once the identity answers again; the app's token requests carry the identity's tokens.
func TestClickWaitsOutAnIdentityOutage(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		authority, mi := entrafake.StartAuthority(t), entrafake.StartManagedIdentity(t)
		mi.Set(entrafake.MIFails)
		fake, url := graphfake.Start(t)
		client, err := graph.NewClient(graph.Options{BaseURL: url, Authority: authority.URL, ClientID: uuid.NewString(),
			Credential: graph.CredentialManagedIdentity, ManagedIdentityClientID: uuid.NewString(),
			HTTPClient: authority.Client(), DisableInstanceDiscovery: true,
			IdentityRetryMin: time.Millisecond, IdentityRetryMax: 10 * time.Millisecond, Logger: slog.New(slog.DiscardHandler)})
		if err != nil {
			t.Fatal(err)
		}
		ctx, cancel := context.WithCancel(context.Background())
		defer cancel()
		go client.WatchIdentity(ctx)
		e := setupWith(t, s, trackingtest.StartWith(t, s, fake, client))

		msg, restID := e.mail(e.alice, outlook.Message{Subject: "Sent during the outage", From: dana})
		req, err := e.submit(e.alice, tracking.Click{ItemID: restID, ItemType: "message", InternetMessageID: msg.InternetMessageID})
		if err != nil {
			t.Fatal(err)
		}
		// The job meets the outage at least once (the watcher's probes come on top).
		deadline := time.Now().Add(10 * time.Second)
		for len(mi.Requests()) < 3 {
			if time.Now().After(deadline) {
				t.Fatal("the managed identity was never asked")
			}
			time.Sleep(5 * time.Millisecond)
		}
		st, _ := client.IdentityStatus()
		if st.State != graph.IdentityFailing || !strings.Contains(st.Error, "HTTP 500") {
			t.Fatalf("identity status during the outage = %+v", st)
		}
		mid, err := s.TrackRequest(context.Background(), e.tenant.ID, e.alice.ID, req.ID)
		if err != nil || !mid.Open() {
			t.Fatalf("during the outage the click is %s (%s), want it still open", mid.State, mid.Error)
		}

		mi.Set(entrafake.MIWorks)
		done := e.wait(e.alice, req.ID)
		wantDone(t, done)
		if n := e.count("email"); n != 1 {
			t.Fatalf("%d email activities, want 1", n)
		}
		mb, err := s.Mailbox(context.Background(), e.tenant.ID, e.alice.ID)
		if err != nil {
			t.Fatal(err)
		}
		if !mb.Enabled || mb.ConsecutiveFailures != 0 || mb.Alert != "" {
			t.Fatalf("the outage was counted against the mailbox: %+v", mb)
		}
		for _, r := range authority.Requests() {
			if !strings.HasPrefix(r.Form.Get("client_assertion"), "mi-token-") || r.Form.Has("client_secret") {
				t.Fatalf("token request %v does not authenticate with the managed identity's token", r.Form)
			}
		}
		if len(authority.Requests()) == 0 {
			t.Fatal("no token request reached the authority")
		}
	})
}
