package crm_test

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/crmsync/crmsync/internal/crm"
)

// FuzzDecodeRecordInput feeds arbitrary bodies through DecodeRecordInput and Normalize, as the API does:
// neither may panic, every refusal is a CodeInvalid *crm.Error, and whatever is accepted can be stored.
func FuzzDecodeRecordInput(f *testing.F) {
	seeds := []string{
		// Valid bodies.
		`{"name":"Contoso","fields":{"email":"Info@Contoso.com","phone":"+47 1","website":"https://contoso.com"},"version":1}`,
		`{"name":"Contoso","fields":{"email":null}}`,
		`{"fields":{"firstName":"Ada","lastName":"Lovelace","accountId":"6f9619ff-8b86-d011-b42d-00cf4fc964ff"}}`,
		`{"fields":{"title":"Outage","priority":"high","customerId":"{6F9619FF-8B86-D011-B42D-00CF4FC964FF}"}}`,
		`{"name":"Deal","fields":{"estimatedValue":1234.5,"closeDate":"2026-01-31"}}`,
		`{}`,
		`{"fields":{"lastName":" "}}`,
		// Invalid JSON.
		``,
		` `,
		`{`,
		`{"name":`,
		`{"name": ?}`,
		`{"fields":{"x":1,}}`,
		`{} {}`,
		`{} x`,
		`[]`,
		`null`,
		`"name"`,
		// Wrong types.
		`{"fields":[]}`,
		`{"name":5}`,
		`{"version":"x"}`,
		`{"version":1.5}`,
		`{"name":"Contoso","fields":{"email":42,"website":true,"phone":{}}}`,
		// Unknown members.
		`{"name":"Contoso","ownerId":"x"}`,
		`{"name":"Contoso","fields":{"fax":"1"}}`,
		`{"a\"b":1}`,
		// Huge numbers.
		`{"version":99999999999999999999999}`,
		`{"name":"Deal","fields":{"estimatedValue":1e400}}`,
		`{"name":"Deal","fields":{"estimatedValue":-0.0000000000000000000000000000001e-400}}`,
		`{"name":"Contoso","fields":{"phone":123456789012345678901234567890}}`,
		// Deeply nested values.
		`{"name":"Contoso","fields":{"email":` + strings.Repeat(`[`, 10001) + strings.Repeat(`]`, 10001) + `}}`,
		`{"name":"Contoso","fields":{"x":` + strings.Repeat(`{"a":`, 200) + `1` + strings.Repeat(`}`, 200) + `}}`,
		// Control characters and odd text.
		`{"name":"Contoso\u0000Ltd"}`,
		`{"name":"Contoso\nLtd"}`,
		`{"name":"Contoso\u0085Ltd"}`,
		"{\"name\":\"Contoso\x01\"}",
		`{"name":"` + strings.Repeat("é", crm.MaxNameLength) + `"}`,
		`{"name":"\u00a0\u2028"}`,
		`{"name":"\ud800"}`,
		// Invalid UTF-8.
		"{\"name\":\"Cont\xffoso\"}",
		"{\"name\":\"\xc3\"}",
		"{\"na\xffme\":\"x\"}",
	}
	for _, s := range seeds {
		f.Add([]byte(s))
	}
	types := crm.BuiltInTypes()
	f.Fuzz(func(t *testing.T, body []byte) {
		in, err := crm.DecodeRecordInput(body)
		if err != nil {
			requireInvalid(t, "DecodeRecordInput", err)
			return
		}
		for _, typ := range types {
			n, err := typ.Normalize(in, nil)
			if err != nil {
				requireInvalid(t, typ.Name+" Normalize", err)
				continue
			}
			if _, err := json.Marshal(n.Fields); err != nil {
				t.Fatalf("%s: normalized fields %#v do not encode: %v", typ.Name, n.Fields, err)
			}
			if n.Name == "" || utf8.RuneCountInString(n.Name) > crm.MaxNameLength {
				t.Fatalf("%s: normalized name %q has %d characters, want 1 to %d", typ.Name, n.Name, utf8.RuneCountInString(n.Name), crm.MaxNameLength)
			}
			if !utf8.ValidString(n.Name) {
				t.Fatalf("%s: normalized name %q is not valid UTF-8", typ.Name, n.Name)
			}
			for name := range n.Fields {
				if _, ok := typ.Field(name); !ok {
					t.Fatalf("%s: normalized fields hold unknown field %q", typ.Name, name)
				}
			}
		}
	})
}

func requireInvalid(t *testing.T, what string, err error) {
	t.Helper()
	var e *crm.Error
	if !errors.As(err, &e) {
		t.Fatalf("%s: error %v is a %T, not a *crm.Error", what, err, err)
	}
	if e.Code != crm.CodeInvalid {
		t.Fatalf("%s: code = %q, want %q", what, e.Code, crm.CodeInvalid)
	}
}
