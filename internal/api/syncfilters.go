package api

import (
	"net/http"

	"github.com/gin-gonic/gin"

	"github.com/crmsync/crmsync/internal/crm"
)

// decodeFilter reads a filter body.
func decodeFilter(c *gin.Context) (crm.FilterInput, error) {
	raw, err := readJSON(c)
	if err != nil {
		return crm.FilterInput{}, err
	}
	return crm.DecodeFilterInput(raw)
}

// listSyncFilters returns the caller's own filters and every system filter; ?recordType= and ?kind=
// narrow them.
func (s *Server) listSyncFilters(c *gin.Context) {
	filters, err := s.deps.Records.Filters(c.Request.Context(), callerOf(c).Actor, c.Query("kind"), c.Query("recordType"))
	if err != nil {
		s.fail(c, err)
		return
	}
	c.JSON(http.StatusOK, page[crm.Filter]{Items: filters})
}

func (s *Server) createSyncFilter(c *gin.Context) {
	in, err := decodeFilter(c)
	if err != nil {
		s.fail(c, err)
		return
	}
	created, err := s.deps.Records.CreateFilter(c.Request.Context(), callerOf(c).Actor, in)
	if err != nil {
		s.fail(c, err)
		return
	}
	c.Header("Location", "/api/v1/sync-filters/"+created.ID)
	c.JSON(http.StatusCreated, created)
}

func (s *Server) getSyncFilter(c *gin.Context) {
	f, err := s.deps.Records.Filter(c.Request.Context(), callerOf(c).Actor, c.Param("id"))
	if err != nil {
		s.fail(c, err)
		return
	}
	c.JSON(http.StatusOK, f)
}

// replaceSyncFilter replaces a filter's name, record type, kind, enabled flag and conditions.
func (s *Server) replaceSyncFilter(c *gin.Context) {
	in, err := decodeFilter(c)
	if err != nil {
		s.fail(c, err)
		return
	}
	updated, err := s.deps.Records.ReplaceFilter(c.Request.Context(), callerOf(c).Actor, c.Param("id"), in)
	if err != nil {
		s.fail(c, err)
		return
	}
	c.JSON(http.StatusOK, updated)
}

func (s *Server) deleteSyncFilter(c *gin.Context) {
	if err := s.deps.Records.DeleteFilter(c.Request.Context(), callerOf(c).Actor, c.Param("id")); err != nil {
		s.fail(c, err)
		return
	}
	c.Status(http.StatusNoContent)
}

// previewSyncFilter answers how many records a filter body picks for the caller now, and the first 25;
// the body is what POST /sync-filters takes, its name optional.
func (s *Server) previewSyncFilter(c *gin.Context) {
	in, err := decodeFilter(c)
	if err != nil {
		s.fail(c, err)
		return
	}
	preview, err := s.deps.Records.PreviewFilter(c.Request.Context(), callerOf(c).Actor, in)
	if err != nil {
		s.fail(c, err)
		return
	}
	c.JSON(http.StatusOK, preview)
}
