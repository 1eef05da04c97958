package mailsync

import (
	"time"

	"github.com/crmsync/crmsync/internal/crm"
)

// values are an item's synchronized fields, keyed by CRM field name, each in one canonical string form
// for both sides (times RFC 3339 UTC, addresses lower-cased and sorted, bodies as plain text), so that
// comparing a CRM value, an Outlook value and the value agreed at the last synchronization is exact.
type values map[string]string

// fieldRules says, per field, what the user may do: read it (a field their field security hides never
// reaches Outlook) and update it in the CRM (a change from Outlook to a field they may not update is
// refused).
type fieldRules struct {
	readable func(field string) bool
	writable func(field string) bool
	// outlookReadOnly: nothing may be written to the Outlook item (a meeting someone else organizes).
	outlookReadOnly bool
}

// sides are the two copies of a linked item. Outlook nil means "as agreed": the pass has already read
// every Outlook change through delta, so the push compares only the CRM with the agreed values. A field
// missing from Outlook's values is "as agreed" too: a partial delta entry did not carry it, so it did
// not change.
type sides struct {
	crm, outlook     values
	crmAt, outlookAt time.Time // when each side last changed, for conflicts
	agreed           values
}

// decision is what a synchronization of one linked item writes where.
type decision struct {
	toOutlook values // fields to write to Outlook, with their new values
	toCRM     values // fields to write to the CRM
	agreed    values // the values both sides hold once the writes are done
	conflicts []conflict
	refused   []string // Outlook changes the user may not make in the CRM
}

// conflict is a field both sides changed since the last synchronization, and which side won.
type conflict struct {
	Field, CRMValue, OutlookValue, Winner string
}

func (d decision) empty() bool { return len(d.toOutlook) == 0 && len(d.toCRM) == 0 }

// decide compares the two sides of a link field by field, as DESIGN.md says: a field changed on one side
// flows to the other if its direction allows; a field changed on both sides to different values is a
// conflict that the later change wins (and is logged); a field the user may not read never goes to
// Outlook, and an Outlook change the user may not make is refused and, on a two-way field, put back.
func decide(maps []crm.FieldMapping, s sides, rules fieldRules) decision {
	d := decision{toOutlook: values{}, toCRM: values{}, agreed: values{}}
	for _, m := range maps {
		f := m.CRMField
		if m.Direction == crm.DirectionNone {
			continue
		}
		c, agreed := s.crm[f], s.agreed[f]
		o, sent := s.outlook[f]
		if !sent {
			o = agreed
		}
		readable := rules.readable(f)
		toOutlook := readable && !rules.outlookReadOnly && (m.Direction == crm.DirectionToOutlook || m.Direction == crm.DirectionTwoWay)
		toCRM := m.Direction == crm.DirectionToCRM || m.Direction == crm.DirectionTwoWay
		crmChanged, outlookChanged := c != agreed, o != agreed
		if !readable {
			// Hidden from this user: the CRM value never leaves; what Outlook holds is the user's own.
			if outlookChanged && toCRM {
				d.refused = append(d.refused, f)
			}
			d.agreed[f] = o
			continue
		}
		switch {
		case c == o:
			d.agreed[f] = c
		case crmChanged && !outlookChanged:
			d.agreed[f] = agreed
			if toOutlook {
				d.toOutlook[f], d.agreed[f] = c, c
			}
		case outlookChanged && !crmChanged:
			d.agreed[f] = agreed
			d.takeOutlook(f, c, o, toOutlook, toCRM, rules)
		default: // both changed, to different values
			switch {
			case rules.outlookReadOnly:
				d.agreed[f] = agreed
				d.takeOutlook(f, c, o, false, toCRM, rules)
			case m.Direction == crm.DirectionToOutlook:
				d.toOutlook[f], d.agreed[f] = c, c
			case m.Direction == crm.DirectionToCRM:
				d.agreed[f] = agreed
				d.takeOutlook(f, c, o, false, true, rules)
			case s.outlookAt.After(s.crmAt) && rules.writable(f):
				d.toCRM[f], d.agreed[f] = o, o
				d.conflicts = append(d.conflicts, conflict{Field: f, CRMValue: c, OutlookValue: o, Winner: "outlook"})
			default:
				d.toOutlook[f], d.agreed[f] = c, c
				d.conflicts = append(d.conflicts, conflict{Field: f, CRMValue: c, OutlookValue: o, Winner: "crm"})
			}
		}
	}
	return d
}

// takeOutlook applies an Outlook change to the CRM when the direction and the user's rights allow it.
// A refused change on a field that also flows to Outlook is put back there, so both sides agree again;
// otherwise the Outlook value is taken as agreed, so the refusal is logged once, not at every pass.
func (d *decision) takeOutlook(f, c, o string, toOutlook, toCRM bool, rules fieldRules) {
	switch {
	case !toCRM:
		// One way to Outlook: Outlook edits are not synchronized; the next CRM change overwrites them.
	case rules.writable(f):
		d.toCRM[f], d.agreed[f] = o, o
	case toOutlook:
		d.refused = append(d.refused, f)
		d.toOutlook[f], d.agreed[f] = c, c
	default:
		d.refused = append(d.refused, f)
		d.agreed[f] = o
	}
}
