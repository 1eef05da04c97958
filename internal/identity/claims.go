package identity

import (
	"encoding/base64"
	"encoding/json"
	"slices"
	"strings"

	"github.com/golang-jwt/jwt/v5"
)

// accessClaims are the Entra claims we read. A claim of the wrong JSON type
// fails decoding, which the parser reports as malformed.
type accessClaims struct {
	jwt.RegisteredClaims
	Version           string   `json:"ver"`
	TenantID          string   `json:"tid"`
	ObjectID          string   `json:"oid"`
	Scope             string   `json:"scp"`
	Roles             []string `json:"roles"`
	AuthorizedParty   string   `json:"azp"`
	AppID             string   `json:"appid"`
	Nonce             string   `json:"nonce"`
	PreferredUsername string   `json:"preferred_username"`
	UPN               string   `json:"upn"`
	UniqueName        string   `json:"unique_name"`
	Name              string   `json:"name"`
	Email             string   `json:"email"`
}

type tokenHeader struct {
	Alg string `json:"alg"`
	Kid string `json:"kid"`
}

// inspectHeader decodes only the header. It also refuses characters outside
// the base64url alphabet: Go's decoder skips CR and LF, and a token that
// differs from the signed one in any byte must not be accepted.
func inspectHeader(raw string) (tokenHeader, *Error) {
	var h tokenHeader
	if len(raw) > maxTokenBytes {
		return h, fail(checkMalformed, "the token is longer than %d bytes", maxTokenBytes)
	}
	for i := 0; i < len(raw); i++ {
		c := raw[i]
		if !(c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-' || c == '_' || c == '.') {
			return h, fail(checkMalformed, "the token contains characters outside base64url")
		}
	}
	if strings.Count(raw, ".") != 2 {
		return h, fail(checkMalformed, "the token is not a JWT (header.payload.signature)")
	}
	seg, _, _ := strings.Cut(raw, ".")
	b, err := base64.RawURLEncoding.Strict().DecodeString(seg)
	if err != nil || json.Unmarshal(b, &h) != nil {
		return h, fail(checkMalformed, "the token header is not base64url JSON")
	}
	if h.Alg != jwt.SigningMethodRS256.Alg() {
		return h, fail(checkAlgorithm, "the token is signed with %q; only RS256 is accepted", h.Alg)
	}
	if h.Kid == "" {
		return h, fail(checkUnknownKey, "the token header names no signing key (kid)")
	}
	return h, nil
}

// checkClaims runs the Entra-specific checks after signature and lifetime have
// passed. The order gives the most useful message first: an ID token fails
// as such rather than as "no scope".
func (v *Validator) checkClaims(raw string, c *accessClaims) (Principal, *Error) {
	var wantIssuer string
	switch c.Version {
	case "2.0":
		if len(c.Audience) != 1 || !strings.EqualFold(c.Audience[0], v.clientID) {
			return Principal{}, fail(checkAudience, "the token is for audience %q, not this API (%s)", strings.Join(c.Audience, " "), v.clientID)
		}
		wantIssuer = v.authority + "/{tid}/v2.0"
	case "1.0":
		if len(c.Audience) != 1 || !slices.Contains(v.appIDURIs, c.Audience[0]) {
			return Principal{}, fail(checkAudience, "the token is for audience %q, not this API (%s)", strings.Join(c.Audience, " "), strings.Join(v.appIDURIs, " "))
		}
		wantIssuer = v1IssuerPrefix + "{tid}/"
	default:
		return Principal{}, fail(checkMalformed, "the token version (ver) %q is neither 1.0 nor 2.0", c.Version)
	}
	prefix, suffix, _ := strings.Cut(wantIssuer, "{tid}")
	issTenant, ok := strings.CutPrefix(c.Issuer, prefix)
	if ok {
		issTenant, ok = strings.CutSuffix(issTenant, suffix)
	}
	if !ok || !isGUID(issTenant) {
		return Principal{}, fail(checkIssuer, "the token issuer %q is not %s", c.Issuer, wantIssuer)
	}
	if !isGUID(c.TenantID) || !strings.EqualFold(c.TenantID, issTenant) {
		return Principal{}, fail(checkTenant, "the token tenant (tid) %q does not match its issuer's tenant %q", c.TenantID, issTenant)
	}
	tenant := strings.ToLower(c.TenantID)
	if len(v.tenants) > 0 && !v.tenants[tenant] {
		return Principal{}, fail(checkTenantNotAllowed, "tenant %s may not use this service", tenant)
	}
	// ID tokens carry a nonce, and unlike access tokens name no client (azp or
	// appid) and grant nothing; sent by mistake they would otherwise fail as
	// "no scope", which sends the developer looking in the wrong place.
	noGrant := c.Scope == "" && len(c.Roles) == 0 && c.AuthorizedParty == "" && c.AppID == ""
	if noGrant || c.Nonce != "" {
		return Principal{}, fail(checkIDToken, "an ID token was sent; send an access token for this API")
	}
	scopes := strings.Fields(c.Scope)
	if !slices.Contains(scopes, ScopeAccessAsUser) {
		return Principal{}, fail(checkScope, "the token lacks the %s scope", ScopeAccessAsUser)
	}
	if !isGUID(c.ObjectID) {
		return Principal{}, fail(checkSubject, "the token has no user object id (oid)")
	}
	upn := c.PreferredUsername
	if c.Version == "1.0" {
		upn = c.UPN
		if upn == "" {
			upn = c.UniqueName
		}
	}
	return Principal{
		TenantID:     tenant,
		ObjectID:     strings.ToLower(c.ObjectID),
		UPN:          strings.ToLower(upn),
		Name:         c.Name,
		Email:        c.Email,
		Roles:        c.Roles,
		Scopes:       scopes,
		TokenVersion: c.Version,
		ExpiresAt:    c.ExpiresAt.Time,
		Token:        raw,
	}, nil
}

// isGUID accepts only the 8-4-4-4-12 hex form Entra emits; uuid.Parse would
// also take braces and URNs, which would make equal tenants compare unequal.
func isGUID(s string) bool {
	if len(s) != 36 {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch i {
		case 8, 13, 18, 23:
			if c != '-' {
				return false
			}
		default:
			if !(c >= '0' && c <= '9' || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F') {
				return false
			}
		}
	}
	return true
}
