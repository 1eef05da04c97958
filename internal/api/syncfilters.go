package api

import (
	"net/http"
	"slices"

	"github.com/gin-gonic/gin"

	"github.com/crmsync/crmsync/internal/crm"
)

// decodeFilter reads and checks a filter body against the tenant's record types.
func (s *Server) decodeFilter(c *gin.Context, scope string) (crm.Filter, error) {
	raw, err := readJSON(c)
	if err != nil {
		return crm.Filter{}, err
	}
	in, err := crm.DecodeFilterInput(raw)
	if err != nil {
		return crm.Filter{}, err
	}
	who := callerOf(c)
	if scope == "" && in.Scope == crm.ScopeSystem && !who.IsAdmin() {
		return crm.Filter{}, crm.Forbidden("a system filter applies to everyone: creating one needs the CRM.Admin role")
	}
	if scope != "" {
		if in.Scope != "" && in.Scope != scope {
			return crm.Filter{}, crm.Invalid("a filter's scope cannot be changed", crm.FieldError{Field: "/scope", Message: "must be " + scope + " or left out; create a new filter instead"})
		}
		in.Scope = scope
	}
	var lookupErr error
	f, err := in.Filter(func(name string) (crm.EntityType, bool) {
		t, err := s.deps.Store.EntityType(c.Request.Context(), who.TenantID, name)
		if err != nil && !crm.IsNotFound(err) {
			lookupErr = err
		}
		return t, err == nil
	})
	if lookupErr != nil {
		return crm.Filter{}, lookupErr
	}
	return f, err
}

// listSyncFilters returns the caller's own filters and every system filter; ?recordType= and ?kind=
// narrow them.
func (s *Server) listSyncFilters(c *gin.Context) {
	who := callerOf(c)
	kind := c.Query("kind")
	if kind != "" && kind != crm.FilterOnline && kind != crm.FilterOffline {
		s.fail(c, crm.Invalid("the kind is not valid", crm.FieldError{Field: "kind", Message: "must be online or offline"}))
		return
	}
	filters, err := s.deps.Store.SyncFilters(c.Request.Context(), who.TenantID, who.UserID)
	if err != nil {
		s.fail(c, err)
		return
	}
	recordType := c.Query("recordType")
	filters = slices.DeleteFunc(filters, func(f crm.Filter) bool {
		return (kind != "" && f.Kind != kind) || (recordType != "" && f.RecordType != recordType)
	})
	c.JSON(http.StatusOK, page[crm.Filter]{Items: filters})
}

func (s *Server) createSyncFilter(c *gin.Context) {
	who := callerOf(c)
	f, err := s.decodeFilter(c, "")
	if err != nil {
		s.fail(c, err)
		return
	}
	f.TenantID, f.UserID = who.TenantID, who.UserID
	created, err := s.deps.Store.CreateSyncFilter(c.Request.Context(), f)
	if err != nil {
		s.fail(c, err)
		return
	}
	c.Header("Location", "/api/v1/sync-filters/"+created.ID)
	c.JSON(http.StatusCreated, created)
}

// visibleFilter loads a filter the caller may see: their own, or a system filter. Another user's filter
// is as absent as one that does not exist.
func (s *Server) visibleFilter(c *gin.Context) (crm.Filter, error) {
	who := callerOf(c)
	f, err := s.deps.Store.SyncFilter(c.Request.Context(), who.TenantID, c.Param("id"))
	if err != nil {
		return crm.Filter{}, err
	}
	if f.Scope == crm.ScopeUser && f.UserID != who.UserID {
		return crm.Filter{}, crm.NotFound("there is no synchronization filter with the id %s", f.ID)
	}
	return f, nil
}

// changeableFilter loads a filter the caller may change: their own, or a system filter if they are an
// admin.
func (s *Server) changeableFilter(c *gin.Context) (crm.Filter, error) {
	f, err := s.visibleFilter(c)
	if err != nil {
		return crm.Filter{}, err
	}
	if f.Scope == crm.ScopeSystem && !callerOf(c).IsAdmin() {
		return crm.Filter{}, crm.Forbidden("%q is a system filter: changing it needs the CRM.Admin role", f.Name)
	}
	return f, nil
}

func (s *Server) getSyncFilter(c *gin.Context) {
	f, err := s.visibleFilter(c)
	if err != nil {
		s.fail(c, err)
		return
	}
	c.JSON(http.StatusOK, f)
}

// replaceSyncFilter replaces a filter's name, record type, kind, enabled flag and conditions.
func (s *Server) replaceSyncFilter(c *gin.Context) {
	current, err := s.changeableFilter(c)
	if err != nil {
		s.fail(c, err)
		return
	}
	f, err := s.decodeFilter(c, current.Scope)
	if err != nil {
		s.fail(c, err)
		return
	}
	f.ID, f.TenantID, f.UserID = current.ID, current.TenantID, current.UserID
	updated, err := s.deps.Store.UpdateSyncFilter(c.Request.Context(), f)
	if err != nil {
		s.fail(c, err)
		return
	}
	c.JSON(http.StatusOK, updated)
}

func (s *Server) deleteSyncFilter(c *gin.Context) {
	f, err := s.changeableFilter(c)
	if err != nil {
		s.fail(c, err)
		return
	}
	if err := s.deps.Store.DeleteSyncFilter(c.Request.Context(), f.TenantID, f.ID); err != nil {
		s.fail(c, err)
		return
	}
	c.Status(http.StatusNoContent)
}
