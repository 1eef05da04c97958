// Package deployment tells the admins of a running crmsync what its deployment is and whether it works:
// the values its Entra app registration and the add-in's rollout need, taken from the running
// configuration (public URL, client id, Application ID URI, redirect URIs, the Microsoft Graph
// permissions of the tenant's synchronization mode, the manifests' addresses), and a check that the
// public URL answers and that the Graph credentials open a mailbox.
package deployment

import (
	"net/url"
	"strings"

	"github.com/crmsync/crmsync/internal/crm"
)

// Config is the deployment as the running configuration has it.
type Config struct {
	// PublicURL is where Outlook and browsers reach the service: CRMSYNC_PUBLIC_URL in production; in
	// local mode the development https address the local manifest names.
	PublicURL string
	// ClientID is the app registration's application (client) id; in local mode the development one.
	ClientID string
	// Local is local mode: the development token issuer, and a fake Microsoft Graph (the demo mailbox).
	Local bool
	// SelfURL is where this process answers on plain HTTP, which local mode's check reads.
	SelfURL string
}

// Permission is a Microsoft Graph permission the app registration needs, of type Application or
// Delegated, and why crmsync needs it.
type Permission struct {
	Name string `json:"name"`
	Type string `json:"type"`
	Why  string `json:"why"`
}

// The types of Graph permission.
const (
	Delegated   = "Delegated"
	Application = "Application"
)

// ManifestURLs are where the add-in's manifests are served.
type ManifestURLs struct {
	XML  string `json:"xml"`
	JSON string `json:"json"`
}

// Description is what an admin needs to register and roll out this deployment.
type Description struct {
	PublicURL        string       `json:"publicUrl"`
	ClientID         string       `json:"clientId"`
	ApplicationIDURI string       `json:"applicationIdUri"`
	RedirectURIs     []string     `json:"redirectUris"`
	GraphPermissions []Permission `json:"graphPermissions"`
	SyncMode         string       `json:"syncMode"`
	ManifestURLs     ManifestURLs `json:"manifestUrls"`
}

// Describe is the deployment for a tenant in syncMode.
func (c Config) Describe(syncMode string) Description {
	base := strings.TrimRight(c.PublicURL, "/")
	host := hostOf(base)
	return Description{
		PublicURL:        base,
		ClientID:         c.ClientID,
		ApplicationIDURI: "api://" + host + "/" + c.ClientID,
		// Outlook's broker gets the add-in's tokens through nested app authentication at brk-multihub://;
		// the web app signs in with MSAL's redirect flow at /app/; Office's sign-in dialog, and another
		// organisation's admin consent, land on /taskpane/auth.html.
		RedirectURIs:     []string{"brk-multihub://" + host, base + "/app/", base + "/taskpane/auth.html"},
		GraphPermissions: Permissions(syncMode),
		SyncMode:         syncMode,
		ManifestURLs:     ManifestURLs{XML: base + "/manifest.xml", JSON: base + "/manifest.json"},
	}
}

// graphUses are what crmsync does in mailboxes through Microsoft Graph (internal/graph), with the
// permission each needs as a delegated and as an application permission.
var graphUses = []struct{ delegated, application, why string }{
	{"Mail.ReadWrite", "Mail.ReadWrite", "Track reads an email and stamps it (the CRM id and the Tracked to CRM category); synchronization reads Inbox and Sent Items for automatic tracking."},
	{"Calendars.ReadWrite", "Calendars.ReadWrite", "Tracked meetings are read and stamped; CRM appointments picked by filters are written to calendars, and their changes read back."},
	{"Contacts.ReadWrite", "Contacts.ReadWrite", "Tracked contacts are read and stamped; CRM contacts picked by filters are written to Outlook, and their changes read back."},
	// To Do has its own application permission; its delegated one has no .All.
	{"Tasks.ReadWrite", "Tasks.ReadWrite.All", "Tracked To Do tasks are read and stamped; CRM tasks picked by filters are written to Microsoft To Do, and their changes read back."},
}

// Permissions lists the Microsoft Graph permissions crmsync needs in a synchronization mode, as
// internal/graph uses Graph: in client mode every call is made on behalf of the signed-in user
// (delegated); in server mode the synchronization and Track run with the app's own credentials
// (application), and users still sign in to the add-in and the web app.
func Permissions(syncMode string) []Permission {
	out := []Permission{
		{Name: "openid", Type: Delegated, Why: "Users sign in to the add-in and the web app (Office SSO fails with 13005/13007 without it)."},
		{Name: "profile", Type: Delegated, Why: "The sign-in reads the user's name (Office SSO fails with 13005/13007 without it)."},
		{Name: "offline_access", Type: Delegated, Why: "The add-in and the web app renew their sign-in silently."},
		{Name: "User.Read", Type: Delegated, Why: "Sign in and read the user's profile: the permission Entra gives a registration to sign users in."},
	}
	for _, u := range graphUses {
		p := Permission{Name: u.delegated, Type: Delegated, Why: u.why}
		if syncMode == crm.SyncModeServer {
			p.Name, p.Type = u.application, Application
		}
		out = append(out, p)
	}
	return out
}

// hostOf is the host (and port) of a URL, "" when it has none.
func hostOf(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		return ""
	}
	return u.Host
}
