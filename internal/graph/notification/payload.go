package notification

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"regexp"
	"time"
)

// Collection is one POST Graph delivers to a notification or lifecycle URL (changeNotificationCollection:
// api-reference/v1.0/resources/changenotificationcollection.md). Graph may batch notifications of several
// subscriptions, and lifecycle notifications with change notifications when both URLs are the same.
type Collection struct {
	Value []Notification
	// ValidationTokens come only with notifications that carry resource data, which crmsync does not ask
	// for; kept so a caller can see them.
	ValidationTokens []string
}

// Notification is one changeNotification (api-reference/v1.0/resources/changenotification.md): a change
// notification when ChangeType is set, a lifecycle notification when LifecycleEvent is.
type Notification struct {
	ID                     string // Graph's id of the notification; optional
	SubscriptionID         string
	SubscriptionExpiration time.Time
	// ClientState is the subscription's, as Graph sends it back; compare it in constant time.
	ClientState    string
	TenantID       string
	ChangeType     ChangeType     // created, updated or deleted; empty for a lifecycle notification
	Resource       string         // the item, relative to the Graph root, such as Users/{id}/Messages/{id}
	ResourceData   *ResourceData  // the changed item; nil when absent
	LifecycleEvent LifecycleEvent // empty for a change notification
}

// ResourceData identifies the changed item of a notification without resource data.
type ResourceData struct {
	ODataType string // such as "#Microsoft.Graph.Message"
	ODataID   string
	ODataETag string // absent for a deletion
	ID        string // the item's id: immutable when the subscription was created with Prefer IdType="ImmutableId"
}

// LifecycleEvent is the kind of a lifecycle notification (change-notifications-lifecycle-events.md).
type LifecycleEvent string

// The lifecycle events Graph sends.
const (
	// ReauthorizationRequired: reauthorize (POST /subscriptions/{id}/reauthorize) or renew the subscription,
	// or notifications eventually pause.
	ReauthorizationRequired LifecycleEvent = "reauthorizationRequired"
	// SubscriptionRemoved: Graph removed the subscription; create it again and run a delta pass.
	SubscriptionRemoved LifecycleEvent = "subscriptionRemoved"
	// Missed: some change notifications were not delivered; run a delta pass.
	Missed LifecycleEvent = "missed"
)

// IsLifecycle reports whether n is a lifecycle notification rather than a change notification.
func (n Notification) IsLifecycle() bool { return n.LifecycleEvent != "" }

// Limits bound what Decode accepts.
type Limits struct {
	// MaxBytes is the largest body; default MaxBodyBytes.
	MaxBytes int64
	// MaxNotifications is the most notifications in one body; default MaxNotifications.
	MaxNotifications int
}

const (
	// MaxBodyBytes is the default body limit: 1 MiB, hundreds of times a notification's size.
	MaxBodyBytes = 1 << 20
	// MaxNotifications is the default limit of notifications in one body. Graph documents no batch size;
	// a notification without resource data is about 600 bytes, so a 1 MiB body holds fewer than 2,000.
	MaxNotifications = 1000
	// maxString bounds every string of a notification: Graph's longest are resource paths and ids of a
	// few hundred characters.
	maxString = 4096
	// maxClientState is changeNotification's bound on clientState ("The maximum length is 255 characters").
	maxClientState = 255
)

// Errors Decode answers with, each wrapped with the reason: ErrTooLarge for a body over the limits
// (answer 413), ErrMalformed for anything else it refuses (answer 400).
var (
	ErrTooLarge  = errors.New("notification body too large")
	ErrMalformed = errors.New("malformed notification body")
)

// guid is the form of Graph's subscription and tenant ids.
var guid = regexp.MustCompile(`^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$`)

// Decode reads a notification body with the default limits.
func Decode(r io.Reader) (Collection, error) {
	return DecodeWithLimits(r, Limits{})
}

// DecodeWithLimits reads a notification body strictly: a JSON object and nothing after it, whose "value"
// is an array of at most l.MaxNotifications notifications, each with a GUID subscriptionId and tenantId,
// a subscriptionExpirationDateTime, and either a changeType of created, updated or deleted with a
// resource, or a lifecycleEvent of reauthorizationRequired, subscriptionRemoved or missed (not both).
// Properties of the wrong JSON type are refused; properties Graph may add later are ignored.
func DecodeWithLimits(r io.Reader, l Limits) (Collection, error) {
	if l.MaxBytes <= 0 {
		l.MaxBytes = MaxBodyBytes
	}
	if l.MaxNotifications <= 0 {
		l.MaxNotifications = MaxNotifications
	}
	body, err := io.ReadAll(io.LimitReader(r, l.MaxBytes+1))
	if err != nil {
		return Collection{}, fmt.Errorf("%w: read: %w", ErrMalformed, err)
	}
	if int64(len(body)) > l.MaxBytes {
		return Collection{}, fmt.Errorf("%w: more than %d bytes", ErrTooLarge, l.MaxBytes)
	}
	var top struct {
		Value            *[]json.RawMessage `json:"value"`
		ValidationTokens []string           `json:"validationTokens"`
	}
	if err := decodeOne(body, &top); err != nil {
		return Collection{}, err
	}
	if top.Value == nil {
		return Collection{}, fmt.Errorf("%w: no \"value\" array", ErrMalformed)
	}
	if n := len(*top.Value); n > l.MaxNotifications {
		return Collection{}, fmt.Errorf("%w: %d notifications, more than %d", ErrTooLarge, n, l.MaxNotifications)
	}
	c := Collection{ValidationTokens: top.ValidationTokens, Value: make([]Notification, 0, len(*top.Value))}
	for i, raw := range *top.Value {
		n, err := decodeNotification(raw)
		if err != nil {
			return Collection{}, fmt.Errorf("notification %d: %w", i, err)
		}
		c.Value = append(c.Value, n)
	}
	return c, nil
}

// wireNotification is a changeNotification as Graph writes it.
type wireNotification struct {
	ID             string        `json:"id"`
	SubscriptionID string        `json:"subscriptionId"`
	Expiration     string        `json:"subscriptionExpirationDateTime"`
	ClientState    string        `json:"clientState"`
	TenantID       string        `json:"tenantId"`
	ChangeType     string        `json:"changeType"`
	Resource       string        `json:"resource"`
	ResourceData   *wireResource `json:"resourceData"`
	LifecycleEvent string        `json:"lifecycleEvent"`
}

type wireResource struct {
	ODataType string `json:"@odata.type"`
	ODataID   string `json:"@odata.id"`
	ODataETag string `json:"@odata.etag"`
	ID        string `json:"id"`
}

func decodeNotification(raw json.RawMessage) (Notification, error) {
	var w wireNotification
	if err := decodeOne(raw, &w); err != nil {
		return Notification{}, err
	}
	for name, v := range map[string]string{"id": w.ID, "resource": w.Resource, "subscriptionId": w.SubscriptionID,
		"tenantId": w.TenantID, "subscriptionExpirationDateTime": w.Expiration} {
		if len(v) > maxString {
			return Notification{}, fmt.Errorf("%w: %s is longer than %d bytes", ErrMalformed, name, maxString)
		}
	}
	if !guid.MatchString(w.SubscriptionID) {
		return Notification{}, fmt.Errorf("%w: subscriptionId %q is not a GUID", ErrMalformed, w.SubscriptionID)
	}
	if !guid.MatchString(w.TenantID) {
		return Notification{}, fmt.Errorf("%w: tenantId %q is not a GUID", ErrMalformed, w.TenantID)
	}
	exp, err := time.Parse(time.RFC3339Nano, w.Expiration)
	if err != nil {
		return Notification{}, fmt.Errorf("%w: subscriptionExpirationDateTime %q is not a date-time", ErrMalformed, w.Expiration)
	}
	if n := len([]rune(w.ClientState)); n > maxClientState {
		return Notification{}, fmt.Errorf("%w: clientState has %d characters, more than %d", ErrMalformed, n, maxClientState)
	}
	n := Notification{ID: w.ID, SubscriptionID: w.SubscriptionID, SubscriptionExpiration: exp.UTC(), ClientState: w.ClientState,
		TenantID: w.TenantID, ChangeType: ChangeType(w.ChangeType), Resource: w.Resource, LifecycleEvent: LifecycleEvent(w.LifecycleEvent)}
	switch {
	case w.LifecycleEvent != "" && w.ChangeType != "":
		return Notification{}, fmt.Errorf("%w: both a changeType and a lifecycleEvent", ErrMalformed)
	case w.LifecycleEvent != "":
		switch n.LifecycleEvent {
		case ReauthorizationRequired, SubscriptionRemoved, Missed:
		default:
			return Notification{}, fmt.Errorf("%w: lifecycleEvent %q (reauthorizationRequired, subscriptionRemoved, missed)", ErrMalformed, w.LifecycleEvent)
		}
	case w.ChangeType != "":
		switch n.ChangeType {
		case Created, Updated, Deleted:
		default:
			return Notification{}, fmt.Errorf("%w: changeType %q (created, updated, deleted)", ErrMalformed, w.ChangeType)
		}
		if w.Resource == "" {
			return Notification{}, fmt.Errorf("%w: a change notification without a resource", ErrMalformed)
		}
	default:
		return Notification{}, fmt.Errorf("%w: neither a changeType nor a lifecycleEvent", ErrMalformed)
	}
	if d := w.ResourceData; d != nil {
		for name, v := range map[string]string{"@odata.type": d.ODataType, "@odata.id": d.ODataID, "@odata.etag": d.ODataETag, "id": d.ID} {
			if len(v) > maxString {
				return Notification{}, fmt.Errorf("%w: resourceData %s is longer than %d bytes", ErrMalformed, name, maxString)
			}
		}
		n.ResourceData = &ResourceData{ODataType: d.ODataType, ODataID: d.ODataID, ODataETag: d.ODataETag, ID: d.ID}
	}
	return n, nil
}

// decodeOne decodes exactly one JSON object from data into v, refusing anything else and trailing data.
func decodeOne(data []byte, v any) error {
	trimmed := bytes.TrimSpace(data)
	if len(trimmed) == 0 || trimmed[0] != '{' {
		return fmt.Errorf("%w: not a JSON object", ErrMalformed)
	}
	dec := json.NewDecoder(bytes.NewReader(trimmed))
	if err := dec.Decode(v); err != nil {
		return fmt.Errorf("%w: %w", ErrMalformed, err)
	}
	if _, err := dec.Token(); err != io.EOF {
		return fmt.Errorf("%w: data after the JSON object", ErrMalformed)
	}
	return nil
}
