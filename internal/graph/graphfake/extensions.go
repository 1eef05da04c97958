package graphfake

import (
	"encoding/json"
	"maps"
	"net/http"
	"slices"
	"strings"

	"github.com/crmsync/crmsync/internal/outlook"
)

// extensionIDPrefix prefixes an open extension's id, its "fully qualified name". Graph's pages disagree
// on it: the create page shows microsoft.graph.openTypeExtension.{name}
// (opentypeextension-post-opentypeextension.md), the get page Microsoft.OutlookServices.OpenTypeExtension.{name}
// (opentypeextension-get.md). This server uses the create page's, and knows no other: a client that
// depends on one form of the id passes here only by luck. Both pages document addressing an extension by
// its name, and both answers carry extensionName.
const extensionIDPrefix = "microsoft.graph.openTypeExtension."

// extensionName reads {name} as Graph accepts it: the extension name, or its id as this server renders
// it, and returns the key of the extension it names.
func extensionName(param string) string {
	return strings.ToLower(strings.TrimPrefix(param, extensionIDPrefix))
}

func (e *extension) render() map[string]any {
	obj := maps.Clone(e.data)
	obj["@odata.type"] = "#microsoft.graph.openTypeExtension"
	obj["id"] = extensionIDPrefix + e.name
	obj["extensionName"] = e.name
	return obj
}

// extensionList renders the item's extensions; with ids (a $filter=id eq '…'), only those whose id is
// one of them, exactly.
func (it *item) extensionList(ids []string) []any {
	out := []any{}
	for _, key := range slices.Sorted(maps.Keys(it.exts)) {
		e := it.exts[key]
		if len(ids) > 0 && !slices.Contains(ids, extensionIDPrefix+e.name) {
			continue
		}
		out = append(out, e.render())
	}
	return out
}

// countStampWrite counts a write of a non-empty CRM id to the stamp extension.
func (it *item) countStampWrite(e *extension) {
	if strings.EqualFold(e.name, outlook.StampExtensionName) {
		if v, _ := e.data["crmId"].(string); v != "" {
			it.stampWrites++
		}
	}
}

// extensionData keeps the custom properties of a request body: everything but the extension's own.
func extensionData(fields map[string]any) map[string]any {
	data := map[string]any{}
	for k, v := range fields {
		switch k {
		case "@odata.type", "id", "extensionName":
		default:
			data[k] = v
		}
	}
	return data
}

// listExtensions serves GET …/tasks/{task}/extensions.
func listExtensions(c *call) response {
	it, fail := c.task()
	if it == nil {
		return fail
	}
	return ok(map[string]any{"@odata.context": c.taskContext(it) + "/extensions", "value": it.extensionList(nil)})
}

// postExtension serves POST …/tasks/{task}/extensions: it creates an open extension, and refuses to
// overwrite one of the same name (409), as Graph does.
func postExtension(c *call) response {
	it, fail := c.task()
	if it == nil {
		return fail
	}
	fields, resp, valid := c.extensionBody()
	if !valid {
		return resp
	}
	name, _ := fields["extensionName"].(string)
	if name == "" {
		return badRequest("The extensionName property is required.")
	}
	key := strings.ToLower(name)
	if it.exts[key] != nil {
		return graphError(http.StatusConflict, "NameAlreadyExists", "An extension already exists with given id.")
	}
	e := &extension{name: name, data: extensionData(fields)}
	it.exts[key] = e
	it.countStampWrite(e)
	c.mb.touch(it, c.now)
	obj := e.render()
	obj["@odata.context"] = c.taskContext(it) + "/extensions/$entity"
	return response{status: http.StatusCreated, body: obj}
}

// getExtension serves GET …/extensions/{name}.
func getExtension(c *call) response {
	it, e, fail := c.extension()
	if e == nil {
		return fail
	}
	obj := e.render()
	obj["@odata.context"] = c.taskContext(it) + "/extensions/$entity"
	return ok(obj)
}

// patchExtension serves PATCH …/extensions/{name}. On Outlook resources the body replaces the
// extension's custom properties rather than merging into them.
func patchExtension(c *call) response {
	it, e, fail := c.extension()
	if e == nil {
		return fail
	}
	fields, resp, valid := c.extensionBody()
	if !valid {
		return resp
	}
	if name, ok := fields["extensionName"].(string); ok && !strings.EqualFold(name, e.name) {
		return badRequest("The extensionName cannot be changed.")
	}
	next := &extension{name: e.name, data: extensionData(fields)}
	it.exts[strings.ToLower(e.name)] = next
	it.countStampWrite(next)
	c.mb.touch(it, c.now)
	obj := next.render()
	obj["@odata.context"] = c.taskContext(it) + "/extensions/$entity"
	return ok(obj)
}

// deleteExtension serves DELETE …/extensions/{name}: 204 No Content.
func deleteExtension(c *call) response {
	it, e, fail := c.extension()
	if e == nil {
		return fail
	}
	delete(it.exts, strings.ToLower(e.name))
	c.mb.touch(it, c.now)
	return response{status: http.StatusNoContent}
}

func (c *call) extension() (*item, *extension, response) {
	it, fail := c.task()
	if it == nil {
		return nil, nil, fail
	}
	e := it.exts[extensionName(c.params["name"])]
	if e == nil {
		return it, nil, notFound()
	}
	return it, e, response{}
}

// extensionBody decodes an open extension body; an @odata.type, when present, must be the open type.
func (c *call) extensionBody() (map[string]any, response, bool) {
	var fields map[string]any
	if err := json.Unmarshal(c.body, &fields); err != nil || fields == nil {
		return nil, graphError(http.StatusBadRequest, "RequestBodyRead", "The request body is not a JSON object."), false
	}
	if t, ok := fields["@odata.type"].(string); ok && !strings.EqualFold(strings.TrimPrefix(t, "#"), "microsoft.graph.openTypeExtension") {
		return nil, badRequest("Only open type extensions (microsoft.graph.openTypeExtension) are supported here."), false
	}
	return fields, response{}, true
}
