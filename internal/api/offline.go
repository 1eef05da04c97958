package api

import (
	"errors"
	"net/http"
	"strconv"

	"github.com/gin-gonic/gin"

	"github.com/crmsync/crmsync/internal/crm"
	"github.com/crmsync/crmsync/internal/records"
)

// getOffline answers GET /api/v1/offline[?since=<cursor>][&limit=<n>] (default and maximum 1,000) with
// the taskpane's offline records as records.Offline says: {"items":[record…],"removed":[{"type","id"}…],
// "cursor","reset","more"}. A cursor that is not one of ours is refused with 400 and changes nothing.
func (s *Server) getOffline(c *gin.Context) {
	limit := records.MaxOfflinePage
	if v := c.Query("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > records.MaxOfflinePage {
			s.fail(c, crm.Invalid("the limit is not valid", crm.FieldError{Field: "limit", Message: "must be a whole number from 1 to " + strconv.Itoa(records.MaxOfflinePage)}))
			return
		}
		limit = n
	}
	out, err := s.deps.Records.Offline(c.Request.Context(), callerOf(c).Actor, c.Query("since"), limit)
	if errors.Is(err, records.ErrInvalidCursor) {
		s.problem(c, http.StatusBadRequest, "invalid-cursor", "The cursor is not valid", err.Error())
		return
	}
	if err != nil {
		s.fail(c, err)
		return
	}
	c.JSON(http.StatusOK, out)
}
