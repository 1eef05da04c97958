// Package identity proves who calls the API: it validates Microsoft Entra ID
// access tokens sent by the Outlook add-in and, in local mode, issues look-alike
// tokens from a development issuer so the whole flow runs without a tenant.
package identity

import (
	"fmt"
	"slices"
	"time"
)

const (
	// ScopeAccessAsUser is the delegated scope the add-in requests for our API;
	// a token without it was issued for some other purpose.
	ScopeAccessAsUser = "access_as_user"
	// RoleAdmin is the app role that may configure the tenant's CRM connection.
	RoleAdmin = "CRM.Admin"
	// RoleManager is the app role that may see the team's sync activity.
	RoleManager = "CRM.Manager"
	// DevTenantID is the tenant of local mode, shown as "Contoso (demo)".
	DevTenantID = "00000000-0000-0000-0000-0000000000d0"
	// DevClientID is the application (client) ID of our API in local mode.
	DevClientID = "00000000-0000-0000-0000-0000000000c1"
)

// defaultAuthority is the Entra ID public cloud; sovereign clouds pass their own.
const defaultAuthority = "https://login.microsoftonline.com"

// v1IssuerPrefix starts the issuer of every v1.0 token, whatever the authority.
const v1IssuerPrefix = "https://sts.windows.net/"

// Check names, one per way a token can fail. They are part of the API: the HTTP
// layer maps them to messages and status codes.
const (
	checkMissing          = "missing"
	checkMalformed        = "malformed"
	checkAlgorithm        = "algorithm"
	checkSignature        = "signature"
	checkUnknownKey       = "unknown-key"
	checkExpired          = "expired"
	checkNotYetValid      = "not-yet-valid"
	checkAudience         = "audience"
	checkIssuer           = "issuer"
	checkTenant           = "tenant"
	checkTenantNotAllowed = "tenant-not-allowed"
	checkScope            = "scope"
	checkIDToken          = "id-token"
	checkKeysUnavailable  = "keys-unavailable"
	checkSubject          = "subject"
)

// Principal is the caller an access token proves.
type Principal struct {
	// TenantID and ObjectID are the tid and oid claims, lowercase GUIDs; together
	// they identify a user for good, unlike the UPN which can be renamed.
	TenantID, ObjectID string
	// UPN is preferred_username (v2) or upn, else unique_name (v1), lowercased.
	UPN string
	// Name is the display name.
	Name string
	// Email is the email claim, empty when the tenant does not emit it.
	Email string
	// Roles are the app roles assigned to the user (roles claim).
	Roles []string
	// Scopes are the delegated scopes (scp claim split on spaces).
	Scopes []string
	// TokenVersion is "1.0" or "2.0".
	TokenVersion string
	// ExpiresAt is when the token stops being accepted (before leeway).
	ExpiresAt time.Time
	// Token is the raw access token, kept for the on-behalf-of exchange.
	Token string
}

// HasRole reports whether the principal holds the app role. Role values are
// compared exactly because Entra treats them as case-sensitive.
func (p Principal) HasRole(role string) bool {
	return slices.Contains(p.Roles, role)
}

// Error is a failed token check; Check names which one, Detail is a human sentence.
type Error struct {
	Check, Detail string
}

// Error returns the check and the detail in one line.
func (e *Error) Error() string {
	return fmt.Sprintf("invalid token (%s): %s", e.Check, e.Detail)
}

func fail(check, format string, args ...any) *Error {
	return &Error{Check: check, Detail: fmt.Sprintf(format, args...)}
}
