package main

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/crmsync/crmsync/internal/crm"
	"github.com/crmsync/crmsync/internal/graph/graphfake"
	"github.com/crmsync/crmsync/internal/identity"
	"github.com/crmsync/crmsync/internal/outlook"
	"github.com/crmsync/crmsync/internal/store"
	"github.com/crmsync/crmsync/internal/store/storetest"
)

// The replica test (make replica-test; part of make test when PostgreSQL is configured): three real
// `crmsync serve` processes on one PostgreSQL and one fake Graph, with 1,000 mailboxes of a server-mode
// tenant. It measures, in the same run, a synchronization cycle of every mailbox and 1,000 Track clicks
// with one replica, then with three; then it runs a cycle during which the leader is killed with
// SIGKILL while 1,000 more clicks arrive, spread over the three, and another replica is killed during
// those. Afterwards every click is done exactly once, every mailbox's cycle completed, no mailbox was
// ever synchronized by two passes at once (the fake Graph records each pass's requests by the job
// attempt they name), the scheduler ran under one leader at a time, and nothing is left running.
func TestReplicas(t *testing.T) {
	if testing.Short() {
		t.Skip("the replica test is long; run it with make replica-test")
	}
	if os.Getenv(storetest.EnvDatabaseURL) == "" {
		t.Skip("the replica test needs PostgreSQL: set " + storetest.EnvDatabaseURL + " (bash .ci/run does); skipped")
	}
	r := newReplicaTest(t)
	r.run()
}

const (
	replicaMailboxes    = 1000
	replicaClickUsers   = 200  // the users who click, each on messages of their own mailbox
	replicaBatch        = 1000 // clicks per batch: one batch on one replica, two spread over three
	replicaBatches      = 3
	replicaSenders      = 48 // clicks in flight at once
	replicaScheduleTick = time.Second
	replicaJobTimeout   = 4 * time.Second
	replicaWait         = 2 * time.Minute // at most, for a cycle or a batch to finish
)

// replicaTest holds the fleet: the database, the fake Graph, the seeded tenant and the three processes.
type replicaTest struct {
	t         *testing.T
	ctx       context.Context
	db        *store.Store
	fake      *graphfake.Server
	tenantID  string
	issuer    *identity.DevIssuer
	replicas  []*crashProcess
	addrs     []string
	items     []crashItem // the messages clicked, in click order
	startedAt time.Time

	mu     sync.Mutex
	tokens map[string]string // by replica and UPN

	leaders *leaderWatch
	load    string // the load average when the run began
}

func newReplicaTest(t *testing.T) *replicaTest {
	ctx := context.Background()
	databaseURL := storetest.PostgresURL(t)
	bin := crmsyncBinary(t)
	r := &replicaTest{t: t, ctx: ctx, tokens: map[string]string{}, startedAt: time.Now()}
	var graphURL string
	r.fake, graphURL = graphfake.Start(t, graphfake.WithLatency(2*time.Millisecond), graphfake.RecordJobs())

	db, err := store.Open(ctx, databaseURL, t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	if err := db.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	r.db = db
	seeded := time.Now()
	r.seed()
	r.logf("seeded %d mailboxes (%d messages to click) in %s", replicaMailboxes, len(r.items), since(seeded))

	dataDir := t.TempDir() // shared: the development signing key and the encryption key
	if r.issuer, err = identity.LoadOrCreateDevIssuer(dataDir); err != nil {
		t.Fatal(err)
	}
	for range 3 {
		addr := freeAddr(t)
		env := append(os.Environ(), "CRMSYNC_ADDR="+addr, "CRMSYNC_DATA_DIR="+dataDir, "CRMSYNC_GRAPH_URL="+graphURL,
			"CRMSYNC_DATABASE_URL="+databaseURL, "CRMSYNC_RATE_LIMIT=0", "CRMSYNC_DEV_HTTPS_ADDR=off", "CRMSYNC_LOG_LEVEL=error",
			"CRMSYNC_JOB_TIMEOUT="+replicaJobTimeout.String(), "CRMSYNC_SCHEDULE_INTERVAL="+replicaScheduleTick.String())
		r.addrs = append(r.addrs, addr)
		r.replicas = append(r.replicas, &crashProcess{t: t, bin: bin, env: env, base: "http://" + addr})
	}
	t.Cleanup(func() {
		for _, p := range r.replicas {
			p.stop()
		}
	})
	return r
}

// seed onboards a server-mode tenant with its users, each with a fake mailbox; the clicking users' inboxes
// hold the messages the batches click, from before synchronization began (so never auto-tracked).
func (r *replicaTest) seed() {
	t := r.t
	tenant, err := r.db.EnsureTenant(r.ctx, "5e1ec7ed-0000-4000-8000-00000000a11a", "Replica test")
	if err != nil {
		t.Fatal(err)
	}
	if err := r.db.UpdateTenantSettings(r.ctx, tenant.ID, crm.SyncModeServer, crm.DefaultTenantSettings()); err != nil {
		t.Fatal(err)
	}
	r.tenantID = tenant.ID
	var wg sync.WaitGroup
	errs := make(chan error, replicaMailboxes)
	next := make(chan int)
	for range 4 {
		wg.Go(func() {
			for i := range next {
				upn := fmt.Sprintf("user%04d@replica.test", i)
				oid := identity.DevObjectID(tenant.ID, upn)
				if _, err := r.db.UserOnSight(r.ctx, crm.User{TenantID: tenant.ID, ObjectID: oid, UPN: upn, Email: upn,
					DisplayName: fmt.Sprintf("User %d", i)}); err != nil {
					errs <- err
				}
			}
		})
	}
	for i := range replicaMailboxes {
		r.fake.AddMailbox(identity.DevObjectID(tenant.ID, fmt.Sprintf("user%04d@replica.test", i)), fmt.Sprintf("user%04d@replica.test", i))
		next <- i
	}
	close(next)
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	// Click k is user k % replicaClickUsers's message k / replicaClickUsers: a batch reaches every clicking
	// user five times, never one user many times in a row.
	sent := time.Now().Add(-time.Hour)
	from := outlook.Address{Name: "Dana Whitfield", Email: "dana.whitfield@fabrikam.test"}
	perUser := replicaBatch * replicaBatches / replicaClickUsers
	for m := range perUser {
		for u := range replicaClickUsers {
			upn := fmt.Sprintf("user%04d@replica.test", u)
			oid := identity.DevObjectID(tenant.ID, upn)
			messageID := fmt.Sprintf("<replica-%d-%d@fabrikam.test>", u, m)
			msg := r.fake.AddMessage(oid, "inbox", outlook.Message{InternetMessageID: messageID, ConversationID: "replica-" + messageID,
				Subject: "Replica test " + messageID, Body: "…", From: from, SentAt: sent, ReceivedAt: sent})
			r.items = append(r.items, crashItem{user: oid, upn: upn, itemID: r.fake.RESTID(oid, msg.ID), immutableID: msg.ID, messageID: messageID})
		}
	}
}

func (r *replicaTest) run() {
	r.load = loadAverage()
	r.leaders = watchLeaders(r)
	defer r.leaders.stop()
	one, all := []int{0}, []int{0, 1, 2}

	// One replica: the initial cycle (first deltas of every mailbox), a quiet cycle, a batch of clicks.
	begun := time.Now()
	r.start(0)
	initial := r.waitCycle(begun, "the initial cycle")
	r.figure("initial cycle of %d mailboxes, 1 replica: %s", replicaMailboxes, initial.Round(time.Millisecond))
	cpu := r.cpu()
	cycle1 := r.waitCycle(r.makeDue(), "a cycle on one replica")
	cycle1CPU, cpu := r.cpu()-cpu, r.cpu()
	clicks1 := r.clicks(0, one, nil)
	clicks1CPU := r.cpu() - cpu
	r.figure("cycle of %d mailboxes: 1 replica %s, %s of CPU", replicaMailboxes, cycle1.Round(time.Millisecond), cycle1CPU)
	r.figure("%d Track clicks: 1 replica %s, %.0f clicks/s, %s of CPU", replicaBatch, clicks1.Round(time.Millisecond),
		replicaBatch/clicks1.Seconds(), clicks1CPU)

	// Three replicas: the same.
	r.start(1)
	r.start(2)
	cpu = r.cpu()
	cycle3 := r.waitCycle(r.makeDue(), "a cycle on three replicas")
	cycle3CPU, cpu := r.cpu()-cpu, r.cpu()
	clicks3 := r.clicks(1, all, nil)
	clicks3CPU := r.cpu() - cpu
	r.figure("cycle of %d mailboxes: 3 replicas %s (×%.2f the speed of one), %s of CPU", replicaMailboxes, cycle3.Round(time.Millisecond),
		cycle1.Seconds()/cycle3.Seconds(), cycle3CPU)
	r.figure("%d Track clicks: 3 replicas %s, %.0f clicks/s (×%.2f one replica's), %s of CPU", replicaBatch, clicks3.Round(time.Millisecond),
		replicaBatch/clicks3.Seconds(), clicks1.Seconds()/clicks3.Seconds(), clicks3CPU)

	// Faults: the leader (the first replica, alone when River elected it) dies in the middle of a cycle;
	// another replica dies while clicks arrive. Both come back.
	faultStart := time.Now()
	due := r.makeDue()
	r.waitPasses(due, replicaMailboxes*3/10, "the cycle before the leader is killed")
	r.kill(0, "in the middle of a cycle")
	var killed sync.WaitGroup
	r.clicks(2, all, func(acked int) {
		if acked == replicaBatch/3 {
			killed.Go(func() { r.kill(1, "during the clicks") })
		}
	})
	killed.Wait()
	r.waitCycle(due, "the cycle with the leader killed")
	r.figure("cycle with the leader killed, and %d clicks with another replica killed: %s", replicaBatch, since(faultStart))

	// Graceful stop, then the proof.
	for _, p := range r.replicas {
		p.stop()
	}
	r.leaders.stop()
	r.check()
	r.figure("total %s; load average %s at the start, %s at the end (%d CPUs)", since(r.startedAt), r.load, loadAverage(), runtime.NumCPU())
}

// start starts replica i and waits until it is ready.
func (r *replicaTest) start(i int) {
	if err := r.replicas[i].start(); err != nil {
		r.t.Fatal(err)
	}
}

// kill kills replica i with SIGKILL and starts it again.
func (r *replicaTest) kill(i int, when string) {
	r.replicas[i].kill()
	r.logf("replica %d killed %s", i+1, when)
	if err := r.replicas[i].start(); err != nil {
		r.t.Error(err)
	}
}

// cpu is the processor time the running replicas have used so far, all together.
func (r *replicaTest) cpu() time.Duration {
	var total time.Duration
	for _, p := range r.replicas {
		total += p.cpu()
	}
	return total.Round(10 * time.Millisecond)
}

// cpu is the processor time (user and system) the running process has used; 0 when none runs.
func (p *crashProcess) cpu() time.Duration {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.cmd == nil {
		return 0
	}
	stat, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", p.cmd.Process.Pid))
	if err != nil {
		return 0
	}
	// The fields after the command's name, which ends with the last ')': utime and stime are the 12th
	// and 13th, in clock ticks of 10 ms (Linux's USER_HZ).
	fields := strings.Fields(string(stat[bytes.LastIndexByte(stat, ')')+1:]))
	if len(fields) < 13 {
		return 0
	}
	utime, _ := strconv.ParseInt(fields[11], 10, 64)
	stime, _ := strconv.ParseInt(fields[12], 10, 64)
	return time.Duration(utime+stime) * 10 * time.Millisecond
}

// makeDue makes every mailbox due now, as the passing of their interval would, and returns when. It
// waits first for the passes still queued or running: a pass that ends after the change would set its
// mailbox's next time again.
func (r *replicaTest) makeDue() time.Time {
	deadline := time.Now().Add(replicaWait)
	for r.count(`SELECT COUNT(*) FROM river_job WHERE kind = 'sync_mailbox' AND state NOT IN ('completed', 'cancelled', 'discarded')`) > 0 {
		if time.Now().After(deadline) {
			r.t.Fatalf("synchronization jobs still queued after %s\n%s", replicaWait, r.logs())
		}
		time.Sleep(20 * time.Millisecond)
	}
	now := time.Now().UTC()
	if _, err := r.db.DB().ExecContext(r.ctx, `UPDATE mailboxes SET next_sync_at = $1 WHERE tenant_id = $2`, now, r.tenantID); err != nil {
		r.t.Fatal(err)
	}
	return now
}

// waitCycle waits until every mailbox has synchronized since a time, and returns how long that took.
func (r *replicaTest) waitCycle(since time.Time, what string) time.Duration {
	r.waitPasses(since, replicaMailboxes, what)
	return time.Since(since)
}

// waitPasses waits until n mailboxes have synchronized since a time.
func (r *replicaTest) waitPasses(since time.Time, n int, what string) {
	deadline := time.Now().Add(replicaWait)
	for {
		done := r.synchronizedSince(since)
		if done >= n {
			return
		}
		if time.Now().After(deadline) {
			var failing int
			var lastError string
			_ = r.db.DB().QueryRowContext(r.ctx, `SELECT COUNT(*), COALESCE(MAX(last_error), '') FROM mailboxes WHERE tenant_id = $1 AND consecutive_failures > 0`,
				r.tenantID).Scan(&failing, &lastError)
			r.t.Fatalf("%s: %d of %d mailboxes synchronized after %s (%d failing: %s)\n%s\n%s", what, done, n, replicaWait, failing, lastError,
				r.diagnose(since), r.logs())
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// diagnose describes the mailboxes not synchronized since a time and the synchronization jobs.
func (r *replicaTest) diagnose(since time.Time) string {
	var b strings.Builder
	rows, err := r.db.DB().QueryContext(r.ctx, `SELECT m.user_id, m.next_sync_at, m.last_success_at, m.backoff_until,
		COALESCE((SELECT string_agg(j.id || ':' || j.state || '/' || j.attempt || ' created ' || j.created_at::time::text || ' attempted ' || COALESCE(j.attempted_at::time::text, '-') || ' finalized ' || COALESCE(j.finalized_at::time::text, '-') || ' by ' || COALESCE(array_to_string(j.attempted_by, ','), '-') || ' key ' || COALESCE(encode(j.unique_key, 'hex'), 'none') || ' states ' || COALESCE(j.unique_states::text, 'none'), ' | ') FROM river_job j
			WHERE j.kind = 'sync_mailbox' AND j.args->>'userId' = m.user_id::text), '')
		FROM mailboxes m WHERE m.tenant_id = $1 AND (m.last_success_at IS NULL OR m.last_success_at < $2) LIMIT 5`, r.tenantID, since.UTC())
	if err != nil {
		return err.Error()
	}
	defer rows.Close()
	for rows.Next() {
		var user, jobs string
		var next, last, backoff sql.NullTime
		_ = rows.Scan(&user, &next, &last, &backoff, &jobs)
		fmt.Fprintf(&b, "mailbox %s: next %v, last success %v, backoff %v; jobs %s\n", user, next.Time, last.Time, backoff.Time, jobs)
	}
	return b.String()
}

func (r *replicaTest) synchronizedSince(since time.Time) int {
	return r.count(`SELECT COUNT(*) FROM mailboxes WHERE tenant_id = $1 AND last_success_at >= $2`, r.tenantID, since.UTC())
}

// clicks sends batch b's Track clicks over the replicas named, each click to the next replica in turn and,
// when one does not answer, to the one after; afterAck is told how many were acknowledged after each.
// It returns the time from the first click to the last one done.
func (r *replicaTest) clicks(b int, replicas []int, afterAck func(acked int)) time.Duration {
	t := r.t
	batch := r.items[b*replicaBatch : (b+1)*replicaBatch]
	client := &http.Client{Timeout: 10 * time.Second}
	var acked, retries atomic.Int64
	start := time.Now()
	next := make(chan int)
	var wg sync.WaitGroup
	for range replicaSenders {
		wg.Go(func() {
			for i := range next {
				it := batch[i]
				body, _ := json.Marshal(map[string]any{"itemId": it.itemID, "itemType": "message", "internetMessageId": it.messageID})
				for attempt := 0; ; attempt++ {
					replica := replicas[(i+attempt)%len(replicas)]
					if _, err := postTrack(client, r.replicas[replica].base, r.token(replica, it.upn), body); err == nil {
						break
					} else if attempt > 400 {
						t.Errorf("click %d of batch %d never acknowledged: %v", i, b, err)
						return
					}
					retries.Add(1)
					time.Sleep(25 * time.Millisecond)
				}
				if n := acked.Add(1); afterAck != nil {
					afterAck(int(n))
				}
			}
		})
	}
	for i := range batch {
		next <- i
	}
	close(next)
	wg.Wait()
	if t.Failed() {
		t.FailNow()
	}
	want := (b + 1) * replicaBatch
	deadline := time.Now().Add(replicaWait)
	for {
		done := r.count(`SELECT COUNT(*) FROM track_requests WHERE tenant_id = $1 AND state = 'done'`, r.tenantID)
		if failed := r.count(`SELECT COUNT(*) FROM track_requests WHERE tenant_id = $1 AND state = 'failed'`, r.tenantID); failed > 0 {
			t.Fatalf("%d clicks failed", failed)
		}
		if done == want {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("batch %d: %d of %d clicks done after %s\n%s", b, done, want, replicaWait, r.logs())
		}
		time.Sleep(20 * time.Millisecond)
	}
	elapsed := time.Since(start)
	if n := retries.Load(); n > 0 {
		r.logf("batch %d: %d sends retried on another replica", b, n)
	}
	return elapsed
}

// token is upn's token for replica i, whose address names the token's issuer.
func (r *replicaTest) token(i int, upn string) string {
	r.mu.Lock()
	defer r.mu.Unlock()
	key := r.addrs[i] + " " + upn
	if tok, ok := r.tokens[key]; ok {
		return tok
	}
	tok, err := r.issuer.Mint(identity.TokenRequest{Authority: "http://" + r.addrs[i] + "/dev/oidc", TenantID: r.tenantID, UPN: upn, Lifetime: time.Hour})
	if err != nil {
		r.t.Fatal(err)
	}
	r.tokens[key] = tok
	return tok
}

// check proves the run: clicks done once, cycles whole, passes never at once, the scheduler under one
// leader at a time, nothing left behind.
func (r *replicaTest) check() {
	t := r.t
	ctx := r.ctx

	// Every click done exactly once: each message one activity, stamped once.
	clicks := replicaBatch * replicaBatches
	if n := r.count(`SELECT COUNT(*) FROM track_requests WHERE tenant_id = $1 AND state = 'done'`, r.tenantID); n != clicks {
		t.Errorf("%d clicks done, want %d", n, clicks)
	}
	if n, err := r.db.CountActivities(ctx, r.tenantID, crm.ActivityEmail); err != nil || n != clicks {
		t.Errorf("%d email activities (%v) for %d clicked messages", n, err, clicks)
	}
	for _, it := range r.items {
		if w := r.fake.StampWrites(it.user, it.immutableID); w != 1 {
			t.Errorf("message %s of %s was stamped %d times", it.messageID, it.upn, w)
		}
	}

	// Every mailbox synchronized, and never by two passes at once.
	passes := r.fake.JobSpans("sync_mailbox/")
	overlaps := r.fake.OverlappingJobs("sync_mailbox/")
	for _, o := range overlaps {
		t.Errorf("mailbox %s was synchronized by two passes at once: %s %s–%s and %s %s–%s", o[0].Mailbox,
			o[0].Job, o[0].First.Format("15:04:05.000"), o[0].Last.Format("15:04:05.000"), o[1].Job, o[1].First.Format("15:04:05.000"), o[1].Last.Format("15:04:05.000"))
	}
	perMailbox := map[string]int{}
	retried := 0
	for _, p := range passes {
		perMailbox[p.Mailbox]++
		if !strings.HasSuffix(p.Job, "/1") {
			retried++
		}
	}
	if len(perMailbox) != replicaMailboxes {
		t.Errorf("passes reached %d mailboxes, want %d", len(perMailbox), replicaMailboxes)
	}
	if n := r.count(`SELECT COUNT(*) FROM mailboxes WHERE tenant_id = $1 AND (NOT enabled OR consecutive_failures > 0)`, r.tenantID); n > 0 {
		t.Errorf("%d mailboxes failing or disabled", n)
	}

	// Rescued jobs: those River found running on a replica that died.
	rescued := map[string]int{}
	rows, err := r.db.DB().QueryContext(ctx, `SELECT kind, COUNT(*) FROM river_job WHERE errors::text LIKE '%rescued%' GROUP BY kind`)
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var kind string
		var n int
		if err := rows.Scan(&kind, &n); err != nil {
			t.Fatal(err)
		}
		rescued[kind] = n
	}
	rows.Close()
	if rescued["sync_mailbox"] == 0 {
		t.Error("no synchronization pass was rescued: the leader was not killed in the middle of a cycle")
	}

	// The scheduler ran under one leader at a time: River keeps one leader, and the scheduling jobs
	// number no more than one leader's period allows over the run (two leaders at once would double them).
	terms := r.leaders.terms()
	scheduled := r.count(`SELECT COUNT(*) FROM river_job WHERE kind = 'sync_schedule'`)
	bound := int(time.Since(r.startedAt)/replicaScheduleTick) + 2*len(terms) + 1
	if len(terms) < 2 {
		t.Errorf("River's leadership never moved, though the first replica, its leader, was killed: %v", terms)
	}
	if scheduled > bound {
		t.Errorf("%d scheduler runs in %s under %d leadership terms: more than one leader's %d", scheduled, since(r.startedAt), len(terms), bound)
	}

	// Nothing left running or stuck.
	if n := r.count(`SELECT COUNT(*) FROM river_job WHERE state = 'running'`); n > 0 {
		t.Errorf("%d jobs still running after every replica stopped", n)
	}
	if n := r.count(`SELECT COUNT(*) FROM river_job WHERE kind IN ('sync_mailbox', 'track_item') AND state <> 'completed'`); n > 0 {
		t.Errorf("%d synchronization or tracking jobs not completed", n)
	}
	if n := r.count(`SELECT COUNT(*) FROM track_requests WHERE state IN ('queued', 'processing')`); n > 0 {
		t.Errorf("%d clicks still open", n)
	}

	// Four cycles of every mailbox; a job beyond those is a redundant pass, queued by a scheduler run
	// that read its mailbox as due just before the previous pass committed (never at the same time: the
	// unique job waits for that commit).
	jobs := len(passes) - retried
	r.figure("%d passes: %d jobs for %d mailbox cycles (%d redundant), %d retried attempts of which %d rescued from killed replicas; %d clicks rescued",
		len(passes), jobs, 4*replicaMailboxes, jobs-4*replicaMailboxes, retried, rescued["sync_mailbox"], rescued["track_item"])
	r.figure("scheduler: %d runs under %d leadership terms (%s)", scheduled, len(terms), strings.Join(terms, ", "))
	r.figure("overlapping passes on one mailbox: %d", len(overlaps))
}

func (r *replicaTest) count(query string, args ...any) int {
	var n int
	if err := r.db.DB().QueryRowContext(r.ctx, query, args...).Scan(&n); err != nil {
		r.t.Fatalf("%s: %v", query, err)
	}
	return n
}

// figure prints one of the run's figures.
func (r *replicaTest) figure(format string, args ...any) { r.logf("» "+format, args...) }

func (r *replicaTest) logf(format string, args ...any) {
	r.t.Logf("%s  "+format, append([]any{since(r.startedAt)}, args...)...)
}

// logs is the end of every replica's log, for a failure.
func (r *replicaTest) logs() string {
	var b strings.Builder
	for i, p := range r.replicas {
		fmt.Fprintf(&b, "--- replica %d:\n%s\n", i+1, tail(p.logs.String()))
	}
	return b.String()
}

// loadAverage is the machine's load over the last minute, which the figures depend on.
func loadAverage() string {
	b, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return "unknown"
	}
	return strings.Fields(string(b))[0]
}

func since(t time.Time) time.Duration { return time.Since(t).Round(100 * time.Millisecond) }

// leaderWatch follows River's leader through the run.
type leaderWatch struct {
	done chan struct{}
	wg   sync.WaitGroup
	once sync.Once
	mu   sync.Mutex
	seen []string // leader id and election time, in the order seen
}

// watchLeaders polls River's leader table until stopped.
func watchLeaders(r *replicaTest) *leaderWatch {
	w := &leaderWatch{done: make(chan struct{})}
	w.wg.Go(func() {
		tick := time.NewTicker(100 * time.Millisecond)
		defer tick.Stop()
		for {
			select {
			case <-w.done:
				return
			case <-tick.C:
			}
			rows, err := r.db.DB().QueryContext(r.ctx, `SELECT leader_id, elected_at FROM river_leader`)
			if err != nil {
				continue // the table exists once the first replica migrated
			}
			for rows.Next() {
				var id string
				var elected sql.NullTime
				if rows.Scan(&id, &elected) != nil {
					continue
				}
				term := id + " elected " + elected.Time.Format("15:04:05.000")
				w.mu.Lock()
				if len(w.seen) == 0 || w.seen[len(w.seen)-1] != term {
					w.seen = append(w.seen, term)
				}
				w.mu.Unlock()
			}
			rows.Close()
		}
	})
	return w
}

func (w *leaderWatch) stop() {
	w.once.Do(func() { close(w.done) })
	w.wg.Wait()
}

func (w *leaderWatch) terms() []string {
	w.mu.Lock()
	defer w.mu.Unlock()
	return append([]string(nil), w.seen...)
}
