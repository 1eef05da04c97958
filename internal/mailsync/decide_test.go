package mailsync

import (
	"maps"
	"testing"
	"time"

	"github.com/crmsync/crmsync/internal/crm"
)

func TestDecide(t *testing.T) {
	early, late := time.Unix(1000, 0), time.Unix(2000, 0)
	all := func(string) bool { return true }
	none := func(string) bool { return false }
	open := fieldRules{readable: all, writable: all}
	mapping := func(dir string) []crm.FieldMapping {
		return []crm.FieldMapping{{ItemKind: crm.ItemContact, CRMField: "phone", Direction: dir}}
	}
	tests := []struct {
		name          string
		dir           string
		crm, out, was string
		crmAt, outAt  time.Time
		rules         fieldRules
		toOutlook     values
		toCRM         values
		agreed        string
		conflict      string // the winner, when a conflict is expected
		refused       bool
	}{
		{name: "unchanged", dir: crm.DirectionTwoWay, crm: "1", out: "1", was: "1", rules: open, agreed: "1"},
		{name: "CRM changed, two way", dir: crm.DirectionTwoWay, crm: "2", out: "1", was: "1", rules: open, toOutlook: values{"phone": "2"}, agreed: "2"},
		{name: "Outlook changed, two way", dir: crm.DirectionTwoWay, crm: "1", out: "3", was: "1", rules: open, toCRM: values{"phone": "3"}, agreed: "3"},
		{name: "CRM changed, to CRM only", dir: crm.DirectionToCRM, crm: "2", out: "1", was: "1", rules: open, agreed: "1"},
		{name: "Outlook changed, to Outlook only", dir: crm.DirectionToOutlook, crm: "1", out: "3", was: "1", rules: open, agreed: "1"},
		{name: "none", dir: crm.DirectionNone, crm: "2", out: "3", was: "1", rules: open},
		{name: "both to the same value", dir: crm.DirectionTwoWay, crm: "4", out: "4", was: "1", rules: open, agreed: "4"},
		{name: "conflict, Outlook later", dir: crm.DirectionTwoWay, crm: "2", out: "3", was: "1", crmAt: early, outAt: late, rules: open,
			toCRM: values{"phone": "3"}, agreed: "3", conflict: "outlook"},
		{name: "conflict, CRM later", dir: crm.DirectionTwoWay, crm: "2", out: "3", was: "1", crmAt: late, outAt: early, rules: open,
			toOutlook: values{"phone": "2"}, agreed: "2", conflict: "crm"},
		{name: "conflict, Outlook later but not writable", dir: crm.DirectionTwoWay, crm: "2", out: "3", was: "1", crmAt: early, outAt: late,
			rules: fieldRules{readable: all, writable: none}, toOutlook: values{"phone": "2"}, agreed: "2", conflict: "crm"},
		{name: "Outlook change refused, put back", dir: crm.DirectionTwoWay, crm: "1", out: "3", was: "1",
			rules: fieldRules{readable: all, writable: none}, toOutlook: values{"phone": "1"}, agreed: "1", refused: true},
		{name: "Outlook change refused, to CRM only", dir: crm.DirectionToCRM, crm: "1", out: "3", was: "1",
			rules: fieldRules{readable: all, writable: none}, agreed: "3", refused: true},
		{name: "hidden field never goes out", dir: crm.DirectionTwoWay, crm: "secret", out: "", was: "",
			rules: fieldRules{readable: none, writable: none}, agreed: ""},
		{name: "hidden field typed in Outlook is refused", dir: crm.DirectionTwoWay, crm: "secret", out: "typed", was: "",
			rules: fieldRules{readable: none, writable: none}, agreed: "typed", refused: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := decide(mapping(tt.dir), sides{crm: values{"phone": tt.crm}, outlook: values{"phone": tt.out}, agreed: values{"phone": tt.was},
				crmAt: tt.crmAt, outlookAt: tt.outAt}, tt.rules)
			if !maps.Equal(d.toOutlook, orEmpty(tt.toOutlook)) || !maps.Equal(d.toCRM, orEmpty(tt.toCRM)) {
				t.Fatalf("toOutlook %v toCRM %v, want %v and %v", d.toOutlook, d.toCRM, tt.toOutlook, tt.toCRM)
			}
			if tt.dir != crm.DirectionNone && d.agreed["phone"] != tt.agreed {
				t.Fatalf("agreed %q, want %q", d.agreed["phone"], tt.agreed)
			}
			if (tt.conflict == "") != (len(d.conflicts) == 0) || (tt.conflict != "" && d.conflicts[0].Winner != tt.conflict) {
				t.Fatalf("conflicts %+v, want winner %q", d.conflicts, tt.conflict)
			}
			if tt.refused != (len(d.refused) > 0) {
				t.Fatalf("refused %v, want %v", d.refused, tt.refused)
			}
		})
	}
}

// With no Outlook copy given (the push), Outlook counts as holding the agreed values.
func TestDecideWithoutOutlookAssumesAgreed(t *testing.T) {
	maps := []crm.FieldMapping{{CRMField: "subject", Direction: crm.DirectionTwoWay}, {CRMField: "body", Direction: crm.DirectionTwoWay}}
	all := func(string) bool { return true }
	d := decide(maps, sides{crm: values{"subject": "new", "body": "same"}, agreed: values{"subject": "old", "body": "same"}},
		fieldRules{readable: all, writable: all})
	if len(d.toOutlook) != 1 || d.toOutlook["subject"] != "new" || len(d.toCRM) != 0 {
		t.Fatalf("decision %+v, want only the subject to Outlook", d)
	}
}

func TestTextValueIgnoresHTMLWrapping(t *testing.T) {
	html := "<html><head><style>p{}</style></head><body><p>Agenda:&nbsp;pricing</p><p>Q&amp;A</p></body></html>"
	if got, want := textValue(html), textValue("Agenda: pricing\nQ&A"); got != want {
		t.Fatalf("textValue(html) = %q, want %q", got, want)
	}
}

func orEmpty(v values) values {
	if v == nil {
		return values{}
	}
	return v
}
