package graphfake

import (
	"time"

	"github.com/crmsync/crmsync/internal/identity"
	"github.com/crmsync/crmsync/internal/outlook"
)

// people are the demo users (as package demo names them; importing demo would pull in the store) and
// the people of its CRM records, who write the demo mail.
type people struct {
	alice, bob, dana, marco, priya, jonas, kenji, sofia outlook.Address
}

func demoPeople() people {
	return people{
		alice: outlook.Address{Name: "Alice Johnson", Email: "alice@contoso.test"},
		bob:   outlook.Address{Name: "Bob Kelly", Email: "bob@contoso.test"},
		dana:  outlook.Address{Name: "Dana Whitfield", Email: "dana.whitfield@fabrikam.test"},
		marco: outlook.Address{Name: "Marco Rossi", Email: "marco.rossi@northwindtraders.test"},
		priya: outlook.Address{Name: "Priya Natarajan", Email: "priya.natarajan@adventure-works.test"},
		jonas: outlook.Address{Name: "Jonas Berg", Email: "jonas.berg@litware.test"},
		kenji: outlook.Address{Name: "Kenji Watanabe", Email: "kenji.watanabe@wingtiptoys.test"},
		sofia: outlook.Address{Name: "Sofia Alvarez", Email: "sofia.alvarez@tailspintoys.test"},
	}
}

// Demo returns the mailboxes of local mode: alice@contoso.test and bob@contoso.test under the object ids
// their development tokens carry, holding mail, a meeting, a contact and a task from the people of the
// CRM demo records, dated in the last few days by the server's clock. Ids are the same on every run.
// Its change notifications carry the demo tenant's id; mail sent between alice and bob, meeting requests
// included, lands in the other's inbox.
func Demo(opts ...Option) *Server {
	// Its notifications say they come from the demo tenant, unless opts say otherwise.
	s := New(append([]Option{WithTenant(identity.DevTenantID)}, opts...)...)
	p := demoPeople()
	now := s.now().UTC()
	ago := func(h int) time.Time { return now.Add(-time.Duration(h) * time.Hour).Truncate(time.Minute) }

	alice := identity.DevObjectID(identity.DevTenantID, p.alice.Email)
	s.AddMailbox(alice, p.alice.Email)
	s.SetDisplayName(alice, p.alice.Name)
	seedFleetThread(s, p, alice, ago)
	s.AddMessage(alice, "inbox", outlook.Message{
		InternetMessageID: "<AM9PR02MB7311E5A2C4B6D8F0A1B3C5D7E9F1A2B4@AM9PR02MB7311.eurprd02.prod.outlook.com>",
		Subject:           "Spring order arrived late",
		Body: "Hello Alice,\n\nOur spring order (PO 4471) arrived eight days after the agreed date, and two of the " +
			"cargo bikes came without their battery packs, so our stores are short for the season opening.\n\n" +
			"Can you tell me when the missing batteries will ship, and whether a credit applies?\n\n" +
			"Regards,\nMarco Rossi\nOperations Manager, Northwind Traders",
		From: p.marco, To: []outlook.Address{p.alice}, ReceivedAt: ago(30),
	})
	s.AddMessage(alice, "inbox", outlook.Message{
		InternetMessageID: "<TYCPR01MB8120A4C6E8F0B2D4F6A8C0E2B4D6F8A0@TYCPR01MB8120.jpnprd01.prod.outlook.com>",
		Subject:           "E-bikes for our delivery team",
		Body: "Hi Alice,\n\nWe met briefly at the Seattle Micromobility Expo. Wingtip Toys is looking at 30 to 40 " +
			"e-bikes for our local delivery team this spring.\n\nCould you share a price list and current lead " +
			"times?\n\nThanks,\nKenji Watanabe\nLogistics, Wingtip Toys",
		From: p.kenji, To: []outlook.Address{p.alice}, ReceivedAt: ago(20),
	})
	s.AddMessage(alice, "inbox", outlook.Message{
		InternetMessageID: "<20260301.7f3a9c.newsletter@mailer.cyclingtradeweekly.test>",
		Subject:           "Cycling Trade Weekly: battery prices fall, new EU rules and more",
		BodyType:          "html",
		Body: "<html><body><h1>Cycling Trade Weekly</h1><p>Battery pack prices fell 12% this quarter as new " +
			"suppliers came online.</p><p>Also this week: what the new EU rules on e-bike speed limits mean for " +
			"fleet operators, and five tips for a better spring season.</p><p><a href=\"https://cyclingtradeweekly.test/unsubscribe\">" +
			"Unsubscribe</a></p></body></html>",
		From: outlook.Address{Name: "Cycling Trade Weekly", Email: "news@cyclingtradeweekly.test"},
		To:   []outlook.Address{p.alice}, ReceivedAt: ago(5),
	})

	tomorrow := now.Truncate(24 * time.Hour).Add(24*time.Hour + 16*time.Hour)
	s.AddEvent(alice, outlook.Event{
		Subject:  "Fabrikam fleet renewal: quote review",
		BodyType: "html",
		Body: "<p>Let's walk through the renewal quote together: 200 e-bikes, the extended service plan, and the " +
			"36-month financing option Litware offers.</p>",
		Start: tomorrow, End: tomorrow.Add(45 * time.Minute),
		Location:  "Microsoft Teams Meeting",
		Organizer: p.alice, IsOrganizer: true,
		Attendees: []outlook.Attendee{{Address: p.dana, Type: "required"}, {Address: p.jonas, Type: "required"}},
	})
	s.AddContact(alice, outlook.Contact{
		GivenName: "Jonas", Surname: "Berg", CompanyName: "Litware, Inc.", JobTitle: "Partner Finance Manager",
		EmailAddresses: []outlook.Address{p.jonas}, BusinessPhones: []string{"+1 312 555 0188"},
	})
	tasks := s.AddTaskList(alice, "Tasks")
	s.AddTask(alice, tasks, outlook.Task{
		Title:      "Send Fabrikam the renewal quote",
		Body:       "200 e-bikes with the extended service plan; include the 36-month option (check rates with Jonas).",
		Due:        dueOn(now.Add(48 * time.Hour)),
		Importance: "high",
	})

	bob := identity.DevObjectID(identity.DevTenantID, p.bob.Email)
	s.AddMailbox(bob, p.bob.Email)
	s.SetDisplayName(bob, p.bob.Name)
	s.AddMessage(bob, "inbox", outlook.Message{
		InternetMessageID: "<BY5PR17MB3860C2E4A6B8D0F2A4C6E8B0D2F4A6C8@BY5PR17MB3860.namprd17.prod.outlook.com>",
		Subject:           "Service contract questions",
		Body: "Hi Bob,\n\nBefore we sign the Adventure Works service contract, could you confirm whether on-site " +
			"repairs are included for our rental shops, and what the guaranteed response time is?\n\n" +
			"We'd like to finalise by the end of the month.\n\nBest,\nPriya Natarajan\nAdventure Works Cycles",
		From: p.priya, To: []outlook.Address{p.bob}, ReceivedAt: ago(28),
	})
	s.AddMessage(bob, "inbox", outlook.Message{
		InternetMessageID: "<PA4PR08MB6093B1D3F5A7C9E1B3D5F7A9C1E3B5D7@PA4PR08MB6093.eurprd08.prod.outlook.com>",
		Subject:           "Demo request: cargo bikes for Tailspin Toys",
		Body: "Hello Bob,\n\nTailspin Toys is opening two new stores and is interested in cargo bikes for in-town " +
			"deliveries. Could we schedule a demo in the coming weeks?\n\nKind regards,\nSofia Alvarez\nTailspin Toys",
		From: p.sofia, To: []outlook.Address{p.bob}, ReceivedAt: ago(6),
	})
	s.AddTaskList(bob, "Tasks")
	return s
}

// seedFleetThread adds alice's three-message thread with Dana about the fleet renewal: Dana asks,
// alice answers from Sent Items, Dana replies and copies Jonas. One conversation, chained by
// In-Reply-To and References.
func seedFleetThread(s *Server, p people, alice string, ago func(int) time.Time) {
	first := "<SN7PR11MB6750D1F3A5C7E9B1D3F5A7C9E1B3D5F7@SN7PR11MB6750.namprd11.prod.outlook.com>"
	answer := "<DM6PR04MB4123A2B4C6D8E0F2A4B6C8D0E2F4A6B8@DM6PR04MB4123.namprd04.prod.outlook.com>"
	reply := "<SN7PR11MB6750F9E7D5C3B1A9F7E5D3C1B9A7F5E3@SN7PR11MB6750.namprd11.prod.outlook.com>"
	s.AddMessage(alice, "inbox", outlook.Message{
		InternetMessageID: first,
		Subject:           "Fleet renewal for 2027",
		BodyType:          "html",
		Body: "<html><body><p>Hi Alice,</p><p>Our current e-bike lease ends in March, and we would like to renew " +
			"for 200 e-bikes across the Redmond and Bellevue depots.</p><p>Could you send us updated pricing, " +
			"including the extended service plan?</p><p>Best regards,<br>Dana Whitfield<br>Procurement Lead, " +
			"Fabrikam, Inc.</p></body></html>",
		From: p.dana, To: []outlook.Address{p.alice}, ReceivedAt: ago(74),
	})
	s.AddMessage(alice, "sentitems", outlook.Message{
		InternetMessageID: answer,
		Subject:           "RE: Fleet renewal for 2027",
		Body: "Hi Dana,\n\nThank you for reaching out. I'm putting together a quote for 200 e-bikes with the " +
			"extended service plan; you'll have it by Friday.\n\nWould a call next week to go through the options " +
			"work for you?\n\nBest,\nAlice Johnson\nContoso",
		From: p.alice, To: []outlook.Address{p.dana}, ReceivedAt: ago(50),
		InReplyTo: first, References: []string{first},
	})
	s.AddMessage(alice, "inbox", outlook.Message{
		InternetMessageID: reply,
		Subject:           "RE: Fleet renewal for 2027",
		Body: "Hi Alice,\n\nFriday works well, and a call next week would be great. I've copied Jonas Berg from " +
			"Litware, who handles the financing on our side.\n\nPlease include a 36-month option in the quote.\n\n" +
			"Thanks,\nDana",
		From: p.dana, To: []outlook.Address{p.alice}, Cc: []outlook.Address{p.jonas}, ReceivedAt: ago(26),
		InReplyTo: answer, References: []string{first, answer},
	})
}
