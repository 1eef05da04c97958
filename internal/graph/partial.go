package graph

import (
	"github.com/microsoftgraph/msgraph-sdk-go/models"

	"github.com/crmsync/crmsync/internal/outlook"
)

// Delta represents an updated item "by its id with at least the properties that have been updated"
// (delta-query-overview.md), and a calendar view's delta an occurrence of a series by its id, type,
// series and times only. The SDK keeps a property Graph did not send as nil, apart from an empty value
// (an empty collection is an empty slice), so the conversions below tell them apart: an entry that
// lacks a property says nothing of it.
//
// An entry is whole when it carries createdDateTime, which never changes and so is in no entry of an
// updated item unless Graph sent the item whole; crmsync asks for it in every delta round (calendar
// view delta returns every property anyway).

// sentProperties returns nil when the entry is whole, else the names of the properties it carries.
func sentProperties(whole bool, present map[string]bool) outlook.Properties {
	if whole {
		return nil
	}
	sent := outlook.Properties{}
	for name, ok := range present {
		if ok {
			sent[name] = true
		}
	}
	return sent
}

func eventSent(g models.Eventable) outlook.Properties {
	return sentProperties(g.GetCreatedDateTime() != nil, map[string]bool{
		"subject":              g.GetSubject() != nil,
		"body":                 g.GetBody() != nil,
		"start":                g.GetStart() != nil,
		"end":                  g.GetEnd() != nil,
		"isAllDay":             g.GetIsAllDay() != nil,
		"location":             g.GetLocation() != nil,
		"organizer":            g.GetOrganizer() != nil,
		"attendees":            g.GetAttendees() != nil,
		"isOrganizer":          g.GetIsOrganizer() != nil,
		"isCancelled":          g.GetIsCancelled() != nil,
		"categories":           g.GetCategories() != nil,
		"changeKey":            g.GetChangeKey() != nil,
		"iCalUId":              g.GetICalUId() != nil,
		"type":                 g.GetTypeEscaped() != nil,
		"seriesMasterId":       g.GetSeriesMasterId() != nil,
		"lastModifiedDateTime": g.GetLastModifiedDateTime() != nil,
	})
}

func contactSent(g models.Contactable) outlook.Properties {
	return sentProperties(g.GetCreatedDateTime() != nil, map[string]bool{
		"givenName":            g.GetGivenName() != nil,
		"surname":              g.GetSurname() != nil,
		"displayName":          g.GetDisplayName() != nil,
		"emailAddresses":       g.GetEmailAddresses() != nil,
		"companyName":          g.GetCompanyName() != nil,
		"jobTitle":             g.GetJobTitle() != nil,
		"businessPhones":       g.GetBusinessPhones() != nil,
		"mobilePhone":          g.GetMobilePhone() != nil,
		"categories":           g.GetCategories() != nil,
		"changeKey":            g.GetChangeKey() != nil,
		"parentFolderId":       g.GetParentFolderId() != nil,
		"lastModifiedDateTime": g.GetLastModifiedDateTime() != nil,
	})
}

func taskSent(g models.TodoTaskable) outlook.Properties {
	_, etag := g.GetAdditionalData()["@odata.etag"]
	return sentProperties(g.GetCreatedDateTime() != nil, map[string]bool{
		"title":                g.GetTitle() != nil,
		"body":                 g.GetBody() != nil,
		"dueDateTime":          g.GetDueDateTime() != nil,
		"status":               g.GetStatus() != nil,
		"importance":           g.GetImportance() != nil,
		"categories":           g.GetCategories() != nil,
		"@odata.etag":          etag,
		"lastModifiedDateTime": g.GetLastModifiedDateTime() != nil,
	})
}

// deltaEvent, deltaContact and deltaTask convert a delta entry, noting what it carried.
func deltaEvent(g models.Eventable) outlook.Event {
	e := event(g)
	e.Sent = eventSent(g)
	return e
}

func deltaContact(g models.Contactable) outlook.Contact {
	c := contact(g)
	c.Sent = contactSent(g)
	return c
}

func deltaTask(listID string, g models.TodoTaskable) outlook.Task {
	t := todoTask(listID, g)
	t.Sent = taskSent(g)
	return t
}
