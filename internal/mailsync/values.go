package mailsync

import (
	"fmt"
	"html"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/crmsync/crmsync/internal/crm"
	"github.com/crmsync/crmsync/internal/outlook"
)

// Canonical forms of synchronized values. Both sides are compared in these forms, so a value that
// differs only in how Graph renders it (an HTML body around the same text, an address's case, a time's
// zone) is not a change.

func timeValue(t *time.Time) string {
	if t == nil || t.IsZero() {
		return ""
	}
	return t.UTC().Truncate(time.Second).Format(time.RFC3339)
}

func parseTimeValue(s string) *time.Time {
	if s == "" {
		return nil
	}
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		return nil
	}
	return &t
}

// dateValue is a task's due date: To Do keeps dates, not times.
func dateValue(t *time.Time) string {
	if t == nil || t.IsZero() {
		return ""
	}
	return t.UTC().Format(time.DateOnly)
}

func parseDateValue(s string) *time.Time {
	t, err := time.Parse(time.DateOnly, s)
	if err != nil {
		return nil
	}
	return &t
}

var (
	htmlBreaks = regexp.MustCompile(`(?i)<\s*(br|/p|/div|/li|/tr|/h[1-6])\s*/?>`)
	htmlTags   = regexp.MustCompile(`(?s)<!--.*?-->|<(?i:style|script|head)[^>]*>.*?</(?i:style|script|head)>|<[^>]*>`)
	spaces     = regexp.MustCompile(`[ \t\r\f\v\x{00a0}]+`)
	blankLines = regexp.MustCompile(`\n\s*\n+`)
)

// textValue is a body as plain text: Outlook turns a text body into HTML on its own, which must not read
// as a user's change.
func textValue(body string) string {
	if strings.Contains(body, "<") && strings.Contains(body, ">") {
		body = htmlBreaks.ReplaceAllString(body, "\n")
		body = htmlTags.ReplaceAllString(body, "")
		body = html.UnescapeString(body)
	}
	body = spaces.ReplaceAllString(body, " ")
	lines := strings.Split(body, "\n")
	for i, l := range lines {
		lines[i] = strings.TrimSpace(l)
	}
	return strings.TrimSpace(blankLines.ReplaceAllString(strings.Join(lines, "\n"), "\n\n"))
}

// addressesValue is a set of addresses: lower-cased, sorted, without duplicates, joined with ";".
func addressesValue(addrs []string) string {
	var out []string
	for _, a := range addrs {
		if a = strings.ToLower(strings.TrimSpace(a)); a != "" {
			out = append(out, a)
		}
	}
	slices.Sort(out)
	return strings.Join(slices.Compact(out), ";")
}

func splitAddresses(s string) []string {
	if s == "" {
		return nil
	}
	return strings.Split(s, ";")
}

func stringField(fields map[string]any, name string) string {
	switch v := fields[name].(type) {
	case nil:
		return ""
	case string:
		return v
	default:
		return fmt.Sprint(v)
	}
}

// present keeps in v only the fields whose Graph property sent says it carried: a field a partial delta
// entry lacks is unchanged, not empty. fields maps each field to its property.
func present(v values, sent outlook.Properties, fields map[string]string) values {
	if sent.Whole() {
		return v
	}
	for f, prop := range fields {
		if !sent.Has(prop) {
			delete(v, f)
		}
	}
	return v
}

// outlookProperties names the Graph properties that hold the CRM fields, as the mappings say
// ("attendees[type=required]" and "emailAddresses/0" are parts of one property), without duplicates.
func outlookProperties(maps []crm.FieldMapping, fields values) []string {
	var out []string
	for _, m := range maps {
		if _, ok := fields[m.CRMField]; !ok {
			continue
		}
		p, _, _ := strings.Cut(m.OutlookField, "[")
		p, _, _ = strings.Cut(p, "/")
		if !slices.Contains(out, p) {
			out = append(out, p)
		}
	}
	return out
}
