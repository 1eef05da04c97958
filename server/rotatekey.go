package main

import (
	"context"
	"errors"
	"fmt"
	"io"

	"github.com/crmsync/crmsync/internal/config"
	"github.com/crmsync/crmsync/internal/secretbox"
)

// rotateKey reseals every sealed value under the first key of CRMSYNC_ENCRYPTION_KEY: after it, the keys
// after the first may be dropped from the list. It is safe while replicas run (a value a replica
// changed meanwhile is left to the replica) and safe to run again.
func rotateKey(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	cfg, err := config.Load("rotate-key", args, getenv, stderr)
	if err != nil {
		return err
	}
	if cfg.Local() {
		return errors.New("rotate-key is for production (CRMSYNC_CLIENT_ID set): local mode keeps its own key in the data dir's encryption.key")
	}
	if len(cfg.EncryptionKeys) == 0 {
		return errors.New("rotate-key needs CRMSYNC_ENCRYPTION_KEY: the new key first, then the keys it replaces (new,old)")
	}
	box, err := secretbox.New(cfg.EncryptionKeys...)
	if err != nil {
		return err
	}
	db, err := openStore(ctx, cfg)
	if err != nil {
		return err
	}
	defer db.Close()
	if err := db.Migrate(ctx); err != nil {
		return err
	}
	counts, err := db.ResealSecrets(ctx, box)
	if err != nil {
		return err
	}
	unopenable := 0
	for _, c := range counts {
		fmt.Fprintf(stdout, "%s.%s: %d sealed, %d resealed with the first key, %d opened by no listed key\n",
			c.Table, c.Column, c.Sealed, c.Resealed, c.Unopenable)
		unopenable += c.Unopenable
	}
	if unopenable > 0 {
		return fmt.Errorf("%d sealed values open with none of the %d listed keys: they were sealed with a key that is no longer in CRMSYNC_ENCRYPTION_KEY; "+
			"add it back after the new key and run rotate-key again, or those users' pending clicks and passes fail and they must sign in again", unopenable, len(cfg.EncryptionKeys))
	}
	fmt.Fprintf(stdout, "every sealed value is under the first key: the other %d key(s) may now be removed from CRMSYNC_ENCRYPTION_KEY on every replica\n", len(cfg.EncryptionKeys)-1)
	return nil
}
