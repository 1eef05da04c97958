package graphfake

import (
	"encoding/json"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/crmsync/crmsync/internal/outlook"
)

func contactKind() kindDesc {
	return kindDesc{kind: outlook.KindContact, set: "contacts", render: renderContact, patch: patchContact, create: createContact}
}

// Contacts returns every contact of user's mailbox in the order they were created, each with its
// current stamp.
func (s *Server) Contacts(user string) []outlook.Contact {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []outlook.Contact
	for _, it := range s.mustMailbox(user).itemsOf(outlook.KindContact) {
		out = append(out, it.contactValue())
	}
	return out
}

// createContact builds the contact a POST /users/{user}/contacts describes, with a display name from
// the given name and surname when the body has none.
func createContact(c *call, fields map[string]json.RawMessage) (*item, response) {
	it := newItem(outlook.KindContact, "contacts")
	it.ct = &outlook.Contact{}
	if err := patchCommon(it, fields); err != nil {
		return nil, graphError(http.StatusBadRequest, "RequestBodyRead", err.Error())
	}
	if err := patchContact(it, fields); err != nil {
		return nil, graphError(http.StatusBadRequest, "RequestBodyRead", err.Error())
	}
	if it.ct.DisplayName == "" {
		it.ct.DisplayName = strings.TrimSpace(it.ct.GivenName + " " + it.ct.Surname)
	}
	it.id, it.rest = c.mb.newItemIDs(outlook.KindContact)
	return it, response{}
}

// AddContact stores c in user's contacts, assigning ids and change key (and a display name from the
// given name and surname when empty), and returns it as Contact would. A non-empty c.Stamp is stored
// without counting as a stamp write.
func (s *Server) AddContact(user string, c outlook.Contact) outlook.Contact {
	s.mu.Lock()
	defer s.mu.Unlock()
	mb := s.mustMailbox(user)
	now := s.now().UTC()
	id, rest := mb.newItemIDs(outlook.KindContact)
	c = cloneContact(c)
	if c.DisplayName == "" {
		c.DisplayName = strings.TrimSpace(c.GivenName + " " + c.Surname)
	}
	it := &item{kind: outlook.KindContact, id: id, rest: rest, coll: "contacts", ct: &c}
	mb.add(it, now)
	it.setStamp(c.Stamp)
	return it.contactValue()
}

// Contact returns the current state of a contact, id in either form, with its Stamp and Categories.
func (s *Server) Contact(user, id string) (outlook.Contact, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	it := s.mustMailbox(user).find(id, outlook.KindContact)
	if it == nil {
		return outlook.Contact{}, false
	}
	return it.contactValue(), true
}

// UpdateContact simulates the user editing a contact, as UpdateMessage does for a message.
func (s *Server) UpdateContact(user, id string, change func(*outlook.Contact)) {
	s.edit(user, id, outlook.KindContact, func(it *item) {
		v := it.contactValue()
		change(&v)
		v.ID, v.ChangeKey, v.LastModified = it.id, "", time.Time{}
		it.setStamp(v.Stamp)
		v.Stamp = ""
		c := cloneContact(v)
		it.ct = &c
	})
}

func (it *item) contactValue() outlook.Contact {
	c := cloneContact(*it.ct)
	c.ID, c.Stamp, c.ChangeKey, c.LastModified = it.id, it.stamp(), it.changeKey(), it.lastModified()
	return c
}

func cloneContact(c outlook.Contact) outlook.Contact {
	c.EmailAddresses, c.BusinessPhones = slices.Clone(c.EmailAddresses), slices.Clone(c.BusinessPhones)
	c.Categories = slices.Clone(c.Categories)
	return c
}

func renderContact(c *call, it *item) map[string]any {
	ct := it.ct
	emails := []any{}
	for _, a := range ct.EmailAddresses {
		emails = append(emails, emailAddress(a))
	}
	var mobile any
	if ct.MobilePhone != "" {
		mobile = ct.MobilePhone
	}
	return map[string]any{
		"@odata.etag":          it.etag(),
		"id":                   it.idFor(c.immutable),
		"createdDateTime":      instant(it.created),
		"lastModifiedDateTime": instant(it.modified),
		"changeKey":            it.changeKey(),
		"categories":           nonNil(ct.Categories),
		"parentFolderId":       c.mb.lookupFolder("contacts").id,
		"birthday":             nil,
		"fileAs":               strings.TrimSpace(ct.Surname + ", " + ct.GivenName),
		"displayName":          ct.DisplayName,
		"givenName":            ct.GivenName,
		"initials":             nil,
		"middleName":           nil,
		"nickName":             nil,
		"surname":              ct.Surname,
		"title":                nil,
		"generation":           nil,
		"imAddresses":          []any{},
		"jobTitle":             ct.JobTitle,
		"companyName":          ct.CompanyName,
		"department":           nil,
		"officeLocation":       nil,
		"profession":           nil,
		"businessHomePage":     nil,
		"assistantName":        nil,
		"manager":              nil,
		"homePhones":           []any{},
		"mobilePhone":          mobile,
		"businessPhones":       nonNil(ct.BusinessPhones),
		"spouseName":           nil,
		"personalNotes":        "",
		"children":             []any{},
		"emailAddresses":       emails,
		"homeAddress":          map[string]any{},
		"businessAddress":      map[string]any{},
		"otherAddress":         map[string]any{},
	}
}

// patchContact applies the contact properties a client may change besides categories and stamps.
func patchContact(it *item, fields map[string]json.RawMessage) error {
	ct := it.ct
	for name, dst := range map[string]*string{
		"givenName": &ct.GivenName, "surname": &ct.Surname, "displayName": &ct.DisplayName,
		"companyName": &ct.CompanyName, "jobTitle": &ct.JobTitle, "mobilePhone": &ct.MobilePhone,
	} {
		var v *string // null clears, as in Graph
		if err := decodeField(fields, name, &v); err != nil {
			return err
		}
		if _, ok := fields[name]; ok {
			*dst = ""
			if v != nil {
				*dst = *v
			}
		}
	}
	if err := decodeField(fields, "businessPhones", &ct.BusinessPhones); err != nil {
		return err
	}
	if _, ok := fields["emailAddresses"]; ok {
		var emails []wireEmail
		if err := decodeField(fields, "emailAddresses", &emails); err != nil {
			return err
		}
		ct.EmailAddresses = nil
		for _, e := range emails {
			ct.EmailAddresses = append(ct.EmailAddresses, outlook.Address{Name: e.Name, Email: e.Address})
		}
	}
	return nil
}
