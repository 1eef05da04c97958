package graphfake

import (
	"fmt"
	"html"
	"strings"
	"time"

	"github.com/crmsync/crmsync/internal/outlook"
)

// Graph's two date formats: instants in UTC to the second, and dateTimeTimeZone's local time with seven
// fractional digits.
const (
	instantLayout  = "2006-01-02T15:04:05Z"
	dateTimeLayout = "2006-01-02T15:04:05.0000000"
)

func instant(t time.Time) any {
	if t.IsZero() {
		return nil
	}
	return t.UTC().Format(instantLayout)
}

func dateTimeTZ(t time.Time) map[string]any {
	return map[string]any{"dateTime": t.UTC().Format(dateTimeLayout), "timeZone": "UTC"}
}

// dateTimeTimeZone is Graph's dateTimeTimeZone as a client sends it.
type dateTimeTimeZone struct {
	DateTime string `json:"dateTime"`
	TimeZone string `json:"timeZone"`
}

// time reads the value in its time zone; crmsync sends UTC, but an IANA or "UTC" zone name both work.
func (d dateTimeTimeZone) time() (time.Time, error) {
	loc := time.UTC
	if d.TimeZone != "" && !strings.EqualFold(d.TimeZone, "UTC") {
		l, err := time.LoadLocation(d.TimeZone)
		if err != nil {
			return time.Time{}, fmt.Errorf("time zone %q: %w", d.TimeZone, err)
		}
		loc = l
	}
	return parseGraphTime(d.DateTime, loc)
}

// parseGraphTime reads the date-time forms clients send in bodies and query strings.
func parseGraphTime(s string, loc *time.Location) (time.Time, error) {
	for _, layout := range []string{time.RFC3339Nano, "2006-01-02T15:04:05.9999999", "2006-01-02T15:04:05", "2006-01-02T15:04", "2006-01-02"} {
		if t, err := time.ParseInLocation(layout, s, loc); err == nil {
			return t.UTC(), nil
		}
	}
	return time.Time{}, fmt.Errorf("%q is not a date-time", s)
}

// itemBody is Graph's itemBody.
type itemBody struct {
	ContentType string `json:"contentType"`
	Content     string `json:"content"`
}

// preview is Graph's bodyPreview: the body's first 255 characters of text.
func preview(content, contentType string) string {
	text := content
	if strings.EqualFold(contentType, "html") {
		var b strings.Builder
		inTag := false
		for _, r := range content {
			switch {
			case r == '<':
				inTag = true
			case r == '>':
				inTag = false
				b.WriteByte(' ')
			case !inTag:
				b.WriteRune(r)
			}
		}
		text = html.UnescapeString(b.String())
	}
	text = strings.Join(strings.Fields(text), " ")
	if r := []rune(text); len(r) > 255 {
		text = string(r[:255])
	}
	return text
}

func emailAddress(a outlook.Address) map[string]any {
	return map[string]any{"name": or(a.Name, a.Email), "address": a.Email}
}

// recipient is Graph's recipient; null when there is none, as for a draft's sender.
func recipient(a outlook.Address) any {
	if a.Email == "" {
		return nil
	}
	return map[string]any{"emailAddress": emailAddress(a)}
}

func recipients(as []outlook.Address) []any {
	out := []any{}
	for _, a := range as {
		out = append(out, recipient(a))
	}
	return out
}

// wireRecipient is Graph's recipient as a client sends it.
type wireRecipient struct {
	EmailAddress wireEmail `json:"emailAddress"`
}

// wireEmail is Graph's email address as a client sends it.
type wireEmail struct {
	Name    string `json:"name"`
	Address string `json:"address"`
}

func nonNil[T any](s []T) []T {
	if s == nil {
		return []T{}
	}
	return append([]T{}, s...)
}

// selectFields keeps the properties $select names, and those Graph always returns.
func selectFields(obj map[string]any, sel string) map[string]any {
	want := map[string]bool{"id": true, "@odata.etag": true, "@odata.type": true, "@odata.context": true}
	for _, f := range strings.Split(sel, ",") {
		want[strings.ToLower(strings.TrimSpace(f))] = true
	}
	out := map[string]any{}
	for k, v := range obj {
		if want[strings.ToLower(k)] {
			out[k] = v
		}
	}
	return out
}

func selects(c *call, field string) bool {
	for _, f := range strings.Split(c.query.Get("$select"), ",") {
		if strings.EqualFold(strings.TrimSpace(f), field) {
			return true
		}
	}
	return false
}

// expansion is one $expand entry: a navigation property, and the ids its $filter asks for (none: all).
type expansion struct {
	name string
	ids  []string
}

// parseExpand reads $expand as crmsync writes it, such as
// singleValueExtendedProperties($filter=id eq 'String {…} Name CrmActivityId'), or extensions.
func parseExpand(v string) []expansion {
	var out []expansion
	depth, start := 0, 0
	for i := 0; i <= len(v); i++ {
		if i < len(v) {
			switch v[i] {
			case '(':
				depth++
				continue
			case ')':
				depth--
				continue
			case ',':
				if depth > 0 {
					continue
				}
			default:
				continue
			}
		}
		part := strings.TrimSpace(v[start:i])
		start = i + 1
		if part == "" {
			continue
		}
		name, opts, _ := strings.Cut(part, "(")
		out = append(out, expansion{name: strings.TrimSpace(name), ids: quoted(opts)})
	}
	return out
}

// quoted returns the single-quoted literals of an OData expression, with doubled quotes unescaped.
func quoted(expr string) []string {
	var out []string
	for {
		i := strings.IndexByte(expr, '\'')
		if i < 0 {
			return out
		}
		expr = expr[i+1:]
		var b strings.Builder
		for {
			j := strings.IndexByte(expr, '\'')
			if j < 0 {
				return out
			}
			b.WriteString(expr[:j])
			expr = expr[j+1:]
			if strings.HasPrefix(expr, "'") {
				b.WriteByte('\'')
				expr = expr[1:]
				continue
			}
			break
		}
		out = append(out, b.String())
	}
}
