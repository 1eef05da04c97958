package identity

import (
	"math"
	"slices"
	"strings"
	"time"

	"github.com/golang-jwt/jwt/v5"
)

// accessClaims are the Entra claims we read. A claim of the wrong JSON type
// fails decoding, which the parser reports as malformed. The registered
// claims are plain fields rather than jwt.RegisteredClaims: its NumericDate
// and ClaimStrings decode through their own UnmarshalJSON, which made JSON the
// largest cost of a validation after the signature.
type accessClaims struct {
	Issuer            string   `json:"iss"`
	Audience          any      `json:"aud"` // a string; an array in other issuers' tokens
	Expiry            *float64 `json:"exp"`
	NotBefore         *float64 `json:"nbf"`
	IssuedAt          *float64 `json:"iat"`
	Subject           string   `json:"sub"`
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

// numericDate is a JSON NumericDate (seconds since the epoch, possibly fractional) as jwt reads it.
func numericDate(seconds *float64) *jwt.NumericDate {
	if seconds == nil {
		return nil
	}
	whole, frac := math.Modf(*seconds)
	return jwt.NewNumericDate(time.Unix(int64(whole), int64(frac*1e9)))
}

// The jwt.Claims methods, through which the parser checks exp and nbf.

func (c *accessClaims) GetExpirationTime() (*jwt.NumericDate, error) {
	return numericDate(c.Expiry), nil
}
func (c *accessClaims) GetNotBefore() (*jwt.NumericDate, error) { return numericDate(c.NotBefore), nil }
func (c *accessClaims) GetIssuedAt() (*jwt.NumericDate, error)  { return numericDate(c.IssuedAt), nil }
func (c *accessClaims) GetIssuer() (string, error)              { return c.Issuer, nil }
func (c *accessClaims) GetSubject() (string, error)             { return c.Subject, nil }
func (c *accessClaims) GetAudience() (jwt.ClaimStrings, error) {
	aud, ok := c.audiences()
	if !ok {
		return nil, jwt.ErrInvalidType
	}
	return aud, nil
}

// audiences is the aud claim as a list; false when it is neither a string nor an array of strings.
func (c *accessClaims) audiences() ([]string, bool) {
	switch a := c.Audience.(type) {
	case nil:
		return nil, true
	case string:
		return []string{a}, true
	case []any:
		out := make([]string, 0, len(a))
		for _, v := range a {
			s, ok := v.(string)
			if !ok {
				return nil, false
			}
			out = append(out, s)
		}
		return out, true
	}
	return nil, false
}

// checkShape refuses what jwt's strict base64url decoding would let through: Go's decoder skips CR and
// LF, and a token that differs from the signed one in any byte must not be accepted. Every other byte
// outside the base64url alphabet fails that decoding.
func checkShape(raw string) *Error {
	if strings.ContainsAny(raw, "\r\n") {
		return fail(checkMalformed, "the token contains characters outside base64url")
	}
	if strings.Count(raw, ".") != 2 {
		return fail(checkMalformed, "the token is not a JWT (header.payload.signature)")
	}
	return nil
}

// checkClaims runs the Entra-specific checks after signature and lifetime have
// passed. The order gives the most useful message first: an ID token fails
// as such rather than as "no scope".
func (v *Validator) checkClaims(raw string, c *accessClaims) (Principal, *Error) {
	aud, ok := c.audiences()
	if !ok {
		return Principal{}, fail(checkMalformed, "the token's audience (aud) is neither a string nor a list of strings")
	}
	var wantIssuer string
	switch c.Version {
	case "2.0":
		if len(aud) != 1 || !strings.EqualFold(aud[0], v.clientID) {
			return Principal{}, fail(checkAudience, "the token is for audience %q, not this API (%s)", strings.Join(aud, " "), v.clientID)
		}
		wantIssuer = v.authority + "/{tid}/v2.0"
	case "1.0":
		if len(aud) != 1 || !slices.Contains(v.appIDURIs, aud[0]) {
			return Principal{}, fail(checkAudience, "the token is for audience %q, not this API (%s)", strings.Join(aud, " "), strings.Join(v.appIDURIs, " "))
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
		ExpiresAt:    numericDate(c.Expiry).Time,
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
