package addinmanifest

import (
	"encoding/json"
	"fmt"
	"strings"
)

// The unified manifest's schema. 1.17 is the first generally available version with "extensions"
// (Office Add-ins); every property used here is in it, and later versions only add others, so 1.17
// keeps the widest tooling support. The newest generally available version is listed at
// https://learn.microsoft.com/microsoft-365/extensibility/schema/.
const (
	unifiedManifestVersion = "1.17"
	unifiedSchema          = "https://developer.microsoft.com/json-schemas/teams/v1.17/MicrosoftTeams.schema.json"
)

const (
	// ColorIcon and OutlineIcon are the app package's icons: files beside manifest.json in the zip,
	// 192×192 in colour and 32×32 white on transparent.
	ColorIcon   = "color.png"
	OutlineIcon = "outline.png"
)

type unifiedManifest struct {
	Schema             string             `json:"$schema"`
	ManifestVersion    string             `json:"manifestVersion"`
	ID                 string             `json:"id"`
	Version            string             `json:"version"`
	Name               jsonName           `json:"name"`
	Description        jsonDescription    `json:"description"`
	Developer          jsonDeveloper      `json:"developer"`
	Icons              jsonAppIcons       `json:"icons"`
	AccentColor        string             `json:"accentColor"`
	LocalizationInfo   jsonLocalization   `json:"localizationInfo"`
	WebApplicationInfo jsonWebApplication `json:"webApplicationInfo"`
	Authorization      jsonAuthorization  `json:"authorization"`
	Extensions         []jsonExtension    `json:"extensions"`
}

type jsonName struct {
	Short string `json:"short"`
	Full  string `json:"full"`
}

type jsonDescription struct {
	Short string `json:"short"`
	Full  string `json:"full"`
}

type jsonDeveloper struct {
	Name          string `json:"name"`
	WebsiteURL    string `json:"websiteUrl"`
	PrivacyURL    string `json:"privacyUrl"`
	TermsOfUseURL string `json:"termsOfUseUrl"`
}

type jsonAppIcons struct {
	Outline string `json:"outline"`
	Color   string `json:"color"`
}

type jsonLocalization struct {
	DefaultLanguageTag string `json:"defaultLanguageTag"`
}

type jsonWebApplication struct {
	ID       string `json:"id"`
	Resource string `json:"resource"`
}

type jsonAuthorization struct {
	Permissions struct {
		ResourceSpecific []jsonPermission `json:"resourceSpecific"`
	} `json:"permissions"`
}

type jsonPermission struct {
	Name string `json:"name"`
	Type string `json:"type"`
}

type jsonExtension struct {
	Requirements jsonRequirements `json:"requirements"`
	Runtimes     []jsonRuntime    `json:"runtimes"`
	Ribbons      []jsonRibbon     `json:"ribbons"`
}

type jsonRequirements struct {
	Scopes       []string         `json:"scopes"`
	Capabilities []jsonCapability `json:"capabilities"`
}

type jsonCapability struct {
	Name       string `json:"name"`
	MinVersion string `json:"minVersion"`
}

type jsonRuntime struct {
	ID       string       `json:"id"`
	Type     string       `json:"type"`
	Code     jsonCode     `json:"code"`
	Lifetime string       `json:"lifetime"`
	Actions  []jsonAction `json:"actions"`
}

type jsonCode struct {
	Page string `json:"page"`
}

type jsonAction struct {
	ID          string `json:"id"`
	Type        string `json:"type"`
	DisplayName string `json:"displayName,omitempty"`
	Pinnable    bool   `json:"pinnable,omitempty"`
}

type jsonRibbon struct {
	Contexts []string  `json:"contexts"`
	Tabs     []jsonTab `json:"tabs"`
}

type jsonTab struct {
	BuiltInTabID string      `json:"builtInTabId"`
	Groups       []jsonGroup `json:"groups"`
}

type jsonGroup struct {
	ID       string        `json:"id"`
	Label    string        `json:"label"`
	Controls []jsonControl `json:"controls"`
}

type jsonControl struct {
	ID       string      `json:"id"`
	Type     string      `json:"type"`
	Label    string      `json:"label"`
	Icons    []jsonIcon  `json:"icons"`
	Supertip jsonTooltip `json:"supertip"`
	ActionID string      `json:"actionId"`
}

type jsonIcon struct {
	Size int    `json:"size"`
	URL  string `json:"url"`
}

type jsonTooltip struct {
	Title       string `json:"title"`
	Description string `json:"description"`
}

// RenderJSON renders the unified manifest for Microsoft 365 for d: the same add-in, with the same id, as
// RenderXML. The unified manifest's version has three parts, so the fourth part of d's version is
// dropped. The manifest goes into an app package (a zip) with ColorIcon and OutlineIcon.
func RenderJSON(d Deployment) ([]byte, error) {
	v, err := resolve(d)
	if err != nil {
		return nil, err
	}
	icons := []jsonIcon{{16, v.IconURL("icon-16.png")}, {32, v.IconURL("icon-32.png")}, {80, v.IconURL("icon-80.png")}}
	button := func(id, label, tip, action string) jsonControl {
		return jsonControl{ID: id, Type: "button", Label: label, Icons: icons,
			Supertip: jsonTooltip{Title: label, Description: tip}, ActionID: action}
	}
	m := unifiedManifest{
		Schema:          unifiedSchema,
		ManifestVersion: unifiedManifestVersion,
		ID:              v.AddinID,
		Version:         v.Version[:strings.LastIndexByte(v.Version, '.')],
		Name:            jsonName{Short: "crmsync", Full: "crmsync for Outlook"},
		Description:     jsonDescription{Short: "Track Outlook email and meetings in your CRM.", Full: description},
		Developer: jsonDeveloper{Name: "crmsync", WebsiteURL: v.BaseURL + "/", PrivacyURL: v.BaseURL + "/",
			TermsOfUseURL: v.BaseURL + "/"},
		Icons:              jsonAppIcons{Outline: OutlineIcon, Color: ColorIcon},
		AccentColor:        "#0F6CBD",
		LocalizationInfo:   jsonLocalization{DefaultLanguageTag: "en-us"},
		WebApplicationInfo: jsonWebApplication{ID: v.ClientID, Resource: v.Resource},
		Extensions: []jsonExtension{{
			Requirements: jsonRequirements{Scopes: []string{"mail"},
				Capabilities: []jsonCapability{{Name: "Mailbox", MinVersion: MailboxRequirement}}},
			Runtimes: []jsonRuntime{
				{ID: "taskpane", Type: "general", Code: jsonCode{Page: v.BaseURL + "/taskpane/taskpane.html"}, Lifetime: "short",
					Actions: []jsonAction{{ID: "setRegarding", Type: "openPage", Pinnable: true}}},
				// The function file: commands.html maps these action ids to its functions with
				// Office.actions.associate.
				{ID: "commands", Type: "general", Code: jsonCode{Page: v.BaseURL + "/taskpane/commands.html"}, Lifetime: "short",
					Actions: []jsonAction{
						{ID: "trackItem", Type: "executeFunction", DisplayName: "Track"},
						{ID: "untrackItem", Type: "executeFunction", DisplayName: "Untrack"},
					}},
			},
			Ribbons: []jsonRibbon{{
				Contexts: []string{"mailRead", "mailCompose", "meetingDetailsAttendee", "meetingDetailsOrganizer"},
				Tabs: []jsonTab{{BuiltInTabID: "TabDefault", Groups: []jsonGroup{{ID: "crmsyncGroup", Label: groupLabel,
					Controls: []jsonControl{
						button("trackButton", "Track", trackTip, "trackItem"),
						button("setRegardingButton", "Set Regarding", setRegardingTip, "setRegarding"),
						button("untrackButton", "Untrack", untrackTip, "untrackItem"),
					}}}}},
			}},
		}},
	}
	m.Authorization.Permissions.ResourceSpecific = []jsonPermission{{Name: "MailboxItem.ReadWrite.User", Type: "Delegated"}}
	out, err := json.MarshalIndent(m, "", "  ")
	if err != nil {
		return nil, fmt.Errorf("render unified manifest: %w", err)
	}
	return append(out, '\n'), nil
}
