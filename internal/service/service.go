// Package service builds crmsync's working parts in one place, in one go: the Graph client, the use
// cases, River's workers and queue, and what the HTTP API needs of them. `crmsync serve`, the tests that
// need a whole service and `crmsync bench` all call New, so that what is tested and measured is what
// production runs.
//
// Nothing is set after construction: the workers are built first and enqueue from inside their jobs
// through River's client in the job's context (jobs.InJob); what enqueues from outside a job (the API's
// clicks and synchronization requests) is built after the queue, with it.
package service

import (
	"cmp"
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
	"github.com/crmsync/crmsync/internal/notifications"
	"github.com/crmsync/crmsync/internal/records"
	"github.com/crmsync/crmsync/internal/secretbox"
	"github.com/crmsync/crmsync/internal/store"
	"github.com/crmsync/crmsync/internal/tenants"
	"github.com/crmsync/crmsync/internal/tracking"
)

// The graph package's Mailbox is what tracking needs, and, through graphMailReader, what the delta
// engine reads, and what the items engine synchronizes.
var (
	_ tracking.Mailbox         = (*graph.Mailbox)(nil)
	_ mailsync.MailReader      = graphMailReader{}
	_ mailsync.Items           = (*graph.Mailbox)(nil)
	_ notifications.Subscriber = (*graph.Mailbox)(nil)
)

// The queues of a process and how many jobs of each run at once. The default queue runs the scheduler.
// A Track job mostly waits for its two Graph round trips (the read and the stamp): 48 at once work a
// backlog at about 280 a second on this project's 2-core machine (bench track), where 32 gave 230-265.
const (
	trackingWorkers     = 48
	syncWorkers         = 16
	subscriptionWorkers = 8
	defaultWorkers      = 8
	// pollInterval is the backstop of River's notifications of new jobs (LISTEN/NOTIFY on PostgreSQL, its
	// notification table on SQLite): it bounds the wait of a job whose insert fell within the time in
	// which River sends one notification per queue (10 ms), and which no later one covered.
	pollInterval = 100 * time.Millisecond
)

// Options are what New needs besides the configuration: what the caller works out at start (local mode's
// key, Graph and token), and the few knobs the benchmark and the tests turn. Zero knobs are production's.
type Options struct {
	Store *store.Store
	// EncryptionKeys seal the users' tokens kept for jobs (config's list, the first sealing; or local
	// mode's generated key).
	EncryptionKeys [][]byte
	// GraphURL is where Microsoft Graph is: config's, or the demo mailbox's in local mode.
	GraphURL string
	// Graph is a Graph client of the caller's making (a test's, authenticating through a stand-in for
	// Entra); nil builds one from the configuration, GraphURL and DevToken.
	Graph *graph.Client
	// DevToken, in local mode, is the static token a fake Graph accepts instead of Entra credentials.
	DevToken string
	// PublicURL is where Microsoft Graph posts change notifications: config's CRMSYNC_PUBLIC_URL, or local
	// mode's own loopback address. Empty turns notifications off.
	PublicURL string
	Logger    *slog.Logger

	// SyncWorkers is how many mailbox synchronizations run at once (0: 16).
	SyncWorkers int
	// SubscriptionWorkers is how many mailboxes' subscriptions are worked at once (0: 8).
	SubscriptionWorkers int
	// ScheduleClock is the scheduler's clock (nil: time.Now).
	ScheduleClock func() time.Time
	// ManualSchedule leaves the schedulers to the caller (Service.Scheduler.Schedule and
	// Service.SubscriptionScheduler.Schedule) instead of River's periodic jobs: the benchmark starts each
	// cycle itself, and tests that synchronize by hand want no pass of their own.
	ManualSchedule bool
}

// Service is crmsync's background side and the use cases the API calls.
type Service struct {
	Store   *store.Store
	Queue   *jobs.Queue
	Graph   *graph.Client
	Records *records.Service
	Tenants *tenants.Service
	// Tracking accepts Track, Set Regarding and Untrack clicks.
	Tracking *tracking.Service
	// Auto accepts what automatic tracking picks, from inside synchronization jobs.
	Auto *tracking.Auto
	// SyncRequests start client-mode passes acting as the user (POST /api/v1/sync).
	SyncRequests *mailsync.ClientRequests
	// Scheduler enqueues the due mailboxes; River runs it every 30 seconds unless ManualSchedule is set.
	Scheduler *mailsync.Scheduler
	// CheckMailbox opens a user's mailbox app-only, for an admin's test before enabling it.
	CheckMailbox func(ctx context.Context, tenantID, objectID string) error
	// Notifications accepts what Microsoft Graph posts to /graph/notifications and /graph/lifecycle.
	Notifications *notifications.Receiver
	// Subscriptions keeps mailboxes' change-notification subscriptions; SubscriptionScheduler enqueues
	// its work (River runs it at the schedule interval unless ManualSchedule is set).
	Subscriptions         *notifications.Manager
	SubscriptionScheduler *notifications.Scheduler
	// Pushes enqueue, inside CRM writes' transactions, the pushes of the mailboxes they concern.
	Pushes *mailsync.Pushes
	// OpenMailbox opens a user's mailbox on their behalf (with their token) or, without one, app-only:
	// the deployment check's proof that the Graph credentials work.
	OpenMailbox func(ctx context.Context, tenantID, objectID, assertion string) error
}

// New builds the service on an open, migrated store: the Graph client, the use cases, the workers and
// River's queue (whose own tables it migrates). It starts nothing; Start does.
func New(ctx context.Context, cfg config.Config, o Options) (*Service, error) {
	logger := o.Logger
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	db := o.Store
	box, err := secretbox.New(o.EncryptionKeys...)
	if err != nil {
		return nil, err
	}
	client := o.Graph
	if client == nil {
		opts := GraphOptions(cfg)
		opts.BaseURL, opts.DevToken, opts.Logger = o.GraphURL, o.DevToken, logger
		if client, err = graph.NewClient(opts); err != nil {
			return nil, fmt.Errorf("graph client: %w", err)
		}
	}
	user := func(tenantID, objectID, assertion string) graph.User {
		return graph.User{TenantID: tenantID, ObjectID: objectID, Assertion: assertion}
	}
	openTracked := func(ctx context.Context, u tracking.MailboxUser) (tracking.Mailbox, error) {
		return client.Mailbox(user(u.TenantID, u.ObjectID, u.Assertion))
	}
	readMail := func(ctx context.Context, m mailsync.Mailbox) (mailsync.MailReader, error) {
		mb, err := client.Mailbox(user(m.TenantID, m.ObjectID, m.Assertion))
		if err != nil {
			return nil, err
		}
		return graphMailReader{mb}, nil
	}
	openItems := func(ctx context.Context, m mailsync.Mailbox) (mailsync.Items, error) {
		return client.Mailbox(user(m.TenantID, m.ObjectID, m.Assertion))
	}
	openSubscriber := func(ctx context.Context, tenantID, objectID, assertion string) (notifications.Subscriber, error) {
		return client.Mailbox(user(tenantID, objectID, assertion))
	}
	notes := notifications.Config{On: cfg.Notifications && cmp.Or(o.PublicURL, cfg.PublicURL) != "",
		BaseURL: cmp.Or(o.PublicURL, cfg.PublicURL), Backstop: cfg.BackstopInterval}
	var backstop time.Duration
	if notes.On {
		backstop = notes.Backstop
	}

	// CRM writes enqueue their mailboxes' pushes in their own transactions. Those made outside a job (the
	// API's) insert through a client of their own, which only inserts: the queue's client needs the
	// workers, which need the use cases.
	inserts, err := jobs.New(db, jobs.Options{Logger: logger})
	if err != nil {
		return nil, err
	}
	pushes := mailsync.NewPushes(db, inserts.Inserter, nil)
	recs := records.New(db, nil, pushes)

	// The workers. Mailbox synchronization: the scheduler runs on River's leader; one unique job per
	// mailbox; a pass reads the mail folders' deltas and auto-tracks through the same worker as a
	// click, then synchronizes calendar, contacts and To Do both ways.
	auto := tracking.NewAuto(db, box)
	syncer := mailsync.Passes{
		mailsync.NewDeltaEngine(db, readMail, auto, logger),
		mailsync.NewItemsEngine(db, recs, openItems, logger),
	}
	scheduler := mailsync.NewScheduler(db, o.ScheduleClock, logger)
	subscriptions := notifications.NewManager(db, openSubscriber, box, notes, nil, logger)
	subscriptionScheduler := notifications.NewScheduler(db, notes, nil, logger)
	registry := river.NewWorkers()
	river.AddWorker(registry, tracking.NewWorker(db, recs, openTracked, box, logger))
	river.AddWorker(registry, mailsync.NewWorker(db, syncer, box, nil, logger, backstop))
	river.AddWorker(registry, mailsync.NewSchedulerWorker(scheduler))
	river.AddWorker(registry, notifications.NewWorker(subscriptions))
	river.AddWorker(registry, notifications.NewSchedulerWorker(subscriptionScheduler))

	if err := jobs.Migrate(ctx, db); err != nil {
		return nil, err
	}
	var periodic []*river.PeriodicJob
	if !o.ManualSchedule {
		periodic = append(periodic, scheduler.PeriodicJob(cfg.ScheduleInterval), subscriptionScheduler.PeriodicJob(cfg.ScheduleInterval))
	}
	queue, err := jobs.New(db, jobs.Options{
		Workers: registry,
		Queues: map[string]int{tracking.Queue: trackingWorkers, mailsync.Queue: cmp.Or(o.SyncWorkers, syncWorkers),
			notifications.Queue: cmp.Or(o.SubscriptionWorkers, subscriptionWorkers), river.QueueDefault: defaultWorkers},
		PollInterval: pollInterval,
		JobTimeout:   cfg.JobTimeout,
		RescueAfter:  cfg.JobTimeout + cfg.JobTimeout/2,
		PeriodicJobs: periodic,
		Logger:       logger,
	})
	if err != nil {
		return nil, err
	}

	openMailbox := func(ctx context.Context, tenantID, objectID, assertion string) error {
		mb, err := client.Mailbox(user(tenantID, objectID, assertion))
		if err != nil {
			return err
		}
		return mb.Check(ctx)
	}
	// What enqueues from outside a job, with the queue.
	return &Service{
		Store:                 db,
		Queue:                 queue,
		Graph:                 client,
		Records:               recs,
		Tenants:               tenants.New(db, cfg.Tenants),
		Tracking:              tracking.New(db, recs, queue, box, logger),
		Auto:                  auto,
		SyncRequests:          mailsync.NewClientRequests(db, queue, box),
		Scheduler:             scheduler,
		Notifications:         notifications.NewReceiver(db, queue.Inserter, notes, nil, logger),
		Subscriptions:         subscriptions,
		SubscriptionScheduler: subscriptionScheduler,
		Pushes:                pushes,
		CheckMailbox: func(ctx context.Context, tenantID, objectID string) error {
			return openMailbox(ctx, tenantID, objectID, "")
		},
		OpenMailbox: openMailbox,
	}, nil
}

// GraphOptions is how crmsync authenticates to Entra as the app registration, from the configuration: the
// authority, the client id and its credential (a secret, a certificate, or a managed or workload
// identity's token as the client assertion). The caller adds where Graph is.
func GraphOptions(cfg config.Config) graph.Options {
	c := cfg.Credential
	return graph.Options{Authority: cfg.Authority, ClientID: cfg.ClientID, Credential: c.Kind,
		ClientSecret: cfg.ClientSecret, ClientCertPath: cfg.ClientCert, ManagedIdentityClientID: c.ManagedIdentityClientID,
		FederatedTokenFile: c.FederatedTokenFile, WorkloadClientID: c.WorkloadClientID, WorkloadTenantID: c.WorkloadTenantID}
}

// API fills in the parts of the HTTP API's deps that come from the service: the store, the use cases and
// the health of the Graph client's identity. The caller adds what is the API's own (the token validator,
// limits, pages).
func (s *Service) API(d api.Deps) api.Deps {
	d.Store, d.Records, d.Tenants = s.Store, s.Records, s.Tenants
	d.Tracker, d.SyncRequests, d.CheckMailbox = s.Tracking, s.SyncRequests, s.CheckMailbox
	d.Notifications = s.Notifications
	d.Credential = credentialHealth(s.Graph)
	return d
}

// credentialHealth is /readyz's view of the Graph client's managed or workload identity; nil when it has
// none.
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

// Start rescues the jobs a killed process left running (SQLite) and starts working jobs. River stops when
// Stop is called, not when ctx ends, so that running jobs can finish.
func (s *Service) Start(ctx context.Context) error { return s.Queue.Start(context.WithoutCancel(ctx)) }

// Stop stops taking jobs and waits for the running ones, or for ctx to end, when they are cancelled and
// retried later.
func (s *Service) Stop(ctx context.Context) error {
	if err := s.Queue.Stop(ctx); err != nil {
		return fmt.Errorf("stop jobs: %w", err)
	}
	return nil
}

// graphMailReader gives the delta engine Graph's delta pages in its own type, so that package mailsync
// does not depend on the Graph SDK.
type graphMailReader struct{ *graph.Mailbox }

func (g graphMailReader) MessagesDelta(ctx context.Context, folder, link string) (mailsync.DeltaPage, error) {
	p, err := g.Mailbox.MessagesDelta(ctx, folder, link)
	return mailsync.DeltaPage(p), err
}
