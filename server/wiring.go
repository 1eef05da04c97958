package main

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	"github.com/riverqueue/river"

	"github.com/crmsync/crmsync/internal/api"
	"github.com/crmsync/crmsync/internal/config"
	"github.com/crmsync/crmsync/internal/graph"
	"github.com/crmsync/crmsync/internal/jobs"
	"github.com/crmsync/crmsync/internal/mailsync"
	"github.com/crmsync/crmsync/internal/secretbox"
	"github.com/crmsync/crmsync/internal/store"
	"github.com/crmsync/crmsync/internal/tracking"
)

// The graph package's Mailbox is what tracking needs, and, through graphMailReader, what the delta
// engine reads.
var (
	_ tracking.Mailbox    = (*graph.Mailbox)(nil)
	_ mailsync.MailReader = graphMailReader{}
)

// graphMailReader gives the delta engine Graph's delta pages in its own type, so that package sync does
// not depend on the Graph SDK.
type graphMailReader struct{ *graph.Mailbox }

func (g graphMailReader) MessagesDelta(ctx context.Context, folder, link string) (mailsync.DeltaPage, error) {
	p, err := g.Mailbox.MessagesDelta(ctx, folder, link)
	return mailsync.DeltaPage(p), err
}

// credentialHealth is /readyz's view of the Graph client's identity; nil when it has none.
func credentialHealth(client *graph.Client) func() api.CredentialHealth {
	if _, ok := client.IdentityStatus(); !ok {
		return nil
	}
	return func() api.CredentialHealth {
		st, _ := client.IdentityStatus()
		h := api.CredentialHealth{Kind: st.Kind, State: st.State, Error: st.Error}
		if !st.Since.IsZero() {
			h.Since = &st.Since
		}
		return h
	}
}

// defaultGraphURL is Microsoft Graph itself; in local mode it means "use the demo mailbox".
const defaultGraphURL = "https://graph.microsoft.com/v1.0"

// workers is the background side of the service: the Graph client, the use cases that run as jobs, and
// the queue that runs them.
type workers struct {
	queue    *jobs.Queue
	tracking *tracking.Service
	// syncRequests start client-mode passes acting as the user (POST /api/v1/sync).
	syncRequests *mailsync.ClientRequests
	// checkMailbox opens a user's mailbox app-only, for an admin's test before enabling it.
	checkMailbox func(ctx context.Context, tenantID, objectID string) error
	// graph is the Graph client, whose managed or workload identity serve watches and /readyz reports.
	graph *graph.Client
}

// graphOptions is how the Graph client authenticates as the app registration.
func graphOptions(cfg config.Config) graph.Options {
	c := cfg.Credential
	return graph.Options{Authority: cfg.Authority, ClientID: cfg.ClientID, Credential: c.Kind,
		ClientSecret: cfg.ClientSecret, ClientCertPath: cfg.ClientCert, ManagedIdentityClientID: c.ManagedIdentityClientID,
		FederatedTokenFile: c.FederatedTokenFile, WorkloadClientID: c.WorkloadClientID, WorkloadTenantID: c.WorkloadTenantID}
}

// newWorkers builds the Graph client, the tracking service and the River queue. graphURL is where Graph
// is; devToken, in local mode, replaces Entra credentials; keys seal user tokens (the first seals).
func newWorkers(ctx context.Context, cfg config.Config, db *store.Store, keys [][]byte, graphURL, devToken string, logger *slog.Logger) (*workers, error) {
	box, err := secretbox.New(keys...)
	if err != nil {
		return nil, err
	}
	opts := graphOptions(cfg)
	opts.BaseURL, opts.DevToken, opts.Logger = graphURL, devToken, logger
	client, err := graph.NewClient(opts)
	if err != nil {
		return nil, fmt.Errorf("graph client: %w", err)
	}
	open := func(ctx context.Context, u tracking.MailboxUser) (tracking.Mailbox, error) {
		return client.Mailbox(graph.User{TenantID: u.TenantID, ObjectID: u.ObjectID, Assertion: u.Assertion})
	}
	svc := tracking.New(db, open, box, logger)
	registry := river.NewWorkers()
	river.AddWorker(registry, tracking.NewWorker(svc))
	// Mailbox synchronization: the scheduler runs on River's leader; one unique job per mailbox; a pass
	// reads the mail folders' deltas and auto-tracks through the same worker as a click, then
	// synchronizes calendar, contacts and To Do both ways.
	readMail := func(ctx context.Context, m mailsync.Mailbox) (mailsync.MailReader, error) {
		mb, err := client.Mailbox(graph.User{TenantID: m.TenantID, ObjectID: m.ObjectID, Assertion: m.Assertion})
		if err != nil {
			return nil, err
		}
		return graphMailReader{mb}, nil
	}
	openItems := func(ctx context.Context, m mailsync.Mailbox) (mailsync.Items, error) {
		return client.Mailbox(graph.User{TenantID: m.TenantID, ObjectID: m.ObjectID, Assertion: m.Assertion})
	}
	syncer := mailsync.Passes{mailsync.NewDeltaEngine(db, readMail, svc, logger), mailsync.NewItemsEngine(db, openItems, logger)}
	scheduler := mailsync.NewScheduler(db, nil, logger)
	syncWorker := mailsync.NewWorker(db, syncer, nil, logger)
	syncRequests := mailsync.NewClientRequests(db, box)
	syncWorker.ActAsUsers(syncRequests)
	river.AddWorker(registry, mailsync.NewSchedulerWorker(scheduler))
	river.AddWorker(registry, syncWorker)
	if err := jobs.Migrate(ctx, db); err != nil {
		return nil, err
	}
	queue, err := jobs.New(db, jobs.Options{
		Workers: registry,
		Queues:  map[string]int{tracking.Queue: 32, mailsync.Queue: 16, river.QueueDefault: 8},
		// A click should be picked up at once; polling is the only wake-up through database/sql.
		PollInterval: 50 * time.Millisecond,
		JobTimeout:   cfg.JobTimeout,
		RescueAfter:  cfg.JobTimeout + cfg.JobTimeout/2,
		PeriodicJobs: []*river.PeriodicJob{scheduler.PeriodicJob()},
		Logger:       logger,
	})
	if err != nil {
		return nil, err
	}
	svc.SetQueue(queue)
	scheduler.SetQueue(queue)
	syncWorker.SetQueue(queue)
	syncRequests.SetQueue(queue)
	check := func(ctx context.Context, tenantID, objectID string) error {
		mb, err := client.Mailbox(graph.User{TenantID: tenantID, ObjectID: objectID})
		if err != nil {
			return err
		}
		return mb.Check(ctx)
	}
	return &workers{queue: queue, tracking: svc, syncRequests: syncRequests, checkMailbox: check, graph: client}, nil
}
