package api

import (
	"net/http"

	"github.com/gin-gonic/gin"

	"github.com/crmsync/crmsync/internal/crm"
)

// The never-track lists: GET|POST /never-track and DELETE /never-track/{id} are the caller's own list,
// the /admin/never-track ones the organisation's; GET /never-track/check says whether automatic tracking
// never picks an address's email (the taskpane asks before a click tracks it anyway).

type neverTrackList struct {
	Items []crm.NeverTrack `json:"items"`
}

type adminNeverTrackList struct {
	Items []crm.NeverTrack `json:"items"`
	// OwnDomains are the organisation's own domains: on the list for users whose option is "all".
	OwnDomains []string `json:"ownDomains"`
}

func (s *Server) listNeverTrack(tenantList bool) gin.HandlerFunc {
	return func(c *gin.Context) {
		who := callerOf(c)
		items, err := s.deps.NeverTrack.List(c.Request.Context(), who.Actor, tenantList)
		if err != nil {
			s.fail(c, err)
			return
		}
		if !tenantList {
			c.JSON(http.StatusOK, neverTrackList{Items: items})
			return
		}
		own, err := s.deps.NeverTrack.OwnDomains(c.Request.Context(), who.Actor)
		if err != nil {
			s.fail(c, err)
			return
		}
		if own == nil {
			own = []string{}
		}
		c.JSON(http.StatusOK, adminNeverTrackList{Items: items, OwnDomains: own})
	}
}

func (s *Server) addNeverTrack(tenantList bool) gin.HandlerFunc {
	return func(c *gin.Context) {
		var in crm.NeverTrackInput
		if err := decodeBody(c, &in); err != nil {
			s.fail(c, crm.PointerFields(err))
			return
		}
		entry, err := s.deps.NeverTrack.Add(c.Request.Context(), callerOf(c).Actor, tenantList, in)
		if err != nil {
			s.fail(c, err)
			return
		}
		path := "/api/v1/never-track/"
		if tenantList {
			path = "/api/v1/admin/never-track/"
		}
		c.Header("Location", path+entry.ID)
		c.JSON(http.StatusCreated, entry)
	}
}

func (s *Server) deleteNeverTrack(tenantList bool) gin.HandlerFunc {
	return func(c *gin.Context) {
		if err := s.deps.NeverTrack.Delete(c.Request.Context(), callerOf(c).Actor, tenantList, c.Param("id")); err != nil {
			s.fail(c, err)
			return
		}
		c.Status(http.StatusNoContent)
	}
}

type neverTrackCheck struct {
	Address    string `json:"address"`
	NeverTrack bool   `json:"neverTrack"`
}

// checkNeverTrack says whether the caller's automatic tracking never picks email from ?address=.
func (s *Server) checkNeverTrack(c *gin.Context) {
	who := callerOf(c)
	address := c.Query("address")
	if address == "" {
		s.fail(c, crm.Invalid("the address is missing", crm.FieldError{Field: "address", Message: "is required"}))
		return
	}
	option := who.User.Options.Effective(who.Tenant.Settings).AutoTrack
	never, err := s.deps.NeverTrack.Check(c.Request.Context(), who.Actor, option, address)
	if err != nil {
		s.fail(c, err)
		return
	}
	c.JSON(http.StatusOK, neverTrackCheck{Address: address, NeverTrack: never})
}
