package mailsync

import (
	"context"
	"fmt"
	"time"

	"github.com/crmsync/crmsync/internal/crm"
	"github.com/crmsync/crmsync/internal/store"
)

// activityKind holds what appointments and tasks share: they are CRM activities.
type activityKind struct {
	typ    string
	values func(crm.Activity) values // its synchronized values
}

func (k activityKind) recordType() string { return k.typ }

func (k activityKind) item(a crm.Activity, deleted bool) crmItem {
	it := crmItem{ID: a.ID, OwnerID: a.OwnerID, Version: a.Version, UpdatedAt: a.UpdatedAt, Deleted: deleted,
		Filter: crm.ActivityFields(a), Values: k.values(a), Scheduled: a.CreatedAt}
	if a.ScheduledAt != nil {
		it.Scheduled = *a.ScheduledAt
	}
	return it
}

func (k activityKind) changed(ctx context.Context, p *pass, owners store.Owners, since time.Time) ([]crmItem, error) {
	list, err := p.store.ChangedActivities(ctx, p.m.TenantID, k.typ, owners, since)
	if err != nil {
		return nil, err
	}
	out := make([]crmItem, len(list))
	for i, a := range list {
		out[i] = k.item(a.Activity, a.Deleted)
	}
	return out, nil
}

func (k activityKind) load(ctx context.Context, p *pass, id string) (crmItem, error) {
	a, err := p.store.ActivityAny(ctx, p.m.TenantID, id)
	if err != nil {
		return crmItem{}, err
	}
	if a.Type != k.typ {
		return crmItem{}, crm.NotFound("%s %s does not exist", k.typ, id)
	}
	return k.item(a.Activity, a.Deleted), nil
}

func (k activityKind) link(l *crm.ItemLink, crmID string) { l.ActivityID = crmID }

func (k activityKind) writeCRM(ctx context.Context, p *pass, it crmItem, v values) error {
	var patch store.ActivityPatch
	str := func(s string) *string { return &s }
	for f, val := range v {
		switch f {
		case "subject":
			patch.Subject = str(val)
		case "body":
			patch.Body = str(stripAttendeeList(val))
		case "location":
			patch.Location = str(val)
		case "status":
			patch.Status = str(val)
		case "start":
			t := parseTimeValue(val)
			patch.Start = &t
		case "end":
			t := parseTimeValue(val)
			patch.End = &t
		case "due":
			t := parseDateValue(val)
			patch.Due = &t
		case "requiredAttendees", "optionalAttendees":
			// Both roles are written together, from the values agreed once this write is done.
		default:
			return fmt.Errorf("%s has no synchronized field %s", k.typ, f)
		}
	}
	_, req := v["requiredAttendees"]
	_, opt := v["optionalAttendees"]
	if req || opt {
		parties, err := attendees(ctx, p, it.Values, v)
		if err != nil {
			return err
		}
		patch.Attendees = &parties
	}
	_, err := p.store.PatchActivity(ctx, p.m.TenantID, it.ID, it.Version, patch, p.changed(ctx, k.typ, it.ID))
	return err
}

func (activityKind) othersItems() bool { return false }

// attendees are the CRM parties of an appointment's attendees once the change v is applied to current,
// each resolved to its record when one has the address.
func attendees(ctx context.Context, p *pass, current, v values) ([]crm.Party, error) {
	merged := func(f string) []string {
		if s, ok := v[f]; ok {
			return splitAddresses(s)
		}
		return splitAddresses(current[f])
	}
	var out []crm.Party
	for _, a := range merged("requiredAttendees") {
		out = append(out, crm.Party{Role: crm.PartyRequired, Address: a})
	}
	for _, a := range merged("optionalAttendees") {
		out = append(out, crm.Party{Role: crm.PartyOptional, Address: a})
	}
	return out, p.store.ResolveParties(ctx, p.m.TenantID, out)
}
