package api_test

import (
	"context"
	"fmt"
	"net/http"
	"testing"

	"github.com/crmsync/crmsync/internal/crm"
	"github.com/crmsync/crmsync/internal/identity"
	"github.com/crmsync/crmsync/internal/store"
	"github.com/crmsync/crmsync/internal/store/storetest"
)

// BenchmarkGetMe is the baseline: an authenticated request that only reads the caller.
func BenchmarkGetMe(b *testing.B) {
	e := setup(b, storetest.SQLite(b))
	token := e.token("alice@contoso.test")
	e.do(http.MethodGet, "/api/v1/me", token, nil).want(http.StatusOK, nil)
	b.ResetTimer()
	for b.Loop() {
		e.do(http.MethodGet, "/api/v1/me", token, nil)
	}
}

// BenchmarkCreateRecord creates a contact with an email (so the email index is written too) through the
// whole API on SQLite: token check, access policy, validation, one transaction.
func BenchmarkCreateRecord(b *testing.B) {
	e := setup(b, storetest.SQLite(b))
	token := e.token("alice@contoso.test")
	i := 0
	b.ResetTimer()
	for b.Loop() {
		i++
		r := e.do(http.MethodPost, "/api/v1/records/contact", token, map[string]any{"fields": map[string]any{
			"firstName": "Bench", "lastName": fmt.Sprint("Contact ", i), "email": fmt.Sprintf("c%d@bench.test", i)}})
		if r.Code != http.StatusCreated {
			b.Fatalf("create = %d %s", r.Code, r.Body.String())
		}
	}
}

// BenchmarkSearchRecords is the regarding picker's query over 2,000 records.
func BenchmarkSearchRecords(b *testing.B) {
	e := setup(b, storetest.SQLite(b))
	token := e.token("alice@contoso.test")
	for i := range 2000 {
		e.seedRecord(token, "account", map[string]any{"name": fmt.Sprintf("Account %04d", i), "fields": map[string]any{"email": fmt.Sprintf("a%d@acct.test", i)}})
	}
	b.ResetTimer()
	for b.Loop() {
		e.do(http.MethodGet, "/api/v1/records?search=account%2012&limit=25", token, nil).want(http.StatusOK, nil)
	}
}

// seedContacts stores n contacts owned by the user behind token in one transaction, every fifth with an
// adventure-works.test address.
func seedContacts(b *testing.B, e *env, token string, n int) {
	b.Helper()
	owner := e.userID(token)
	ctx := context.Background()
	err := e.store.InTx(ctx, func(tx *store.Tx) error {
		for i := range n {
			domain := "fabrikam.test"
			if i%5 == 0 {
				domain = "adventure-works.test"
			}
			first, last := fmt.Sprintf("Ada%05d", i), "Works"
			in := crm.RecordInput{Fields: map[string]any{"firstName": first, "lastName": last, "email": fmt.Sprintf("c%d@%s", i, domain)}}
			if _, err := tx.CreateRecord(ctx, identity.DevTenantID, crm.TypeContact, owner, in); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		b.Fatal(err)
	}
}

// BenchmarkRecordsOver10k lists the first page of 10,000 contacts (GET /records/contact, the web app's
// records list), and previews a filter over them (POST /sync-filters/preview: every record read, redacted
// and matched, then counted), in the same run on SQLite, as bob who reads his own (all of them here).
func BenchmarkRecordsOver10k(b *testing.B) {
	e := setup(b, storetest.SQLite(b))
	bob := e.token("bob@contoso.test")
	seedContacts(b, e, bob, 10000)
	filter := map[string]any{"recordType": "contact", "conditions": map[string]any{"and": []any{
		map[string]any{"field": "ownerId", "op": "eq", "value": "@me"},
		map[string]any{"field": "email", "op": "contains", "value": "adventure"}}}}
	b.Run("list", func(b *testing.B) {
		for b.Loop() {
			e.do(http.MethodGet, "/api/v1/records/contact?limit=25", bob, nil).want(http.StatusOK, nil)
		}
	})
	b.Run("list-by-update", func(b *testing.B) {
		for b.Loop() {
			e.do(http.MethodGet, "/api/v1/records/contact?limit=25&sort=-updatedAt", bob, nil).want(http.StatusOK, nil)
		}
	})
	b.Run("preview", func(b *testing.B) {
		var p struct{ Count int }
		for b.Loop() {
			e.do(http.MethodPost, "/api/v1/sync-filters/preview", bob, filter).want(http.StatusOK, &p)
		}
		if p.Count != 2000 {
			b.Fatalf("preview counted %d, want 2000", p.Count)
		}
	})
}
