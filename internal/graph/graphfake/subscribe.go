package graphfake

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/crmsync/crmsync/internal/outlook"
)

// Creating a subscription, POST /subscriptions (subscription-post-subscriptions.md).

// subscriptionRequest is a POST /subscriptions body.
type subscriptionRequest struct {
	Resource            string  `json:"resource"`
	ChangeType          string  `json:"changeType"`
	NotificationURL     string  `json:"notificationUrl"`
	LifecycleURL        *string `json:"lifecycleNotificationUrl"`
	ClientState         *string `json:"clientState"`
	Expiration          string  `json:"expirationDateTime"`
	IncludeResourceData *bool   `json:"includeResourceData"`
}

// postSubscription serves POST /subscriptions. It checks the request, validates the URLs without the
// mutex (the endpoint may be crmsync in this very process, busy calling back), then checks again for a
// duplicate created meanwhile.
func (s *Server) postSubscription(c *call) response {
	var req subscriptionRequest
	if err := json.Unmarshal(c.body, &req); err != nil {
		return graphError(http.StatusBadRequest, "BadRequest", "The request body is not a subscription: "+err.Error())
	}
	sub, fail := s.newSubscription(c, req)
	if sub == nil {
		return fail
	}
	urls := []string{sub.notifyURL}
	if sub.lifecycleURL != "" {
		urls = append(urls, sub.lifecycleURL)
	}
	for _, u := range urls {
		if err := s.notes.validate(c.r.Context(), u); err != nil {
			return graphError(http.StatusBadRequest, "ValidationError",
				"Subscription validation request failed. Notification endpoint must respond with 200 OK to validation request. "+err.Error())
		}
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if fail, refused := s.admit(sub); refused {
		return fail
	}
	s.addSubscription(sub)
	return response{status: http.StatusCreated, body: sub.render(c.root, true)}
}

// newSubscription builds the subscription req asks for, or Graph's refusal.
func (s *Server) newSubscription(c *call, req subscriptionRequest) (*subscription, response) {
	s.mu.Lock()
	defer s.mu.Unlock()
	now := s.now()
	sub := &subscription{resource: req.Resource, notifyURL: req.NotificationURL, created: now, immutable: c.immutable}
	if req.IncludeResourceData != nil && *req.IncludeResourceData {
		return nil, badRequest("Resource data needs an encryptionCertificate; this server sends notifications without resource data.")
	}
	if fail, ok := s.resolveResource(sub); !ok {
		return nil, fail
	}
	changeType, valid := normalizeChangeType(req.ChangeType)
	if !valid {
		return nil, badRequest(fmt.Sprintf("Invalid changeType %q: use created, updated and deleted, comma separated.", req.ChangeType))
	}
	sub.changeType = changeType
	sub.key += "|" + changeType
	if req.LifecycleURL != nil {
		sub.lifecycleURL = *req.LifecycleURL
	}
	if !webhookURL(sub.notifyURL) {
		return nil, badRequest(fmt.Sprintf("The notificationUrl %q must be an absolute https URL.", sub.notifyURL))
	}
	if sub.lifecycleURL != "" && !webhookURL(sub.lifecycleURL) {
		return nil, badRequest(fmt.Sprintf("The lifecycleNotificationUrl %q must be an absolute https URL.", sub.lifecycleURL))
	}
	if req.ClientState != nil {
		sub.clientState = *req.ClientState
	}
	if n := len([]rune(sub.clientState)); n > maxClientState {
		return nil, badRequest(fmt.Sprintf("clientState has %d characters; the maximum is %d.", n, maxClientState))
	}
	exp, fail, valid := checkExpiration(req.Expiration, now, sub.itemKind)
	if !valid {
		return nil, fail
	}
	sub.expires = exp
	sub.id = newGUID()
	if fail, refused := s.admit(sub); refused {
		return nil, fail
	}
	return sub, response{}
}

// admit refuses a duplicate of a live subscription (409) and a mailbox at its quota (403). Callers hold
// s.mu.
func (s *Server) admit(sub *subscription) (response, bool) {
	n := 0
	for _, other := range s.liveSubscriptions() {
		if other.key == sub.key {
			// "Duplicate subscriptions aren't allowed. When a subscription request contains the same values
			// for changeType and resource as an existing subscription, the request fails with an HTTP error
			// code 409 Conflict" (change-notifications-delivery-webhooks.md). The code is what Graph sends
			// (seen in abraunegg/onedrive's handling of it).
			return graphError(http.StatusConflict, "ObjectIdentifierInUse",
				"Subscription Id "+other.id+" already exists for the requested combination"), true
		}
		if other.mb == sub.mb {
			n++
		}
	}
	if n >= maxSubscriptionsPerMailbox {
		return graphError(http.StatusForbidden, "ExtensionError", fmt.Sprintf(
			"Operation: Create; Exception: [Status Code: Forbidden; Reason: The mailbox has reached the limit of %d active subscriptions for all applications.]",
			maxSubscriptionsPerMailbox)), true
	}
	return response{}, false
}

// resolveResource reads sub.resource: users/{id}/mailFolders('{folder}')/messages (or mailFolders/{id}),
// users/{id}/messages, users/{id}/events, users/{id}/contacts, and me/todo/lists/{list}/tasks, the one
// To Do form Graph documents. This fake cannot tell whose token is "me", so for To Do it finds the
// mailbox by the list id, which names one mailbox here; "me" elsewhere is refused. Callers hold s.mu.
func (s *Server) resolveResource(sub *subscription) (response, bool) {
	invalid := graphError(http.StatusBadRequest, "ExtensionError",
		"Operation: Create; Exception: [Status Code: BadRequest; Reason: Invalid resource specified in payload]")
	path := strings.TrimPrefix(sub.resource, "/")
	if strings.ContainsAny(path, "?#") {
		return badRequest("This server serves subscriptions without query options."), false
	}
	segs := strings.Split(path, "/")
	lower := func(i int) string { return strings.ToLower(segs[i]) }
	if len(segs) == 5 && lower(0) == "me" && lower(1) == "todo" && lower(2) == "lists" && lower(4) == "tasks" {
		for _, mb := range s.mailboxes {
			if l := mb.list(segs[3]); l != nil {
				sub.mb, sub.itemKind, sub.coll = mb, outlook.KindTask, "tasks:"+l.id
				sub.key = mb.objectID + "/" + sub.coll
				return response{}, true
			}
		}
		return notFound(), false
	}
	if len(segs) < 3 || lower(0) != "users" {
		return invalid, false
	}
	mb := s.mailbox(segs[1])
	if mb == nil {
		return graphError(http.StatusNotFound, "MailboxNotEnabledForRESTAPI",
			"The mailbox is either inactive, soft-deleted, or is hosted on-premise."), false
	}
	sub.mb = mb
	rest := segs[2:]
	if name, key, ok := strings.Cut(rest[0], "("); ok && strings.EqualFold(name, "mailFolders") && strings.HasSuffix(key, "')") && strings.HasPrefix(key, "'") {
		rest = append([]string{"mailFolders", strings.TrimSuffix(strings.TrimPrefix(key, "'"), "')")}, rest[1:]...)
	}
	switch {
	case len(rest) == 1 && strings.EqualFold(rest[0], "messages"):
		sub.itemKind = outlook.KindMessage
	case len(rest) == 3 && strings.EqualFold(rest[0], "mailFolders") && strings.EqualFold(rest[2], "messages"):
		f := mb.lookupFolder(rest[1])
		if f == nil {
			return notFound(), false
		}
		sub.itemKind, sub.coll = outlook.KindMessage, "messages:"+f.id
	case len(rest) == 1 && strings.EqualFold(rest[0], "events"):
		sub.itemKind = outlook.KindAppointment
	case len(rest) == 1 && strings.EqualFold(rest[0], "contacts"):
		sub.itemKind = outlook.KindContact
	default:
		return invalid, false
	}
	sub.key = mb.objectID + "/" + string(sub.itemKind) + "/" + sub.coll
	return response{}, true
}

// normalizeChangeType reads a changeType list into Graph's order.
func normalizeChangeType(v string) (string, bool) {
	seen := map[string]bool{}
	for _, part := range strings.Split(v, ",") {
		p := strings.TrimSpace(part)
		if p != "created" && p != "updated" && p != "deleted" {
			return "", false
		}
		seen[p] = true
	}
	var out []string
	for _, c := range []string{"created", "updated", "deleted"} {
		if seen[c] {
			out = append(out, c)
		}
	}
	return strings.Join(out, ","), true
}

// webhookURL accepts what Graph accepts as a notification URL: absolute and https ("This URL must make
// use of the HTTPS protocol"), and, unlike Graph, http on a loopback host: local mode's crmsync has no
// certificate this fake could trust.
func webhookURL(raw string) bool {
	u, err := url.Parse(raw)
	if err != nil || u.Host == "" {
		return false
	}
	host := u.Hostname()
	return u.Scheme == "https" || (u.Scheme == "http" && (host == "localhost" || host == "127.0.0.1" || host == "::1"))
}

// checkExpiration reads an expirationDateTime, which must be in the future and at most the maximum
// lifetime of the resource's kind away ("any requests to create or renew a subscription beyond the
// maximum value will fail").
func checkExpiration(raw string, now time.Time, kind outlook.Kind) (time.Time, response, bool) {
	exp, err := time.Parse(time.RFC3339Nano, raw)
	if err != nil {
		return time.Time{}, badRequest(fmt.Sprintf("expirationDateTime %q is not a date-time.", raw)), false
	}
	if !exp.After(now) {
		return time.Time{}, badRequest("Subscription expiration must be in the future."), false
	}
	limit := outlookMaxLifetime
	if kind == outlook.KindTask {
		limit = todoMaxLifetime
	}
	if exp.Sub(now) > limit {
		return time.Time{}, graphError(http.StatusBadRequest, "InvalidRequest", fmt.Sprintf(
			"Subscription expiration can only be %d minutes in the future.", int(limit.Minutes()))), false
	}
	return exp.UTC(), response{}, true
}
