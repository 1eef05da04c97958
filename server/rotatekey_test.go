package main

import (
	"bytes"
	"context"
	"encoding/base64"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/crmsync/crmsync/internal/crm"
	"github.com/crmsync/crmsync/internal/secretbox"
	"github.com/crmsync/crmsync/internal/store"
	"github.com/crmsync/crmsync/internal/store/storetest"
)

// TestRotateKey runs `crmsync rotate-key` as an admin would: new key first, old key after; then with
// the old key dropped, what it sealed still opens; a value sealed with a key nobody lists is reported.
func TestRotateKey(t *testing.T) {
	ctx := context.Background()
	oldKey, newKey, lostKey := bytes.Repeat([]byte{1}, 32), bytes.Repeat([]byte{2}, 32), bytes.Repeat([]byte{3}, 32)
	b64 := base64.StdEncoding.EncodeToString
	dbURL := "sqlite:" + filepath.Join(t.TempDir(), "crmsync.db")
	env := func(keys string) map[string]string {
		return map[string]string{"CRMSYNC_CLIENT_ID": uuid.NewString(), "CRMSYNC_PUBLIC_URL": "https://crm.contoso.test",
			"CRMSYNC_CLIENT_SECRET": "s3cret", "CRMSYNC_DATABASE_URL": dbURL, "CRMSYNC_ENCRYPTION_KEY": keys}
	}
	db, err := store.Open(ctx, dbURL, "")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if err := db.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	f := storetest.NewTenant(t, db, "ada@contoso.test")
	seal := func(key []byte, token string) string {
		box, err := secretbox.New(key)
		if err != nil {
			t.Fatal(err)
		}
		now := time.Now().UTC()
		req := crm.TrackRequest{ID: uuid.NewString(), TenantID: f.Tenant.ID, UserID: f.User.ID, ItemKey: uuid.NewString(), ItemID: "item",
			ItemType: "message", Action: crm.ActionTrack, State: crm.StateQueued, CreatedAt: now, UpdatedAt: now,
			Assertion: box.Seal([]byte(token), store.PurposeTrackAssertion)}
		if err := db.InTx(ctx, func(tx *store.Tx) error { return tx.InsertTrackRequest(ctx, req) }); err != nil {
			t.Fatal(err)
		}
		return req.ID
	}
	oldID := seal(oldKey, "sealed before the rotation")

	var out, errOut strings.Builder
	if err := run(ctx, []string{"rotate-key"}, envOf(env(b64(newKey)+","+b64(oldKey))), &out, &errOut); err != nil {
		t.Fatalf("rotate-key: %v\n%s", err, errOut.String())
	}
	if !strings.Contains(out.String(), "track_requests.assertion: 1 sealed, 1 resealed with the first key, 0 opened by no listed key") ||
		!strings.Contains(out.String(), "may now be removed") {
		t.Fatalf("rotate-key said:\n%s", out.String())
	}
	onlyNew, _ := secretbox.New(newKey)
	req, err := db.TrackRequestByID(ctx, f.Tenant.ID, oldID)
	if err != nil {
		t.Fatal(err)
	}
	if plain, err := onlyNew.Open(req.Assertion, store.PurposeTrackAssertion); err != nil || string(plain) != "sealed before the rotation" {
		t.Fatalf("after rotation, with the old key gone: %q, %v", plain, err)
	}

	t.Run("a value sealed with a key nobody lists", func(t *testing.T) {
		seal(lostKey, "sealed with a lost key")
		out.Reset()
		err := run(ctx, []string{"rotate-key"}, envOf(env(b64(newKey))), &out, &errOut)
		if err == nil || !strings.Contains(err.Error(), "1 sealed values open with none of the 1 listed keys") {
			t.Fatalf("err = %v", err)
		}
		if !strings.Contains(out.String(), "2 sealed, 0 resealed with the first key, 1 opened by no listed key") {
			t.Fatalf("rotate-key said:\n%s", out.String())
		}
	})
	t.Run("a bad key list", func(t *testing.T) {
		err := run(ctx, []string{"rotate-key"}, envOf(env(b64(newKey)+","+b64(newKey))), &out, &errOut)
		if err == nil || !strings.Contains(err.Error(), "key 2 of 2 repeats key 1") {
			t.Fatalf("err = %v", err)
		}
	})
	t.Run("local mode", func(t *testing.T) {
		err := run(ctx, []string{"rotate-key"}, envOf(map[string]string{"CRMSYNC_DATA_DIR": t.TempDir()}), &out, &errOut)
		if err == nil || !strings.Contains(err.Error(), "rotate-key is for production") {
			t.Fatalf("err = %v", err)
		}
	})
}
