package api_test

import (
	"fmt"
	"net/http"
	"slices"
	"testing"

	"github.com/crmsync/crmsync/internal/crm"
	"github.com/crmsync/crmsync/internal/store"
	"github.com/crmsync/crmsync/internal/store/storetest"
)

type preview struct {
	Count int          `json:"count"`
	Items []crm.Record `json:"items"`
}

func names(recs []crm.Record) []string {
	out := []string{}
	for _, r := range recs {
		out = append(out, r.Name)
	}
	return out
}

// The preview counts what a filter picks for the caller now, with the first 25 by name, seen as the
// caller may see them: their access, @me, and field security applied; the scope does not change whose
// view it is.
func TestFilterPreview(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		e := setup(t, s)
		alice, bob := e.token("alice@contoso.test", "CRM.Admin"), e.token("bob@contoso.test")
		for i := range 30 {
			e.seedRecord(bob, "contact", map[string]any{"fields": map[string]any{"firstName": fmt.Sprintf("Ada%02d", i), "lastName": "Works",
				"email": fmt.Sprintf("ada%02d@adventure-works.test", i)}})
		}
		e.seedRecord(bob, "contact", map[string]any{"fields": map[string]any{"firstName": "Dana", "lastName": "Natarajan", "email": "dana@fabrikam.test"}})
		e.seedRecord(bob, "contact", map[string]any{"fields": map[string]any{"firstName": "Eve", "lastName": "Other", "email": "eve@fabrikam.test"}})
		// alice's contacts match too, but bob (who reads his own) never sees them.
		e.seedRecord(alice, "contact", map[string]any{"fields": map[string]any{"firstName": "Zed", "lastName": "Natarajan", "email": "zed@adventure-works.test"}})

		nested := map[string]any{"name": "e2e", "recordType": "contact", "conditions": map[string]any{"and": []any{
			map[string]any{"field": "ownerId", "op": "eq", "value": "@me"},
			map[string]any{"or": []any{
				map[string]any{"field": "email", "op": "contains", "value": "adventure"},
				map[string]any{"field": "lastName", "op": "eq", "value": "Natarajan"}}}}}}
		var got preview
		e.do(http.MethodPost, "/api/v1/sync-filters/preview", bob, nested).want(http.StatusOK, &got)
		if got.Count != 31 || len(got.Items) != 25 {
			t.Fatalf("count = %d, items = %d; want 31 and the first 25", got.Count, len(got.Items))
		}
		if n := names(got.Items); !slices.IsSorted(n) || n[0] != "Ada00 Works" || slices.Contains(n, "Zed Natarajan") {
			t.Fatalf("items = %v", n)
		}

		// The name may be left out; a disabled filter is previewed for what it would pick.
		e.do(http.MethodPost, "/api/v1/sync-filters/preview", bob, map[string]any{"recordType": "contact", "enabled": false,
			"conditions": map[string]any{"and": []any{map[string]any{"field": "lastName", "op": "eq", "value": "Natarajan"}}}}).want(http.StatusOK, &got)
		if got.Count != 1 || !slices.Equal(names(got.Items), []string{"Dana Natarajan"}) {
			t.Fatalf("bob's Natarajans = %+v", got)
		}
		// alice (an admin, who reads all) previews a system filter: her own view, everyone's records.
		e.do(http.MethodPost, "/api/v1/sync-filters/preview", alice, map[string]any{"recordType": "contact", "scope": "system",
			"conditions": map[string]any{"and": []any{map[string]any{"field": "lastName", "op": "eq", "value": "Natarajan"}}}}).want(http.StatusOK, &got)
		if !slices.Equal(names(got.Items), []string{"Dana Natarajan", "Zed Natarajan"}) {
			t.Fatalf("alice's Natarajans = %+v", names(got.Items))
		}

		// A secured field bob may not read is left out of the items, and a filter on it picks nothing.
		secureDeals(e, alice)
		e.do(http.MethodPut, "/api/v1/admin/field-security", alice, map[string]any{"items": []crm.FieldPermission{
			{Role: crm.RoleUser, RecordType: "deal", Field: "margin", Create: true}}}).want(http.StatusOK, nil)
		e.seedRecord(bob, "deal", map[string]any{"fields": map[string]any{"title": "Fleet", "margin": 12}})
		e.do(http.MethodPost, "/api/v1/sync-filters/preview", bob, map[string]any{"recordType": "deal"}).want(http.StatusOK, &got)
		if got.Count != 1 || got.Items[0].Fields["margin"] != nil || got.Items[0].Fields["title"] != "Fleet" {
			t.Fatalf("bob's deals = %+v", got)
		}
		e.do(http.MethodPost, "/api/v1/sync-filters/preview", bob, map[string]any{"recordType": "deal",
			"conditions": map[string]any{"and": []any{map[string]any{"field": "margin", "op": "gt", "value": 1}}}}).want(http.StatusOK, &got)
		if got.Count != 0 || len(got.Items) != 0 {
			t.Fatalf("a filter on a hidden field picked %+v", got)
		}

		// Appointments: the activities as filters see them, newest first.
		for _, subject := range []string{"Kick-off", "Review"} {
			e.do(http.MethodPost, "/api/v1/activities", bob, appointmentBody(func(b map[string]any) { b["subject"] = subject })).want(http.StatusCreated, nil)
		}
		e.do(http.MethodPost, "/api/v1/sync-filters/preview", bob, map[string]any{"recordType": "appointment",
			"conditions": map[string]any{"and": []any{map[string]any{"field": "subject", "op": "contains", "value": "i"}}}}).want(http.StatusOK, &got)
		if got.Count != 2 || !slices.Equal(names(got.Items), []string{"Review", "Kick-off"}) || got.Items[0].Type != "appointment" ||
			got.Items[0].Fields["start"] != "2026-03-02T09:00:00Z" {
			t.Fatalf("appointments = %+v", got)
		}
	})
}

// A bad preview gets the same 4xx as creating the filter would, and stores nothing.
func TestFilterPreviewBadInput(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		e := setup(t, s)
		bob := e.token("bob@contoso.test")
		before := e.filters(bob, "")
		for _, tc := range []struct {
			name   string
			body   any
			status int
			fields []string
		}{
			{"bad value deep inside", `{"recordType":"contact","conditions":{"and":[{"field":"ownerId","op":"eq","value":"@me"},{"or":[{"field":"email","op":"contains","value":"a"},{"field":"accountId","op":"eq","value":"not-an-id"}]}]}}`,
				http.StatusUnprocessableEntity, []string{"/conditions/and/1/or/1/value"}},
			{"unknown operator", `{"recordType":"contact","conditions":{"and":[{"field":"email","op":"near","value":"a"}]}}`,
				http.StatusUnprocessableEntity, []string{"/conditions/and/0/op"}},
			{"unknown type", `{"recordType":"invoice"}`, http.StatusUnprocessableEntity, []string{"/recordType"}},
			{"email is not filtered", `{"recordType":"email"}`, http.StatusUnprocessableEntity, []string{"/recordType"}},
			{"unknown member", `{"recordType":"contact","limit":5}`, http.StatusUnprocessableEntity, []string{"/limit"}},
			{"a system filter needs an admin", `{"recordType":"contact","scope":"system"}`, http.StatusForbidden, nil},
			{"not JSON", `{"recordType":`, http.StatusBadRequest, nil},
		} {
			t.Run(tc.name, func(t *testing.T) {
				p := e.do(http.MethodPost, "/api/v1/sync-filters/preview", bob, tc.body).problem(tc.status)
				if !slices.Equal(fieldsOf(p), tc.fields) {
					t.Errorf("fields = %v, want %v", fieldsOf(p), tc.fields)
				}
				// The same body, created, gets the same answer.
				if c := e.do(http.MethodPost, "/api/v1/sync-filters", bob, withName(tc.body)).problem(tc.status); !slices.Equal(fieldsOf(c), fieldsOf(p)) {
					t.Errorf("POST /sync-filters fields = %v, preview's %v", fieldsOf(c), fieldsOf(p))
				}
				if got := e.filters(bob, ""); !slices.Equal(got, before) {
					t.Errorf("filters now %v", got)
				}
			})
		}
	})
}

// withName gives a filter body a name, as POST /sync-filters needs one.
func withName(body any) any {
	if s, ok := body.(string); ok && len(s) > 1 && s[0] == '{' && s[1] == '"' {
		return `{"name":"x",` + s[1:]
	}
	return body
}
