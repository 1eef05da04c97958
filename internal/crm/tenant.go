package crm

import "time"

// Synchronization modes of a tenant.
const (
	SyncModeClient = "client" // delegated tokens; a mailbox syncs while its user has the add-in open
	SyncModeServer = "server" // app-only credentials; background schedule
)

// Tenant is an organisation: an Entra ID tenant that has been onboarded.
type Tenant struct {
	ID        string         `json:"id"`
	Name      string         `json:"name"`
	SyncMode  string         `json:"syncMode"`
	Settings  TenantSettings `json:"settings"`
	CreatedAt time.Time      `json:"createdAt"`
}

// TenantSettings are an organisation's admin choices.
type TenantSettings struct {
	DefaultAutoTrack       string `json:"defaultAutoTrack"`
	MinSyncIntervalMinutes int    `json:"minSyncIntervalMinutes"`
	UntrackDeletes         bool   `json:"untrackDeletes"`
	TrackSentItems         bool   `json:"trackSentItems"`
}

// DefaultTenantSettings are the settings of a newly onboarded tenant.
func DefaultTenantSettings() TenantSettings {
	return TenantSettings{DefaultAutoTrack: "responses", MinSyncIntervalMinutes: 5}
}

// User is a person of a tenant, known by their Entra object id.
type User struct {
	ID          string      `json:"userId"`
	TenantID    string      `json:"tenantId"`
	ObjectID    string      `json:"objectId"`
	UPN         string      `json:"upn"`
	Email       string      `json:"email"`
	DisplayName string      `json:"displayName"`
	Roles       []string    `json:"roles"`
	Options     UserOptions `json:"options"`
	CreatedAt   time.Time   `json:"createdAt"`
	LastSeenAt  time.Time   `json:"lastSeenAt"`
}

// UserOptions are a user's personal synchronization options. Zero values mean "the tenant's default".
type UserOptions struct {
	SyncIntervalMinutes int    `json:"syncIntervalMinutes"`
	AutoTrack           string `json:"autoTrack"`
}

// DefaultSyncIntervalMinutes is how often a mailbox synchronizes unless its user chose otherwise.
const DefaultSyncIntervalMinutes = 15
