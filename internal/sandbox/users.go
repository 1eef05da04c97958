package sandbox

import (
	"net/http"

	"github.com/crmsync/crmsync/internal/demo"
)

// demoUser is one of the demo tenant's users as the web app's local sign-in page lists them.
type demoUser struct {
	UPN         string   `json:"upn"`
	DisplayName string   `json:"displayName"`
	Roles       []string `json:"roles"`
}

// users lists the demo tenant's users, whom the web app's local sign-in page offers; a user picked
// there gets a development token from GET /dev/outlook/token, as the sandbox's Office.js stand-in does.
func (h *handler) users(w http.ResponseWriter, _ *http.Request) {
	items := []demoUser{}
	for _, upn := range []string{demo.Alice, demo.Bob} {
		roles := demo.DefaultRoles(upn)
		if roles == nil {
			roles = []string{}
		}
		items = append(items, demoUser{UPN: upn, DisplayName: demo.DisplayName(upn), Roles: roles})
	}
	writeJSON(w, http.StatusOK, map[string]any{"items": items})
}
