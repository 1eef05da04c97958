package secretbox_test

import (
	"bytes"
	"errors"
	"testing"

	"github.com/crmsync/crmsync/internal/secretbox"
)

func TestSealOpen(t *testing.T) {
	key := bytes.Repeat([]byte{7}, 32)
	box, err := secretbox.New(key)
	if err != nil {
		t.Fatal(err)
	}
	sealed := box.Seal([]byte("eyJhbGciOi..."), "assertion")
	if bytes.Contains(sealed, []byte("eyJhbGciOi")) {
		t.Fatal("the plaintext shows in the sealed bytes")
	}
	plain, err := box.Open(sealed, "assertion")
	if err != nil || string(plain) != "eyJhbGciOi..." {
		t.Fatalf("open = %q, %v", plain, err)
	}
	other, _ := secretbox.New(bytes.Repeat([]byte{8}, 32))
	tampered := append([]byte(nil), sealed...)
	tampered[len(tampered)-1] ^= 1
	cases := map[string]func() ([]byte, error){
		"wrong key":     func() ([]byte, error) { return other.Open(sealed, "assertion") },
		"wrong purpose": func() ([]byte, error) { return box.Open(sealed, "other") },
		"tampered":      func() ([]byte, error) { return box.Open(tampered, "assertion") },
		"too short":     func() ([]byte, error) { return box.Open([]byte{1, 2, 3}, "assertion") },
	}
	for name, open := range cases {
		t.Run(name, func(t *testing.T) {
			if _, err := open(); !errors.Is(err, secretbox.ErrOpen) {
				t.Fatalf("err = %v, want ErrOpen", err)
			}
		})
	}
	if _, err := secretbox.New([]byte("short")); err == nil {
		t.Fatal("a short key was accepted")
	}
}
