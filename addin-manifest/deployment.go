// Package addinmanifest renders the Outlook add-in's manifests for one deployment of crmsync: the XML
// add-in only manifest (RenderXML), which every Outlook that runs web add-ins reads, and the unified
// manifest for Microsoft 365 (RenderJSON), which the new Outlook on Windows, Outlook on the web and
// classic Outlook on Windows (Version 2304 or later) read directly. Both put Track, Set Regarding and
// Untrack on the ribbon of read and compose messages and of meetings (attendee and organizer).
//
// A deployment is its public URL, its Entra app registration's client id and the add-in's version. The
// icons the manifests name are embedded here (Icons) for the taskpane to serve at /taskpane/icons/.
package addinmanifest

import (
	"errors"
	"fmt"
	"net/url"
	"regexp"
	"strings"

	"github.com/google/uuid"

	"github.com/crmsync/crmsync/internal/identity"
)

const (
	// LocalURL is where local mode serves HTTPS, so that Outlook on the web can load the add-in.
	LocalURL = "https://localhost:8443"
	// DefaultVersion is the add-in's version when the build names none.
	DefaultVersion = "1.0.0.0"
	// MailboxRequirement is the lowest Mailbox requirement set the add-in installs on. 1.8 adds what
	// Track needs beyond reading the open item: item.getItemIdAsync (the id of a saved draft or of a
	// meeting being organized, which is what a click in compose tracks) and item.categories (to show an
	// item's tracked state, as CRM for Outlook's "Tracked to Dynamics 365" category did). It is also the
	// highest set classic Outlook on Mac supports (volume-licensed Outlook 2021 on Windows stops at 1.9),
	// and it leaves out only clients that could not work with crmsync anyway: volume-licensed Outlook
	// 2016/2019 and Exchange on-premises (1.4 to 1.6), whose mailboxes Microsoft Graph does not serve.
	// SupportsPinning (Set Regarding) needs only 1.5. Nested app authentication is the separate set
	// NestedAppAuth 1.1, which the taskpane checks at run time; requiring it here would hide the add-in
	// from clients that lack it.
	MailboxRequirement = "1.8"
	// Scope is the delegated permission of crmsync's API that the taskpane asks tokens for.
	Scope = "access_as_user"
)

// Scopes are the WebApplicationInfo scopes: crmsync's own, and openid and profile, without which Office
// SSO answers 13005 or 13007 (the app registration lists the same, and an admin consents to them).
func Scopes() []string { return []string{Scope, "openid", "profile"} }

// addinNamespace seeds the add-in ids derived from client ids (UUIDv5, RFC 9562). It must never change:
// Outlook and the admin center know an add-in by its id, so a new id would make a second add-in.
var addinNamespace = uuid.NewSHA1(uuid.NameSpaceURL, []byte("https://github.com/crmsync/crmsync#outlook-add-in"))

var versionPattern = regexp.MustCompile(`^[0-9]{1,5}\.[0-9]{1,5}\.[0-9]{1,5}\.[0-9]{1,5}$`)

// Deployment is what a manifest depends on.
type Deployment struct {
	// PublicURL is the https address Outlook reaches crmsync at (CRMSYNC_PUBLIC_URL), with an optional
	// path and no query.
	PublicURL string
	// ClientID is the Entra app registration's application (client) id (CRMSYNC_CLIENT_ID).
	ClientID string
	// Version is the add-in's version, n.n.n.n; Outlook updates an installed add-in when it grows.
	// Empty means DefaultVersion.
	Version string
	// AddinID is the add-in's own id (the manifest's <Id>). Empty means derived from ClientID with
	// AddinIDFor, so that every render for a deployment, on every replica, gives the same id.
	AddinID string
}

// Local is the local development deployment: local mode's HTTPS address and development client id.
func Local(version string) Deployment {
	return Deployment{PublicURL: LocalURL, ClientID: identity.DevClientID, Version: version}
}

// AddinIDFor derives a deployment's add-in id from its client id: a name-based UUID (version 5) in
// crmsync's namespace, so that it is stable across renders yet differs from the client id, which is
// another thing (the app registration) with its own id.
func AddinIDFor(clientID string) string {
	return uuid.NewSHA1(addinNamespace, []byte(strings.ToLower(clientID))).String()
}

// values are a validated deployment in the forms the templates use.
type values struct {
	BaseURL  string // https://host[:port][/path], no trailing slash
	Host     string // host[:port]
	ClientID string
	AddinID  string
	Version  string // n.n.n.n
	Resource string // api://host/client id
}

// IconURL is where the taskpane serves the named icon file.
func (v values) IconURL(name string) string { return v.BaseURL + "/taskpane/icons/" + name }

// resolve validates d and fills in its defaults.
func resolve(d Deployment) (values, error) {
	var errs []error
	u, err := url.Parse(d.PublicURL)
	switch {
	case d.PublicURL == "":
		errs = append(errs, errors.New("public URL is required: the https address Outlook reaches crmsync at"))
	case err != nil || u.Host == "" || u.Opaque != "":
		errs = append(errs, fmt.Errorf("public URL %q is not an absolute URL", d.PublicURL))
	case u.Scheme != "https":
		errs = append(errs, fmt.Errorf("public URL %q must be https: Outlook loads add-ins only over https", d.PublicURL))
	case u.User != nil || u.RawQuery != "" || u.ForceQuery || u.Fragment != "":
		errs = append(errs, fmt.Errorf("public URL %q must not carry credentials, a query or a fragment", d.PublicURL))
	}
	clientID, err := canonicalGUID(d.ClientID)
	if err != nil {
		errs = append(errs, fmt.Errorf("client id %q is not an application (client) id (a GUID)", d.ClientID))
	}
	version := d.Version
	if version == "" {
		version = DefaultVersion
	}
	if !versionPattern.MatchString(version) {
		errs = append(errs, fmt.Errorf("version %q is not n.n.n.n (up to five digits each)", version))
	}
	addinID := d.AddinID
	if addinID == "" && clientID != "" {
		addinID = AddinIDFor(clientID)
	} else if addinID != "" {
		if addinID, err = canonicalGUID(addinID); err != nil {
			errs = append(errs, fmt.Errorf("add-in id %q is not a GUID", d.AddinID))
		}
	}
	if len(errs) > 0 {
		return values{}, fmt.Errorf("render manifest: %w", errors.Join(errs...))
	}
	base := strings.TrimRight(u.Scheme+"://"+u.Host+u.EscapedPath(), "/")
	return values{BaseURL: base, Host: u.Host, ClientID: clientID, AddinID: addinID, Version: version,
		Resource: "api://" + u.Host + "/" + clientID}, nil
}

// canonicalGUID accepts only the 8-4-4-4-12 form and returns it in lower case.
func canonicalGUID(s string) (string, error) {
	if len(s) != 36 {
		return "", errors.New("not a GUID")
	}
	id, err := uuid.Parse(s)
	if err != nil {
		return "", err
	}
	return id.String(), nil
}
