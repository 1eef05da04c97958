package identity

import (
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"io/fs"
	"math/big"
	"net/http"
	"os"
	"path/filepath"
	"strings"

	"github.com/golang-jwt/jwt/v5"
)

const (
	devKeyFile = "dev-issuer-key.pem"
	devKeyBits = 2048
)

// DevIssuer signs tokens in local mode with its own RSA-2048 key kept in the data dir.
// Keeping the key across restarts keeps tokens already held by the add-in valid.
type DevIssuer struct {
	key *rsa.PrivateKey
	kid string
}

// LoadOrCreateDevIssuer reads the key at dataDir/dev-issuer-key.pem (PKCS#8
// PEM), creating it and the directory if absent. The key ID is the key's RFC
// 7638 thumbprint, so it changes exactly when the key does.
func LoadOrCreateDevIssuer(dataDir string) (*DevIssuer, error) {
	path := filepath.Join(dataDir, devKeyFile)
	key, err := readDevKey(path)
	if errors.Is(err, fs.ErrNotExist) {
		key, err = createDevKey(dataDir, path)
	}
	if err != nil {
		return nil, err
	}
	return &DevIssuer{key: key, kid: thumbprint(&key.PublicKey)}, nil
}

func readDevKey(path string) (*rsa.PrivateKey, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("read dev issuer key: %w", err)
	}
	// Whoever reads this key can sign in as anyone in local mode.
	if info, err := os.Stat(path); err == nil && info.Mode().Perm()&0o077 != 0 {
		if err := os.Chmod(path, 0o600); err != nil {
			return nil, fmt.Errorf("restrict dev issuer key: %w", err)
		}
	}
	block, _ := pem.Decode(b)
	if block == nil || block.Type != "PRIVATE KEY" {
		return nil, fmt.Errorf("read dev issuer key %s: no PKCS#8 PEM block; delete the file to regenerate it", path)
	}
	parsed, err := x509.ParsePKCS8PrivateKey(block.Bytes)
	if err != nil {
		return nil, fmt.Errorf("parse dev issuer key %s: %w", path, err)
	}
	key, ok := parsed.(*rsa.PrivateKey)
	if !ok || key.N.BitLen() < devKeyBits {
		return nil, fmt.Errorf("read dev issuer key %s: not an RSA key of at least %d bits", path, devKeyBits)
	}
	return key, nil
}

// createDevKey writes to a temporary file and renames it into place so a crash
// never leaves a truncated key behind.
func createDevKey(dir, path string) (*rsa.PrivateKey, error) {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("create data dir: %w", err)
	}
	key, err := rsa.GenerateKey(rand.Reader, devKeyBits)
	if err != nil {
		return nil, fmt.Errorf("generate dev issuer key: %w", err)
	}
	der, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		return nil, fmt.Errorf("marshal dev issuer key: %w", err)
	}
	tmp, err := os.CreateTemp(dir, devKeyFile+".*") // CreateTemp uses mode 0600
	if err != nil {
		return nil, fmt.Errorf("write dev issuer key: %w", err)
	}
	defer os.Remove(tmp.Name()) // no-op once renamed
	if err := pem.Encode(tmp, &pem.Block{Type: "PRIVATE KEY", Bytes: der}); err != nil {
		tmp.Close()
		return nil, fmt.Errorf("write dev issuer key: %w", err)
	}
	if err := tmp.Close(); err != nil {
		return nil, fmt.Errorf("write dev issuer key: %w", err)
	}
	if err := os.Chmod(tmp.Name(), 0o600); err != nil {
		return nil, fmt.Errorf("restrict dev issuer key: %w", err)
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		return nil, fmt.Errorf("write dev issuer key: %w", err)
	}
	return key, nil
}

// thumbprint is the RFC 7638 JWK thumbprint: SHA-256 over the required members
// in lexical order with no whitespace.
func thumbprint(pub *rsa.PublicKey) string {
	doc := `{"e":"` + b64(big.NewInt(int64(pub.E)).Bytes()) + `","kty":"RSA","n":"` + b64(pub.N.Bytes()) + `"}`
	sum := sha256.Sum256([]byte(doc))
	return b64(sum[:])
}

func b64(b []byte) string { return base64.RawURLEncoding.EncodeToString(b) }

// PublicKey returns the key that verifies the issuer's tokens.
func (d *DevIssuer) PublicKey() *rsa.PublicKey {
	return &d.key.PublicKey
}

// Sign signs claims with RS256 under the dev key and its kid, exactly as given,
// so tests can craft tokens Mint would never produce.
func (d *DevIssuer) Sign(claims jwt.MapClaims) (string, error) {
	tok := jwt.NewWithClaims(jwt.SigningMethodRS256, claims)
	tok.Header["kid"] = d.kid
	s, err := tok.SignedString(d.key)
	if err != nil {
		return "", fmt.Errorf("sign dev token: %w", err)
	}
	return s, nil
}

// Handler serves the issuer's OpenID metadata and JWKS under the relative
// paths Entra uses, for mounting at base with the prefix stripped. base is the
// absolute URL of the mount, e.g. "http://127.0.0.1:8080/dev/oidc".
func (d *DevIssuer) Handler(base string) http.Handler {
	base = strings.TrimRight(base, "/")
	jwks := map[string]any{"keys": []map[string]any{{
		"kty": "RSA",
		"use": "sig",
		"alg": "RS256",
		"kid": d.kid,
		"n":   b64(d.key.N.Bytes()),
		"e":   b64(big.NewInt(int64(d.key.E)).Bytes()),
	}}}
	mux := http.NewServeMux()
	// Like Entra, the multi-tenant documents name the issuer with a {tenantid}
	// placeholder; validators substitute the token's tid.
	common := func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, d.metadata(base, "{tenantid}"))
	}
	mux.HandleFunc("GET /.well-known/openid-configuration", common)
	mux.HandleFunc("GET /common/v2.0/.well-known/openid-configuration", common)
	mux.HandleFunc("GET /{tid}/v2.0/.well-known/openid-configuration", func(w http.ResponseWriter, r *http.Request) {
		tid := r.PathValue("tid")
		if !isGUID(tid) {
			http.NotFound(w, r)
			return
		}
		writeJSON(w, d.metadata(base, strings.ToLower(tid)))
	})
	mux.HandleFunc("GET /discovery/v2.0/keys", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, jwks)
	})
	return mux
}

func (d *DevIssuer) metadata(base, tenant string) map[string]any {
	return map[string]any{
		"issuer":                                base + "/" + tenant + "/v2.0",
		"jwks_uri":                              base + "/discovery/v2.0/keys",
		"response_types_supported":              []string{"code", "id_token", "token id_token"},
		"subject_types_supported":               []string{"pairwise"},
		"id_token_signing_alg_values_supported": []string{"RS256"},
		"scopes_supported":                      []string{"openid", "profile", "email", "offline_access"},
		"claims_supported": []string{"sub", "iss", "aud", "exp", "iat", "nbf", "name",
			"oid", "tid", "preferred_username", "roles", "scp", "ver"},
	}
}

func writeJSON(w http.ResponseWriter, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	// The dev key can be replaced by deleting the file; no-store makes a
	// restarted server's new key visible at once.
	w.Header().Set("Cache-Control", "no-store")
	if err := json.NewEncoder(w).Encode(v); err != nil {
		http.Error(w, "encode: "+err.Error(), http.StatusInternalServerError)
	}
}
