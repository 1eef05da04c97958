package api

import (
	"cmp"
	"errors"
	"io"
	"mime"
	"net/http"
	"strconv"
	"strings"

	"github.com/gin-gonic/gin"

	"github.com/crmsync/crmsync/internal/crm"
	"github.com/crmsync/crmsync/internal/store"
)

// errUnsupportedMediaType is returned for a body that says it is not JSON.
var errUnsupportedMediaType = errors.New("the body must be JSON (Content-Type: application/json)")

type page[T any] struct {
	Items      []T    `json:"items"`
	NextCursor string `json:"nextCursor"`
}

// readJSON reads the request body, which must be JSON when a content type is given.
func readJSON(c *gin.Context) ([]byte, error) {
	if ct := c.GetHeader("Content-Type"); ct != "" {
		media, _, err := mime.ParseMediaType(ct)
		if err != nil || (media != "application/json" && !strings.HasSuffix(media, "+json")) {
			return nil, errUnsupportedMediaType
		}
	}
	body, err := io.ReadAll(c.Request.Body)
	if err != nil {
		return nil, err
	}
	return body, nil
}

func pageParams(c *gin.Context) (int, string, error) {
	limit := 0
	if v := c.Query("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > store.MaxPageSize {
			return 0, "", crm.Invalid("the limit is not valid", crm.FieldError{Field: "limit", Message: "must be a whole number from 1 to " + strconv.Itoa(store.MaxPageSize)})
		}
		limit = n
	}
	return limit, c.Query("cursor"), nil
}

// readScopes returns, for each record type the caller names (all types when none), how much of it the
// caller may read. A named type that does not exist is an error; types the caller may not read are left out.
func (s *Server) readScopes(c *gin.Context, names []string) ([]store.TypeScope, error) {
	who := callerOf(c)
	policy, err := s.deps.Store.AccessPolicy(c.Request.Context(), who.TenantID)
	if err != nil {
		return nil, err
	}
	if len(names) == 0 {
		types, err := s.deps.Store.EntityTypes(c.Request.Context(), who.TenantID)
		if err != nil {
			return nil, err
		}
		for _, t := range types {
			names = append(names, t.Name)
		}
	} else {
		for _, n := range names {
			if _, err := s.deps.Store.EntityType(c.Request.Context(), who.TenantID, n); err != nil {
				return nil, err
			}
		}
	}
	return readableScopes(policy, who.Actor, names), nil
}

// readableScopes says how much of each of the types (record or activity types) the actor may read; types
// they may not read at all are left out, so a query on the scopes can never return them.
func readableScopes(policy crm.AccessPolicy, who crm.Actor, types []string) []store.TypeScope {
	var scopes []store.TypeScope
	for _, t := range types {
		switch policy.Level(who.Roles, t, crm.OpRead) {
		case crm.LevelAll:
			scopes = append(scopes, store.TypeScope{Type: t})
		case crm.LevelOwn:
			scopes = append(scopes, store.TypeScope{Type: t, OwnOnly: true, UserID: who.UserID})
		}
	}
	return scopes
}

// searchRecords is the regarding picker's query: by name or email, across record types.
func (s *Server) searchRecords(c *gin.Context) {
	var names []string
	for _, t := range strings.Split(c.Query("type"), ",") {
		if t = strings.TrimSpace(t); t != "" {
			names = append(names, t)
		}
	}
	s.respondRecordPage(c, c.Query("search"), names)
}

func (s *Server) listRecords(c *gin.Context) {
	s.respondRecordPage(c, c.Query("search"), []string{c.Param("type")})
}

func (s *Server) respondRecordPage(c *gin.Context, search string, types []string) {
	if len(search) > 200 {
		s.fail(c, crm.Invalid("the search is too long", crm.FieldError{Field: "search", Message: "must be at most 200 characters"}))
		return
	}
	limit, cursor, err := pageParams(c)
	if err != nil {
		s.fail(c, err)
		return
	}
	scopes, err := s.readScopes(c, types)
	if err != nil {
		s.fail(c, err)
		return
	}
	guard, err := s.allTypesGuard(c)
	if err != nil {
		s.fail(c, err)
		return
	}
	items, next, err := s.deps.Store.SearchRecords(c.Request.Context(), store.RecordQuery{TenantID: callerOf(c).TenantID, Search: search,
		Scopes: scopes, Limit: limit, Cursor: cursor, HiddenEmailFields: guard.hiddenEmailFields()})
	if err != nil {
		s.fail(c, err)
		return
	}
	c.JSON(http.StatusOK, page[crm.Record]{Items: guard.redactAll(items), NextCursor: next})
}

func (s *Server) createRecord(c *gin.Context) {
	who := callerOf(c)
	typ := c.Param("type")
	et, err := s.deps.Store.EntityType(c.Request.Context(), who.TenantID, typ)
	if err != nil {
		s.fail(c, err)
		return
	}
	policy, err := s.deps.Store.AccessPolicy(c.Request.Context(), who.TenantID)
	if err != nil {
		s.fail(c, err)
		return
	}
	// The new record is the caller's own, so "own" is enough to create it.
	if !policy.Can(who.Actor, typ, crm.OpCreate, who.UserID) {
		s.fail(c, crm.Forbidden("your security role does not let you create %s records", typ))
		return
	}
	in, err := decodeRecord(c)
	if err != nil {
		s.fail(c, err)
		return
	}
	guard, err := s.fieldGuard(c, et)
	if err != nil {
		s.fail(c, err)
		return
	}
	if err := guard.checkCreate(et, in); err != nil {
		s.fail(c, err)
		return
	}
	rec, err := s.deps.Store.CreateRecord(c.Request.Context(), who.TenantID, typ, who.UserID, in)
	if err != nil {
		s.fail(c, err)
		return
	}
	c.Header("Location", "/api/v1/records/"+rec.Type+"/"+rec.ID)
	c.JSON(http.StatusCreated, guard.redact(rec))
}

func decodeRecord(c *gin.Context) (crm.RecordInput, error) {
	body, err := readJSON(c)
	if err != nil {
		return crm.RecordInput{}, err
	}
	return crm.DecodeRecordInput(body)
}

// readableRecord loads a record the caller may read; one they may not read is as absent as one of
// another tenant, so ids cannot be probed.
func (s *Server) readableRecord(c *gin.Context) (crm.Record, crm.AccessPolicy, error) {
	_, rec, policy, err := s.readableTypedRecord(c)
	return rec, policy, err
}

// readableTypedRecord is readableRecord with the record's type.
func (s *Server) readableTypedRecord(c *gin.Context) (crm.EntityType, crm.Record, crm.AccessPolicy, error) {
	who := callerOf(c)
	typ := c.Param("type")
	et, err := s.deps.Store.EntityType(c.Request.Context(), who.TenantID, typ)
	if err != nil {
		return crm.EntityType{}, crm.Record{}, crm.AccessPolicy{}, err
	}
	rec, err := s.deps.Store.Record(c.Request.Context(), who.TenantID, typ, c.Param("id"))
	if err != nil {
		return crm.EntityType{}, crm.Record{}, crm.AccessPolicy{}, err
	}
	policy, err := s.deps.Store.AccessPolicy(c.Request.Context(), who.TenantID)
	if err != nil {
		return crm.EntityType{}, crm.Record{}, crm.AccessPolicy{}, err
	}
	if !policy.Can(who.Actor, typ, crm.OpRead, rec.OwnerID) {
		return crm.EntityType{}, crm.Record{}, crm.AccessPolicy{}, crm.NotFound("there is no %s with the id %s", typ, rec.ID)
	}
	return et, rec, policy, nil
}

func (s *Server) getRecord(c *gin.Context) {
	et, rec, _, err := s.readableTypedRecord(c)
	if err != nil {
		s.fail(c, err)
		return
	}
	guard, err := s.fieldGuard(c, et)
	if err != nil {
		s.fail(c, err)
		return
	}
	c.JSON(http.StatusOK, guard.redact(rec))
}

func (s *Server) replaceRecord(c *gin.Context) { s.updateRecord(c, false) }
func (s *Server) patchRecord(c *gin.Context)   { s.updateRecord(c, true) }

func (s *Server) updateRecord(c *gin.Context, merge bool) {
	et, rec, policy, err := s.readableTypedRecord(c)
	if err != nil {
		s.fail(c, err)
		return
	}
	who := callerOf(c)
	if !policy.Can(who.Actor, rec.Type, crm.OpUpdate, rec.OwnerID) {
		s.fail(c, crm.Forbidden("your security role does not let you change this %s", rec.Type))
		return
	}
	in, err := decodeRecord(c)
	if err != nil {
		s.fail(c, err)
		return
	}
	guard, err := s.fieldGuard(c, et)
	if err != nil {
		s.fail(c, err)
		return
	}
	if in, err = guard.prepareUpdate(et, rec, in, merge); err != nil {
		s.fail(c, err)
		return
	}
	updated, err := s.deps.Store.UpdateRecord(c.Request.Context(), who.TenantID, rec, store.RecordChange{Input: in, Merge: merge})
	if err != nil {
		s.fail(c, err)
		return
	}
	c.JSON(http.StatusOK, guard.redact(updated))
}

// deleteRecord removes a record; ?version= (or If-Match) makes it conditional.
func (s *Server) deleteRecord(c *gin.Context) {
	rec, policy, err := s.readableRecord(c)
	if err != nil {
		s.fail(c, err)
		return
	}
	who := callerOf(c)
	if !policy.Can(who.Actor, rec.Type, crm.OpDelete, rec.OwnerID) {
		s.fail(c, crm.Forbidden("your security role does not let you delete this %s", rec.Type))
		return
	}
	version, err := deleteVersion(c)
	if err != nil {
		s.fail(c, err)
		return
	}
	if err := s.deps.Store.DeleteRecord(c.Request.Context(), who.TenantID, rec, version); err != nil {
		s.fail(c, err)
		return
	}
	c.Status(http.StatusNoContent)
}

// deleteVersion reads the version a DELETE is conditional on, from ?version= or If-Match; nil when none.
func deleteVersion(c *gin.Context) (*int64, error) {
	v := cmp.Or(c.Query("version"), strings.Trim(c.GetHeader("If-Match"), `"`))
	if v == "" {
		return nil, nil
	}
	n, err := strconv.ParseInt(v, 10, 64)
	if err != nil {
		return nil, crm.Invalid("the version is not valid", crm.FieldError{Field: "version", Message: "must be a whole number"})
	}
	return &n, nil
}
