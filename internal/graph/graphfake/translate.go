package graphfake

import (
	"encoding/json"
	"net/http"
	"strings"

	"github.com/crmsync/crmsync/internal/outlook"
)

// maxTranslateIDs is Graph's limit on inputIds per translateExchangeIds call.
const maxTranslateIDs = 1000

// translateExchangeIDs serves POST /users/{user}/translateExchangeIds between the id forms crmsync meets:
// restId (Office.js convertToRestId), restImmutableEntryId (what crmsync stores) and ewsId (Office.js
// item.itemId, standard base64). As Graph, it refuses app-only tokens: translateExchangeIds is not
// supported with application permissions (tokens.go).
func translateExchangeIDs(c *call) response {
	if !delegated(c.r) {
		return accessDenied()
	}
	var in struct {
		InputIDs     []string `json:"inputIds"`
		SourceIDType string   `json:"sourceIdType"`
		TargetIDType string   `json:"targetIdType"`
	}
	if err := json.Unmarshal(c.body, &in); err != nil {
		return graphError(http.StatusBadRequest, "RequestBodyRead", "The request body is not a valid translateExchangeIds request.")
	}
	if !knownIDType(in.SourceIDType) || !knownIDType(in.TargetIDType) {
		return badRequest("sourceIdType and targetIdType must be restId, restImmutableEntryId or ewsId.")
	}
	if len(in.InputIDs) == 0 || len(in.InputIDs) > maxTranslateIDs {
		return badRequest("inputIds must hold between 1 and 1000 ids.")
	}
	value := []any{}
	for _, src := range in.InputIDs {
		id := src
		if strings.EqualFold(in.SourceIDType, "ewsId") {
			id = strings.NewReplacer("/", "-", "+", "_").Replace(src)
		}
		var it *item
		if wellFormed(id) {
			it = c.mb.findAny(id)
		}
		if it == nil || it.kind == outlook.KindTask {
			value = append(value, map[string]any{"sourceId": src, "targetId": nil, "errorDetails": map[string]any{
				"code": "ErrorInvalidIdMalformed", "message": "Id is malformed.",
			}})
			continue
		}
		value = append(value, map[string]any{"sourceId": src, "targetId": idOfType(it, in.TargetIDType)})
	}
	return ok(map[string]any{
		"@odata.context": c.root + "/$metadata#Collection(microsoft.graph.convertIdResult)",
		"value":          value,
	})
}

func knownIDType(t string) bool {
	switch strings.ToLower(t) {
	case "restid", "restimmutableentryid", "ewsid":
		return true
	}
	return false
}

func idOfType(it *item, t string) string {
	switch strings.ToLower(t) {
	case "restimmutableentryid":
		return it.id
	case "ewsid":
		return strings.NewReplacer("-", "/", "_", "+").Replace(it.rest)
	}
	return it.rest
}
