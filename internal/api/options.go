package api

import (
	"cmp"
	"context"
	"net/http"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/crmsync/crmsync/internal/crm"
)

// putMyOptions stores the caller's personal synchronization options and answers with the options that
// now apply (the tenant's defaults where a member was left out).
func (s *Server) putMyOptions(c *gin.Context) {
	who := callerOf(c)
	var in crm.OptionsInput
	if err := decodeBody(c, &in); err != nil {
		s.fail(c, err)
		return
	}
	opts, err := in.Options(who.Tenant.Settings)
	if err != nil {
		s.fail(c, err)
		return
	}
	user, err := s.deps.Store.UpdateUserOptions(c.Request.Context(), who.TenantID, who.UserID, opts)
	if err != nil {
		s.fail(c, err)
		return
	}
	// The cached user holds the old options; other replicas' caches catch up within their TTL.
	s.sights.forgetUser(who.TenantID, who.UserID)
	c.JSON(http.StatusOK, user.Options.Effective(who.Tenant.Settings))
}

type syncResponse struct {
	Mailbox     string    `json:"mailbox"`
	Queued      bool      `json:"queued"`
	RequestedAt time.Time `json:"requestedAt"`
}

// postSync is the manual "Synchronize" of client mode. It records the request on the user; the
// synchronization engine (not built yet) runs the mailbox's next cycle at once when it sees it. In server
// mode the schedule does the work and the request is refused, as Dynamics removes the button there.
func (s *Server) postSync(c *gin.Context) {
	who := callerOf(c)
	if who.Tenant.SyncMode == crm.SyncModeServer {
		s.fail(c, crm.Conflict("synchronization runs on the server in this organisation"))
		return
	}
	var at time.Time
	var err error
	if s.deps.SyncRequests != nil {
		at, err = s.deps.SyncRequests.Request(c.Request.Context(), who.TenantID, who.UserID, who.Principal.Token)
	} else {
		at, err = s.deps.Store.RequestSync(c.Request.Context(), who.TenantID, who.UserID)
	}
	if err != nil {
		s.fail(c, err)
		return
	}
	c.JSON(http.StatusAccepted, syncResponse{Mailbox: cmp.Or(who.User.Email, who.User.UPN), Queued: true, RequestedAt: at})
}

// SyncRequester starts a client-mode synchronization pass that acts as the user (sync.ClientRequests).
type SyncRequester interface {
	Request(ctx context.Context, tenantID, userID, token string) (time.Time, error)
}
