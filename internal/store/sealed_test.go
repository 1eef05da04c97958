package store_test

import (
	"bytes"
	"context"
	"slices"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/crmsync/crmsync/internal/crm"
	"github.com/crmsync/crmsync/internal/secretbox"
	"github.com/crmsync/crmsync/internal/store"
	"github.com/crmsync/crmsync/internal/store/storetest"
)

// TestEverySealedColumnIsListed: every binary column of the schema holds sealed values and is in
// SealedColumns, so `crmsync rotate-key` reseals it. A new one that is not listed fails here.
func TestEverySealedColumnIsListed(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		q := `SELECT m.name || '.' || p.name FROM sqlite_master m JOIN pragma_table_info(m.name) p
			WHERE m.type = 'table' AND upper(p.type) = 'BLOB' AND m.name NOT LIKE 'river%'`
		if s.Dialect() == store.Postgres {
			q = `SELECT table_name || '.' || column_name FROM information_schema.columns
				WHERE table_schema = current_schema() AND data_type = 'bytea' AND table_name NOT LIKE 'river%'`
		}
		rows, err := s.DB().QueryContext(context.Background(), q)
		if err != nil {
			t.Fatal(err)
		}
		defer rows.Close()
		var binary []string
		for rows.Next() {
			var name string
			if err := rows.Scan(&name); err != nil {
				t.Fatal(err)
			}
			binary = append(binary, name)
		}
		var listed []string
		for _, c := range store.SealedColumns() {
			listed = append(listed, c.Table+"."+c.Column)
		}
		slices.Sort(binary)
		slices.Sort(listed)
		if !slices.Equal(binary, listed) {
			t.Fatalf("binary columns %q, sealed columns listed %q: list every sealed column in store.SealedColumns", binary, listed)
		}
	})
}

// rotation is a store with values sealed under an old key, a new key, and one no longer known.
type rotation struct {
	s                    *store.Store
	oldKey, newKey, lost []byte
	tenant               string
	users                []crm.User
	requests             []string
}

func seedSealed(t *testing.T, s *store.Store) rotation {
	t.Helper()
	ctx := context.Background()
	r := rotation{s: s, oldKey: bytes.Repeat([]byte{1}, 32), newKey: bytes.Repeat([]byte{2}, 32), lost: bytes.Repeat([]byte{3}, 32)}
	f := storetest.NewTenant(t, s, "ada@contoso.test")
	r.tenant = f.Tenant.ID
	r.users = []crm.User{f.User, storetest.NewUser(t, s, r.tenant, "bob@contoso.test"), storetest.NewUser(t, s, r.tenant, "cy@contoso.test")}
	box := func(key []byte) *secretbox.Box { return boxOf(t, key) }
	// Two clicks under the old key, one under the new, one under a key no longer listed; a requested
	// synchronization pass under the old key.
	for i, key := range [][]byte{r.oldKey, r.oldKey, r.newKey, r.lost} {
		now := time.Now().UTC()
		req := crm.TrackRequest{ID: uuid.NewString(), TenantID: r.tenant, UserID: r.users[0].ID, ItemKey: "item-" + uuid.NewString(),
			ItemID: "item", ItemType: "message", Action: crm.ActionTrack, State: crm.StateQueued, CreatedAt: now, UpdatedAt: now,
			Assertion: box(key).Seal([]byte("token of click "+string(rune('a'+i))), store.PurposeTrackAssertion)}
		if err := s.InTx(ctx, func(tx *store.Tx) error { return tx.InsertTrackRequest(ctx, req) }); err != nil {
			t.Fatal(err)
		}
		r.requests = append(r.requests, req.ID)
	}
	if err := s.InTx(ctx, func(tx *store.Tx) error {
		_, err := tx.RequestSync(ctx, r.tenant, r.users[1].ID, box(r.oldKey).Seal([]byte("token of bob"), store.PurposeSyncAssertion), time.Time{})
		return err
	}); err != nil {
		t.Fatal(err)
	}
	return r
}

func boxOf(t *testing.T, keys ...[]byte) *secretbox.Box {
	t.Helper()
	box, err := secretbox.New(keys...)
	if err != nil {
		t.Fatal(err)
	}
	return box
}

// resealHook runs hook before each reseal.
type resealHook struct {
	store.Resealer
	hook func(purpose string)
}

func (h resealHook) Reseal(sealed []byte, purpose string) ([]byte, bool, error) {
	h.hook(purpose)
	return h.Resealer.Reseal(sealed, purpose)
}

func TestResealSecrets(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		r := seedSealed(t, s)
		counts, err := s.ResealSecrets(ctx, boxOf(t, r.newKey, r.oldKey))
		if err != nil {
			t.Fatal(err)
		}
		want := []store.ResealCount{
			{SealedColumn: store.SealedColumns()[0], Sealed: 4, Resealed: 2, Unopenable: 1},
			{SealedColumn: store.SealedColumns()[1], Sealed: 1, Resealed: 1},
		}
		if !slices.Equal(counts, want) {
			t.Fatalf("counts = %+v\nwant %+v", counts, want)
		}
		// With the old key gone, everything it sealed still opens.
		onlyNew, _ := secretbox.New(r.newKey)
		for i, id := range r.requests[:3] {
			req, err := s.TrackRequestByID(ctx, r.tenant, id)
			if err != nil {
				t.Fatal(err)
			}
			plain, err := onlyNew.Open(req.Assertion, store.PurposeTrackAssertion)
			if err != nil || string(plain) != "token of click "+string(rune('a'+i)) {
				t.Fatalf("click %d after rotation: %q, %v", i, plain, err)
			}
		}
		sealed, err := s.TakeSyncAssertion(ctx, r.tenant, r.users[1].ID, time.Now(), false)
		if err != nil {
			t.Fatal(err)
		}
		if plain, err := onlyNew.Open(sealed, store.PurposeSyncAssertion); err != nil || string(plain) != "token of bob" {
			t.Fatalf("sync assertion after rotation: %q, %v", plain, err)
		}
		// The value no key opens is left as it was, for the admin to see in the report.
		lost, _ := s.TrackRequestByID(ctx, r.tenant, r.requests[3])
		if lostBox, _ := secretbox.New(r.lost); lost.Assertion == nil {
			t.Fatal("the unopenable value was removed")
		} else if _, err := lostBox.Open(lost.Assertion, store.PurposeTrackAssertion); err != nil {
			t.Fatalf("the unopenable value was changed: %v", err)
		}
		// Running it again changes nothing.
		again, err := s.ResealSecrets(ctx, boxOf(t, r.newKey, r.oldKey))
		if err != nil || again[0].Resealed != 0 || again[1].Resealed != 0 {
			t.Fatalf("second run = %+v, %v", again, err)
		}
	})
}

// TestResealKeepsAConcurrentWrite: a replica that finishes a click while the rotation runs clears its
// token; the rotation must not write the old token back.
func TestResealKeepsAConcurrentWrite(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		r := seedSealed(t, s)
		finished := r.requests[0]
		counts, err := s.ResealSecrets(ctx, resealHook{Resealer: boxOf(t, r.newKey, r.oldKey), hook: func(purpose string) {
			if purpose == store.PurposeTrackAssertion {
				// The replica finishes every click it finds while the rotation reads them.
				if _, err := s.DB().ExecContext(ctx, `UPDATE track_requests SET assertion = NULL, state = 'done' WHERE id = '`+finished+`'`); err != nil {
					t.Error(err)
				}
			}
		}})
		if err != nil {
			t.Fatal(err)
		}
		req, err := s.TrackRequestByID(ctx, r.tenant, finished)
		if err != nil {
			t.Fatal(err)
		}
		if req.Assertion != nil {
			t.Fatal("the rotation wrote a finished click's token back")
		}
		if counts[0].Resealed != 1 {
			t.Fatalf("resealed %d clicks, want 1 (the finished one was skipped)", counts[0].Resealed)
		}
	})
}
