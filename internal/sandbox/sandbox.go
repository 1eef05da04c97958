// Package sandbox serves /dev/outlook, local mode's stand-in for Outlook: a page listing the demo mailbox
// that frames the real taskpane and function file, with a small Office.js stand-in in place of Microsoft's
// office.js, so a newcomer can click Track in any browser right after make run. It also hands the
// stand-in development tokens and lets the page (and the end-to-end tests) make the demo mailbox fail,
// and lists the demo users for the web app's local sign-in page (/app/), which signs in with the same
// tokens. Its New message and Reply send mail between the demo users and people outside (mail.go).
// It exists only in local mode: production has no route to it.
package sandbox

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io/fs"
	"net"
	"net/http"
	"strings"

	"github.com/crmsync/crmsync/internal/graph/graphfake"
	"github.com/crmsync/crmsync/internal/identity"
	"github.com/crmsync/crmsync/internal/outlook"
)

// Path is where the sandbox is mounted; every route below lies under it.
const Path = "/dev/outlook"

// OfficeJSTag is how the built taskpane.html and commands.html load Office.js; the sandbox swaps it
// for the stand-in (StandinTag), by exact string replacement.
const OfficeJSTag = `<script src="https://appsforoffice.microsoft.com/lib/1/hosted/office.js"></script>`

// StandinTag loads the sandbox's Office.js stand-in, which the taskpane build serves unhashed.
const StandinTag = `<script src="/taskpane/office-standin.js"></script>`

// Issuer mints development tokens; *identity.DevIssuer is one.
type Issuer interface {
	Mint(req identity.TokenRequest) (string, error)
}

// Mailbox is the demo mailbox whose failures the sandbox switches on and off, and which carries the mail
// its New message and Reply send; *graphfake.Server is one.
type Mailbox interface {
	Routes() []string
	InjectFault(route string, f graphfake.Fault)
	ClearFaults()
	SendMail(user string, m outlook.Message) (outlook.Message, error)
	ReceiveMail(m outlook.Message) ([]outlook.Message, error)
	Reply(user, id, comment string) (outlook.Message, error)
}

// Deps is what the sandbox needs.
type Deps struct {
	// Pages is the taskpane's build: sandbox.html, taskpane.html and commands.html at its root.
	Pages fs.FS
	// Issuer mints the stand-in's tokens, naming Authority (the server's own /dev/oidc, as the
	// validator expects) as their issuer base.
	Issuer    Issuer
	Authority string
	// Mailbox is the demo mailbox the service reads through Microsoft Graph.
	Mailbox Mailbox
}

// Handler serves the sandbox's routes under Path; it expects full request paths (no prefix stripped).
func Handler(deps Deps) http.Handler {
	h := &handler{deps: deps}
	routes := []struct {
		method, path string
		serve        http.HandlerFunc
	}{
		{"GET", Path, h.page("sandbox.html", false)},
		{"GET", Path + "/taskpane.html", h.page("taskpane.html", true)},
		{"GET", Path + "/commands.html", h.page("commands.html", true)},
		{"GET", Path + "/token", loopbackOnly(h.token)},
		{"GET", Path + "/users", loopbackOnly(h.users)},
		{"POST", Path + "/faults", loopbackOnly(h.injectFault)},
		{"DELETE", Path + "/faults", loopbackOnly(h.clearFaults)},
		{"POST", Path + "/mail", loopbackOnly(h.sendMail)},
		{"POST", Path + "/reply", loopbackOnly(h.reply)},
	}
	mux := http.NewServeMux()
	allowed := map[string][]string{}
	for _, rt := range routes {
		mux.HandleFunc(rt.method+" "+rt.path, rt.serve)
		allowed[rt.path] = append(allowed[rt.path], rt.method)
	}
	// Everything else under Path, in the API's problem+json rather than the mux's plain text.
	other := func(w http.ResponseWriter, r *http.Request) {
		if methods, ok := allowed[r.URL.Path]; ok {
			w.Header().Set("Allow", strings.Join(methods, ", "))
			writeProblem(w, r, http.StatusMethodNotAllowed, "method-not-allowed", r.Method+" is not allowed here")
			return
		}
		writeProblem(w, r, http.StatusNotFound, "not-found", "there is nothing at "+r.URL.Path)
	}
	mux.HandleFunc(Path, other)
	mux.HandleFunc(Path+"/", other)
	return mux
}

type handler struct {
	deps Deps
}

// page serves one of the built pages; swap replaces Office.js with the stand-in. The pages load their
// scripts and styles from absolute /taskpane/… URLs (Vite's base), so they work from /dev/outlook too.
func (h *handler) page(name string, swap bool) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		html, err := fs.ReadFile(h.deps.Pages, name)
		if err != nil {
			writeProblem(w, r, http.StatusNotFound, "not-found", name+" is not in the taskpane build (make taskpane builds it)")
			return
		}
		if swap {
			if html, err = SwapOfficeJS(html); err != nil {
				writeProblem(w, r, http.StatusInternalServerError, "internal", fmt.Sprintf("%s: %v", name, err))
				return
			}
		}
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		w.Header().Set("Cache-Control", "no-cache")
		_, _ = w.Write(html)
	}
}

// SwapOfficeJS replaces the page's Office.js tag with the stand-in's; a page without the exact tag is an
// error, since it would load Microsoft's office.js, which cannot run outside Outlook.
func SwapOfficeJS(html []byte) ([]byte, error) {
	if n := bytes.Count(html, []byte(OfficeJSTag)); n != 1 {
		return nil, fmt.Errorf("want the Office.js tag %s exactly once, found it %d times", OfficeJSTag, n)
	}
	return bytes.Replace(html, []byte(OfficeJSTag), []byte(StandinTag), 1), nil
}

// loopbackOnly refuses requests addressed to a host name other than a loopback one: local mode listens
// on loopback only, and a page of another site whose name was made to resolve to 127.0.0.1 (DNS
// rebinding) must not get tokens or switch faults.
func loopbackOnly(next http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		host := r.Host
		if h, _, err := net.SplitHostPort(host); err == nil {
			host = h
		}
		host = strings.Trim(host, "[]")
		ip := net.ParseIP(host)
		if !strings.EqualFold(host, "localhost") && (ip == nil || !ip.IsLoopback()) {
			writeProblem(w, r, http.StatusForbidden, "forbidden", "the sandbox answers only on a loopback address such as 127.0.0.1 or localhost")
			return
		}
		next(w, r)
	}
}

// problem is the API's problem+json shape, for the sandbox's own errors.
type problem struct {
	Type     string `json:"type"`
	Title    string `json:"title"`
	Status   int    `json:"status"`
	Detail   string `json:"detail"`
	Instance string `json:"instance"`
}

func writeProblem(w http.ResponseWriter, r *http.Request, status int, slug, detail string) {
	w.Header().Set("Content-Type", "application/problem+json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(problem{Type: "urn:crmsync:problem:" + slug, Title: http.StatusText(status),
		Status: status, Detail: detail, Instance: r.URL.Path})
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}
