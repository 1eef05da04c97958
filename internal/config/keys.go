package config

import (
	"bytes"
	"encoding/base64"
	"fmt"
	"strings"
)

// parseKeys reads CRMSYNC_ENCRYPTION_KEY: one or more keys of 32 bytes in base64, separated by commas.
// The first seals; all of them open, so that an admin can put a new key first, reseal with
// `crmsync rotate-key`, and then drop the old one. Messages name a key by its place, never its bytes.
func parseKeys(list string) ([][]byte, []error) {
	var (
		keys  [][]byte
		place []int // the place of each key in keys, for the messages
		errs  []error
	)
	parts := strings.Split(list, ",")
	for i, part := range parts {
		where := fmt.Sprintf("key %d of %d", i+1, len(parts))
		part = strings.TrimSpace(part)
		if part == "" {
			errs = append(errs, fmt.Errorf("CRMSYNC_ENCRYPTION_KEY: %s is empty (keys are separated by commas)", where))
			continue
		}
		key, err := base64.StdEncoding.DecodeString(part)
		if err != nil {
			errs = append(errs, fmt.Errorf("CRMSYNC_ENCRYPTION_KEY: %s is not base64 (make one with openssl rand -base64 32)", where))
			continue
		}
		if len(key) != 32 {
			errs = append(errs, fmt.Errorf("CRMSYNC_ENCRYPTION_KEY: %s is %d bytes, it must be 32 (openssl rand -base64 32)", where, len(key)))
			continue
		}
		for j, earlier := range keys {
			if bytes.Equal(earlier, key) {
				errs = append(errs, fmt.Errorf("CRMSYNC_ENCRYPTION_KEY: %s repeats key %d: list each key once", where, place[j]))
			}
		}
		keys, place = append(keys, key), append(place, i+1)
	}
	if len(errs) > 0 {
		return nil, errs
	}
	return keys, nil
}
