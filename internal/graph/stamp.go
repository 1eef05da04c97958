package graph

import (
	"context"
	"fmt"
	"slices"

	"github.com/microsoftgraph/msgraph-sdk-go/models"
	"github.com/microsoftgraph/msgraph-sdk-go/users"

	"github.com/crmsync/crmsync/internal/outlook"
)

// Stamp marks an item as tracked: the stamp property (tasks: the open extension) holds crmID, and
// TrackedCategory joins the item's categories, which are otherwise kept. Messages, events and contacts
// take one read and one PATCH; an item already stamped with crmID is left alone.
func (m *Mailbox) Stamp(ctx context.Context, kind outlook.Kind, id, crmID string) error {
	var err error
	if kind == outlook.KindTask {
		err = m.stampTask(ctx, id, crmID)
	} else {
		err = m.stampItem(ctx, kind, id, crmID)
	}
	if err != nil {
		return fmt.Errorf("stamp %s %s: %w", kind, id, err)
	}
	return nil
}

// StampKnown is Stamp for a caller that has just read the item and passes its categories, so the item
// is not read again: one PATCH for messages, events and contacts. Tasks go through Stamp.
func (m *Mailbox) StampKnown(ctx context.Context, kind outlook.Kind, id, crmID string, categories []string) error {
	if kind == outlook.KindTask {
		return m.Stamp(ctx, kind, id, crmID)
	}
	if err := m.patchStamp(ctx, kind, id, crmID, withCategory(categories)); err != nil {
		return fmt.Errorf("stamp %s %s: %w", kind, id, err)
	}
	return nil
}

// Unstamp removes the mark of Stamp: the property is emptied (Graph cannot delete one by PATCH; tasks
// lose the extension) and TrackedCategory leaves the categories. An item already gone is not an error.
func (m *Mailbox) Unstamp(ctx context.Context, kind outlook.Kind, id string) error {
	var err error
	if kind == outlook.KindTask {
		err = m.unstampTask(ctx, id)
	} else {
		err = m.unstampItem(ctx, kind, id)
	}
	if err = ignoreNotFound(err); err != nil {
		return fmt.Errorf("unstamp %s %s: %w", kind, id, err)
	}
	return nil
}

func (m *Mailbox) stampItem(ctx context.Context, kind outlook.Kind, id, crmID string) error {
	categories, stamp, err := m.stampState(ctx, kind, id)
	if err != nil {
		return err
	}
	if stamp == crmID && slices.Contains(categories, outlook.TrackedCategory) {
		return nil
	}
	return m.patchStamp(ctx, kind, id, crmID, withCategory(categories))
}

func (m *Mailbox) unstampItem(ctx context.Context, kind outlook.Kind, id string) error {
	categories, stamp, err := m.stampState(ctx, kind, id)
	if err != nil {
		return err
	}
	if stamp == "" && !slices.Contains(categories, outlook.TrackedCategory) {
		return nil
	}
	return m.patchStamp(ctx, kind, id, "", withoutCategory(categories))
}

// stampState reads an item's categories and stamp.
func (m *Mailbox) stampState(ctx context.Context, kind outlook.Kind, id string) (categories []string, stamp string, err error) {
	fields := []string{"id", "categories"}
	switch kind {
	case outlook.KindMessage:
		g, err := m.getMessage(ctx, id, fields)
		if err != nil {
			return nil, "", err
		}
		return g.GetCategories(), stampOf(g.GetSingleValueExtendedProperties()), nil
	case outlook.KindAppointment:
		g, err := m.getEvent(ctx, id, fields)
		if err != nil {
			return nil, "", err
		}
		return g.GetCategories(), stampOf(g.GetSingleValueExtendedProperties()), nil
	case outlook.KindContact:
		g, err := m.getContact(ctx, id, fields)
		if err != nil {
			return nil, "", err
		}
		return g.GetCategories(), stampOf(g.GetSingleValueExtendedProperties()), nil
	default:
		return nil, "", errUnknownKind(kind)
	}
}

// patchStamp writes the stamp property and the categories of an item in one PATCH.
func (m *Mailbox) patchStamp(ctx context.Context, kind outlook.Kind, id, stamp string, categories []string) error {
	prop := models.NewSingleValueLegacyExtendedProperty()
	propID := outlook.StampPropertyID
	prop.SetId(&propID)
	prop.SetValue(&stamp)
	props := []models.SingleValueLegacyExtendedPropertyable{prop}

	return m.call(ctx, func(ctx context.Context) error {
		var err error
		switch kind {
		case outlook.KindMessage:
			body := models.NewMessage()
			body.SetCategories(categories)
			body.SetSingleValueExtendedProperties(props)
			_, err = m.me().Messages().ByMessageId(id).Patch(ctx, body,
				&users.ItemMessagesMessageItemRequestBuilderPatchRequestConfiguration{Headers: preferImmutable()})
		case outlook.KindAppointment:
			body := models.NewEvent()
			body.SetCategories(categories)
			body.SetSingleValueExtendedProperties(props)
			_, err = m.me().Events().ByEventId(id).Patch(ctx, body,
				&users.ItemEventsEventItemRequestBuilderPatchRequestConfiguration{Headers: preferImmutable()})
		case outlook.KindContact:
			body := models.NewContact()
			body.SetCategories(categories)
			body.SetSingleValueExtendedProperties(props)
			_, err = m.me().Contacts().ByContactId(id).Patch(ctx, body,
				&users.ItemContactsContactItemRequestBuilderPatchRequestConfiguration{Headers: preferImmutable()})
		default:
			err = errUnknownKind(kind)
		}
		return err
	})
}

// withCategory returns categories with TrackedCategory added, in a new slice.
func withCategory(categories []string) []string {
	out := slices.Clone(categories)
	if !slices.Contains(out, outlook.TrackedCategory) {
		out = append(out, outlook.TrackedCategory)
	}
	return out
}

// withoutCategory returns categories without TrackedCategory, in a new slice that is never nil: Graph
// must receive an empty list, not a missing one, to clear the last category.
func withoutCategory(categories []string) []string {
	out := make([]string, 0, len(categories))
	for _, c := range categories {
		if c != outlook.TrackedCategory {
			out = append(out, c)
		}
	}
	return out
}
