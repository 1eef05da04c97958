package records

import (
	"cmp"
	"context"
	"slices"
	"strings"
	"time"

	"github.com/crmsync/crmsync/internal/crm"
	"github.com/crmsync/crmsync/internal/store"
)

// MaxPreviewItems is how many of the records a filter picks its preview shows.
const MaxPreviewItems = 25

// FilterPreview is what a filter picks for a user now: how many records, and the first MaxPreviewItems
// of them by name, as the user may read them. For the activity types appointment and task, the items are
// the activities as filters see them (the subject as name, the filterable values as fields), newest
// first.
type FilterPreview struct {
	Count int          `json:"count"`
	Items []crm.Record `json:"items"`
}

// previewName stands in for the name a preview need not have.
const previewName = "preview"

// PreviewFilter evaluates a filter body, as CreateFilter takes it (the name may be left out), for the
// actor now: the records they may read that it picks, matched and shown without the secured fields they
// may not read. It is the actor's view whatever the scope: a system filter previewed by an admin shows
// what it picks for that admin. An invalid body is refused with the same errors as CreateFilter's, and
// a system filter needs an admin, as for creating one. Nothing is stored.
func (s *Service) PreviewFilter(ctx context.Context, actor crm.Actor, in crm.FilterInput) (FilterPreview, error) {
	if in.Name == nil || strings.TrimSpace(*in.Name) == "" {
		name := previewName
		in.Name = &name
	}
	if in.Scope == crm.ScopeSystem && !actor.IsAdmin() {
		return FilterPreview{}, crm.Forbidden("a system filter applies to everyone: previewing one needs the CRM.Admin role")
	}
	f, err := s.checkFilter(ctx, actor, in)
	if err != nil {
		return FilterPreview{}, err
	}
	f.Enabled = true // a disabled filter is previewed for what it would pick
	rules, err := s.Rules(ctx, actor)
	if err != nil {
		return FilterPreview{}, err
	}
	out := FilterPreview{Items: []crm.Record{}}
	if _, ok := crm.ActivityFilterType(f.RecordType); ok {
		return s.previewActivities(ctx, rules, f, out)
	}
	filters := []crm.Filter{f}
	err = s.store.ScanRecords(ctx, actor.TenantID, rules.ReadScopes([]string{f.RecordType}), func(rec crm.Record) error {
		shown := rules.Redact(rec)
		if rules.Picks(filters, rec.Type, rec.OwnerID, crm.RecordFields(shown)) {
			out.Count++
			if len(out.Items) < MaxPreviewItems {
				out.Items = append(out.Items, shown)
			}
		}
		return nil
	})
	if err != nil {
		return FilterPreview{}, err
	}
	return out, nil
}

// previewActivities is PreviewFilter for appointments and tasks.
func (s *Service) previewActivities(ctx context.Context, rules Rules, f crm.Filter, out FilterPreview) (FilterPreview, error) {
	if len(rules.ReadScopes([]string{f.RecordType})) == 0 {
		return out, nil
	}
	var owners store.Owners
	if rules.ReadsOwnOnly(f.RecordType) {
		owners.Owner = rules.actor.UserID
	}
	list, err := s.store.ChangedActivities(ctx, rules.actor.TenantID, f.RecordType, owners, time.Time{})
	if err != nil {
		return FilterPreview{}, err
	}
	slices.SortFunc(list, func(a, b store.ChangedActivity) int {
		return cmp.Or(b.CreatedAt.Compare(a.CreatedAt), strings.Compare(b.ID, a.ID))
	})
	filters := []crm.Filter{f}
	for _, a := range list {
		fields := crm.ActivityFields(a.Activity)
		if !rules.Picks(filters, a.Type, a.OwnerID, fields) {
			continue
		}
		out.Count++
		if len(out.Items) < MaxPreviewItems {
			out.Items = append(out.Items, activityAsRecord(a.Activity, fields))
		}
	}
	return out, nil
}

// activityAsRecord shows an activity as filters see it, in a record's shape: its subject as name and its
// filterable values (times in RFC 3339) as fields.
func activityAsRecord(a crm.Activity, filterFields map[string]any) crm.Record {
	fields := make(map[string]any, len(filterFields))
	for k, v := range filterFields {
		switch k {
		case crm.FieldName, crm.FieldOwnerID, crm.FieldCreatedAt, crm.FieldUpdatedAt:
			continue // the record's own members
		}
		if t, ok := v.(time.Time); ok {
			v = t.UTC().Format(time.RFC3339)
		}
		if v != "" {
			fields[k] = v
		}
	}
	return crm.Record{ID: a.ID, Type: a.Type, Name: a.Subject, OwnerID: a.OwnerID, Fields: fields, Version: max(a.Version, 1),
		CreatedAt: a.CreatedAt, UpdatedAt: a.UpdatedAt}
}
