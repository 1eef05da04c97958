package tracking

import (
	"cmp"
	"context"
	"slices"
	"strings"

	"github.com/crmsync/crmsync/internal/crm"
	"github.com/crmsync/crmsync/internal/outlook"
	"github.com/crmsync/crmsync/internal/store"
)

// trackContact makes the Outlook contact a CRM contact: the one with the same email if there is one,
// else a new contact owned by the user, as the records API would create it for them.
func (t *task) trackContact(ctx context.Context, c outlook.Contact) (outcome, error) {
	s, tenant := t.w.store, t.req.TenantID
	var emails []string
	for _, e := range c.EmailAddresses {
		if e.Email != "" {
			emails = append(emails, e.Email)
		}
	}
	rules, err := t.w.records.Rules(ctx, t.actor())
	if err != nil {
		return outcome{}, err
	}
	// Candidates found before the transaction, so that it holds one connection only.
	var candidate string
	if c.Stamp != "" {
		if _, err := s.Record(ctx, tenant, crm.TypeContact, c.Stamp); err == nil {
			candidate = c.Stamp
		}
	}
	if candidate == "" && len(emails) > 0 {
		found, err := s.ResolveAddresses(ctx, tenant, emails, crm.TypeContact)
		if err != nil {
			return outcome{}, err
		}
		for _, e := range emails {
			if ref, ok := found[strings.ToLower(e)]; ok {
				candidate = ref.ID
				break
			}
		}
	}
	var recordID string
	err = s.InTx(ctx, func(tx *store.Tx) error {
		recordID = candidate
		if link, err := tx.ItemLink(ctx, tenant, t.user.ID, t.itemID); err == nil && link.RecordID != "" {
			recordID = link.RecordID
		} else if err != nil && !crm.IsNotFound(err) {
			return err
		}
		if recordID == "" {
			rec, err := t.w.records.CreateRecordIn(ctx, tx, rules, crm.TypeContact, contactInput(c))
			if err != nil {
				return err
			}
			recordID = rec.ID
		}
		return tx.SaveItemLink(ctx, crm.ItemLink{TenantID: tenant, UserID: t.user.ID, ItemID: t.itemID, RESTItemID: t.req.ItemID,
			Kind: string(t.kind), RecordID: recordID, Reason: t.req.LinkReason(), Stamped: c.Stamp == recordID, ChangeKey: c.ChangeKey})
	})
	if err != nil {
		return outcome{}, err
	}
	stamped, err := t.stamp(ctx, c.Stamp, recordID, c.Categories)
	if err != nil {
		return outcome{}, err
	}
	return outcome{recordID: recordID, stampedItem: stamped}, nil
}

// contactInput is the CRM contact an Outlook contact becomes: its names, first email and a phone.
func contactInput(c outlook.Contact) crm.RecordInput {
	fields := map[string]any{}
	last := cmp.Or(c.Surname, c.DisplayName)
	if last == "" && len(c.EmailAddresses) > 0 {
		last = c.EmailAddresses[0].Email
	}
	fields["lastName"] = last
	if c.GivenName != "" && c.Surname != "" {
		fields["firstName"] = c.GivenName
	}
	if len(c.EmailAddresses) > 0 && c.EmailAddresses[0].Email != "" {
		fields["email"] = c.EmailAddresses[0].Email
	}
	if phone := cmp.Or(append(slices.Clone(c.BusinessPhones), c.MobilePhone)...); phone != "" {
		fields["phone"] = phone
	}
	return crm.RecordInput{Fields: fields}
}
