package graphfake

import (
	"cmp"
	"crypto/rand"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"time"

	"github.com/crmsync/crmsync/internal/outlook"
)

// Change-notification subscriptions, as Graph keeps them for Outlook resources:
//   - subscription-post-subscriptions.md: 201 with the subscription; the notification URL (and the
//     lifecycle URL) validated first, 400 when validation fails; 409 for a duplicate.
//   - change-notifications-overview.md: the supported resources, at most 1,000 active subscriptions per
//     mailbox for all applications (403 beyond), the maximum lifetime per resource.
//   - subscription-update.md (PATCH, 200), subscription-delete.md (204), subscription-reauthorize.md
//     (204), subscription-list.md (clientState not returned).
// The fake serves one application: every subscription is the app's.

// Graph's limits for Outlook subscriptions.
const (
	// outlookMaxLifetime: "Outlook message, event, contact: 10,080 minutes (under 7 days)" for
	// subscriptions without resource data; todoMaxLifetime: "todoTask: 4,230 minutes (under three days)"
	// (change-notifications-overview.md, subscription lifetime, as published in 2025).
	outlookMaxLifetime = 10080 * time.Minute
	todoMaxLifetime    = 4230 * time.Minute
	// maxSubscriptionsPerMailbox: "A maximum of 1,000 active subscriptions per mailbox for all
	// applications is allowed" (supported resources table).
	maxSubscriptionsPerMailbox = 1000
	// maxClientState: "The maximum length is 128 characters" (subscription resource type).
	maxClientState = 128
	// subscriptionPage is how many subscriptions a page of GET /subscriptions holds.
	subscriptionPage = 100
	// fakeAppID and fakeCreatorID are the applicationId and creatorId of every subscription.
	fakeAppID     = "24d3b144-21ae-4080-943f-7067b395b913"
	fakeCreatorID = "8ee44408-0679-472c-bc2a-692812af3437"
)

// subscription is one subscription. The Server's mutex guards it.
type subscription struct {
	id           string
	resource     string // as the client wrote it
	key          string // what makes two subscriptions duplicates: the resolved resource and change types
	mb           *mailbox
	itemKind     outlook.Kind
	coll         string // the watched collection ("messages:<folder id>", "tasks:<list id>"), "" for the whole kind
	changeType   string // normalized: created,updated,deleted in that order
	notifyURL    string
	lifecycleURL string
	clientState  string
	expires      time.Time
	created      time.Time
	order        int  // numbers subscriptions in the order they were made
	immutable    bool // created with Prefer: IdType="ImmutableId": notifications carry immutable ids
	needsReauth  bool
	reauths      int
}

// Subscription is a subscription as the fake holds it, for tests.
type Subscription struct {
	ID, Resource, ChangeType string
	NotificationURL          string
	LifecycleNotificationURL string
	ClientState              string
	Expiration               time.Time
	Mailbox                  string // the watched mailbox's object id
	ImmutableIDs             bool   // notifications carry immutable ids
	// NeedsReauthorization is set by a reauthorizationRequired lifecycle event and cleared by a
	// reauthorize or a renewal.
	NeedsReauthorization bool
	Reauthorizations     int
}

// Subscriptions returns the live subscriptions, oldest first.
func (s *Server) Subscriptions() []Subscription {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []Subscription
	for _, sub := range s.liveSubscriptions() {
		out = append(out, Subscription{ID: sub.id, Resource: sub.resource, ChangeType: sub.changeType,
			NotificationURL: sub.notifyURL, LifecycleNotificationURL: sub.lifecycleURL, ClientState: sub.clientState,
			Expiration: sub.expires, Mailbox: sub.mb.objectID, ImmutableIDs: sub.immutable,
			NeedsReauthorization: sub.needsReauth, Reauthorizations: sub.reauths})
	}
	return out
}

// RemoveSubscription drops a subscription without telling anyone, as Graph may; with a lifecycle URL,
// SendLifecycleEvent(id, "subscriptionRemoved") is the announced way. It reports whether there was one.
func (s *Server) RemoveSubscription(id string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	_, ok := s.subs[id]
	s.dropSubscription(id)
	return ok
}

// addSubscription stores sub. Callers hold s.mu.
func (s *Server) addSubscription(sub *subscription) {
	s.subN++
	sub.order = s.subN
	s.subs[sub.id] = sub
	if s.subsOf[sub.mb.objectID] == nil {
		s.subsOf[sub.mb.objectID] = map[string]*subscription{}
	}
	s.subsOf[sub.mb.objectID][sub.id] = sub
}

// dropSubscription forgets the subscription id. Callers hold s.mu.
func (s *Server) dropSubscription(id string) {
	if sub := s.subs[id]; sub != nil {
		delete(s.subsOf[sub.mb.objectID], id)
	}
	delete(s.subs, id)
}

// liveSubscriptions returns the subscriptions not expired by the server's clock, oldest first, and
// forgets the expired ones. Callers hold s.mu.
func (s *Server) liveSubscriptions() []*subscription {
	now := s.now()
	var out []*subscription
	for id, sub := range s.subs {
		if !sub.expires.After(now) {
			s.dropSubscription(id)
			continue
		}
		out = append(out, sub)
	}
	slices.SortFunc(out, func(a, b *subscription) int { return cmp.Compare(a.order, b.order) })
	return out
}

// liveSubscription returns the subscription id unless it is unknown or expired. Callers hold s.mu.
func (s *Server) liveSubscription(id string) *subscription {
	sub := s.subs[id]
	if sub == nil || !sub.expires.After(s.now()) {
		s.dropSubscription(id)
		return nil
	}
	return sub
}

// render is the subscription as Graph answers it; withState includes clientState, which Graph leaves
// out of lists.
func (sub *subscription) render(root string, withState bool) map[string]any {
	var state, lifecycle any
	if withState && sub.clientState != "" {
		state = sub.clientState
	}
	if sub.lifecycleURL != "" {
		lifecycle = sub.lifecycleURL
	}
	return map[string]any{
		"@odata.context":            root + "/$metadata#subscriptions/$entity",
		"id":                        sub.id,
		"resource":                  sub.resource,
		"applicationId":             fakeAppID,
		"changeType":                sub.changeType,
		"clientState":               state,
		"notificationUrl":           sub.notifyURL,
		"notificationQueryOptions":  nil,
		"lifecycleNotificationUrl":  lifecycle,
		"expirationDateTime":        sub.expires.Format("2006-01-02T15:04:05.0000000Z"),
		"creatorId":                 fakeCreatorID,
		"includeResourceData":       nil,
		"latestSupportedTlsVersion": "v1_2",
		"encryptionCertificate":     nil,
		"encryptionCertificateId":   nil,
		"notificationUrlAppId":      nil,
	}
}

// subscriptionNotFound is Graph's answer for an unknown or expired subscription.
func subscriptionNotFound(id string) response {
	return graphError(http.StatusNotFound, "ResourceNotFound", "The object '"+id+"' was not found.")
}

// getSubscription serves GET /subscriptions/{id}.
func getSubscription(c *call) response {
	sub := c.s.liveSubscription(c.params["subscription"])
	if sub == nil {
		return subscriptionNotFound(c.params["subscription"])
	}
	return ok(sub.render(c.root, false))
}

// listSubscriptions serves GET /subscriptions, a page at a time.
func listSubscriptions(c *call) response {
	all := c.s.liveSubscriptions()
	from := 0
	if tok := c.query.Get("$skiptoken"); tok != "" {
		n, err := strconv.Atoi(tok)
		if err != nil || n < 0 {
			return graphError(http.StatusBadRequest, "BadRequest", "The $skiptoken is malformed.")
		}
		from = min(n, len(all))
	}
	to := min(from+subscriptionPage, len(all))
	value := []any{}
	for _, sub := range all[from:to] {
		obj := sub.render(c.root, false)
		delete(obj, "@odata.context")
		value = append(value, obj)
	}
	body := map[string]any{"@odata.context": c.root + "/$metadata#subscriptions", "value": value}
	if to < len(all) {
		body["@odata.nextLink"] = c.root + "/subscriptions?$skiptoken=" + strconv.Itoa(to)
	}
	return ok(body)
}

// renewSubscription serves PATCH /subscriptions/{id}: a new expirationDateTime, which also reauthorizes.
// A lifecycleNotificationUrl cannot be added this way (change-notifications-lifecycle-events.md), and
// this fake refuses any property but the expiration.
func renewSubscription(c *call) response {
	sub := c.s.liveSubscription(c.params["subscription"])
	if sub == nil {
		return subscriptionNotFound(c.params["subscription"])
	}
	fields, err := decodeObject(c.body)
	if err != nil {
		return graphError(http.StatusBadRequest, "BadRequest", err.Error())
	}
	for name := range fields {
		if name != "expirationDateTime" && name != "@odata.type" {
			return badRequest(fmt.Sprintf("The property '%s' cannot be updated; renew with expirationDateTime only.", name))
		}
	}
	var raw string
	if err := decodeField(fields, "expirationDateTime", &raw); err != nil || raw == "" {
		return badRequest("A renewal needs an expirationDateTime.")
	}
	exp, fail, valid := checkExpiration(raw, c.s.now(), sub.itemKind)
	if !valid {
		return fail
	}
	sub.expires, sub.needsReauth = exp, false
	return ok(sub.render(c.root, true))
}

// deleteSubscription serves DELETE /subscriptions/{id}.
func deleteSubscription(c *call) response {
	id := c.params["subscription"]
	if c.s.liveSubscription(id) == nil {
		return subscriptionNotFound(id)
	}
	c.s.dropSubscription(id)
	return response{status: http.StatusNoContent}
}

// reauthorizeSubscription serves POST /subscriptions/{id}/reauthorize.
func reauthorizeSubscription(c *call) response {
	sub := c.s.liveSubscription(c.params["subscription"])
	if sub == nil {
		return subscriptionNotFound(c.params["subscription"])
	}
	sub.needsReauth = false
	sub.reauths++
	return response{status: http.StatusNoContent}
}

// newGUID returns a random version 4 GUID, the form of Graph's subscription ids.
func newGUID() string {
	var b [16]byte
	_, _ = rand.Read(b[:]) // never fails (crypto/rand)
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:16])
}
