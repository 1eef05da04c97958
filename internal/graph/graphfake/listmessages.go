package graphfake

import (
	"cmp"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"github.com/crmsync/crmsync/internal/outlook"
)

// The page sizes of GET /users/{user}/messages, as Graph documents them (user-list-messages): 10 by
// default, $top from 1 to 1000.
const (
	listMessagesDefaultTop = 10
	listMessagesMaxTop     = 1000
)

// internetMessageIDFilter is the one $filter the fake understands on a message list:
// internetMessageId eq '<…>', the OData string literal doubling a single quote inside it.
var internetMessageIDFilter = regexp.MustCompile(`^\s*internetMessageId\s+eq\s+'((?:[^']|'')*)'\s*$`)

// listMessages serves GET /users/{user}/messages: the messages of every folder, newest received first,
// $top at a time (default 10) with an @odata.nextLink carrying $skip, each rendered with $select; and
// $filter=internetMessageId eq '<…>', which finds a message by its Internet message id without reading
// delta pages. Other $filter expressions, which Graph accepts, are refused here as the fake's limit.
func listMessages(c *call) response {
	top, skip := listMessagesDefaultTop, 0
	if v := c.query.Get("$top"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > listMessagesMaxTop {
			return badRequest("Invalid value for $top: it must be a whole number from 1 to 1000.")
		}
		top = n
	}
	if v := c.query.Get("$skip"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 0 {
			return badRequest("Invalid value for $skip.")
		}
		skip = n
	}
	var wantID *string
	if v := c.query.Get("$filter"); v != "" {
		m := internetMessageIDFilter.FindStringSubmatch(v)
		if m == nil {
			return graphError(http.StatusBadRequest, "BadRequest",
				"Invalid filter clause: graphfake filters messages only by internetMessageId eq '<id>'.")
		}
		id := strings.ReplaceAll(m[1], "''", "'")
		wantID = &id
	}
	var matched []*item
	for _, it := range c.mb.itemsOf(outlook.KindMessage) {
		if wantID == nil || it.msg.InternetMessageID == *wantID {
			matched = append(matched, it)
		}
	}
	slices.SortStableFunc(matched, func(a, b *item) int { return cmp.Compare(b.msg.ReceivedAt.UnixNano(), a.msg.ReceivedAt.UnixNano()) })
	pageItems := matched[min(skip, len(matched)):min(skip+top, len(matched))]
	values := make([]any, 0, len(pageItems))
	for _, it := range pageItems {
		obj := c.entity(messageKind(), it, false)
		delete(obj, "@odata.context") // a member of a collection has none of its own
		values = append(values, obj)
	}
	body := map[string]any{
		"@odata.context": c.root + "/$metadata#users('" + c.mb.objectID + "')/messages",
		"value":          values,
	}
	if skip+top < len(matched) {
		next := url.Values{}
		for k, vs := range c.query {
			next[k] = vs
		}
		next.Set("$skip", strconv.Itoa(skip+top))
		next.Set("$top", strconv.Itoa(top))
		body["@odata.nextLink"] = c.root + c.path + "?" + next.Encode()
	}
	return ok(body)
}
