package graphfake_test

import (
	"fmt"
	"net/http"
	"net/url"
	"testing"
	"time"

	"github.com/crmsync/crmsync/internal/outlook"
)

// GET /users/{user}/messages, as Microsoft documents it
// (https://learn.microsoft.com/en-us/graph/api/user-list-messages): the messages of every folder, 10 a
// page unless $top (1 to 1000) says otherwise, the next page at @odata.nextLink, $select to narrow the
// properties, and $filter=internetMessageId eq '<…>' to find one message by its Internet message id.
func TestListMessages(t *testing.T) {
	f := setup(t)
	start := time.Date(2026, 3, 3, 9, 0, 0, 0, time.UTC)
	for i := range 12 {
		f.srv.AddMessage(aliceID, "inbox", outlook.Message{Subject: fmt.Sprint("Note ", i), ReceivedAt: start.Add(time.Duration(i) * time.Minute)})
	}
	sent := f.srv.AddMessage(aliceID, "sentitems", outlook.Message{Subject: "Re: it's 'quoted'", InternetMessageID: "<it's@contoso.test>",
		ReceivedAt: start.Add(-time.Hour)})
	path := "/users/" + aliceID + "/messages"

	// Ten a page by default, newest received first, every folder, the rest behind the next link.
	r := f.call(t, "GET", path, nil)
	wantStatus(t, r, http.StatusOK)
	if len(r.values()) != 10 || r.values()[0]["subject"] != "Note 11" || r.str("@odata.nextLink") == "" {
		t.Fatalf("first page: %d messages, first %v, next %q", len(r.values()), r.values()[0]["subject"], r.str("@odata.nextLink"))
	}
	var subjects []any
	for link := path + "?$top=5&$select=subject"; link != ""; link = r.str("@odata.nextLink") {
		r = f.call(t, "GET", link, nil)
		wantStatus(t, r, http.StatusOK)
		for _, v := range r.values() {
			if v["body"] != nil || v["id"] == nil {
				t.Fatalf("$select=subject answered %v", v)
			}
			subjects = append(subjects, v["subject"])
		}
	}
	if len(subjects) != 14 || subjects[12] != "Re: it's 'quoted'" || subjects[13] != "Fleet renewal" {
		t.Fatalf("paged through %v", subjects)
	}

	// One message by its Internet message id, a quote in the literal doubled as OData writes it.
	q := url.Values{"$filter": {"internetMessageId eq '<it''s@contoso.test>'"}, "$select": {"subject,internetMessageId"}, "$top": {"1"}}
	r = f.call(t, "GET", path+"?"+q.Encode(), nil, "Prefer", immutable)
	wantStatus(t, r, http.StatusOK)
	if v := r.values(); len(v) != 1 || v[0]["id"] != sent.ID || v[0]["subject"] != sent.Subject || r.str("@odata.nextLink") != "" {
		t.Fatalf("filtered = %v", r.body)
	}
	q.Set("$filter", "internetMessageId eq '<nobody@nowhere.test>'")
	if r = f.call(t, "GET", path+"?"+q.Encode(), nil); r.status != http.StatusOK || len(r.values()) != 0 {
		t.Fatalf("no match = %d %v", r.status, r.body)
	}

	for _, bad := range []string{"$top=0", "$top=1001", "$top=ten", "$filter=" + url.QueryEscape("subject eq 'x'"), "$filter=" + url.QueryEscape("internetMessageId eq <x>")} {
		if r := f.call(t, "GET", path+"?"+bad, nil); r.status != http.StatusBadRequest || r.errorCode() == "" {
			t.Errorf("?%s = %d %v, want a Graph 400", bad, r.status, r.body)
		}
	}
}
