package addinmanifest

import (
	"bytes"
	_ "embed"
	"encoding/xml"
	"fmt"
	"strings"
	"text/template"
)

// The add-in's words, the same in both manifests.
const (
	// description is the add-in's description in the admin center and in Outlook's add-in list.
	description     = "Track Outlook email and meetings in the CRM and link them to accounts, contacts, leads, opportunities and cases."
	groupLabel      = "CRM"
	trackTip        = "Save this item in the CRM as an activity, linked to the records of its sender and recipients."
	setRegardingTip = "Choose the account, contact, lead, opportunity or case this item is about. The pane can stay open (pin it) while you go through your mail."
	untrackTip      = "Stop tracking this item: it is no longer linked to its CRM activity, which stays in the CRM unless your organization has chosen otherwise."
)

// A template rather than encoding/xml structs: the file reads like the manifests in Microsoft's
// documentation, element order is visible, and the comments that explain it survive.
//
//go:embed manifest.xml.tmpl
var xmlTemplateText string

var xmlTemplate = template.Must(template.New("manifest.xml").Funcs(template.FuncMap{"x": escapeXML}).
	Option("missingkey=error").Parse(xmlTemplateText))

// surface is a ribbon the add-in puts its group on.
type surface struct {
	Type   string // the ExtensionPoint's xsi:type
	Prefix string // makes control and group ids unique across the manifest
}

// surfaces are where Track, Set Regarding and Untrack appear: messages being read and composed, and
// meetings seen by an attendee and by the organizer.
var surfaces = []surface{
	{Type: "MessageReadCommandSurface", Prefix: "msgRead"},
	{Type: "MessageComposeCommandSurface", Prefix: "msgCompose"},
	{Type: "AppointmentAttendeeCommandSurface", Prefix: "apptAttendee"},
	{Type: "AppointmentOrganizerCommandSurface", Prefix: "apptOrganizer"},
}

// RenderXML renders the XML add-in only manifest for d. It fails when d's public URL is not https, its
// client id is not a GUID or its version is not n.n.n.n.
func RenderXML(d Deployment) ([]byte, error) {
	v, err := resolve(d)
	if err != nil {
		return nil, err
	}
	data := struct {
		values
		Description, GroupLabel, TrackTip, SetRegardingTip, UntrackTip string
		MailboxRequirement                                             string
		Scopes                                                         []string
		Surfaces                                                       []surface
	}{v, description, groupLabel, trackTip, setRegardingTip, untrackTip, MailboxRequirement, Scopes(), surfaces}
	var buf bytes.Buffer
	if err := xmlTemplate.Execute(&buf, data); err != nil {
		return nil, fmt.Errorf("render manifest: %w", err)
	}
	return buf.Bytes(), nil
}

func escapeXML(s string) string {
	var b strings.Builder
	_ = xml.EscapeText(&b, []byte(s)) // a strings.Builder does not fail
	return b.String()
}
