package sandbox

import (
	"net/http"
	"strings"

	"github.com/crmsync/crmsync/internal/demo"
	"github.com/crmsync/crmsync/internal/identity"
)

// demoDomain is the mail domain of the demo tenant's users.
var demoDomain = "@" + strings.SplitN(demo.Alice, "@", 2)[1]

// tokenResponse is GET /dev/outlook/token's answer.
type tokenResponse struct {
	Token string `json:"token"`
}

// token mints a development access token for a user of the demo tenant, as Office.auth.getAccessToken
// would hand the taskpane one: the stand-in asks for the user picked on the sandbox page. Only the demo
// tenant's users: the sandbox is no door to any other identity.
func (h *handler) token(w http.ResponseWriter, r *http.Request) {
	user := strings.ToLower(strings.TrimSpace(r.URL.Query().Get("user")))
	local, domain, _ := strings.Cut(user, "@")
	if strings.Count(user, "@") != 1 || local == "" || domain == "" || strings.ContainsAny(user, " \t/\\") {
		writeProblem(w, r, http.StatusBadRequest, "validation", "user must be the UPN of a demo user, such as "+demo.Alice)
		return
	}
	if "@"+domain != demoDomain {
		writeProblem(w, r, http.StatusForbidden, "forbidden", "the sandbox signs in only the demo tenant's users (…"+demoDomain+"), such as "+demo.Alice+" or "+demo.Bob)
		return
	}
	token, err := h.deps.Issuer.Mint(identity.TokenRequest{Authority: h.deps.Authority, TenantID: identity.DevTenantID,
		UPN: user, Name: demo.DisplayName(user), Roles: demo.DefaultRoles(user)})
	if err != nil {
		writeProblem(w, r, http.StatusInternalServerError, "internal", "could not mint a development token: "+err.Error())
		return
	}
	writeJSON(w, http.StatusOK, tokenResponse{Token: token})
}
