package crm_test

import (
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/crmsync/crmsync/internal/crm"
)

func TestDecodeActivityInput(t *testing.T) {
	tests := []struct {
		name       string
		body       string
		wantFields []string // nil: decoding succeeds
	}{
		{name: "full appointment", body: `{"type":"appointment","subject":"Review","body":"b","start":"2026-03-02T09:00:00Z","end":"2026-03-02T10:00:00Z",
			"location":"Room 1","status":"scheduled","regarding":{"type":"account","id":"0b6d2d1e-0000-4000-8000-000000000001"},
			"ownerId":"0b6d2d1e-0000-4000-8000-000000000002","parties":[{"role":"required","address":"a@b.test","name":"A"}],"version":2}`},
		{name: "unknown member", body: `{"type":"task","subject":"x","colour":"red"}`, wantFields: []string{"colour"}},
		{name: "unknown member of a party", body: `{"type":"appointment","parties":[{"role":"required","address":"a@b.test","record":{}}]}`, wantFields: []string{"record"}},
		{name: "unknown member of regarding", body: `{"type":"task","regarding":{"type":"account","id":"x","name":"n"}}`, wantFields: []string{"name"}},
		{name: "subject of wrong type", body: `{"type":"task","subject":5}`, wantFields: []string{"subject"}},
		{name: "start of wrong type", body: `{"type":"appointment","start":1700000000}`, wantFields: []string{"start"}},
		{name: "parties not an array", body: `{"type":"appointment","parties":{"role":"required"}}`, wantFields: []string{"parties"}},
		{name: "version not a number", body: `{"type":"task","version":"3"}`, wantFields: []string{"version"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := crm.DecodeActivityInput([]byte(tc.body))
			if tc.wantFields == nil {
				if err != nil {
					t.Fatalf("decode: %v", err)
				}
				return
			}
			if got := invalidFields(t, err); !reflect.DeepEqual(got, tc.wantFields) {
				t.Fatalf("fields = %v, want %v (error: %v)", got, tc.wantFields, err)
			}
		})
	}
	for _, body := range []string{``, `[]`, `{"type":"task"} {}`, `{"type":`} {
		if _, err := crm.DecodeActivityInput([]byte(body)); crm.ErrorCode(err) != crm.CodeInvalid {
			t.Errorf("decode %q: error %v, want an invalid one", body, err)
		}
	}
}

func TestActivityInputNewActivity(t *testing.T) {
	at := func(s string) *string { return &s }
	version := int64(1)
	const regardingID = "0B6D2D1E-0000-4000-8000-000000000001"
	t.Run("appointment with defaults", func(t *testing.T) {
		in := crm.ActivityInput{Type: "appointment", Subject: "  Quarterly review ", Body: "line 1\nline 2",
			Start: at("2026-03-02T10:00:00+01:00"), End: at("2026-03-02T10:30:00.1234567+01:00"), Location: " Room 1 ",
			Regarding: &crm.RecordRef{Type: "account", ID: regardingID},
			Parties:   []crm.PartyInput{{Role: "required", Address: " Dana@Fabrikam.test ", Name: "Dana"}, {Role: "optional", Address: "ops@fabrikam.test"}}}
		a, err := in.NewActivity()
		if err != nil {
			t.Fatal(err)
		}
		wantStart := time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)
		wantEnd := time.Date(2026, 3, 2, 9, 30, 0, 123456000, time.UTC)
		if a.Type != "appointment" || a.Subject != "Quarterly review" || a.Body != "line 1\nline 2" || a.Status != crm.StatusScheduled ||
			a.Location != "Room 1" || !a.Start.Equal(wantStart) || a.Start.Location() != time.UTC || !a.End.Equal(wantEnd) || a.Due != nil || a.OwnerID != "" {
			t.Fatalf("activity = %+v (start %v, end %v)", a, a.Start, a.End)
		}
		if a.Regarding == nil || a.Regarding.ID != strings.ToLower(regardingID) || a.Regarding.Type != "account" {
			t.Fatalf("regarding = %+v", a.Regarding)
		}
		want := []crm.Party{{Role: "required", Address: "Dana@Fabrikam.test", Name: "Dana"}, {Role: "optional", Address: "ops@fabrikam.test"}}
		if !reflect.DeepEqual(a.Parties, want) {
			t.Fatalf("parties = %+v", a.Parties)
		}
	})
	t.Run("task with due and owner", func(t *testing.T) {
		a, err := crm.ActivityInput{Type: "task", Subject: "Call back", Due: at("2026-03-05T17:00:00Z"), Status: "completed",
			OwnerID: "0B6D2D1E-0000-4000-8000-000000000002"}.NewActivity()
		if err != nil {
			t.Fatal(err)
		}
		if a.Status != "completed" || a.Due == nil || a.Start != nil || a.OwnerID != "0b6d2d1e-0000-4000-8000-000000000002" || len(a.Parties) != 0 {
			t.Fatalf("task = %+v", a)
		}
		if a, _ := (crm.ActivityInput{Type: "task", Subject: "x"}).NewActivity(); a.Status != crm.StatusOpen {
			t.Fatalf("default task status = %q", a.Status)
		}
	})

	appt := func(change func(*crm.ActivityInput)) crm.ActivityInput {
		in := crm.ActivityInput{Type: "appointment", Subject: "Review", Start: at("2026-03-02T09:00:00Z"), End: at("2026-03-02T10:00:00Z")}
		change(&in)
		return in
	}
	tests := []struct {
		name       string
		in         crm.ActivityInput
		wantFields []string
	}{
		{name: "email", in: crm.ActivityInput{Type: "email", Subject: "x"}, wantFields: []string{"type"}},
		{name: "no type", in: crm.ActivityInput{Subject: "x"}, wantFields: []string{"type"}},
		{name: "unknown type", in: crm.ActivityInput{Type: "meeting", Subject: "x"}, wantFields: []string{"type"}},
		{name: "version on create", in: appt(func(in *crm.ActivityInput) { in.Version = &version }), wantFields: []string{"version"}},
		{name: "missing subject", in: appt(func(in *crm.ActivityInput) { in.Subject = "  " }), wantFields: []string{"subject"}},
		{name: "long subject", in: appt(func(in *crm.ActivityInput) { in.Subject = strings.Repeat("é", crm.MaxSubjectLength+1) }), wantFields: []string{"subject"}},
		{name: "control character in subject", in: appt(func(in *crm.ActivityInput) { in.Subject = "a\u0085b" }), wantFields: []string{"subject"}},
		{name: "NUL in body", in: appt(func(in *crm.ActivityInput) { in.Body = "a\x00b" }), wantFields: []string{"body"}},
		{name: "long body", in: appt(func(in *crm.ActivityInput) { in.Body = strings.Repeat("x", crm.MaxActivityBodyBytes+1) }), wantFields: []string{"body"}},
		{name: "missing start and end", in: appt(func(in *crm.ActivityInput) { in.Start, in.End = nil, nil }), wantFields: []string{"end", "start"}},
		{name: "malformed start", in: appt(func(in *crm.ActivityInput) { in.Start = at("2026-03-02 09:00") }), wantFields: []string{"start"}},
		{name: "end before start", in: appt(func(in *crm.ActivityInput) { in.End = at("2026-03-02T08:59:59Z") }), wantFields: []string{"end"}},
		{name: "due on an appointment", in: appt(func(in *crm.ActivityInput) { in.Due = at("2026-03-02T08:00:00Z") }), wantFields: []string{"due"}},
		{name: "task status on an appointment", in: appt(func(in *crm.ActivityInput) { in.Status = "open" }), wantFields: []string{"status"}},
		{name: "appointment status on a task", in: crm.ActivityInput{Type: "task", Subject: "x", Status: "canceled"}, wantFields: []string{"status"}},
		{name: "start on a task", in: crm.ActivityInput{Type: "task", Subject: "x", Start: at("2026-03-02T08:00:00Z")}, wantFields: []string{"start"}},
		{name: "location on a task", in: crm.ActivityInput{Type: "task", Subject: "x", Location: "Room 1"}, wantFields: []string{"location"}},
		{name: "attendees on a task", in: crm.ActivityInput{Type: "task", Subject: "x", Parties: []crm.PartyInput{{Role: "required", Address: "a@b.test"}}}, wantFields: []string{"parties"}},
		{name: "bad owner id", in: appt(func(in *crm.ActivityInput) { in.OwnerID = "bob" }), wantFields: []string{"ownerId"}},
		{name: "regarding without type", in: appt(func(in *crm.ActivityInput) { in.Regarding = &crm.RecordRef{ID: regardingID} }), wantFields: []string{"regarding.type"}},
		{name: "regarding with a bad id", in: appt(func(in *crm.ActivityInput) { in.Regarding = &crm.RecordRef{Type: "account", ID: "42"} }), wantFields: []string{"regarding.id"}},
		{name: "bad party role", in: appt(func(in *crm.ActivityInput) {
			in.Parties = []crm.PartyInput{{Role: "required", Address: "a@b.test"}, {Role: "organizer", Address: "c@b.test"}}
		}), wantFields: []string{"parties[1].role"}},
		{name: "bad party address", in: appt(func(in *crm.ActivityInput) {
			in.Parties = []crm.PartyInput{{Role: "required", Address: "Dana <dana@b.test>"}, {Role: "optional", Address: "nobody"}, {Role: "optional"}}
		}), wantFields: []string{"parties[0].address", "parties[1].address", "parties[2].address"}},
		{name: "same attendee twice", in: appt(func(in *crm.ActivityInput) {
			in.Parties = []crm.PartyInput{{Role: "required", Address: "a@b.test"}, {Role: "optional", Address: "A@B.test"}}
		}), wantFields: []string{"parties[1].address"}},
		{name: "control character in a party name", in: appt(func(in *crm.ActivityInput) {
			in.Parties = []crm.PartyInput{{Role: "required", Address: "a@b.test", Name: "A\tB"}}
		}), wantFields: []string{"parties[0].name"}},
		{name: "too many attendees", in: appt(func(in *crm.ActivityInput) {
			in.Parties = make([]crm.PartyInput, crm.MaxActivityAttendees+1)
		}), wantFields: []string{"parties"}},
		{name: "every problem at once", in: crm.ActivityInput{Type: "appointment", Start: at("x"), Status: "done"},
			wantFields: []string{"end", "start", "status", "subject"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := tc.in.NewActivity()
			if got := invalidFields(t, err); !reflect.DeepEqual(got, tc.wantFields) {
				t.Fatalf("fields = %v, want %v (error: %v)", got, tc.wantFields, err)
			}
		})
	}
}

func TestActivityInputReplacement(t *testing.T) {
	at := func(s string) *string { return &s }
	version := func(v int64) *int64 { return &v }
	start := time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)
	current := crm.Activity{ID: "a1", Type: "appointment", Subject: "Old", Start: &start, End: &start, Status: "scheduled", OwnerID: "u1",
		Regarding: &crm.Regarding{Type: "account", ID: "r1", Name: "Fabrikam"}, ICalUID: "uid-1", Version: 3,
		Parties: []crm.Party{{Role: crm.PartyOrganizer, Address: "alice@contoso.test"}}}
	in := crm.ActivityInput{Version: version(3), Subject: "New", Start: at("2026-03-03T09:00:00Z"), End: at("2026-03-03T09:30:00Z"), Status: "canceled",
		Parties: []crm.PartyInput{{Role: "optional", Address: "dana@fabrikam.test"}}}

	got, err := in.Replacement(current)
	if err != nil {
		t.Fatal(err)
	}
	if got.ID != "a1" || got.OwnerID != "u1" || got.ICalUID != "uid-1" || got.Version != 3 || got.Subject != "New" || got.Status != "canceled" ||
		got.Regarding != nil || got.Start.Day() != 3 || len(got.Parties) != 1 || got.Parties[0].Address != "dana@fabrikam.test" {
		t.Fatalf("replacement = %+v", got)
	}
	if current.Subject != "Old" || current.Regarding == nil {
		t.Fatalf("current changed: %+v", current)
	}

	same := in
	same.Type, same.OwnerID = "appointment", "U1"
	if _, err := same.Replacement(current); err != nil {
		t.Fatalf("type and owner unchanged: %v", err)
	}

	tests := []struct {
		name       string
		change     func(*crm.ActivityInput)
		wantFields []string
	}{
		{name: "no version", change: func(in *crm.ActivityInput) { in.Version = nil }, wantFields: []string{"version"}},
		{name: "another type", change: func(in *crm.ActivityInput) { in.Type = "task" }, wantFields: []string{"type"}},
		{name: "another owner", change: func(in *crm.ActivityInput) { in.OwnerID = "u2" }, wantFields: []string{"ownerId"}},
		{name: "end before start", change: func(in *crm.ActivityInput) { in.End = at("2026-03-01T09:00:00Z") }, wantFields: []string{"end"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			bad := in
			tc.change(&bad)
			_, err := bad.Replacement(current)
			if got := invalidFields(t, err); !reflect.DeepEqual(got, tc.wantFields) {
				t.Fatalf("fields = %v, want %v (error: %v)", got, tc.wantFields, err)
			}
		})
	}

	email := crm.Activity{ID: "e1", Type: "email", Version: 1}
	if _, err := (crm.ActivityInput{Version: version(1), Subject: "x"}).Replacement(email); crm.ErrorCode(err) != crm.CodeInvalid {
		t.Fatalf("replacing an email: %v", err)
	}
}
