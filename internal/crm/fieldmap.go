package crm

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
)

// The directions a field can synchronize in.
const (
	DirectionNone      = "none"       // not synchronized
	DirectionToOutlook = "to_outlook" // CRM changes reach Outlook; Outlook changes are ignored
	DirectionToCRM     = "to_crm"     // Outlook changes reach CRM; CRM changes are ignored
	DirectionTwoWay    = "two_way"    // both; when both sides changed, the later change wins
)

// Directions lists every direction.
var Directions = []string{DirectionNone, DirectionToOutlook, DirectionToCRM, DirectionTwoWay}

// The kinds of Outlook item that have field mappings.
const (
	ItemAppointment = "appointment"
	ItemContact     = "contact"
	ItemTask        = "task"
	ItemEmail       = "email"
)

// ItemKinds lists the item kinds that have field mappings.
var ItemKinds = []string{ItemAppointment, ItemContact, ItemTask, ItemEmail}

// FieldMapping says how one CRM field of an item kind synchronizes with its Outlook property (named as
// in Microsoft Graph). A fixed mapping cannot be changed; AllowedDirections are those an admin may choose,
// as Dynamics' AllowedSyncDirection.
type FieldMapping struct {
	ItemKind          string   `json:"itemKind"`
	CRMField          string   `json:"crmField"`
	OutlookField      string   `json:"outlookField"`
	Direction         string   `json:"direction"`
	Fixed             bool     `json:"fixed"`
	AllowedDirections []string `json:"allowedDirections"`
}

// DefaultFieldMappings returns the mappings every tenant starts with. Times, attendees, organizer and
// regarding are fixed two-way, as in Dynamics; an email only ever flows to CRM; a contact's account
// reaches Outlook as the company name, which cannot pick an account on the way back.
func DefaultFieldMappings() []FieldMapping {
	all := Directions
	m := func(kind, crmField, outlookField, direction string, allowed ...string) FieldMapping {
		if len(allowed) == 0 {
			allowed = all
		}
		return FieldMapping{ItemKind: kind, CRMField: crmField, OutlookField: outlookField, Direction: direction,
			AllowedDirections: slices.Clone(allowed)}
	}
	fixed := func(kind, crmField, outlookField, direction string) FieldMapping {
		f := m(kind, crmField, outlookField, direction, direction)
		f.Fixed = true
		return f
	}
	const regardingProperty = "singleValueExtendedProperties/CrmRegarding"
	return []FieldMapping{
		m(ItemAppointment, "subject", "subject", DirectionTwoWay),
		m(ItemAppointment, "body", "body", DirectionTwoWay),
		m(ItemAppointment, "location", "location", DirectionTwoWay),
		fixed(ItemAppointment, "start", "start", DirectionTwoWay),
		fixed(ItemAppointment, "end", "end", DirectionTwoWay),
		fixed(ItemAppointment, "organizer", "organizer", DirectionTwoWay),
		fixed(ItemAppointment, "requiredAttendees", "attendees[type=required]", DirectionTwoWay),
		fixed(ItemAppointment, "optionalAttendees", "attendees[type=optional]", DirectionTwoWay),
		fixed(ItemAppointment, "regarding", regardingProperty, DirectionTwoWay),

		m(ItemContact, "firstName", "givenName", DirectionTwoWay),
		m(ItemContact, "lastName", "surname", DirectionTwoWay),
		m(ItemContact, "email", "emailAddresses/0", DirectionTwoWay),
		m(ItemContact, "phone", "businessPhones/0", DirectionTwoWay),
		m(ItemContact, "accountId", "companyName", DirectionToOutlook, DirectionNone, DirectionToOutlook),

		m(ItemTask, "subject", "title", DirectionTwoWay),
		m(ItemTask, "body", "body", DirectionTwoWay),
		m(ItemTask, "due", "dueDateTime", DirectionTwoWay),
		m(ItemTask, "status", "status", DirectionTwoWay),
		fixed(ItemTask, "regarding", "extensions/com.crmsync.tracking", DirectionTwoWay),

		fixed(ItemEmail, "regarding", regardingProperty, DirectionTwoWay),
		fixed(ItemEmail, "subject", "subject", DirectionToCRM),
		m(ItemEmail, "body", "body", DirectionToCRM, DirectionNone, DirectionToCRM),
		fixed(ItemEmail, "from", "from", DirectionToCRM),
		fixed(ItemEmail, "to", "toRecipients", DirectionToCRM),
		fixed(ItemEmail, "cc", "ccRecipients", DirectionToCRM),
		fixed(ItemEmail, "bcc", "bccRecipients", DirectionToCRM),
	}
}

// FieldMappingKey names a mapping: an item kind and a CRM field.
type FieldMappingKey struct {
	ItemKind string
	CRMField string
}

// EffectiveFieldMappings returns the defaults with a tenant's stored directions on top. A stored direction
// the field no longer allows is ignored.
func EffectiveFieldMappings(stored map[FieldMappingKey]string) []FieldMapping {
	maps := DefaultFieldMappings()
	for i, m := range maps {
		if d, ok := stored[FieldMappingKey{m.ItemKind, m.CRMField}]; ok && !m.Fixed && slices.Contains(m.AllowedDirections, d) {
			maps[i].Direction = d
		}
	}
	return maps
}

// fieldMappingChange is one mapping in the body of PUT /field-mappings. outlookField, fixed and
// allowedDirections are read-only: they may be sent back as read, but not changed.
type fieldMappingChange struct {
	ItemKind          string          `json:"itemKind"`
	CRMField          string          `json:"crmField"`
	OutlookField      string          `json:"outlookField"`
	Direction         string          `json:"direction"`
	Fixed             json.RawMessage `json:"fixed"`
	AllowedDirections json.RawMessage `json:"allowedDirections"`
}

// maxMappingChanges bounds one PUT; there are far fewer mappings than this.
const maxMappingChanges = 200

// DecodeFieldMappingChanges reads the body of PUT /field-mappings, one mapping or an array of them, and
// returns the mappings with their new directions. Every problem is reported at a JSON pointer into the
// body; a fixed field with another direction, or an unknown kind or field, is refused.
func DecodeFieldMappingChanges(data []byte) ([]FieldMapping, error) {
	var raws []json.RawMessage
	prefix := func(i int) string { return "/" + strconv.Itoa(i) }
	if trimmed := bytes.TrimSpace(data); len(trimmed) > 0 && trimmed[0] == '{' {
		raws = []json.RawMessage{trimmed}
		prefix = func(int) string { return "" }
	} else if err := decodeStrict(data, &raws); err != nil {
		return nil, PointerFields(err)
	}
	if len(raws) == 0 || len(raws) > maxMappingChanges {
		return nil, Invalid("the field mappings are not valid", FieldError{"/", fmt.Sprintf("send one mapping or an array of 1 to %d", maxMappingChanges)})
	}
	defaults := map[FieldMappingKey]FieldMapping{}
	for _, m := range DefaultFieldMappings() {
		defaults[FieldMappingKey{m.ItemKind, m.CRMField}] = m
	}
	var errs []FieldError
	var out []FieldMapping
	seen := map[FieldMappingKey]bool{}
	for i, raw := range raws {
		at := prefix(i)
		var ch fieldMappingChange
		if err := decodeStrict(raw, &ch); err != nil {
			var e *Error
			if !errors.As(PointerFields(err), &e) {
				return nil, err
			}
			if len(e.Fields) == 0 {
				errs = append(errs, FieldError{at + "/", e.Message})
			}
			for _, f := range e.Fields {
				errs = append(errs, FieldError{at + f.Field, f.Message})
			}
			continue
		}
		if !slices.Contains(ItemKinds, ch.ItemKind) {
			errs = append(errs, FieldError{at + "/itemKind", "must be one of " + strings.Join(ItemKinds, ", ")})
			continue
		}
		key := FieldMappingKey{ch.ItemKind, ch.CRMField}
		def, ok := defaults[key]
		if !ok {
			errs = append(errs, FieldError{at + "/crmField", fmt.Sprintf("%s has no synchronized field %q (it has %s)", ch.ItemKind, ch.CRMField, mappedFields(ch.ItemKind))})
			continue
		}
		if seen[key] {
			errs = append(errs, FieldError{at + "/crmField", fmt.Sprintf("%s.%s is given twice", ch.ItemKind, ch.CRMField)})
			continue
		}
		seen[key] = true
		if ch.OutlookField != "" && ch.OutlookField != def.OutlookField {
			errs = append(errs, FieldError{at + "/outlookField", fmt.Sprintf("%s.%s always maps to %s; the Outlook property cannot be changed", ch.ItemKind, ch.CRMField, def.OutlookField)})
		}
		switch {
		case !slices.Contains(Directions, ch.Direction):
			errs = append(errs, FieldError{at + "/direction", "must be one of " + strings.Join(Directions, ", ")})
		case def.Fixed && ch.Direction != def.Direction:
			errs = append(errs, FieldError{at + "/direction", fmt.Sprintf("%s.%s is fixed at %s and cannot be changed", ch.ItemKind, ch.CRMField, def.Direction)})
		case !slices.Contains(def.AllowedDirections, ch.Direction):
			errs = append(errs, FieldError{at + "/direction", fmt.Sprintf("%s.%s can only be %s", ch.ItemKind, ch.CRMField, strings.Join(def.AllowedDirections, " or "))})
		default:
			def.Direction = ch.Direction
			out = append(out, def)
		}
	}
	if len(errs) > 0 {
		return nil, Invalid("the field mappings are not valid at "+errs[0].Field+": "+errs[0].Message, errs...)
	}
	return out, nil
}

func mappedFields(kind string) string {
	var names []string
	for _, m := range DefaultFieldMappings() {
		if m.ItemKind == kind {
			names = append(names, m.CRMField)
		}
	}
	return strings.Join(names, ", ")
}
