package bench

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"os"
	"runtime"
	"runtime/debug"
	"runtime/metrics"
	"strconv"
	"strings"
	"time"

	"github.com/crmsync/crmsync/internal/crm"
	"github.com/crmsync/crmsync/internal/outlook"
	"github.com/crmsync/crmsync/internal/store"
)

// largeResult is the initial synchronization of one large mailbox.
type largeResult struct {
	messages, contacts, events int // already in Outlook
	pushed                     int // CRM items the pass pushed, a third each contacts, appointments and tasks
	seed                       time.Duration
	cycle                      cycleResult
	attempts                   int // of the job: above 1 when an attempt ran out of the job timeout
	mem                        memory
}

// largeShares splits the mailbox's items: 40 % inbox messages, 30 % contacts, 30 % events; the CRM
// holds a tenth of the mailbox's size of each kind to push.
func largeShares(items int) (messages, contacts, events, perKind int) {
	messages = items * 4 / 10
	contacts = items * 3 / 10
	events = items - messages - contacts
	return messages, contacts, events, items / 10
}

// measureLargeMailbox measures the first synchronization of one mailbox holding cfg.InitialItems
// items whose user owns many CRM items, on a fresh database, with its memory.
func measureLargeMailbox(ctx context.Context, cfg SyncConfig, stderr io.Writer) (largeResult, error) {
	var res largeResult
	svc, err := startSyncService(ctx, cfg, stderr)
	if err != nil {
		return res, err
	}
	defer svc.close()

	start := time.Now()
	messages, contacts, events, perKind := largeShares(cfg.InitialItems)
	res.messages, res.contacts, res.events, res.pushed = messages, contacts, events, 3*perKind
	progress(stderr, "seeding one mailbox of %d items (%d messages, %d contacts, %d events) and %d CRM items to push",
		cfg.InitialItems, messages, contacts, events, res.pushed)
	tenant, err := newServerTenant(ctx, svc.store, "", "Benchmark large mailbox")
	if err != nil {
		return res, err
	}
	users, err := addUsers(ctx, svc, tenant.ID, 1, stderr)
	if err != nil {
		return res, err
	}
	u := users[0]
	seedLargeOutlook(svc, u, messages, contacts, events)
	err = svc.store.InTx(ctx, func(tx *store.Tx) error { return seedLargeCRM(ctx, svc, tx, u, perKind) })
	if err != nil {
		return res, fmt.Errorf("seed CRM items: %w", err)
	}
	res.seed = time.Since(start)

	mem := startMemoryWatch()
	res.cycle, err = svc.cycle(ctx, "large mailbox", 1, stderr)
	res.mem = mem.stop()
	if err != nil {
		return res, err
	}
	if err := svc.store.DB().QueryRowContext(ctx, `SELECT COALESCE(MAX(attempt), 0) FROM river_job WHERE kind = 'sync_mailbox'`).Scan(&res.attempts); err != nil {
		return res, fmt.Errorf("read the job's attempts: %w", err)
	}
	f := fleet{tenant: tenant, users: []fleetUser{{user: u}}}
	if err := f.checkPushedN(ctx, svc, res.pushed); err != nil {
		return res, err
	}
	return res, nil
}

// seedLargeOutlook fills the mailbox: inbox messages, contacts and events over the next months, none of
// them crmsync's.
func seedLargeOutlook(svc *syncService, u crm.User, messages, contacts, events int) {
	received := time.Now().Add(-24 * time.Hour)
	for i := range messages {
		at := received.Add(-time.Duration(i) * time.Minute)
		svc.fake.AddMessage(u.ObjectID, "inbox", outlook.Message{InternetMessageID: fmt.Sprintf("<large-%d@fabrikam.test>", i),
			Subject: fmt.Sprintf("Message %d", i), Body: "Hello, this is an older message of a full mailbox.",
			From: outlook.Address{Name: "Sam Sender", Email: fmt.Sprintf("sender%d@fabrikam.test", i%500)},
			To:   []outlook.Address{{Email: u.UPN}}, SentAt: at, ReceivedAt: at})
	}
	for i := range contacts {
		svc.fake.AddContact(u.ObjectID, outlook.Contact{GivenName: "Outlook", Surname: fmt.Sprintf("Contact %d", i),
			EmailAddresses: []outlook.Address{{Email: fmt.Sprintf("outlook%d@example.test", i)}}, BusinessPhones: []string{"+1 555 0100"}})
	}
	day := time.Now().UTC().Truncate(24 * time.Hour)
	for i := range events {
		start := day.Add(time.Duration(i%300)*24*time.Hour + time.Duration(8+i%9)*time.Hour)
		svc.fake.AddEvent(u.ObjectID, outlook.Event{Subject: fmt.Sprintf("Outlook event %d", i), Body: "Own business",
			Start: start, End: start.Add(30 * time.Minute), Location: "Somewhere"})
	}
}

// seedLargeCRM gives the user perKind contacts, appointments and tasks in one transaction.
func seedLargeCRM(ctx context.Context, svc *syncService, tx *store.Tx, u crm.User, perKind int) error {
	day := time.Now().UTC().Truncate(time.Hour).Add(24 * time.Hour)
	for i := range perKind {
		if _, err := tx.CreateRecord(ctx, u.TenantID, crm.TypeContact, u.ID, crm.RecordInput{Fields: map[string]any{
			"firstName": "CRM", "lastName": fmt.Sprintf("Contact %d", i), "email": fmt.Sprintf("crm%d@fabrikam.test", i),
			"phone": fmt.Sprintf("+1 555 %04d", i%10000)}}); err != nil {
			return err
		}
		start := day.Add(time.Duration(i%300)*24*time.Hour + time.Duration(9+i%8)*time.Hour)
		end := start.Add(time.Hour)
		if _, err := tx.CreateActivity(ctx, u.TenantID, crm.Activity{Type: crm.ActivityAppointment,
			Subject: fmt.Sprintf("CRM meeting %d", i), Body: "Agenda", Start: &start, End: &end, Location: "Room 1", Status: "scheduled",
			OwnerID: u.ID, Parties: []crm.Party{{Role: crm.PartyRequired, Address: fmt.Sprintf("crm%d@fabrikam.test", i)}}}); err != nil {
			return err
		}
		due := day.Add(time.Duration(i%60) * 24 * time.Hour)
		if _, err := tx.CreateActivity(ctx, u.TenantID, crm.Activity{Type: crm.ActivityTask,
			Subject: fmt.Sprintf("CRM task %d", i), Body: "Call back", Due: &due, Status: "open", OwnerID: u.ID}); err != nil {
			return err
		}
	}
	return nil
}

// checkPushedN fails unless want CRM items of the tenant have an Outlook copy crmsync created.
func (f *fleet) checkPushedN(ctx context.Context, svc *syncService, want int) error {
	var n int
	err := svc.store.DB().QueryRowContext(ctx, svc.rebind(`SELECT COUNT(*) FROM item_links
		WHERE tenant_id = ? AND created_by_us AND item_id NOT LIKE 'pending:%' AND item_id NOT LIKE 'removed:%'`), f.tenant.ID).Scan(&n)
	if err != nil {
		return fmt.Errorf("count pushed items: %w", err)
	}
	if n != want {
		return fmt.Errorf("%d CRM items have an Outlook copy, want %d", n, want)
	}
	return nil
}

// memory is the process's memory around a measured phase.
type memory struct {
	rssBefore, rssPeak   uint64 // bytes; the peak is since the reset, or since the process began when !peakReset
	peakReset            bool
	heapBefore, heapPeak uint64 // Go heap objects, bytes; the peak is sampled every 50 ms
}

// memoryWatch samples the Go heap while a phase runs.
type memoryWatch struct {
	m    memory
	done chan struct{}
	out  chan uint64
}

// startMemoryWatch frees what it can, notes the resident set, resets the kernel's peak of it (VmHWM)
// by writing 5 to /proc/self/clear_refs, and samples the heap until stop.
func startMemoryWatch() *memoryWatch {
	runtime.GC()
	debug.FreeOSMemory()
	w := &memoryWatch{done: make(chan struct{}), out: make(chan uint64)}
	w.m.rssBefore, _ = procStatus("VmRSS")
	w.m.peakReset = os.WriteFile("/proc/self/clear_refs", []byte("5"), 0) == nil
	w.m.heapBefore = heapObjects()
	go func() {
		peak := w.m.heapBefore
		tick := time.NewTicker(50 * time.Millisecond)
		defer tick.Stop()
		for {
			select {
			case <-tick.C:
				peak = max(peak, heapObjects())
			case <-w.done:
				w.out <- max(peak, heapObjects())
				return
			}
		}
	}()
	return w
}

func (w *memoryWatch) stop() memory {
	close(w.done)
	w.m.heapPeak = <-w.out
	w.m.rssPeak, _ = procStatus("VmHWM")
	return w.m
}

func heapObjects() uint64 {
	s := []metrics.Sample{{Name: "/memory/classes/heap/objects:bytes"}}
	metrics.Read(s)
	if s[0].Value.Kind() != metrics.KindUint64 {
		return 0
	}
	return s[0].Value.Uint64()
}

// procStatus reads a "kB" line of /proc/self/status, in bytes; false where there is none (not Linux).
func procStatus(key string) (uint64, bool) {
	f, err := os.Open("/proc/self/status")
	if err != nil {
		return 0, false
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		name, value, ok := strings.Cut(sc.Text(), ":")
		if !ok || name != key {
			continue
		}
		kb, err := strconv.ParseUint(strings.TrimSuffix(strings.TrimSpace(value), " kB"), 10, 64)
		return kb * 1024, err == nil
	}
	return 0, false
}
