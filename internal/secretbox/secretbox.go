// Package secretbox seals small secrets, such as a user's access token kept until their job is done,
// with AES-256-GCM under the service's encryption keys, so a copy of the database alone reveals nothing.
// A box holds one key or more: the first seals, every one opens, so that a key can be rotated (put a new
// one first, reseal, then drop the old one) without losing what the old one sealed.
package secretbox

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"errors"
	"fmt"
)

// Box seals with its first key and opens with any of its keys.
type Box struct {
	aeads []cipher.AEAD
}

// New makes a box from one or more 32-byte keys; the first seals.
func New(keys ...[]byte) (*Box, error) {
	if len(keys) == 0 {
		return nil, errors.New("secretbox: no key")
	}
	b := &Box{}
	for i, key := range keys {
		if len(key) != 32 {
			return nil, fmt.Errorf("secretbox: key %d must be 32 bytes, not %d", i+1, len(key))
		}
		block, err := aes.NewCipher(key)
		if err != nil {
			return nil, fmt.Errorf("secretbox: %w", err)
		}
		aead, err := cipher.NewGCM(block)
		if err != nil {
			return nil, fmt.Errorf("secretbox: %w", err)
		}
		b.aeads = append(b.aeads, aead)
	}
	return b, nil
}

// Seal encrypts plaintext with the first key; purpose is bound to the ciphertext (as additional data),
// so a secret sealed for one use cannot be opened as another.
func (b *Box) Seal(plaintext []byte, purpose string) []byte {
	aead := b.aeads[0]
	nonce := make([]byte, aead.NonceSize(), aead.NonceSize()+len(plaintext)+aead.Overhead())
	if _, err := rand.Read(nonce); err != nil {
		panic("secretbox: no randomness: " + err.Error()) // crypto/rand does not fail on supported platforms
	}
	return aead.Seal(nonce, nonce, plaintext, []byte(purpose))
}

// ErrOpen is returned for a ciphertext that none of the box's keys sealed for this purpose, or that was
// altered: most often one sealed by a key since removed from CRMSYNC_ENCRYPTION_KEY.
var ErrOpen = errors.New("secretbox: cannot open: sealed by a key that is not in CRMSYNC_ENCRYPTION_KEY (a retired key?), for another purpose, or tampered")

// Open decrypts what Seal produced with any of the box's keys.
func (b *Box) Open(sealed []byte, purpose string) ([]byte, error) {
	plain, _, err := b.open(sealed, purpose)
	return plain, err
}

// open also tells which key opened the ciphertext.
func (b *Box) open(sealed []byte, purpose string) ([]byte, int, error) {
	for i, aead := range b.aeads {
		n := aead.NonceSize()
		if len(sealed) < n+aead.Overhead() {
			return nil, -1, ErrOpen
		}
		if plain, err := aead.Open(nil, sealed[:n], sealed[n:], []byte(purpose)); err == nil {
			return plain, i, nil
		}
	}
	return nil, -1, ErrOpen
}

// Reseal returns sealed under the first key. changed is false when the first key sealed it already; a
// ciphertext no key opens is ErrOpen.
func (b *Box) Reseal(sealed []byte, purpose string) (resealed []byte, changed bool, err error) {
	plain, key, err := b.open(sealed, purpose)
	if err != nil {
		return nil, false, err
	}
	if key == 0 {
		return sealed, false, nil
	}
	return b.Seal(plain, purpose), true, nil
}
