package bench

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"strconv"
	"time"

	"github.com/crmsync/crmsync/internal/graph/graphfake"
	"github.com/crmsync/crmsync/internal/identity"
	"github.com/crmsync/crmsync/internal/outlook"
)

// fakeGraph is a graphfake served on loopback, with the messages the users will click.
type fakeGraph struct {
	srv   *http.Server
	url   string     // ends in /v1.0, as Graph's does
	items [][]string // REST ids by user, then by message
}

// startGraph serves a fake Graph answering after latency, with one mailbox of perUser inbox messages
// for each user, all from a sender the CRM does not know.
func startGraph(latency time.Duration, users []string, perUser int) (*fakeGraph, error) {
	fake := graphfake.New(graphfake.WithLatency(latency))
	from := outlook.Address{Name: "Sam Sender", Email: "sam.sender@fabrikam.test"}
	sent := time.Now().Add(-time.Hour)
	items := make([][]string, len(users))
	for u, upn := range users {
		oid := identity.DevObjectID(identity.DevTenantID, upn)
		fake.AddMailbox(oid, upn)
		for i := range perUser {
			m := fake.AddMessage(oid, "inbox", outlook.Message{
				InternetMessageID: fmt.Sprintf("<bench-%d-%d@fabrikam.test>", u, i), Subject: "Benchmark message " + strconv.Itoa(i),
				Body: "Hello from the benchmark.", From: from, To: []outlook.Address{{Email: upn}}, SentAt: sent, ReceivedAt: sent})
			items[u] = append(items[u], fake.RESTID(oid, m.ID))
		}
	}

	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, fmt.Errorf("listen for the fake graph: %w", err)
	}
	mux := http.NewServeMux()
	mux.Handle("/v1.0/", http.StripPrefix("/v1.0", fake.Handler()))
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}
	go srv.Serve(l) //nolint:errcheck // returns ErrServerClosed from close; the service reports Graph failures
	return &fakeGraph{srv: srv, url: "http://" + l.Addr().String() + "/v1.0", items: items}, nil
}

func (g *fakeGraph) close() {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	_ = g.srv.Shutdown(ctx) // only the benchmark's own connections remain; nothing to report
}

// userNames returns the simulated users' UPNs: user001@contoso.test, user002@contoso.test, …
func userNames(n int) []string {
	width := max(3, len(strconv.Itoa(n)))
	names := make([]string, n)
	for i := range names {
		names[i] = fmt.Sprintf("user%0*d@contoso.test", width, i+1)
	}
	return names
}

// mintTokens issues each user a local-mode token for the service that will listen on addr, with the
// development key in dataDir (created here, before the service starts, which then uses the same one).
func mintTokens(dataDir, addr string, users []string) ([]string, error) {
	issuer, err := identity.LoadOrCreateDevIssuer(dataDir)
	if err != nil {
		return nil, err
	}
	tokens := make([]string, len(users))
	for i, upn := range users {
		tokens[i], err = issuer.Mint(identity.TokenRequest{Authority: "http://" + addr + "/dev/oidc", UPN: upn, Lifetime: 4 * time.Hour})
		if err != nil {
			return nil, fmt.Errorf("mint token for %s: %w", upn, err)
		}
	}
	return tokens, nil
}

// freeAddr picks a loopback address with a port that is free now. The service needs it before it starts:
// its tokens name the issuer by address.
func freeAddr() (string, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", fmt.Errorf("find a free port: %w", err)
	}
	defer l.Close()
	return l.Addr().String(), nil
}
