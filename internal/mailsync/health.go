package mailsync

import (
	"errors"
	"fmt"
	"time"

	"github.com/crmsync/crmsync/internal/outlook"
)

// MaxBackoff caps how long a failing mailbox waits before its next attempt.
const MaxBackoff = 12 * time.Hour

// alertAfter is how many failures in a row raise an alert on the admin page: one or two are usually a
// passing Graph hiccup.
const alertAfter = 3

// Backoff is how long a mailbox waits after its nth failure in a row: 2^n minutes, at most MaxBackoff.
func Backoff(failures int) time.Duration {
	if failures < 1 {
		return 0
	}
	return min(time.Minute<<min(failures, 20), MaxBackoff)
}

// alertFor is the admin page's alert after the nth failure in a row; empty before alertAfter.
func alertFor(failures int, err error) string {
	if failures < alertAfter {
		return ""
	}
	return fmt.Sprintf("synchronization has failed %d times: %s", failures, err.Error())
}

// isPermanent reports whether retrying cannot help until an admin acts: consent is missing or was
// revoked, or the mailbox does not exist.
func isPermanent(err error) bool {
	return errors.Is(err, outlook.ErrPermission) || errors.Is(err, outlook.ErrNotFound)
}

// disabledReason is what admins read about a permanently failing mailbox.
func disabledReason(err error) string {
	switch {
	case errors.Is(err, outlook.ErrPermission):
		return "crmsync may not access this mailbox (grant consent, then test and enable it): " + err.Error()
	case errors.Is(err, outlook.ErrNotFound):
		return "the mailbox was not found: " + err.Error()
	}
	return err.Error()
}
