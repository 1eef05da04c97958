package graphfake

import (
	"strings"

	"github.com/crmsync/crmsync/internal/outlook"
)

// route is one endpoint. Its pattern names it in Requests and InjectFault.
type route struct {
	pattern string
	method  string
	segs    []string
	handle  func(*call) response // runs with the Server's mutex held
	direct  func(*call) response // instead of handle: takes the mutex itself, to call out without it
}

// buildRoutes lists every endpoint the fake serves. A "delta" segment also matches "delta()", the form
// the SDK sends for OData functions; delta routes come before the {id} routes they would otherwise match.
func (s *Server) buildRoutes() []route {
	defs := []struct {
		pattern string
		handle  func(*call) response
	}{
		{"GET /users/{user}/messages", listMessages},
		{"GET /users/{user}/messages/{id}", getItem(messageKind())},
		{"PATCH /users/{user}/messages/{id}", patchItem(messageKind())},
		{"DELETE /users/{user}/messages/{id}", trashItem(outlook.KindMessage)},
		{"POST /users/{user}/messages/{id}/permanentDelete", permanentDelete(outlook.KindMessage)},
		{"GET /users/{user}/mailFolders/{folder}", getFolder},
		{"GET /users/{user}/mailFolders/{folder}/messages/delta", messageDelta},
		{"GET /users/{user}/mailFolders/{folder}/messages/{id}", getFolderMessage},

		{"POST /users/{user}/sendMail", postSendMail},
		{"POST /users/{user}/messages/{id}/reply", postReply},

		{"GET /users/{user}/calendarView/delta", eventDelta},
		{"POST /users/{user}/events", postEvent},
		{"GET /users/{user}/events/{id}", getItem(eventKind())},
		{"PATCH /users/{user}/events/{id}", patchMeeting},
		{"DELETE /users/{user}/events/{id}", deleteMeeting},
		{"POST /users/{user}/events/{id}/cancel", cancelMeeting},
		{"POST /users/{user}/events/{id}/permanentDelete", permanentDelete(outlook.KindAppointment)},
		{"GET /users/{user}/calendar/events/{id}", getCalendarEvent},

		{"GET /users/{user}/contacts/delta", undocumentedDelta("contact")},
		{"GET /users/{user}/contactFolders/{folder}/contacts/delta", contactDelta},
		{"GET /users/{user}/contacts", listContacts},
		{"POST /users/{user}/contacts", postItem(contactKind())},
		{"GET /users/{user}/contacts/{id}", getItem(contactKind())},
		{"PATCH /users/{user}/contacts/{id}", patchItem(contactKind())},
		{"DELETE /users/{user}/contacts/{id}", deleteItem(contactKind())},
		{"POST /users/{user}/contacts/{id}/permanentDelete", permanentDelete(outlook.KindContact)},

		{"GET /users/{user}/todo/lists", listTaskLists},
		{"GET /users/{user}/todo/lists/{list}/tasks/delta", taskDelta},
		{"POST /users/{user}/todo/lists/{list}/tasks", postTask},
		{"GET /users/{user}/todo/lists/{list}/tasks/{task}", getTask},
		{"PATCH /users/{user}/todo/lists/{list}/tasks/{task}", patchTask},
		{"DELETE /users/{user}/todo/lists/{list}/tasks/{task}", deleteTask},
		{"GET /users/{user}/todo/lists/{list}/tasks/{task}/extensions", listExtensions},
		{"POST /users/{user}/todo/lists/{list}/tasks/{task}/extensions", postExtension},
		{"GET /users/{user}/todo/lists/{list}/tasks/{task}/extensions/{name}", getExtension},
		{"PATCH /users/{user}/todo/lists/{list}/tasks/{task}/extensions/{name}", patchExtension},
		{"DELETE /users/{user}/todo/lists/{list}/tasks/{task}/extensions/{name}", deleteExtension},

		{"POST /users/{user}/translateExchangeIds", translateExchangeIDs},

		{"GET /subscriptions", listSubscriptions},
		{"GET /subscriptions/{subscription}", getSubscription},
		{"PATCH /subscriptions/{subscription}", renewSubscription},
		{"DELETE /subscriptions/{subscription}", deleteSubscription},
		{"POST /subscriptions/{subscription}/reauthorize", reauthorizeSubscription},
	}
	routes := make([]route, 0, len(defs))
	for _, d := range defs {
		method, path, _ := strings.Cut(d.pattern, " ")
		routes = append(routes, route{
			pattern: d.pattern,
			method:  method,
			segs:    strings.Split(strings.TrimPrefix(path, "/"), "/"),
			handle:  d.handle,
		})
	}
	// Creating a subscription validates the notification URL before it answers, a call out that must
	// not hold the mutex: the endpoint may be in this process and call back.
	routes = append(routes, route{pattern: "POST /subscriptions", method: "POST", segs: []string{"subscriptions"}, direct: s.postSubscription})
	return routes
}

// match finds the route for a request path already split into unescaped segments. found reports whether
// the path exists for some other method, so the caller can tell 405 from 400.
func (s *Server) match(method string, segs []string) (rt *route, params map[string]string, found bool) {
	for i := range s.routes {
		r := &s.routes[i]
		p, ok := r.matchPath(segs)
		if !ok {
			continue
		}
		if r.method == method {
			return r, p, true
		}
		found = true
	}
	return nil, nil, found
}

func (r *route) matchPath(segs []string) (map[string]string, bool) {
	if len(segs) != len(r.segs) {
		return nil, false
	}
	params := map[string]string{}
	for i, want := range r.segs {
		got := segs[i]
		switch {
		case strings.HasPrefix(want, "{"):
			if got == "" {
				return nil, false
			}
			params[strings.Trim(want, "{}")] = got
		case want == "delta":
			if got != "delta" && got != "delta()" {
				return nil, false
			}
		case !strings.EqualFold(want, got): // Graph's path segments are case-insensitive
			return nil, false
		}
	}
	return params, true
}
