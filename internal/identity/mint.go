package identity

import (
	"crypto/rand"
	"crypto/sha256"
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode"

	"github.com/golang-jwt/jwt/v5"
	"github.com/google/uuid"
)

// devObjectIDNamespace is fixed forever: changing it would give every local
// user a new object ID and orphan their data.
const devObjectIDNamespace = "6f1f6d0a-5a3c-4c53-9a8e-0c6a2b7d5e11"

// TokenRequest describes a local-mode access token. Zero fields take the
// defaults noted on each.
type TokenRequest struct {
	// Authority is the issuer base, the same as the Validator's Options.Authority;
	// default "https://login.microsoftonline.com".
	Authority string
	// TenantID defaults to DevTenantID.
	TenantID string
	// UPN is required, e.g. "alice@contoso.test".
	UPN string
	// ObjectID defaults to DevObjectID(TenantID, UPN).
	ObjectID string
	// Name defaults to one derived from the UPN ("Alice").
	Name string
	// Roles are app roles; none by default.
	Roles []string
	// Scopes default to {ScopeAccessAsUser}.
	Scopes []string
	// ClientID is the API's client ID, the v2 audience; default DevClientID.
	ClientID string
	// Version is "2.0" (default) or "1.0", which uses aud "api://"+ClientID,
	// iss https://sts.windows.net/{tid}/ and the upn claim.
	Version string
	// Lifetime defaults to 1h.
	Lifetime time.Duration
	// Now is the issue time; default time.Now().
	Now time.Time
}

// DevObjectID is the object ID a local user gets: a UUIDv5 of tenantID+"/"+
// lower(upn), so the same user keeps the same ID across restarts and machines.
func DevObjectID(tenantID, upn string) string {
	ns := uuid.MustParse(devObjectIDNamespace)
	return uuid.NewSHA1(ns, []byte(tenantID+"/"+strings.ToLower(upn))).String()
}

// Mint issues an access token shaped like Entra's for the request.
func (d *DevIssuer) Mint(req TokenRequest) (string, error) {
	claims, err := req.claims()
	if err != nil {
		return "", fmt.Errorf("mint dev token: %w", err)
	}
	return d.Sign(claims)
}

func (req TokenRequest) claims() (jwt.MapClaims, error) {
	if req.UPN == "" || !strings.Contains(req.UPN, "@") {
		return nil, fmt.Errorf("upn %q is not of the form user@domain", req.UPN)
	}
	authority, err := normalizeAuthority(req.Authority)
	if err != nil {
		return nil, err
	}
	tid := strings.ToLower(orDefault(req.TenantID, DevTenantID))
	clientID := strings.ToLower(orDefault(req.ClientID, DevClientID))
	if !isGUID(tid) || !isGUID(clientID) {
		return nil, errors.New("tenant and client id must be GUIDs")
	}
	oid := strings.ToLower(orDefault(req.ObjectID, DevObjectID(tid, req.UPN)))
	scopes := req.Scopes
	if len(scopes) == 0 {
		scopes = []string{ScopeAccessAsUser}
	}
	lifetime := req.Lifetime
	if lifetime <= 0 {
		lifetime = time.Hour
	}
	now := req.Now
	if now.IsZero() {
		now = time.Now()
	}
	uti := make([]byte, 16)
	_, _ = rand.Read(uti) // crypto/rand.Read never fails
	c := jwt.MapClaims{
		"iat":  now.Unix(),
		"nbf":  now.Unix(),
		"exp":  now.Add(lifetime).Unix(),
		"name": orDefault(req.Name, nameFromUPN(req.UPN)),
		"oid":  oid,
		"scp":  strings.Join(scopes, " "),
		// Entra's sub is pairwise per application; a hash keeps that property.
		"sub": b64(sha256Sum(tid + "/" + oid + "/" + clientID)),
		"tid": tid,
		"uti": b64(uti),
	}
	if len(req.Roles) > 0 {
		c["roles"] = req.Roles
	}
	switch orDefault(req.Version, "2.0") {
	case "2.0":
		c["ver"] = "2.0"
		c["aud"] = clientID
		c["iss"] = authority + "/" + tid + "/v2.0"
		c["azp"] = clientID
		c["azpacr"] = "0"
		c["preferred_username"] = strings.ToLower(req.UPN)
	case "1.0":
		c["ver"] = "1.0"
		c["aud"] = "api://" + clientID
		c["iss"] = v1IssuerPrefix + tid + "/"
		c["appid"] = clientID
		c["appidacr"] = "0"
		c["upn"] = strings.ToLower(req.UPN)
		c["unique_name"] = strings.ToLower(req.UPN)
	default:
		return nil, fmt.Errorf("version %q is neither 1.0 nor 2.0", req.Version)
	}
	return c, nil
}

func sha256Sum(s string) []byte {
	sum := sha256.Sum256([]byte(s))
	return sum[:]
}

func orDefault(s, def string) string {
	if s == "" {
		return def
	}
	return s
}

// nameFromUPN turns "alice.smith@contoso.test" into "Alice Smith" so demo
// users get a readable display name without extra configuration.
func nameFromUPN(upn string) string {
	local, _, _ := strings.Cut(upn, "@")
	parts := strings.FieldsFunc(local, func(r rune) bool { return r == '.' || r == '_' || r == '-' })
	for i, p := range parts {
		r := []rune(p)
		r[0] = unicode.ToUpper(r[0])
		parts[i] = string(r)
	}
	return strings.Join(parts, " ")
}
