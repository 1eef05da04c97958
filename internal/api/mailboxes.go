package api

import (
	"net/http"

	"github.com/gin-gonic/gin"

	"github.com/crmsync/crmsync/internal/crm"
	"github.com/crmsync/crmsync/internal/store"
)

// disabledByAdmin is the reason a mailbox an admin disabled shows.
const disabledByAdmin = "disabled by an administrator"

// listMailboxes shows admins the synchronization state of every mailbox of their tenant.
func (s *Server) listMailboxes(c *gin.Context) {
	who := callerOf(c)
	list, err := s.deps.Store.Mailboxes(c.Request.Context(), who.TenantID)
	if err != nil {
		s.fail(c, err)
		return
	}
	c.JSON(http.StatusOK, gin.H{"items": list})
}

// testEnableMailbox opens the mailbox with the app's credentials; when that works it enables the
// mailbox, forgets its failures and schedules it at once. When it does not, nothing changes and the
// admin reads why.
func (s *Server) testEnableMailbox(c *gin.Context) {
	who := callerOf(c)
	ctx := c.Request.Context()
	m, err := s.deps.Store.Mailbox(ctx, who.TenantID, c.Param("userId"))
	if err != nil {
		s.fail(c, err)
		return
	}
	if s.deps.CheckMailbox == nil {
		s.fail(c, crm.Conflict("mailbox checks are not available on this server"))
		return
	}
	if err := s.deps.CheckMailbox(ctx, who.TenantID, m.ObjectID); err != nil {
		s.fail(c, crm.Invalid("the mailbox could not be opened: "+err.Error()))
		return
	}
	s.changeMailbox(c, m, func() error { return s.deps.Store.EnableMailbox(ctx, who.TenantID, m.UserID, s.deps.Now()) })
}

// disableMailbox stops synchronizing a mailbox until an admin tests and enables it again.
func (s *Server) disableMailbox(c *gin.Context) {
	who := callerOf(c)
	ctx := c.Request.Context()
	m, err := s.deps.Store.Mailbox(ctx, who.TenantID, c.Param("userId"))
	if err != nil {
		s.fail(c, err)
		return
	}
	s.changeMailbox(c, m, func() error {
		return s.deps.Store.DisableMailbox(ctx, who.TenantID, m.UserID, disabledByAdmin, s.deps.Now())
	})
}

// changeMailbox applies change and answers with the mailbox as it now is.
func (s *Server) changeMailbox(c *gin.Context, m store.Mailbox, change func() error) {
	if err := change(); err != nil {
		s.fail(c, err)
		return
	}
	m, err := s.deps.Store.Mailbox(c.Request.Context(), m.TenantID, m.UserID)
	if err != nil {
		s.fail(c, err)
		return
	}
	c.JSON(http.StatusOK, m)
}
