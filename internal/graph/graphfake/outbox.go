package graphfake

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"
)

// The notifier: one queue per notification URL, each posted in order by a goroutine of its own that
// never holds the Server's mutex.

// notifier queues and posts notifications.
type notifier struct {
	opts   NotificationOptions
	ctx    context.Context
	cancel context.CancelFunc
	wg     sync.WaitGroup

	mu     sync.Mutex
	boxes  map[string]*outbox
	faults []*NotificationFault
	held   []heldNote // by a reorder fault
	log    []Delivery
}

// outbox is the queue of one URL.
type outbox struct {
	url      string
	queue    []note
	last     time.Time // due time of the last note queued: a URL's notifications leave in order
	inFlight int
	wake     chan struct{}
}

type note struct {
	due  time.Time
	sub  string
	body map[string]any
	solo bool // posted alone: a reordered notification
}

type heldNote struct {
	url  string
	note note
}

func newNotifier(o NotificationOptions) *notifier {
	if o.MaxDelay < o.MinDelay {
		o.MaxDelay = o.MinDelay
	}
	if o.MinDelay == 0 && o.MaxDelay == 0 {
		o.MaxDelay = 200 * time.Millisecond
	}
	if o.Timeout <= 0 {
		o.Timeout = 3 * time.Second
	}
	if o.Retries == nil {
		o.Retries = []time.Duration{time.Second, 2 * time.Second, 4 * time.Second, 8 * time.Second,
			16 * time.Second, 32 * time.Second, time.Minute, time.Minute}
	}
	if o.MaxBatch <= 0 {
		o.MaxBatch = 100
	}
	if o.ValidationTimeout <= 0 {
		o.ValidationTimeout = 10 * time.Second
	}
	if o.Client == nil {
		o.Client = &http.Client{Transport: http.DefaultTransport.(*http.Transport).Clone()}
	}
	ctx, cancel := context.WithCancel(context.Background())
	return &notifier{opts: o, ctx: ctx, cancel: cancel, boxes: map[string]*outbox{}}
}

func (n *notifier) close() {
	n.cancel()
	n.wg.Wait()
}

// push queues a notification for url, through the faults. It may be called with the Server's mutex held.
func (n *notifier) push(url, sub string, body map[string]any) {
	n.mu.Lock()
	defer n.mu.Unlock()
	nt := note{sub: sub, body: body}
	switch f := n.takeFault(sub); {
	case f == nil:
		n.enqueue(url, nt)
	case f.Kind == LoseNotifications:
		raw, _ := json.Marshal(map[string]any{"value": []any{body}})
		n.log = append(n.log, Delivery{URL: url, Body: raw, Notifications: 1, Lost: true})
	case f.Kind == DuplicateNotifications:
		n.enqueue(url, nt)
		n.enqueue(url, nt)
	case f.Kind == ReorderNotifications:
		n.held = append(n.held, heldNote{url, nt})
		if len(n.held) == f.Times {
			for i := len(n.held) - 1; i >= 0; i-- {
				h := n.held[i]
				h.note.solo = true
				n.enqueue(h.url, h.note)
			}
			n.held = nil
		}
	}
}

// takeFault returns the fault that applies to a notification of sub and counts it down. Callers hold n.mu.
func (n *notifier) takeFault(sub string) *NotificationFault {
	for i, f := range n.faults {
		if f.Subscription != "" && f.Subscription != sub {
			continue
		}
		if f.Kind == ReorderNotifications {
			// Used up when its notifications are released, not as they are held.
			if len(n.held)+1 == f.Times {
				n.faults = append(n.faults[:i:i], n.faults[i+1:]...)
			}
			return f
		}
		if f.Times > 0 {
			f.Times--
			if f.Times == 0 {
				n.faults = append(n.faults[:i:i], n.faults[i+1:]...)
			}
		}
		return f
	}
	return nil
}

// enqueue puts nt at the end of url's queue, due after a random delay and not before the one ahead.
// Callers hold n.mu.
func (n *notifier) enqueue(url string, nt note) {
	box := n.boxes[url]
	if box == nil {
		box = &outbox{url: url, wake: make(chan struct{}, 1)}
		n.boxes[url] = box
		n.wg.Add(1)
		go n.run(box)
	}
	delay := n.opts.MinDelay
	if spread := n.opts.MaxDelay - n.opts.MinDelay; spread > 0 {
		delay += rand.N(spread)
	}
	nt.due = time.Now().Add(delay)
	if nt.due.Before(box.last) {
		nt.due = box.last
	}
	box.last = nt.due
	box.queue = append(box.queue, nt)
	select {
	case box.wake <- struct{}{}:
	default:
	}
}

// idle reports whether nothing is queued, held or being posted.
func (n *notifier) idle() bool {
	n.mu.Lock()
	defer n.mu.Unlock()
	if len(n.held) > 0 {
		return false
	}
	for _, box := range n.boxes {
		if len(box.queue) > 0 || box.inFlight > 0 {
			return false
		}
	}
	return true
}

// run posts box's notifications as they fall due, until the notifier closes.
func (n *notifier) run(box *outbox) {
	defer n.wg.Done()
	for {
		n.mu.Lock()
		if len(box.queue) == 0 {
			n.mu.Unlock()
			select {
			case <-box.wake:
				continue
			case <-n.ctx.Done():
				return
			}
		}
		if wait := time.Until(box.queue[0].due); wait > 0 {
			n.mu.Unlock()
			if !sleep(n.ctx, wait) {
				return
			}
			continue
		}
		batch := n.takeBatch(box)
		n.mu.Unlock()
		n.post(box.url, batch)
		n.mu.Lock()
		box.inFlight -= len(batch)
		n.mu.Unlock()
	}
}

// batchWindow is how soon after a batch's first notification another must be due to join it.
const batchWindow = 20 * time.Millisecond

// takeBatch takes the notifications at the head of box's queue that are due (or nearly), up to
// MaxBatch; a solo one goes alone. Callers hold n.mu.
func (n *notifier) takeBatch(box *outbox) []note {
	until := time.Now().Add(batchWindow)
	size := 1
	if !box.queue[0].solo {
		for size < len(box.queue) && size < n.opts.MaxBatch && !box.queue[size].solo && !box.queue[size].due.After(until) {
			size++
		}
	}
	batch := append([]note(nil), box.queue[:size]...)
	box.queue = box.queue[size:]
	box.inFlight += size
	return batch
}

// post delivers a batch, retrying on schedule until an answer is 2xx.
func (n *notifier) post(url string, batch []note) {
	value := make([]any, len(batch))
	for i, nt := range batch {
		value[i] = nt.body
	}
	body, err := json.Marshal(map[string]any{"value": value})
	if err != nil {
		panic("graphfake: encode notifications: " + err.Error()) // plain values: cannot happen
	}
	for attempt := 1; ; attempt++ {
		status, err := n.send(url, body)
		d := Delivery{URL: url, Body: body, Notifications: len(batch), Attempt: attempt, Status: status}
		if err != nil {
			d.Err = err.Error()
		}
		done := status >= 200 && status < 300
		if !done && attempt > len(n.opts.Retries) {
			d.GaveUp = true
		}
		n.mu.Lock()
		n.log = append(n.log, d)
		n.mu.Unlock()
		if done || d.GaveUp || !sleep(n.ctx, n.opts.Retries[attempt-1]) {
			return
		}
	}
}

// send POSTs one body and returns the answer's status, 0 with the error when none came in time.
func (n *notifier) send(url string, body []byte) (int, error) {
	ctx, cancel := context.WithTimeout(n.ctx, n.opts.Timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, url, bytes.NewReader(body))
	if err != nil {
		return 0, err
	}
	req.Header.Set("Content-Type", "application/json; charset=utf-8")
	resp, err := n.opts.Client.Do(req)
	if err != nil {
		return 0, err
	}
	defer resp.Body.Close()
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 1<<16))
	return resp.StatusCode, nil
}

// validate sends Graph's validation request to a notification URL (change-notifications-delivery-webhooks.md,
// "notificationUrl validation"): a POST with ?validationToken=…, which must be answered within 10 seconds
// with 200, text/plain and the URL-decoded token. The token has spaces and colons, as Graph's do, so an
// endpoint that does not decode it fails.
func (n *notifier) validate(ctx context.Context, target string) error {
	token := "Validation: Testing client application reachability for subscription Request-Id: " + newGUID()
	sep := "?"
	if strings.Contains(target, "?") {
		sep = "&"
	}
	ctx, cancel := context.WithTimeout(ctx, n.opts.ValidationTimeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, target+sep+"validationToken="+url.QueryEscape(token), nil)
	if err != nil {
		return fmt.Errorf("validate %s: %w", target, err)
	}
	req.Header.Set("Content-Type", "text/plain; charset=utf-8")
	resp, err := n.opts.Client.Do(req)
	if err != nil {
		return fmt.Errorf("validate %s: %w", target, err)
	}
	defer resp.Body.Close()
	got, err := io.ReadAll(io.LimitReader(resp.Body, 4096))
	switch {
	case err != nil:
		return fmt.Errorf("validate %s: read the answer: %w", target, err)
	case resp.StatusCode != http.StatusOK:
		return fmt.Errorf("validate %s: answered %d", target, resp.StatusCode)
	case !strings.HasPrefix(strings.ToLower(resp.Header.Get("Content-Type")), "text/plain"):
		return fmt.Errorf("validate %s: answered %q, not text/plain", target, resp.Header.Get("Content-Type"))
	case string(got) != token:
		return fmt.Errorf("validate %s: the answer is not the validation token", target)
	}
	return nil
}
