package crm

import (
	"net/mail"
	"strings"
	"time"
)

// NeverTrack is an address or a domain whose email is never tracked automatically: an entry of the
// tenant's list (an admin's) or of a user's own. A click still tracks such an email. A domain entry,
// written "@contoso.com" (or "contoso.com"), also covers its subdomains.
type NeverTrack struct {
	ID        string    `json:"id"`
	Value     string    `json:"value"` // "person@example.com" or "@example.com", lower-cased
	Kind      string    `json:"kind"`  // NeverTrackAddress or NeverTrackDomain
	CreatedAt time.Time `json:"createdAt"`
}

// The kinds of never-track entry.
const (
	NeverTrackAddress = "address"
	NeverTrackDomain  = "domain"
)

// MaxNeverTrackEntries bounds one list (the tenant's, or a user's).
const MaxNeverTrackEntries = 1000

// NeverTrackInput is the body of POST /never-track and /admin/never-track.
type NeverTrackInput struct {
	Value *string `json:"value"`
}

// Entry checks the input and returns the entry's normalized value and kind.
func (in NeverTrackInput) Entry() (string, string, error) {
	if in.Value == nil {
		return "", "", Invalid("the entry is not valid", FieldError{Field: "value", Message: "is required"})
	}
	v, kind, ok := NormalizeNeverTrack(*in.Value)
	if !ok {
		return "", "", Invalid("the entry is not valid", FieldError{Field: "value",
			Message: "must be an email address (person@example.com) or a domain (example.com or @example.com)"})
	}
	return v, kind, nil
}

// NormalizeNeverTrack reads an address or a domain: ok is false when it is neither.
func NormalizeNeverTrack(raw string) (value, kind string, ok bool) {
	v := strings.ToLower(strings.TrimSpace(raw))
	if len(v) == 0 || len(v) > 254 {
		return "", "", false
	}
	if strings.Contains(strings.TrimPrefix(v, "@"), "@") {
		a, err := mail.ParseAddress(v)
		if err != nil || a.Address != v || !validDomain(v[strings.LastIndex(v, "@")+1:]) {
			return "", "", false
		}
		return v, NeverTrackAddress, true
	}
	d := strings.TrimPrefix(v, "@")
	if !validDomain(d) {
		return "", "", false
	}
	return "@" + d, NeverTrackDomain, true
}

// validDomain accepts a host name with at least two labels of letters, digits and hyphens.
func validDomain(d string) bool {
	labels := strings.Split(d, ".")
	if len(labels) < 2 {
		return false
	}
	for _, l := range labels {
		if l == "" || len(l) > 63 || l[0] == '-' || l[len(l)-1] == '-' {
			return false
		}
		for _, r := range l {
			if (r < 'a' || r > 'z') && (r < '0' || r > '9') && r != '-' {
				return false
			}
		}
	}
	return true
}

// NeverTracked reports whether address is on the list of values (addresses and "@domain" entries): the
// address itself, its domain, or a parent domain of it.
func NeverTracked(values []string, address string) bool {
	a := strings.ToLower(strings.TrimSpace(address))
	at := strings.LastIndex(a, "@")
	if at < 0 {
		return false
	}
	domain := a[at+1:]
	for _, v := range values {
		switch {
		case v == a:
			return true
		case strings.HasPrefix(v, "@"):
			d := v[1:]
			if domain == d || strings.HasSuffix(domain, "."+d) {
				return true
			}
		}
	}
	return false
}
