package api_test

import (
	"fmt"
	"net/http"
	"testing"

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
