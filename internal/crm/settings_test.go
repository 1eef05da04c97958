package crm_test

import (
	"reflect"
	"testing"

	"github.com/crmsync/crmsync/internal/crm"
)

func TestOptionsInput(t *testing.T) {
	settings := crm.TenantSettings{DefaultAutoTrack: crm.AutoTrackResponses, MinSyncIntervalMinutes: 10}
	tests := []struct {
		name      string
		in        crm.OptionsInput
		want      crm.UserOptions
		wantPaths []string
	}{
		{name: "both chosen", in: crm.OptionsInput{SyncIntervalMinutes: ptr(30), AutoTrack: ptr(crm.AutoTrackAll)},
			want: crm.UserOptions{SyncIntervalMinutes: 30, AutoTrack: crm.AutoTrackAll}},
		{name: "left out means the tenant's default", in: crm.OptionsInput{}, want: crm.UserOptions{}},
		{name: "the tenant's minimum is allowed", in: crm.OptionsInput{SyncIntervalMinutes: ptr(10)}, want: crm.UserOptions{SyncIntervalMinutes: 10}},
		{name: "a day is allowed", in: crm.OptionsInput{SyncIntervalMinutes: ptr(1440)}, want: crm.UserOptions{SyncIntervalMinutes: 1440}},
		{name: "below the tenant's minimum", in: crm.OptionsInput{SyncIntervalMinutes: ptr(9)}, wantPaths: []string{"syncIntervalMinutes"}},
		{name: "over a day", in: crm.OptionsInput{SyncIntervalMinutes: ptr(1441)}, wantPaths: []string{"syncIntervalMinutes"}},
		{name: "unknown auto-track option", in: crm.OptionsInput{AutoTrack: ptr("everything")}, wantPaths: []string{"autoTrack"}},
		{name: "both wrong", in: crm.OptionsInput{SyncIntervalMinutes: ptr(0), AutoTrack: ptr("")}, wantPaths: []string{"autoTrack", "syncIntervalMinutes"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := tt.in.Options(settings)
			if tt.wantPaths != nil {
				if paths := invalidFields(t, err); !reflect.DeepEqual(paths, tt.wantPaths) {
					t.Errorf("paths = %v, want %v", paths, tt.wantPaths)
				}
				return
			}
			if err != nil || got != tt.want {
				t.Errorf("Options = %+v, %v; want %+v", got, err, tt.want)
			}
		})
	}
}

func TestEffectiveOptions(t *testing.T) {
	tests := []struct {
		name     string
		opts     crm.UserOptions
		settings crm.TenantSettings
		want     crm.UserOptions
	}{
		{name: "defaults", settings: crm.DefaultTenantSettings(), want: crm.UserOptions{SyncIntervalMinutes: 15, AutoTrack: crm.AutoTrackResponses}},
		{name: "the tenant's default auto-track", settings: crm.TenantSettings{DefaultAutoTrack: crm.AutoTrackNone, MinSyncIntervalMinutes: 5},
			want: crm.UserOptions{SyncIntervalMinutes: 15, AutoTrack: crm.AutoTrackNone}},
		{name: "the user's choices", opts: crm.UserOptions{SyncIntervalMinutes: 60, AutoTrack: crm.AutoTrackAll}, settings: crm.DefaultTenantSettings(),
			want: crm.UserOptions{SyncIntervalMinutes: 60, AutoTrack: crm.AutoTrackAll}},
		{name: "a minimum raised since the user chose", opts: crm.UserOptions{SyncIntervalMinutes: 5}, settings: crm.TenantSettings{DefaultAutoTrack: "responses", MinSyncIntervalMinutes: 30},
			want: crm.UserOptions{SyncIntervalMinutes: 30, AutoTrack: crm.AutoTrackResponses}},
		{name: "a minimum above the default interval", settings: crm.TenantSettings{MinSyncIntervalMinutes: 20},
			want: crm.UserOptions{SyncIntervalMinutes: 20, AutoTrack: crm.AutoTrackResponses}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.opts.Effective(tt.settings); got != tt.want {
				t.Errorf("Effective = %+v, want %+v", got, tt.want)
			}
		})
	}
}

func TestAdminSettingsInput(t *testing.T) {
	valid := func() crm.AdminSettingsInput {
		return crm.AdminSettingsInput{SyncMode: ptr("server"), DefaultAutoTrack: ptr("leads_contacts_accounts"), MinSyncIntervalMinutes: ptr(10),
			UntrackDeletes: ptr(true), TrackSentItems: ptr(false)}
	}
	tests := []struct {
		name      string
		change    func(*crm.AdminSettingsInput)
		wantPaths []string
	}{
		{name: "valid", change: func(*crm.AdminSettingsInput) {}},
		{name: "unknown sync mode", change: func(in *crm.AdminSettingsInput) { in.SyncMode = ptr("hybrid") }, wantPaths: []string{"syncMode"}},
		{name: "unknown auto-track", change: func(in *crm.AdminSettingsInput) { in.DefaultAutoTrack = ptr("some") }, wantPaths: []string{"defaultAutoTrack"}},
		{name: "minimum of zero", change: func(in *crm.AdminSettingsInput) { in.MinSyncIntervalMinutes = ptr(0) }, wantPaths: []string{"minSyncIntervalMinutes"}},
		{name: "minimum over a day", change: func(in *crm.AdminSettingsInput) { in.MinSyncIntervalMinutes = ptr(1441) }, wantPaths: []string{"minSyncIntervalMinutes"}},
		{name: "every member is required", change: func(in *crm.AdminSettingsInput) { *in = crm.AdminSettingsInput{} },
			wantPaths: []string{"defaultAutoTrack", "minSyncIntervalMinutes", "syncMode", "trackSentItems", "untrackDeletes"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in := valid()
			tt.change(&in)
			mode, s, err := in.Settings()
			if tt.wantPaths != nil {
				if paths := invalidFields(t, err); !reflect.DeepEqual(paths, tt.wantPaths) {
					t.Errorf("paths = %v, want %v", paths, tt.wantPaths)
				}
				return
			}
			want := crm.TenantSettings{DefaultAutoTrack: "leads_contacts_accounts", MinSyncIntervalMinutes: 10, UntrackDeletes: true}
			if err != nil || mode != "server" || s != want {
				t.Errorf("Settings = %q, %+v, %v", mode, s, err)
			}
		})
	}
}

func ptr[T any](v T) *T { return &v }
