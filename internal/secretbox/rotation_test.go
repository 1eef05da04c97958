package secretbox_test

import (
	"bytes"
	"errors"
	"testing"

	"github.com/crmsync/crmsync/internal/secretbox"
)

func TestKeyRotation(t *testing.T) {
	oldKey, newKey := bytes.Repeat([]byte{1}, 32), bytes.Repeat([]byte{2}, 32)
	before, err := secretbox.New(oldKey)
	if err != nil {
		t.Fatal(err)
	}
	sealedBefore := before.Seal([]byte("assertion of ada"), "tracking")

	// The new key goes first; the retired one stays listed until everything is resealed.
	during, err := secretbox.New(newKey, oldKey)
	if err != nil {
		t.Fatal(err)
	}
	if plain, err := during.Open(sealedBefore, "tracking"); err != nil || string(plain) != "assertion of ada" {
		t.Fatalf("a value sealed with the retired key, while it is listed: %q, %v", plain, err)
	}
	sealedDuring := during.Seal([]byte("assertion of bob"), "tracking")
	if _, err := before.Open(sealedDuring, "tracking"); !errors.Is(err, secretbox.ErrOpen) {
		t.Fatal("a new value was sealed with the old key")
	}

	resealed, changed, err := during.Reseal(sealedBefore, "tracking")
	if err != nil || !changed {
		t.Fatalf("reseal = %v, changed %v", err, changed)
	}
	if _, changed, err := during.Reseal(resealed, "tracking"); err != nil || changed {
		t.Fatalf("resealing again = %v, changed %v: the first key sealed it already", err, changed)
	}
	if _, _, err := during.Reseal(sealedBefore, "sync"); !errors.Is(err, secretbox.ErrOpen) {
		t.Fatal("reseal ignored the purpose")
	}

	after, err := secretbox.New(newKey)
	if err != nil {
		t.Fatal(err)
	}
	if plain, err := after.Open(resealed, "tracking"); err != nil || string(plain) != "assertion of ada" {
		t.Fatalf("the resealed value after the old key is gone: %q, %v", plain, err)
	}
	_, err = after.Open(sealedBefore, "tracking")
	if !errors.Is(err, secretbox.ErrOpen) {
		t.Fatalf("a value sealed with a key no longer listed: %v, want ErrOpen", err)
	}
	if want := "not in CRMSYNC_ENCRYPTION_KEY (a retired key?)"; !bytes.Contains([]byte(err.Error()), []byte(want)) {
		t.Fatalf("error %q does not say %q", err, want)
	}
}

func TestNewRefusesBadKeys(t *testing.T) {
	for name, keys := range map[string][][]byte{
		"none":           nil,
		"short":          {[]byte("short")},
		"a short second": {bytes.Repeat([]byte{1}, 32), []byte("short")},
	} {
		t.Run(name, func(t *testing.T) {
			if _, err := secretbox.New(keys...); err == nil {
				t.Fatal("accepted")
			}
		})
	}
}
