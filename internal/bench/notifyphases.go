package bench

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/crmsync/crmsync/internal/crm"
	"github.com/crmsync/crmsync/internal/graph"
	"github.com/crmsync/crmsync/internal/graph/graphfake"
	"github.com/crmsync/crmsync/internal/graph/notification"
	"github.com/crmsync/crmsync/internal/notifications"
	"github.com/crmsync/crmsync/internal/outlook"
)

// trackEverything makes the tenant's automatic tracking pick every email, so that a new email's
// notification ends in an activity.
func (f *fleet) trackEverything(ctx context.Context, s *syncService) error {
	settings := f.tenant.Settings
	settings.DefaultAutoTrack = crm.AutoTrackAll
	return s.store.UpdateTenantSettings(ctx, f.tenant.ID, crm.SyncModeServer, settings)
}

// subscribeAll runs the subscription scheduler once, as River's leader does, and waits until every
// mailbox holds its subscriptions. It returns how long that took and how many each mailbox holds.
func (s *notifyService) subscribeAll(ctx context.Context, n int, stderr io.Writer) (time.Duration, int, error) {
	progress(stderr, "subscribing %d mailboxes to change notifications", n)
	start := time.Now()
	if _, err := s.svc.SubscriptionScheduler.Schedule(ctx, s.svc.Queue.Inserter); err != nil {
		return 0, 0, err
	}
	const perMailbox = 3 // the Inbox, events and contacts: the tenant tracks no sent mail, To Do needs a user
	deadline := time.Now().Add(cycleTimeout(n))
	lastReport := time.Now()
	for {
		var active, failing int
		err := s.store.DB().QueryRowContext(ctx, s.rebind(`SELECT
			COALESCE(SUM(CASE WHEN state = 'active' THEN 1 ELSE 0 END), 0),
			COALESCE(SUM(CASE WHEN state = 'failing' THEN 1 ELSE 0 END), 0) FROM graph_subscriptions`)).Scan(&active, &failing)
		if err != nil {
			return 0, 0, fmt.Errorf("count subscriptions: %w", err)
		}
		if failing > 0 {
			var reason string
			_ = s.store.DB().QueryRowContext(ctx, `SELECT reason FROM graph_subscriptions WHERE state = 'failing' LIMIT 1`).Scan(&reason)
			return 0, 0, fmt.Errorf("%d subscriptions failed, such as: %s", failing, reason)
		}
		if active >= perMailbox*n {
			took := time.Since(start)
			progress(stderr, "subscribed %d mailboxes (%d subscriptions) in %s", n, active, took.Round(time.Millisecond))
			return took, perMailbox, nil
		}
		if time.Now().After(deadline) {
			return 0, 0, fmt.Errorf("%d of %d subscriptions after %s", active, perMailbox*n, cycleTimeout(n))
		}
		if time.Since(lastReport) >= 10*time.Second {
			progress(stderr, "subscribing: %d of %d subscriptions", active, perMailbox*n)
			lastReport = time.Now()
		}
		if err := sleep(ctx, 100*time.Millisecond); err != nil {
			return 0, 0, err
		}
	}
}

// quiesce waits until the fake Graph has posted every notification and no job waits or runs: what the
// previous phase set off (our own writes coming back as notifications) does not count in the next.
func (s *notifyService) quiesce(ctx context.Context, stderr io.Writer) error {
	deadline := time.Now().Add(10 * time.Minute)
	for quiet := 0; quiet < 2; {
		if err := s.fake.FlushNotifications(ctx); err != nil {
			return err
		}
		var open int
		if err := s.store.DB().QueryRowContext(ctx, `SELECT COUNT(*) FROM river_job
			WHERE state IN ('available', 'running', 'retryable', 'scheduled', 'pending') AND kind <> 'sync_schedule'`).Scan(&open); err != nil {
			return fmt.Errorf("count open jobs: %w", err)
		}
		if open == 0 {
			quiet++
		} else {
			quiet = 0
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("jobs still open after 10 minutes: %s", s.jobStates(ctx))
		}
		if err := sleep(ctx, 200*time.Millisecond); err != nil {
			return err
		}
	}
	progress(stderr, "quiet")
	return nil
}

// deliveries gives k mailboxes of the fleet a new email at once and measures, for each, the time from
// the fake Graph's POST of its notification to the endpoint until its activity exists.
func (s *notifyService) deliveries(ctx context.Context, f *fleet, k int, stderr io.Writer) (result, error) {
	progress(stderr, "delivery: a new email to %d mailboxes at once", k)
	s.arrivals.reset()
	step := max(1, len(f.users)/k)
	type sent struct{ user, messageID, subscription string }
	var mails []sent
	for i := 0; i < len(f.users) && len(mails) < k; i += step {
		u := f.users[i].user
		var sub string
		if err := s.store.DB().QueryRowContext(ctx, s.rebind(`SELECT subscription_id FROM graph_subscriptions
			WHERE tenant_id = ? AND user_id = ? AND resource_kind = 'inbox'`), u.TenantID, u.ID).Scan(&sub); err != nil {
			return result{}, fmt.Errorf("inbox subscription of %s: %w", u.UPN, err)
		}
		mails = append(mails, sent{user: u.UPN, messageID: fmt.Sprintf("<delivery-%d@fabrikam.test>", i), subscription: sub})
	}
	start := time.Now()
	for i, m := range mails {
		now := time.Now().UTC().Truncate(time.Second)
		s.fake.AddMessage(m.user, "inbox", outlook.Message{InternetMessageID: m.messageID, Subject: fmt.Sprintf("Order %d", i),
			Body: "Ten e-bikes, please.", From: outlook.Address{Name: "Dana Buyer", Email: "dana.buyer@fabrikam.test"},
			To: []outlook.Address{{Email: m.user}}, SentAt: now, ReceivedAt: now})
	}
	deadline := time.Now().Add(5*time.Minute + time.Duration(k)*100*time.Millisecond)
	created := map[string]time.Time{}
	for len(created) < len(mails) {
		ids := make([]any, 0, len(mails))
		for _, m := range mails {
			if _, ok := created[m.messageID]; !ok {
				ids = append(ids, m.messageID)
			}
		}
		query := `SELECT internet_message_id, created_at FROM activities WHERE internet_message_id IN (?` + strings.Repeat(", ?", len(ids)-1) + `)`
		rows, err := s.store.DB().QueryContext(ctx, s.rebind(query), ids...)
		if err != nil {
			return result{}, fmt.Errorf("look for the activities: %w", err)
		}
		for rows.Next() {
			var id string
			var at time.Time
			if err := rows.Scan(&id, &at); err != nil {
				rows.Close()
				return result{}, err
			}
			created[id] = at
		}
		rows.Close()
		if time.Now().After(deadline) {
			return result{}, fmt.Errorf("%d of %d emails tracked after %s", len(created), len(mails), time.Since(start).Round(time.Second))
		}
		if len(created) < len(mails) {
			if err := sleep(ctx, 20*time.Millisecond); err != nil {
				return result{}, err
			}
		}
	}
	var latencies []time.Duration
	res := result{problems: map[string]int{}}
	for _, m := range mails {
		arrived, ok := s.arrivals.at(m.subscription)
		if !ok {
			res.problem("tracked without a notification")
			continue
		}
		latencies = append(latencies, created[m.messageID].Sub(arrived))
	}
	r := newResult(latencies, 0)
	r.notOK, r.problems = res.notOK, res.problems
	progress(stderr, "delivery: %d emails tracked, p50 %s, p99 %s", len(latencies), ms(r.p(50)), ms(r.p(99)))
	return r, nil
}

// endpointLoad posts notifications (one per POST, for random mailboxes' Inbox subscriptions, with their
// clientState) at rate a second for d, and measures each POST's answer.
func (s *notifyService) endpointLoad(ctx context.Context, rate int, d time.Duration, stderr io.Writer) (result, error) {
	var inbox []graphfake.Subscription
	for _, sub := range s.fake.Subscriptions() {
		if strings.Contains(sub.Resource, "inbox") {
			inbox = append(inbox, sub)
		}
	}
	if len(inbox) == 0 {
		return result{}, fmt.Errorf("no Inbox subscription to notify")
	}
	total := int(float64(rate) * d.Seconds())
	tenant := s.tenantID
	progress(stderr, "endpoint: %d notifications at %d a second", total, rate)
	client := &http.Client{Timeout: 10 * time.Second, Transport: &http.Transport{MaxIdleConnsPerHost: 512, MaxConnsPerHost: 512}}
	defer client.CloseIdleConnections()
	var (
		mu        sync.Mutex
		latencies = make([]time.Duration, 0, total)
		res       = result{problems: map[string]int{}}
		wg        sync.WaitGroup
		slots     = make(chan struct{}, 512)
	)
	start := time.Now()
	for i := range total {
		due := start.Add(time.Duration(float64(i) * float64(time.Second) / float64(rate)))
		if wait := time.Until(due); wait > 0 {
			if err := sleep(ctx, wait); err != nil {
				return result{}, err
			}
		}
		sub := inbox[i%len(inbox)]
		body, _ := json.Marshal(map[string]any{"value": []any{map[string]any{
			"subscriptionId": sub.ID, "subscriptionExpirationDateTime": sub.Expiration.Format(time.RFC3339), "changeType": "updated",
			"resource": "Users/" + sub.Mailbox + "/Messages/load-" + fmt.Sprint(i), "clientState": sub.ClientState, "tenantId": tenant,
			"resourceData": map[string]any{"@odata.type": "#Microsoft.Graph.Message", "id": "load-" + fmt.Sprint(i)}}}})
		slots <- struct{}{}
		wg.Go(func() {
			defer func() { <-slots }()
			sent := time.Now()
			resp, err := client.Post(s.base+notifications.NotificationPath, "application/json", bytes.NewReader(body))
			took := time.Since(sent)
			mu.Lock()
			defer mu.Unlock()
			if err != nil {
				res.problem(err.Error())
				return
			}
			_, _ = io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			if resp.StatusCode != http.StatusAccepted {
				res.problem(fmt.Sprintf("HTTP %d", resp.StatusCode))
				return
			}
			latencies = append(latencies, took)
		})
	}
	wg.Wait()
	r := newResult(latencies, time.Since(start))
	r.notOK, r.problems = res.notOK, res.problems
	progress(stderr, "endpoint: %.0f/s, p50 %s, p99 %s, %d not 202", r.rate(), ms(r.p(50)), ms(r.p(99)), r.notOK)
	return r, nil
}

// renewals moves the shared clock on until every subscription is due for renewal, renews the fleet's
// subscriptions as the periodic job would, and returns the Graph calls per mailbox that took, and how
// often a subscription is renewed.
func (s *notifyService) renewals(ctx context.Context, f *fleet, stderr io.Writer) (float64, time.Duration, error) {
	every := notifications.RenewEvery(notification.KindMessages)
	progress(stderr, "renewals: the clock moves on %s", every.Round(time.Hour))
	s.clock.advance(every + time.Hour)
	open := func(ctx context.Context, tenantID, objectID, assertion string) (notifications.Subscriber, error) {
		return s.svc.Graph.Mailbox(graph.User{TenantID: tenantID, ObjectID: objectID, Assertion: assertion})
	}
	m := notifications.NewManager(s.store, open, nil, notifications.Config{On: true, BaseURL: s.base, Backstop: notifications.DefaultBackstop},
		s.clock.now, nil)
	before := s.fake.Requests("*")
	errs := make([]error, len(f.users))
	var wg sync.WaitGroup
	next := make(chan int)
	for range 32 {
		wg.Go(func() {
			for i := range next {
				u := f.users[i].user
				_, errs[i] = m.Reconcile(ctx, u.TenantID, u.ID)
			}
		})
	}
	for i := range f.users {
		next <- i
	}
	close(next)
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			return 0, 0, fmt.Errorf("renew: %w", err)
		}
	}
	calls := float64(s.fake.Requests("*")-before) / float64(len(f.users))
	var renewing int
	if err := s.store.DB().QueryRowContext(ctx, s.rebind(`SELECT COUNT(*) FROM graph_subscriptions WHERE state <> 'active' OR expires_at < ?`),
		s.clock.now().UTC()).Scan(&renewing); err != nil {
		return 0, 0, err
	}
	if renewing > 0 {
		return 0, 0, fmt.Errorf("%d subscriptions not renewed", renewing)
	}
	progress(stderr, "renewals: %.2f Graph calls a mailbox, every %s", calls, every.Round(time.Minute))
	return calls, every, nil
}
