package addinmanifest_test

import (
	"bytes"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	addinmanifest "github.com/crmsync/crmsync/addin-manifest"
)

// production is a deployment like a real one: its own host, a path prefix, an upper-case client id.
var production = addinmanifest.Deployment{PublicURL: "https://crm.example.com/outlook/",
	ClientID: "6F1C2B3A-9D4E-4F10-8A2B-3C4D5E6F7A8B", Version: "2.3.4.5"}

// schemaFile is Microsoft's root schema for add-in manifests, in the shared folder beside the repository
// (see its README). It is looked for in every folder above this one, so the test finds it from a
// worktree too.
const schemaFile = "shared/schemas/office-addin-manifest/OfficeAppManifestV1_1.xsd"

// lint validates manifests with xmllint against Microsoft's schemas.
type lint struct {
	xmllint, xsd string
}

// newLint finds xmllint and the schemas. Without them the test is skipped locally but fails in CI
// (CI=true), which installs libxml2-utils.
func newLint(t *testing.T) lint {
	t.Helper()
	missing := func(what string) {
		if os.Getenv("CI") == "true" {
			t.Fatalf("%s: CI must validate manifests against Microsoft's schemas", what)
		}
		t.Skipf("%s: skipping schema validation (CI runs it)", what)
	}
	bin, err := exec.LookPath("xmllint")
	if err != nil {
		missing("xmllint is not installed (apt-get install libxml2-utils)")
	}
	dir, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	for {
		candidate := filepath.Join(dir, schemaFile)
		if _, err := os.Stat(candidate); err == nil {
			return lint{xmllint: bin, xsd: candidate}
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			missing("the schemas (" + schemaFile + ") are not beside the repository")
		}
		dir = parent
	}
}

// schema runs xmllint --schema on doc and returns its report when the document does not validate.
func (l lint) schema(t *testing.T, doc []byte) error {
	t.Helper()
	path := filepath.Join(t.TempDir(), "manifest.xml")
	if err := os.WriteFile(path, doc, 0o600); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command(l.xmllint, "--noout", "--nonet", "--schema", l.xsd, path).CombinedOutput()
	var exit *exec.ExitError
	switch {
	case errors.As(err, &exit):
		return fmt.Errorf("xmllint exited with %d:\n%s", exit.ExitCode(), out)
	case err != nil:
		t.Fatalf("run xmllint: %v", err)
	}
	return nil
}

// validate is what a manifest must pass: Microsoft's schemas, and https for every URL, which Outlook
// requires but the schemas cannot say (they type URLs as xs:anyURI).
func (l lint) validate(t *testing.T, doc []byte) error {
	t.Helper()
	return errors.Join(l.schema(t, doc), httpsOnly(doc))
}

// httpsOnly fails for any attribute or text in doc that is a plain-http URL. Namespace names are not
// URLs that anything loads, so they are left alone.
func httpsOnly(doc []byte) error {
	dec := xml.NewDecoder(bytes.NewReader(doc))
	var errs []error
	check := func(where, v string) {
		if strings.HasPrefix(strings.ToLower(strings.TrimSpace(v)), "http:") {
			errs = append(errs, fmt.Errorf("line %d: %s is %q: Outlook loads add-ins only over https", line(doc, dec.InputOffset()), where, v))
		}
	}
	for {
		tok, err := dec.Token()
		if err == io.EOF {
			return errors.Join(errs...)
		}
		if err != nil {
			return fmt.Errorf("parse manifest: %w", err)
		}
		switch tok := tok.(type) {
		case xml.StartElement:
			for _, a := range tok.Attr {
				if a.Name.Space == "xmlns" || a.Name.Local == "xmlns" {
					continue
				}
				check(tok.Name.Local+"@"+a.Name.Local, a.Value)
			}
		case xml.CharData:
			check("text", string(tok))
		}
	}
}

func line(doc []byte, offset int64) int { return bytes.Count(doc[:offset], []byte("\n")) + 1 }

// node is any XML element, for reading a rendered manifest.
type node struct {
	XMLName  xml.Name
	Attrs    []xml.Attr `xml:",any,attr"`
	Children []node     `xml:",any"`
	Text     string     `xml:",chardata"`
}

func parse(t *testing.T, doc []byte) node {
	t.Helper()
	var root node
	if err := xml.Unmarshal(doc, &root); err != nil {
		t.Fatalf("parse manifest: %v", err)
	}
	return root
}

// all returns every element named local below n, in document order.
func (n node) all(local string) []node {
	var out []node
	for _, c := range n.Children {
		if c.XMLName.Local == local {
			out = append(out, c)
		}
		out = append(out, c.all(local)...)
	}
	return out
}

// child returns n's first child named local.
func (n node) child(t *testing.T, local string) node {
	t.Helper()
	for _, c := range n.Children {
		if c.XMLName.Local == local {
			return c
		}
	}
	t.Fatalf("<%s> has no <%s>", n.XMLName.Local, local)
	return node{}
}

func (n node) attr(local string) string {
	for _, a := range n.Attrs {
		if a.Name.Local == local {
			return a.Value
		}
	}
	return ""
}

func (n node) text() string { return strings.TrimSpace(n.Text) }
