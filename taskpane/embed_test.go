package taskpane_test

import (
	"io/fs"
	"strings"
	"testing"

	"github.com/crmsync/crmsync/taskpane"
)

// The local sandbox swaps this exact tag for its Office.js stand-in, by string replacement.
const officeJSTag = `<script src="https://appsforoffice.microsoft.com/lib/1/hosted/office.js"></script>`

func TestBuiltPagesLoadOfficeJSBeforeTheirModule(t *testing.T) {
	for _, page := range []string{"taskpane.html", "commands.html", "auth.html"} {
		t.Run(page, func(t *testing.T) {
			b, err := fs.ReadFile(taskpane.FS(), page)
			if err != nil {
				t.Fatalf("%s is not embedded (make builds taskpane/dist): %v", page, err)
			}
			html := string(b)
			head, _, ok := strings.Cut(html, "</head>")
			if !ok {
				t.Fatalf("%s has no </head>", page)
			}
			office := strings.Index(head, officeJSTag)
			module := strings.Index(head, `<script type="module"`)
			if office < 0 || module < 0 || office > module {
				t.Errorf("%s: want the Office.js tag in <head> before the module script:\n%s", page, html)
			}
			// Nothing else may come from another origin: the sandbox runs without a network.
			if rest := strings.Replace(html, officeJSTag, "", 1); strings.Contains(rest, "://") {
				t.Errorf("%s loads something from another origin:\n%s", page, html)
			}
		})
	}
}

func TestBuiltFilesIncludeTheIcons(t *testing.T) {
	for _, name := range []string{"icons/icon-16.png", "icons/icon-32.png", "icons/icon-80.png"} {
		if _, err := fs.Stat(taskpane.FS(), name); err != nil {
			t.Errorf("%s: %v", name, err)
		}
	}
}
