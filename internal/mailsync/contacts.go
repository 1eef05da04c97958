package mailsync

import (
	"context"
	"strings"
	"time"

	"github.com/crmsync/crmsync/internal/crm"
	"github.com/crmsync/crmsync/internal/outlook"
	"github.com/crmsync/crmsync/internal/store"
)

// FolderContacts is the contacts' delta folder, as sync_state names it.
const FolderContacts = "contacts"

// contacts are CRM contact records and Outlook contacts.
type contacts struct{}

func (contacts) kind() outlook.Kind { return outlook.KindContact }
func (contacts) itemKind() string   { return crm.ItemContact }
func (contacts) recordType() string { return crm.TypeContact }

func (contacts) link(l *crm.ItemLink, crmID string) { l.RecordID = crmID }

func (contacts) item(ctx context.Context, p *pass, r crm.Record, deleted bool) (crmItem, error) {
	company, err := accountName(ctx, p, stringField(r.Fields, "accountId"))
	if err != nil {
		return crmItem{}, err
	}
	return crmItem{ID: r.ID, OwnerID: r.OwnerID, Version: r.Version, UpdatedAt: r.UpdatedAt, Deleted: deleted,
		Filter: p.rules.FilterFields(r), Values: contactValues(r, company)}, nil
}

func (k contacts) changed(ctx context.Context, p *pass, owners store.Owners, since time.Time) ([]crmItem, error) {
	q := store.ChangeQuery{TenantID: p.m.TenantID, ChangedAfter: since, IncludeDeleted: !since.IsZero(), Limit: changedPage,
		Scopes:   []store.TypeScope{{Type: crm.TypeContact, OwnOnly: owners.Owner != "", UserID: owners.Owner}},
		LinkedTo: owners.LinkedTo}
	var out []crmItem
	for {
		list, err := p.store.ChangedRecords(ctx, q)
		if err != nil {
			return nil, err
		}
		for _, r := range list {
			it, err := k.item(ctx, p, r.Record, r.Deleted)
			if err != nil {
				return nil, err
			}
			out = append(out, it)
		}
		if len(list) < q.Limit {
			return out, nil
		}
		last := list[len(list)-1].Key()
		q.After = &last
	}
}

// changedPage is how many changed records one query reads.
const changedPage = 1000

func (k contacts) load(ctx context.Context, p *pass, id string) (crmItem, error) {
	r, err := p.store.RecordAny(ctx, p.m.TenantID, id)
	if err != nil {
		return crmItem{}, err
	}
	if r.Type != crm.TypeContact {
		return crmItem{}, crm.NotFound("contact %s does not exist", id)
	}
	return k.item(ctx, p, r.Record, r.Deleted)
}

func (contacts) writeCRM(ctx context.Context, p *pass, it crmItem, v values) error {
	current, err := p.store.Record(ctx, p.m.TenantID, crm.TypeContact, it.ID)
	if err != nil {
		return err
	}
	fields := map[string]any{}
	for f, val := range v {
		if f == "accountId" {
			continue // the company name cannot pick an account: that mapping never flows to the CRM
		}
		if val == "" {
			fields[f] = nil
		} else {
			fields[f] = val
		}
	}
	if len(fields) == 0 {
		return nil
	}
	version := it.Version
	_, err = p.store.UpdateRecord(ctx, p.m.TenantID, current, store.RecordChange{Merge: true,
		Input: crm.RecordInput{Fields: fields, Version: &version}}, p.changed(ctx, crm.TypeContact, it.ID))
	return err
}

func (contacts) folders(context.Context, *pass) ([]string, error) {
	return []string{FolderContacts}, nil
}

func (contacts) delta(ctx context.Context, p *pass, _, link string) (itemPage, error) {
	pg, err := p.items.ContactsDelta(ctx, link)
	return pageOf(pg, contactItem), err
}

func (contacts) read(ctx context.Context, p *pass, id string) (outlookItem, error) {
	c, err := p.items.Contact(ctx, id)
	return contactItem(c), err
}

func (contacts) create(ctx context.Context, p *pass, v values, it crmItem) (outlookItem, error) {
	c := contactOf(v)
	c.Stamp = it.ID
	got, err := p.items.CreateContact(ctx, c)
	return contactItem(got), err
}

func (contacts) update(ctx context.Context, p *pass, id string, v values, props []string) (outlookItem, error) {
	got, err := p.items.UpdateContact(ctx, id, contactOf(v), props)
	return contactItem(got), err
}

func (contacts) remove(ctx context.Context, p *pass, id string) error {
	return p.items.DeleteContact(ctx, id)
}

func (contacts) othersItems() bool { return false }

// accountName is the name of a contact's account, as Outlook's company name shows it.
func accountName(ctx context.Context, p *pass, id string) (string, error) {
	if id == "" {
		return "", nil
	}
	return p.remembered("account:"+id, func() (string, error) {
		r, err := p.store.Record(ctx, p.m.TenantID, crm.TypeAccount, id)
		if crm.IsNotFound(err) {
			return "", nil
		}
		return r.Name, err
	})
}

func contactItem(c outlook.Contact) outlookItem {
	return outlookItem{ID: c.ID, ChangeKey: c.ChangeKey, Modified: c.LastModified, Values: outlookContactValues(c), Categories: c.Categories, Stamp: c.Stamp,
		Ambiguous: !c.Sent.Whole() && !(c.Sent.Has("givenName") && c.Sent.Has("surname") && c.Sent.Has("companyName"))}
}

// contactProperties are the Graph properties of a contact's synchronized fields. Graph renders an
// unset name or company as null.
var contactProperties = map[string]string{"firstName": "givenName", "lastName": "surname", "email": "emailAddresses",
	"phone": "businessPhones", "accountId": "companyName"}

// contactValues are a contact record's values; company is the name of its account, as Outlook shows it.
func contactValues(r crm.Record, company string) values {
	return values{"firstName": stringField(r.Fields, "firstName"), "lastName": stringField(r.Fields, "lastName"),
		"email": strings.ToLower(stringField(r.Fields, "email")), "phone": stringField(r.Fields, "phone"), "accountId": company}
}

func outlookContactValues(c outlook.Contact) values {
	v := values{"firstName": c.GivenName, "lastName": c.Surname, "email": "", "phone": "", "accountId": c.CompanyName}
	if len(c.EmailAddresses) > 0 {
		v["email"] = strings.ToLower(c.EmailAddresses[0].Email)
	}
	if len(c.BusinessPhones) > 0 {
		v["phone"] = c.BusinessPhones[0]
	}
	return present(v, c.Sent, contactProperties)
}

func contactOf(v values) outlook.Contact {
	c := outlook.Contact{GivenName: v["firstName"], Surname: v["lastName"], CompanyName: v["accountId"]}
	if v["email"] != "" {
		c.EmailAddresses = []outlook.Address{{Email: v["email"], Name: strings.TrimSpace(v["firstName"] + " " + v["lastName"])}}
	}
	if v["phone"] != "" {
		c.BusinessPhones = []string{v["phone"]}
	}
	return c
}
