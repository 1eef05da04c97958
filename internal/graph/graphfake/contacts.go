package graphfake

import (
	"encoding/json"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/crmsync/crmsync/internal/outlook"
)

func contactKind() kindDesc {
	return kindDesc{kind: outlook.KindContact, set: "contacts", render: renderContact, patch: patchContact, create: createContact}
}

// Contacts returns every contact of user's contacts folder in the order they were created, each with
// its current stamp; not those in Deleted Items.
func (s *Server) Contacts(user string) []outlook.Contact {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []outlook.Contact
	for _, it := range s.mustMailbox(user).itemsOf(outlook.KindContact) {
		if !it.trashed {
			out = append(out, it.contactValue())
		}
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
	it.ct.ParentFolderID = c.mb.lookupFolder("contacts").id
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
	c.ParentFolderID = mb.lookupFolder("contacts").id
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
		v.ID, v.ChangeKey, v.LastModified, v.ParentFolderID = it.id, "", time.Time{}, it.ct.ParentFolderID
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
		"createdDateTime":      it.timestamp(it.created),
		"lastModifiedDateTime": it.timestamp(it.modified),
		"changeKey":            it.changeKey(),
		"categories":           nonNil(ct.Categories),
		"parentFolderId":       ct.ParentFolderID,
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

// listContacts serves GET /users/{user}/contacts: the contacts of the default contacts folder
// (user-list-contacts.md), each with its parentFolderId, in pages of $top (default 10) linked by
// @odata.nextLink, with $select.
func listContacts(c *call) response {
	top, skip := 10, 0
	if v := c.query.Get("$top"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > 1000 {
			return graphError(http.StatusBadRequest, "ErrorInvalidUrlQuery", "The value of $top is not valid.")
		}
		top = n
	}
	if v := c.query.Get("$skip"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 0 {
			return graphError(http.StatusBadRequest, "ErrorInvalidUrlQuery", "The value of $skip is not valid.")
		}
		skip = n
	}
	var all []*item
	for _, it := range c.mb.itemsOf(outlook.KindContact) {
		if !it.trashed {
			all = append(all, it)
		}
	}
	value := []any{}
	for _, it := range all[min(skip, len(all)):min(skip+top, len(all))] {
		obj := renderContact(c, it)
		if sel := c.query.Get("$select"); sel != "" {
			obj = selectFields(obj, sel)
		}
		value = append(value, obj)
	}
	body := map[string]any{"@odata.context": c.root + "/$metadata#users('" + c.mb.objectID + "')/contacts", "value": value}
	if skip+top < len(all) {
		q := url.Values{}
		for k, v := range c.query {
			q[k] = v
		}
		q.Set("$top", strconv.Itoa(top))
		q.Set("$skip", strconv.Itoa(skip+top))
		body["@odata.nextLink"] = c.root + c.path + "?" + q.Encode()
	}
	return ok(body)
}
