package identity

import (
	"crypto"
	"crypto/sha256"
	"time"
	"unsafe"

	lru "github.com/hashicorp/golang-lru/v2"
)

// DefaultCacheSize is how many validated tokens a Validator remembers unless told otherwise: a token is
// about 2 KiB with its principal, so the cache stays under about 20 MiB.
const DefaultCacheSize = 10_000

// tokenCache remembers tokens whose signature and claims passed, so that a client sending the same token
// on every request pays a hash and a lookup instead of an RSA verification and JSON decoding. Entries are
// keyed by the SHA-256 of the raw token, so the cache never compares secrets byte by byte. Lifetime (nbf,
// exp) is still checked on every use, against the same leeway as a full validation. An entry vouches for
// its token only while the issuer still publishes the very key that verified it: the validator looks the
// key up again on every hit, so once a JWKS refresh (scheduled, or a rotation picked up through an unknown
// kid) drops or replaces that key, the tokens it signed are validated in full again, and fail.
type tokenCache struct {
	entries *lru.Cache[[sha256.Size]byte, cachedToken]
	leeway  time.Duration
}

// cachedToken is one validated token.
type cachedToken struct {
	principal Principal
	notBefore time.Time // zero when the token has no nbf
	expiresAt time.Time
	kid       string    // the signing key's id
	key       publicKey // the key that verified the signature
}

// publicKey is what every crypto public key implements.
type publicKey interface{ Equal(crypto.PublicKey) bool }

// newTokenCache returns a cache of size entries, or nil (no caching) when size is negative.
func newTokenCache(size int, leeway time.Duration) *tokenCache {
	if size < 0 {
		return nil
	}
	if size == 0 {
		size = DefaultCacheSize
	}
	entries, err := lru.New[[sha256.Size]byte, cachedToken](size)
	if err != nil {
		panic(err) // only for a size < 1, excluded above
	}
	return &tokenCache{entries: entries, leeway: leeway}
}

// tokenKey is the cache key of a raw token. The token's bytes are hashed in place: a copy would cost an
// allocation the size of the token on every request, and sha256 only reads them.
func tokenKey(raw string) [sha256.Size]byte {
	return sha256.Sum256(unsafe.Slice(unsafe.StringData(raw), len(raw)))
}

// lookup returns a token validated before. found is false when the token must be validated in full; when
// it is true, a non-nil *Error says the token's lifetime no longer (or not yet) allows it. The caller
// still checks that the entry's key is published.
func (c *tokenCache) lookup(key [sha256.Size]byte, now time.Time) (cachedToken, *Error, bool) {
	if c == nil {
		return cachedToken{}, nil, false
	}
	e, ok := c.entries.Get(key)
	if !ok {
		return cachedToken{}, nil, false
	}
	// The same rules as jwt's own: exp passes until exp+leeway, nbf from nbf-leeway.
	if !now.Before(e.expiresAt.Add(c.leeway)) {
		c.entries.Remove(key)
		return cachedToken{}, fail(checkExpired, "the token has expired; get a new one"), true
	}
	if !e.notBefore.IsZero() && now.Before(e.notBefore.Add(-c.leeway)) {
		return cachedToken{}, fail(checkNotYetValid, "the token is not valid yet; check the clock"), true
	}
	return e, nil, true
}

// forget drops a token whose key is no longer published.
func (c *tokenCache) forget(key [sha256.Size]byte) {
	if c != nil {
		c.entries.Remove(key)
	}
}

// add remembers a token that passed every check, verified by the key kid.
func (c *tokenCache) add(key [sha256.Size]byte, p Principal, notBefore time.Time, kid string, verifiedBy any) {
	pub, ok := verifiedBy.(publicKey)
	if c == nil || p.ExpiresAt.IsZero() || !ok {
		return
	}
	c.entries.Add(key, cachedToken{principal: p, notBefore: notBefore, expiresAt: p.ExpiresAt, kid: kid, key: pub})
}

// size is how many tokens are remembered.
func (c *tokenCache) size() int {
	if c == nil {
		return 0
	}
	return c.entries.Len()
}
