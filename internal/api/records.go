package api

import (
	"bytes"
	"cmp"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"strconv"
	"strings"

	"github.com/gin-gonic/gin"

	"github.com/crmsync/crmsync/internal/crm"
	"github.com/crmsync/crmsync/internal/records"
	"github.com/crmsync/crmsync/internal/store"
)

// errUnsupportedMediaType is returned for a body that says it is not JSON.
var errUnsupportedMediaType = errors.New("the body must be JSON (Content-Type: application/json)")

// invalidJSONError is a body that is not JSON at all (400), as opposed to JSON that fails validation
// (422): the client sent something other than what it meant to.
type invalidJSONError struct{ detail string }

func (e *invalidJSONError) Error() string { return e.detail }

// checkJSON refuses a body that is not one JSON value.
func checkJSON(body []byte) error {
	if len(bytes.TrimSpace(body)) == 0 {
		return &invalidJSONError{"the body is empty; a JSON value was expected"}
	}
	if json.Valid(body) {
		return nil
	}
	var v any
	err := json.Unmarshal(body, &v) // only to say where it breaks
	var syntax *json.SyntaxError
	switch {
	case errors.As(err, &syntax):
		return &invalidJSONError{fmt.Sprintf("the body is not valid JSON (at byte %d)", syntax.Offset)}
	case errors.Is(err, io.ErrUnexpectedEOF):
		return &invalidJSONError{"the body is not valid JSON (it ends too early)"}
	}
	return &invalidJSONError{"the body is not valid JSON"}
}

type page[T any] struct {
	Items      []T    `json:"items"`
	NextCursor string `json:"nextCursor"`
}

// readJSON reads the request body, which must be JSON: a content type other than JSON's is 415, and a
// body that is not JSON at all is 400.
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
	if err := checkJSON(body); err != nil {
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
	limit, cursor, err := pageParams(c)
	if err != nil {
		s.fail(c, err)
		return
	}
	items, next, err := s.deps.Records.Search(c.Request.Context(), callerOf(c).Actor, records.Query{Search: search, Types: types,
		Sort: c.Query("sort"), Limit: limit, Cursor: cursor})
	if err != nil {
		s.fail(c, err)
		return
	}
	c.JSON(http.StatusOK, page[crm.Record]{Items: items, NextCursor: next})
}

func (s *Server) createRecord(c *gin.Context) {
	in, err := decodeRecord(c)
	if err != nil {
		s.fail(c, err)
		return
	}
	rec, err := s.deps.Records.CreateRecord(c.Request.Context(), callerOf(c).Actor, c.Param("type"), in)
	if err != nil {
		s.fail(c, err)
		return
	}
	c.Header("Location", "/api/v1/records/"+rec.Type+"/"+rec.ID)
	c.JSON(http.StatusCreated, rec)
}

func decodeRecord(c *gin.Context) (crm.RecordInput, error) {
	body, err := readJSON(c)
	if err != nil {
		return crm.RecordInput{}, err
	}
	return crm.DecodeRecordInput(body)
}

func (s *Server) getRecord(c *gin.Context) {
	rec, err := s.deps.Records.Record(c.Request.Context(), callerOf(c).Actor, c.Param("type"), c.Param("id"))
	if err != nil {
		s.fail(c, err)
		return
	}
	c.JSON(http.StatusOK, rec)
}

func (s *Server) replaceRecord(c *gin.Context) { s.updateRecord(c, false) }
func (s *Server) patchRecord(c *gin.Context)   { s.updateRecord(c, true) }

func (s *Server) updateRecord(c *gin.Context, merge bool) {
	in, err := decodeRecord(c)
	if err != nil {
		s.fail(c, err)
		return
	}
	updated, err := s.deps.Records.UpdateRecord(c.Request.Context(), callerOf(c).Actor, c.Param("type"), c.Param("id"), in, merge)
	if err != nil {
		s.fail(c, err)
		return
	}
	c.JSON(http.StatusOK, updated)
}

// deleteRecord removes a record; ?version= (or If-Match) makes it conditional.
func (s *Server) deleteRecord(c *gin.Context) {
	version, err := deleteVersion(c)
	if err != nil {
		s.fail(c, err)
		return
	}
	if err := s.deps.Records.DeleteRecord(c.Request.Context(), callerOf(c).Actor, c.Param("type"), c.Param("id"), version); err != nil {
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
