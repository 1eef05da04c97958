package addinmanifest_test

import (
	"encoding/json"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"testing"

	addinmanifest "github.com/crmsync/crmsync/addin-manifest"
)

// There is no offline copy of the unified manifest's JSON schema, so this checks its structure: the
// required properties, the add-in's commands, https everywhere and icons that exist.
func TestRenderJSONIsTheSameAddin(t *testing.T) {
	for _, c := range []struct {
		name        string
		d           addinmanifest.Deployment
		base        string
		wantVersion string
	}{
		{"local development", addinmanifest.Local(""), addinmanifest.LocalURL, "1.0.0"},
		{"production", production, "https://crm.example.com/outlook", "2.3.4"},
	} {
		t.Run(c.name, func(t *testing.T) {
			doc, err := addinmanifest.RenderJSON(c.d)
			if err != nil {
				t.Fatal(err)
			}
			var m manifestJSON
			if err := json.Unmarshal(doc, &m); err != nil {
				t.Fatalf("not JSON: %v", err)
			}
			var raw map[string]any
			if err := json.Unmarshal(doc, &raw); err != nil {
				t.Fatal(err)
			}
			clientID := strings.ToLower(c.d.ClientID)

			for field, v := range map[string]string{
				"$schema": m.Schema, "manifestVersion": m.ManifestVersion, "id": m.ID, "version": m.Version,
				"name.short": m.Name.Short, "name.full": m.Name.Full,
				"description.short": m.Description.Short, "description.full": m.Description.Full,
				"developer.name": m.Developer.Name, "developer.websiteUrl": m.Developer.WebsiteURL,
				"developer.privacyUrl": m.Developer.PrivacyURL, "developer.termsOfUseUrl": m.Developer.TermsOfUseURL,
				"icons.color": m.Icons.Color, "icons.outline": m.Icons.Outline, "accentColor": m.AccentColor,
			} {
				if v == "" {
					t.Errorf("required %s is missing", field)
				}
			}
			if want := "https://developer.microsoft.com/json-schemas/teams/v" + m.ManifestVersion + "/MicrosoftTeams.schema.json"; m.Schema != want {
				t.Errorf("$schema = %s, want %s", m.Schema, want)
			}
			if len(m.Name.Short) > 30 || len(m.Description.Short) > 80 {
				t.Errorf("short name (%d) or short description (%d) too long", len(m.Name.Short), len(m.Description.Short))
			}
			xml, err := addinmanifest.RenderXML(c.d)
			if err != nil {
				t.Fatal(err)
			}
			if id := parse(t, xml).child(t, "Id").text(); m.ID != id {
				t.Errorf("id = %s, want the XML manifest's %s", m.ID, id)
			}
			if m.Version != c.wantVersion {
				t.Errorf("version = %s, want %s", m.Version, c.wantVersion)
			}
			if !regexp.MustCompile(`^#[0-9A-Fa-f]{6}$`).MatchString(m.AccentColor) {
				t.Errorf("accentColor = %s", m.AccentColor)
			}
			if m.WebApplicationInfo.ID != clientID || m.WebApplicationInfo.Resource != "api://"+hostOf(c.base)+"/"+clientID {
				t.Errorf("webApplicationInfo = %+v", m.WebApplicationInfo)
			}
			if got := m.Authorization.Permissions.ResourceSpecific; len(got) != 1 || got[0].Name != "MailboxItem.ReadWrite.User" || got[0].Type != "Delegated" {
				t.Errorf("permissions = %+v, want only MailboxItem.ReadWrite.User (Delegated)", got)
			}
			checkIcon(t, m.Icons.Color, 192)
			checkIcon(t, m.Icons.Outline, 32)

			if len(m.Extensions) != 1 {
				t.Fatalf("%d extensions, want 1", len(m.Extensions))
			}
			ext := m.Extensions[0]
			if !slices.Equal(ext.Requirements.Scopes, []string{"mail"}) || len(ext.Requirements.Capabilities) != 1 ||
				ext.Requirements.Capabilities[0] != (capability{"Mailbox", addinmanifest.MailboxRequirement}) {
				t.Errorf("requirements = %+v", ext.Requirements)
			}
			actions := map[string]action{}
			pages := map[string]string{}
			for _, r := range ext.Runtimes {
				for _, a := range r.Actions {
					actions[a.ID] = a
					pages[a.ID] = r.Code.Page
				}
			}
			if len(ext.Ribbons) != 1 {
				t.Fatalf("%d ribbons, want 1", len(ext.Ribbons))
			}
			rb := ext.Ribbons[0]
			if want := []string{"mailRead", "mailCompose", "meetingDetailsAttendee", "meetingDetailsOrganizer"}; !slices.Equal(rb.Contexts, want) {
				t.Errorf("contexts = %v, want %v", rb.Contexts, want)
			}
			var buttons []string
			for _, tab := range rb.Tabs {
				for _, g := range tab.Groups {
					for _, ctl := range g.Controls {
						buttons = append(buttons, ctl.Label)
						a, ok := actions[ctl.ActionID]
						if !ok {
							t.Errorf("%s runs action %q, which no runtime has", ctl.Label, ctl.ActionID)
						}
						var sizes []int
						for _, icon := range ctl.Icons {
							sizes = append(sizes, icon.Size)
							checkIconURL(t, icon.URL, c.base)
							if icon.URL != fmt.Sprintf("%s/taskpane/icons/icon-%d.png", c.base, icon.Size) {
								t.Errorf("%s: the %d px icon is %s", ctl.Label, icon.Size, icon.URL)
							}
						}
						if !slices.Equal(sizes, []int{16, 32, 80}) {
							t.Errorf("%s: icon sizes %v", ctl.Label, sizes)
						}
						want := map[string]action{
							"Track":         {ID: "trackItem", Type: "executeFunction"},
							"Set Regarding": {ID: "setRegarding", Type: "openPage", Pinnable: true},
							"Untrack":       {ID: "untrackItem", Type: "executeFunction"},
						}[ctl.Label]
						if a.ID != want.ID || a.Type != want.Type || a.Pinnable != want.Pinnable {
							t.Errorf("%s: action %+v, want %+v", ctl.Label, a, want)
						}
						wantPage := c.base + "/taskpane/commands.html"
						if a.Type == "openPage" {
							wantPage = c.base + "/taskpane/taskpane.html"
						}
						if pages[a.ID] != wantPage {
							t.Errorf("%s: page %s, want %s", ctl.Label, pages[a.ID], wantPage)
						}
					}
				}
			}
			if want := []string{"Track", "Set Regarding", "Untrack"}; !slices.Equal(buttons, want) {
				t.Errorf("buttons = %v, want %v", buttons, want)
			}
			walkStrings(raw, "", func(path, s string) {
				if strings.Contains(s, "://") && !strings.HasPrefix(s, "https://") && !strings.HasPrefix(s, "api://") {
					t.Errorf("%s = %s: every URL must be https", path, s)
				}
			})
		})
	}
}

// walkStrings calls f with every string in a decoded JSON value and its path.
func walkStrings(v any, path string, f func(path, s string)) {
	switch v := v.(type) {
	case string:
		f(path, v)
	case map[string]any:
		for k, c := range v {
			walkStrings(c, path+"."+k, f)
		}
	case []any:
		for i, c := range v {
			walkStrings(c, fmt.Sprintf("%s[%d]", path, i), f)
		}
	}
}

func hostOf(base string) string {
	return strings.SplitN(strings.TrimPrefix(base, "https://"), "/", 2)[0]
}

type manifestJSON struct {
	Schema          string `json:"$schema"`
	ManifestVersion string `json:"manifestVersion"`
	ID              string `json:"id"`
	Version         string `json:"version"`
	Name            struct{ Short, Full string }
	Description     struct{ Short, Full string }
	Developer       struct {
		Name          string `json:"name"`
		WebsiteURL    string `json:"websiteUrl"`
		PrivacyURL    string `json:"privacyUrl"`
		TermsOfUseURL string `json:"termsOfUseUrl"`
	}
	Icons              struct{ Color, Outline string }
	AccentColor        string `json:"accentColor"`
	WebApplicationInfo struct{ ID, Resource string }
	Authorization      struct {
		Permissions struct {
			ResourceSpecific []struct{ Name, Type string } `json:"resourceSpecific"`
		}
	}
	Extensions []struct {
		Requirements struct {
			Scopes       []string
			Capabilities []capability
		}
		Runtimes []struct {
			ID      string
			Code    struct{ Page string }
			Actions []action
		}
		Ribbons []struct {
			Contexts []string
			Tabs     []struct {
				BuiltInTabID string `json:"builtInTabId"`
				Groups       []struct {
					ID, Label string
					Controls  []struct {
						ID, Type, Label string
						ActionID        string `json:"actionId"`
						Icons           []struct {
							Size int
							URL  string
						}
					}
				}
			}
		}
	}
}

type capability struct {
	Name       string `json:"name"`
	MinVersion string `json:"minVersion"`
}

type action struct {
	ID       string `json:"id"`
	Type     string `json:"type"`
	Pinnable bool   `json:"pinnable"`
}
