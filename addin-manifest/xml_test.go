package addinmanifest_test

import (
	"bytes"
	"os"
	"regexp"
	"slices"
	"strings"
	"testing"

	addinmanifest "github.com/crmsync/crmsync/addin-manifest"
)

func TestRenderXMLValidatesAgainstMicrosoftSchemas(t *testing.T) {
	l := newLint(t)
	for _, c := range []struct {
		name string
		d    addinmanifest.Deployment
	}{
		{"local development", addinmanifest.Local("")},
		{"production", production},
		{"production with a port and its own add-in id", addinmanifest.Deployment{PublicURL: "https://crm.example.com:9443",
			ClientID: "6f1c2b3a-9d4e-4f10-8a2b-3c4d5e6f7a8b", Version: "10.0.12345.1", AddinID: "0B4C1A62-3D7E-4F11-9E22-5A6B7C8D9E0F"}},
	} {
		t.Run(c.name, func(t *testing.T) {
			doc, err := addinmanifest.RenderXML(c.d)
			if err != nil {
				t.Fatal(err)
			}
			if err := l.validate(t, doc); err != nil {
				t.Fatalf("the rendered manifest does not validate: %v\n%s", err, doc)
			}
		})
	}
}

// The test above would prove nothing if the validation passed anything; each of these is one mistake a
// hand edit or a template change could make.
func TestBrokenManifestsFailValidation(t *testing.T) {
	l := newLint(t)
	good, err := addinmanifest.RenderXML(production)
	if err != nil {
		t.Fatal(err)
	}
	topID := regexp.MustCompile(`(?m)^  <Id>[^<]*</Id>\n`)
	topVersion := regexp.MustCompile(`(?m)^  <Version>[^<]*</Version>\n`)
	for _, c := range []struct {
		name   string
		mutate func(doc []byte) []byte
		// schemaCatches says whether xmllint alone rejects it; the schemas type URLs as xs:anyURI, so an
		// http URL is caught by the https rule that validate adds.
		schemaCatches bool
	}{
		{"Version before Id", func(doc []byte) []byte {
			version := topVersion.Find(doc)
			doc = topVersion.ReplaceAll(doc, nil)
			return topID.ReplaceAllFunc(doc, func(id []byte) []byte { return append(slices.Clone(version), id...) })
		}, true},
		{"WebApplicationInfo before Resources", func(doc []byte) []byte {
			s := string(doc)
			start, end := strings.Index(s, "      <Resources>"), strings.Index(s, "      </Resources>\n")+len("      </Resources>\n")
			wStart, wEnd := strings.Index(s, "      <WebApplicationInfo>"), strings.Index(s, "      </WebApplicationInfo>\n")+len("      </WebApplicationInfo>\n")
			if start < 0 || wStart < end {
				return doc
			}
			return []byte(s[:start] + s[wStart:wEnd] + s[start:end] + s[wEnd:])
		}, true},
		{"no Id", func(doc []byte) []byte { return topID.ReplaceAll(doc, nil) }, true},
		{"http SourceLocation", func(doc []byte) []byte {
			return bytes.Replace(doc, []byte(`<SourceLocation DefaultValue="https://`), []byte(`<SourceLocation DefaultValue="http://`), 1)
		}, false},
	} {
		t.Run(c.name, func(t *testing.T) {
			broken := c.mutate(slices.Clone(good))
			if bytes.Equal(broken, good) {
				t.Fatal("the mutation did not change the manifest; the template changed under this test")
			}
			err := l.validate(t, broken)
			if err == nil {
				t.Fatalf("a broken manifest validates:\n%s", broken)
			}
			t.Logf("rejected as it should be: %v", err)
			if schemaErr := l.schema(t, broken); (schemaErr != nil) != c.schemaCatches {
				t.Errorf("xmllint alone: got %v, want rejected=%v", schemaErr, c.schemaCatches)
			}
		})
	}
}

func TestRenderXMLDescribesTheAddin(t *testing.T) {
	doc, err := addinmanifest.RenderXML(production)
	if err != nil {
		t.Fatal(err)
	}
	root := parse(t, doc)
	const clientID = "6f1c2b3a-9d4e-4f10-8a2b-3c4d5e6f7a8b"
	const base = "https://crm.example.com/outlook"

	t.Run("identity and version", func(t *testing.T) {
		if got, want := root.child(t, "Id").text(), addinmanifest.AddinIDFor(clientID); got != want {
			t.Errorf("Id = %s, want %s (derived from the client id)", got, want)
		}
		if got := root.child(t, "Version").text(); got != "2.3.4.5" {
			t.Errorf("Version = %s, want 2.3.4.5", got)
		}
	})
	t.Run("Mailbox requirement set and permission", func(t *testing.T) {
		set := root.child(t, "Requirements").child(t, "Sets").child(t, "Set")
		if set.attr("Name") != "Mailbox" || set.attr("MinVersion") != addinmanifest.MailboxRequirement {
			t.Errorf("requirement = %s %s, want Mailbox %s", set.attr("Name"), set.attr("MinVersion"), addinmanifest.MailboxRequirement)
		}
		if got := root.child(t, "Permissions").text(); got != "ReadWriteItem" {
			t.Errorf("Permissions = %s, want ReadWriteItem (the open item, nothing wider)", got)
		}
	})
	outer := root.child(t, "VersionOverrides")
	inner := outer.child(t, "VersionOverrides")
	t.Run("VersionOverrides 1.0 containing 1.1", func(t *testing.T) {
		if outer.attr("type") != "VersionOverridesV1_0" || inner.attr("type") != "VersionOverridesV1_1" {
			t.Errorf("VersionOverrides types = %s > %s", outer.attr("type"), inner.attr("type"))
		}
	})
	urls := map[string]string{}
	for _, u := range inner.all("Url") {
		urls[u.attr("id")] = u.attr("DefaultValue")
	}
	t.Run("function file and taskpane", func(t *testing.T) {
		if got := urls[inner.all("FunctionFile")[0].attr("resid")]; got != base+"/taskpane/commands.html" {
			t.Errorf("function file = %s", got)
		}
	})
	t.Run("Track, Set Regarding and Untrack on every surface", func(t *testing.T) {
		var got []string
		for _, ep := range inner.all("ExtensionPoint") {
			surface := ep.attr("type")
			got = append(got, surface)
			var labels []string
			for _, c := range ep.all("Control") {
				action := c.child(t, "Action")
				labels = append(labels, c.child(t, "Label").attr("resid"))
				switch action.attr("type") {
				case "ExecuteFunction":
					if fn := action.child(t, "FunctionName").text(); fn != "trackItem" && fn != "untrackItem" {
						t.Errorf("%s: function %s", surface, fn)
					}
				case "ShowTaskpane":
					if u := urls[action.child(t, "SourceLocation").attr("resid")]; u != base+"/taskpane/taskpane.html" {
						t.Errorf("%s: taskpane %s", surface, u)
					}
					if action.child(t, "SupportsPinning").text() != "true" {
						t.Errorf("%s: the Set Regarding taskpane is not pinnable", surface)
					}
				}
				var sizes []string
				for _, img := range c.child(t, "Icon").all("Image") {
					sizes = append(sizes, img.attr("size"))
				}
				if !slices.Equal(sizes, []string{"16", "32", "80"}) {
					t.Errorf("%s: icon sizes %v", surface, sizes)
				}
			}
			if want := []string{"Track.Label", "SetRegarding.Label", "Untrack.Label"}; !slices.Equal(labels, want) {
				t.Errorf("%s: buttons %v, want %v", surface, labels, want)
			}
		}
		want := []string{"MessageReadCommandSurface", "MessageComposeCommandSurface", "AppointmentAttendeeCommandSurface", "AppointmentOrganizerCommandSurface"}
		if !slices.Equal(got, want) {
			t.Errorf("surfaces = %v, want %v", got, want)
		}
	})
	t.Run("WebApplicationInfo", func(t *testing.T) {
		w := inner.child(t, "WebApplicationInfo")
		if got := w.child(t, "Id").text(); got != clientID {
			t.Errorf("Id = %s, want the client id %s", got, clientID)
		}
		if got, want := w.child(t, "Resource").text(), "api://crm.example.com/"+clientID; got != want {
			t.Errorf("Resource = %s, want %s", got, want)
		}
		var scopes []string
		for _, s := range w.child(t, "Scopes").all("Scope") {
			scopes = append(scopes, s.text())
		}
		if want := []string{"access_as_user", "openid", "profile"}; !slices.Equal(scopes, want) {
			t.Errorf("Scopes = %q, want %q: Office SSO needs openid and profile", scopes, want)
		}
	})
	t.Run("icons exist at their sizes", func(t *testing.T) {
		for _, img := range inner.all("Image") {
			if u := img.attr("DefaultValue"); u != "" {
				checkIconURL(t, u, base)
			}
		}
		checkIconURL(t, root.child(t, "IconUrl").attr("DefaultValue"), base)
		checkIconURL(t, root.child(t, "HighResolutionIconUrl").attr("DefaultValue"), base)
	})
}

func TestRenderXMLRefusesBadDeployments(t *testing.T) {
	const id = "6f1c2b3a-9d4e-4f10-8a2b-3c4d5e6f7a8b"
	for _, c := range []struct {
		name string
		d    addinmanifest.Deployment
		want string
	}{
		{"no public URL", addinmanifest.Deployment{ClientID: id}, "public URL is required"},
		{"http", addinmanifest.Deployment{PublicURL: "http://crm.example.com", ClientID: id}, "must be https"},
		{"no host", addinmanifest.Deployment{PublicURL: "https:///x", ClientID: id}, "not an absolute URL"},
		{"relative", addinmanifest.Deployment{PublicURL: "crm.example.com", ClientID: id}, "not an absolute URL"},
		{"query", addinmanifest.Deployment{PublicURL: "https://crm.example.com/?a=1", ClientID: id}, "query"},
		{"credentials", addinmanifest.Deployment{PublicURL: "https://u:p@crm.example.com", ClientID: id}, "credentials"},
		{"no client id", addinmanifest.Deployment{PublicURL: "https://crm.example.com"}, "client id"},
		{"client id not a GUID", addinmanifest.Deployment{PublicURL: "https://crm.example.com", ClientID: "my-app"}, "client id"},
		{"client id in braces", addinmanifest.Deployment{PublicURL: "https://crm.example.com", ClientID: "{" + id + "}"}, "client id"},
		{"version with three parts", addinmanifest.Deployment{PublicURL: "https://crm.example.com", ClientID: id, Version: "1.2.3"}, "n.n.n.n"},
		{"version with six digits", addinmanifest.Deployment{PublicURL: "https://crm.example.com", ClientID: id, Version: "1.0.0.100000"}, "n.n.n.n"},
		{"version with letters", addinmanifest.Deployment{PublicURL: "https://crm.example.com", ClientID: id, Version: "v1.0.0.0"}, "n.n.n.n"},
		{"add-in id not a GUID", addinmanifest.Deployment{PublicURL: "https://crm.example.com", ClientID: id, AddinID: "x"}, "add-in id"},
	} {
		t.Run(c.name, func(t *testing.T) {
			for _, render := range []func(addinmanifest.Deployment) ([]byte, error){addinmanifest.RenderXML, addinmanifest.RenderJSON} {
				_, err := render(c.d)
				if err == nil || !strings.Contains(err.Error(), c.want) {
					t.Errorf("error = %v, want one saying %q", err, c.want)
				}
			}
		})
	}
}

func TestAddinIDIsStablePerClientID(t *testing.T) {
	a := addinmanifest.AddinIDFor("6f1c2b3a-9d4e-4f10-8a2b-3c4d5e6f7a8b")
	if a != addinmanifest.AddinIDFor("6F1C2B3A-9D4E-4F10-8A2B-3C4D5E6F7A8B") {
		t.Error("the add-in id depends on the client id's case")
	}
	if a == addinmanifest.AddinIDFor("00000000-0000-0000-0000-0000000000c1") {
		t.Error("two client ids give the same add-in id")
	}
	if a == "6f1c2b3a-9d4e-4f10-8a2b-3c4d5e6f7a8b" {
		t.Error("the add-in id is the client id")
	}
	// Pinned when the derivation was written: changing it would make every deployed add-in a new one.
	if want := "0de76a43-e8d1-52da-a99e-a2f2e96b036b"; a != want {
		t.Errorf("AddinIDFor changed: %s, want %s", a, want)
	}
}

// The root manifest.xml is the one developers sideload; it must be what the generator renders now.
func TestRootManifestIsCurrent(t *testing.T) {
	want, err := addinmanifest.RenderXML(addinmanifest.Local(addinmanifest.DefaultVersion))
	if err != nil {
		t.Fatal(err)
	}
	got, err := os.ReadFile("../manifest.xml")
	if err != nil {
		t.Fatalf("read the root manifest.xml: %v (run `make manifest`)", err)
	}
	if !bytes.Equal(got, want) {
		gl, wl := strings.Split(string(got), "\n"), strings.Split(string(want), "\n")
		for i := range max(len(gl), len(wl)) {
			g, w := at(gl, i), at(wl, i)
			if g != w {
				t.Fatalf("manifest.xml is out of date at line %d (run `make manifest`):\n have: %s\n want: %s", i+1, g, w)
			}
		}
	}
}

func at(lines []string, i int) string {
	if i < len(lines) {
		return lines[i]
	}
	return "(end of file)"
}
