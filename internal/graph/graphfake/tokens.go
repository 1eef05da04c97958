package graphfake

import (
	"encoding/base64"
	"encoding/json"
	"net/http"
	"strings"
)

// Graph's access tokens are JWTs. A user's delegated token carries the scopes the user consented to
// (scp); an app-only token, of the app's own credentials, carries none (roles instead, and idtyp "app").
// Some APIs exist for one kind only: translateExchangeIds is not supported with application permissions.
//
// graphfake reads the claims without checking the signature (it has no keys). A bearer token that is not
// a JWT — local mode's DevToken, the stand-in authorities' tokens — stands for the app-only token of
// server mode, how crmsync reaches this fake; a test that plays a delegated caller sends
// DelegatedToken.

// DelegatedToken returns an unsigned JWT that graphfake takes for a user's delegated token with scopes.
func DelegatedToken(scopes ...string) string {
	claims, _ := json.Marshal(map[string]any{"scp": strings.Join(scopes, " "), "idtyp": "user"})
	enc := base64.RawURLEncoding.EncodeToString
	return enc([]byte(`{"alg":"none","typ":"JWT"}`)) + "." + enc(claims) + "."
}

// delegated tells whether the request's bearer token is a user's delegated token.
func delegated(r *http.Request) bool {
	_, token, _ := strings.Cut(r.Header.Get("Authorization"), " ")
	parts := strings.Split(strings.TrimSpace(token), ".")
	if len(parts) != 3 {
		return false
	}
	raw, err := base64.RawURLEncoding.DecodeString(parts[1])
	if err != nil {
		return false
	}
	var claims struct {
		Scp string `json:"scp"`
	}
	return json.Unmarshal(raw, &claims) == nil && claims.Scp != ""
}

// accessDenied is Graph's answer to a call the token's kind of permission does not allow.
func accessDenied() response {
	return graphError(http.StatusForbidden, "ErrorAccessDenied", "Access is denied. Check credentials and try again.")
}
