package crm

import (
	"cmp"
	"fmt"
	"slices"
	"strings"
)

// The automatic email tracking options, from tracking nothing to tracking every message.
const (
	AutoTrackNone                  = "none"                    // only what the user tracks by hand
	AutoTrackResponses             = "responses"               // replies to email that is tracked already
	AutoTrackLeadsContactsAccounts = "leads_contacts_accounts" // email from a lead, contact or account
	AutoTrackEmailEnabledRecords   = "email_enabled_records"   // email from any record with an email field, custom types too
	AutoTrackAll                   = "all"                     // every incoming message
)

// AutoTrackOptions lists the automatic tracking options, narrowest first.
var AutoTrackOptions = []string{AutoTrackNone, AutoTrackResponses, AutoTrackLeadsContactsAccounts, AutoTrackEmailEnabledRecords, AutoTrackAll}

// MaxSyncIntervalMinutes is the longest interval between two synchronizations of a mailbox: a day.
const MaxSyncIntervalMinutes = 1440

// SyncModes lists the synchronization modes a tenant can choose.
var SyncModes = []string{SyncModeClient, SyncModeServer}

// Effective returns the options that apply: the user's choices, the tenant's defaults where they made
// none, and an interval no shorter than the tenant's minimum (which may have risen since the user chose).
func (o UserOptions) Effective(s TenantSettings) UserOptions {
	if o.SyncIntervalMinutes == 0 {
		o.SyncIntervalMinutes = DefaultSyncIntervalMinutes
	}
	o.SyncIntervalMinutes = min(max(o.SyncIntervalMinutes, s.MinSyncIntervalMinutes), MaxSyncIntervalMinutes)
	if o.AutoTrack == "" {
		o.AutoTrack = s.DefaultAutoTrack
	}
	if o.AutoTrack == "" {
		o.AutoTrack = DefaultTenantSettings().DefaultAutoTrack
	}
	return o
}

// OptionsInput is what a user sends to PUT /me/options. A member left out or null goes back to the
// tenant's default.
type OptionsInput struct {
	SyncIntervalMinutes *int    `json:"syncIntervalMinutes"`
	AutoTrack           *string `json:"autoTrack"`
}

// LowestSyncInterval is the shortest synchronization interval, in minutes, a user of the tenant may
// choose.
func (s TenantSettings) LowestSyncInterval() int { return max(1, s.MinSyncIntervalMinutes) }

// Options checks the input against the tenant's settings and returns the options to store (zero values
// for "the tenant's default").
func (in OptionsInput) Options(s TenantSettings) (UserOptions, error) {
	var out UserOptions
	var errs []FieldError
	if in.SyncIntervalMinutes != nil {
		lowest := s.LowestSyncInterval()
		if n := *in.SyncIntervalMinutes; n < lowest || n > MaxSyncIntervalMinutes {
			errs = append(errs, FieldError{"syncIntervalMinutes", fmt.Sprintf("must be a whole number of minutes from %d (your organisation's minimum) to %d", lowest, MaxSyncIntervalMinutes)})
		} else {
			out.SyncIntervalMinutes = n
		}
	}
	if in.AutoTrack != nil {
		if !slices.Contains(AutoTrackOptions, *in.AutoTrack) {
			errs = append(errs, FieldError{"autoTrack", "must be one of " + strings.Join(AutoTrackOptions, ", ")})
		} else {
			out.AutoTrack = *in.AutoTrack
		}
	}
	if len(errs) > 0 {
		return UserOptions{}, Invalid("the options are not valid", errs...)
	}
	return out, nil
}

// AdminSettings is a tenant's synchronization settings as admins read and write them.
type AdminSettings struct {
	SyncMode               string `json:"syncMode"`
	DefaultAutoTrack       string `json:"defaultAutoTrack"`
	MinSyncIntervalMinutes int    `json:"minSyncIntervalMinutes"`
	UntrackDeletes         bool   `json:"untrackDeletes"`
	TrackSentItems         bool   `json:"trackSentItems"`
}

// AdminSettingsOf shows a tenant's settings.
func AdminSettingsOf(t Tenant) AdminSettings {
	return AdminSettings{SyncMode: t.SyncMode, DefaultAutoTrack: t.Settings.DefaultAutoTrack,
		MinSyncIntervalMinutes: t.Settings.MinSyncIntervalMinutes, UntrackDeletes: t.Settings.UntrackDeletes,
		TrackSentItems: t.Settings.TrackSentItems}
}

// AdminSettingsInput is the body of PUT /admin/settings. Every member is required, so that a PUT says
// exactly what the settings become.
type AdminSettingsInput struct {
	SyncMode               *string `json:"syncMode"`
	DefaultAutoTrack       *string `json:"defaultAutoTrack"`
	MinSyncIntervalMinutes *int    `json:"minSyncIntervalMinutes"`
	UntrackDeletes         *bool   `json:"untrackDeletes"`
	TrackSentItems         *bool   `json:"trackSentItems"`
}

// Over returns the input completed by current: every member the input leaves out (or sends as null) keeps
// current's value. It is the merge of PATCH /admin/settings, checked by Settings as a PUT is.
func (in AdminSettingsInput) Over(current AdminSettings) AdminSettingsInput {
	in.SyncMode = cmp.Or(in.SyncMode, &current.SyncMode)
	in.DefaultAutoTrack = cmp.Or(in.DefaultAutoTrack, &current.DefaultAutoTrack)
	in.MinSyncIntervalMinutes = cmp.Or(in.MinSyncIntervalMinutes, &current.MinSyncIntervalMinutes)
	in.UntrackDeletes = cmp.Or(in.UntrackDeletes, &current.UntrackDeletes)
	in.TrackSentItems = cmp.Or(in.TrackSentItems, &current.TrackSentItems)
	return in
}

// Settings checks the input and returns the sync mode and the settings to store.
func (in AdminSettingsInput) Settings() (string, TenantSettings, error) {
	var errs []FieldError
	required := func(name string, given bool) bool {
		if !given {
			errs = append(errs, FieldError{name, "is required"})
		}
		return given
	}
	var mode string
	var s TenantSettings
	if required("syncMode", in.SyncMode != nil) {
		if mode = *in.SyncMode; !slices.Contains(SyncModes, mode) {
			errs = append(errs, FieldError{"syncMode", "must be client (synchronize while the add-in is in use, on the user's behalf) or server (in the background, with the app's own credentials)"})
		}
	}
	if required("defaultAutoTrack", in.DefaultAutoTrack != nil) {
		if s.DefaultAutoTrack = *in.DefaultAutoTrack; !slices.Contains(AutoTrackOptions, s.DefaultAutoTrack) {
			errs = append(errs, FieldError{"defaultAutoTrack", "must be one of " + strings.Join(AutoTrackOptions, ", ")})
		}
	}
	if required("minSyncIntervalMinutes", in.MinSyncIntervalMinutes != nil) {
		if s.MinSyncIntervalMinutes = *in.MinSyncIntervalMinutes; s.MinSyncIntervalMinutes < 1 || s.MinSyncIntervalMinutes > MaxSyncIntervalMinutes {
			errs = append(errs, FieldError{"minSyncIntervalMinutes", fmt.Sprintf("must be a whole number of minutes from 1 to %d", MaxSyncIntervalMinutes)})
		}
	}
	if required("untrackDeletes", in.UntrackDeletes != nil) {
		s.UntrackDeletes = *in.UntrackDeletes
	}
	if required("trackSentItems", in.TrackSentItems != nil) {
		s.TrackSentItems = *in.TrackSentItems
	}
	if len(errs) > 0 {
		return "", TenantSettings{}, Invalid("the settings are not valid", errs...)
	}
	return mode, s, nil
}
