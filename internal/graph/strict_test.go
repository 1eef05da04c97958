package graph_test

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/crmsync/crmsync/internal/graph"
	"github.com/crmsync/crmsync/internal/graph/graphfake"
	"github.com/crmsync/crmsync/internal/outlook"
)

// An expired delta token is "a 40X-series error with error codes such as syncStateNotFound"
// (delta-query-overview.md, Token duration), 410 Gone is a synchronization reset, and errors.md lists
// resyncRequired at the top and the more detailed resync codes in innerError: each starts the round
// over. Another 400 does not.
func TestEveryResetCodeResets(t *testing.T) {
	cases := []struct {
		name  string
		reset graphfake.DeltaReset
		want  error
	}{
		{"410 Gone", graphfake.DeltaReset{}, outlook.ErrSyncReset},
		{"400 syncStateNotFound", graphfake.DeltaReset{Status: 400, Code: "syncStateNotFound"}, outlook.ErrSyncReset},
		{"404 syncStateNotFound", graphfake.DeltaReset{Status: 404, Code: "syncStateNotFound"}, outlook.ErrSyncReset},
		{"400 resyncRequired", graphfake.DeltaReset{Status: 400, Code: "resyncRequired"}, outlook.ErrSyncReset},
		{"400 syncStateInvalid", graphfake.DeltaReset{Status: 400, Code: "SyncStateInvalid"}, outlook.ErrSyncReset},
		{"innerError resyncApplyDifferences", graphfake.DeltaReset{Status: 400, Code: "invalidRequest", InnerCode: "resyncApplyDifferences"}, outlook.ErrSyncReset},
		{"innerError resyncUploadDifferences", graphfake.DeltaReset{Status: 400, Code: "invalidRequest", InnerCode: "resyncUploadDifferences"}, outlook.ErrSyncReset},
		{"400 of another kind", graphfake.DeltaReset{Status: 400, Code: "ErrorInvalidUrlQuery"}, outlook.ErrInvalid},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			mb, b := setup(t)
			ctx := context.Background()
			b.fake.AddMessage(userID, "inbox", outlook.Message{Subject: "m"})
			list := b.fake.DefaultTaskListID(userID)
			msgs, err := mb.MessagesDelta(ctx, "inbox", "")
			if err != nil {
				t.Fatal(err)
			}
			tasks, err := mb.TasksDelta(ctx, list, "")
			if err != nil {
				t.Fatal(err)
			}
			b.fake.ExpireDeltaTokensWith(userID, tc.reset)
			if _, err := mb.MessagesDelta(ctx, "inbox", msgs.DeltaLink); !errors.Is(err, tc.want) {
				t.Errorf("messages: %v, want %v", err, tc.want)
			}
			_, err = mb.TasksDelta(ctx, list, tasks.DeltaLink)
			if !errors.Is(err, tc.want) {
				t.Errorf("tasks: %v, want %v", err, tc.want)
			}
			if tc.want != outlook.ErrSyncReset && errors.Is(err, outlook.ErrSyncReset) {
				t.Errorf("tasks: %v reads as a reset", err)
			}
		})
	}
}

// Contacts are tracked through their folder, as contact-delta.md documents; the folder is what a
// listed contact carries as parentFolderId (user-list-contacts.md). Before the mailbox has a contact
// there is nothing to follow.
func TestContactsDeltaGoesThroughTheFolder(t *testing.T) {
	mb, b := setup(t)
	ctx := context.Background()
	page, err := mb.ContactsDelta(ctx, "")
	if err != nil || len(page.Items) != 0 || page.NextLink != "" || page.DeltaLink != "" {
		t.Fatalf("empty mailbox: %+v, %v; want an empty page without links", page, err)
	}
	c := b.fake.AddContact(userID, outlook.Contact{GivenName: "Jonas"})
	contacts, _, link, _ := itemRound(t, func(link string) (outlook.ItemPage[outlook.Contact], error) { return mb.ContactsDelta(ctx, link) }, "")
	if len(contacts) != 1 || contacts[0].ID != c.ID || !contacts[0].Sent.Whole() {
		t.Fatalf("contacts = %+v", contacts)
	}
	if plain, _ := url.PathUnescape(link); !strings.Contains(plain, "/contactFolders/"+c.ParentFolderID+"/contacts/delta") {
		t.Errorf("delta link %q is not the folder's", link)
	}
	if n := b.fake.Requests("GET /users/{user}/contacts/delta"); n != 0 {
		t.Errorf("%d requests to the undocumented path", n)
	}
	// A link of the undocumented path, stored by an older crmsync, starts a round over.
	old := b.url + "/users/" + userID + "/contacts/delta?$deltatoken=stored-by-an-older-crmsync"
	if page, err := mb.ContactsDelta(ctx, old); err != nil || len(page.Items) != 1 || page.DeltaLink == "" {
		t.Errorf("from an old link: %+v, %v; want a whole round", page, err)
	}
	// Once known, the folder is not looked up again: two look-ups, the one that found no contact and
	// the one that found the folder.
	if _, err := mb.ContactsDelta(ctx, ""); err != nil || b.fake.Requests("GET /users/{user}/contacts") != 2 {
		t.Errorf("a second round: %v; %d folder look-ups, want 2", err, b.fake.Requests("GET /users/{user}/contacts"))
	}
}

// An ordinary delete moves an item to Deleted Items, where Graph still finds it by id
// (message-permanentdelete.md): Exists reads that as gone, and an item moved elsewhere as there.
func TestExistsTreatsDeletedItemsAsGone(t *testing.T) {
	mb, b := setup(t)
	ctx := context.Background()
	start := at("2025-03-10T15:00:00Z")
	items := map[outlook.Kind]string{
		outlook.KindMessage:     b.fake.AddMessage(userID, "inbox", outlook.Message{Subject: "m"}).ID,
		outlook.KindAppointment: b.fake.AddEvent(userID, outlook.Event{Subject: "e", Start: start}).ID,
		outlook.KindContact:     b.fake.AddContact(userID, outlook.Contact{GivenName: "c"}).ID,
	}
	archived := b.fake.AddMessage(userID, "archive", outlook.Message{Subject: "filed"}).ID
	for kind, id := range items {
		b.fake.DeleteItem(userID, id)
		if !b.fake.InDeletedItems(userID, id) {
			t.Fatalf("%s is not in Deleted Items", kind)
		}
		if ok, err := mb.Exists(ctx, kind, id); ok || err != nil {
			t.Errorf("%s in Deleted Items: Exists = %v, %v", kind, ok, err)
		}
	}
	if ok, err := mb.Exists(ctx, outlook.KindMessage, archived); !ok || err != nil {
		t.Errorf("a message in another folder: Exists = %v, %v", ok, err)
	}
	if n := b.fake.Requests("GET /users/{user}/mailFolders/{folder}"); n != 1 {
		t.Errorf("Deleted Items looked up %d times, want once", n)
	}
}

// Exchange keeps an event's text body as HTML; crmsync reads it back as text, so what it wrote is what
// it reads.
func TestEventBodiesReadAsText(t *testing.T) {
	mb, b := setup(t)
	ctx := context.Background()
	start := at("2025-03-10T15:00:00Z")
	created, err := mb.CreateEvent(ctx, outlook.Event{Subject: "review", Body: "Agenda:\n1. price & terms", BodyType: "text", Start: start, End: start.Add(time.Hour)})
	if err != nil {
		t.Fatal(err)
	}
	if stored, _ := b.fake.Event(userID, created.ID); stored.BodyType != "html" {
		t.Fatalf("stored body = %q %q, want HTML", stored.BodyType, stored.Body)
	}
	got, err := mb.Event(ctx, created.ID)
	if err != nil || got.Body != "Agenda:\n1. price & terms" || got.BodyType != "text" {
		t.Errorf("Event = %q (%s), %v", got.Body, got.BodyType, err)
	}
	events, _, _, _ := itemRound(t, func(link string) (outlook.ItemPage[outlook.Event], error) {
		return mb.EventsDelta(ctx, link, at("2025-03-01T00:00:00Z"), at("2025-04-01T00:00:00Z"))
	}, "")
	if len(events) != 1 || events[0].Body != got.Body {
		t.Errorf("delta = %+v", events)
	}
}

// A calendar view's delta includes a series' master and occurrences; an occurrence comes with its times
// only, and reads whole alone.
func TestSeriesThroughTheSDK(t *testing.T) {
	mb, b := setup(t)
	ctx := context.Background()
	start := at("2025-03-10T09:00:00Z")
	master := b.fake.AddSeries(userID, outlook.Event{Subject: "stand-up", Start: start, End: start.Add(15 * time.Minute)}, graphfake.Recurrence{Count: 3})
	events, _, _, _ := itemRound(t, func(link string) (outlook.ItemPage[outlook.Event], error) {
		return mb.EventsDelta(ctx, link, at("2025-03-01T00:00:00Z"), at("2025-04-01T00:00:00Z"))
	}, "")
	if len(events) != 4 || events[0].ID != master.ID || events[0].Type != outlook.EventSeriesMaster || !events[0].Sent.Whole() {
		t.Fatalf("events = %+v", events)
	}
	occ := events[2]
	if occ.Type != outlook.EventOccurrence || occ.SeriesMasterID != master.ID || !occ.Start.Equal(start.Add(24*time.Hour)) ||
		occ.Sent.Whole() || occ.Sent.Has("subject") || occ.Sent.Has("isOrganizer") || occ.Sent.Has("changeKey") {
		t.Errorf("occurrence entry = %+v", occ)
	}
	read, err := mb.Event(ctx, occ.ID)
	if err != nil || read.Subject != "stand-up" || read.Type != outlook.EventOccurrence || read.SeriesMasterID != master.ID || read.ICalUID == master.ICalUID {
		t.Errorf("occurrence read = %+v, %v", read, err)
	}
}

// Requests to open extensions are limited per app and tenant: 455 per 10 seconds, whichever mailbox
// (throttling-limits.md). A tenant's mailboxes share one budget, so graphfake holding the same limit
// never has to throttle; without the budget it does.
func TestOpenExtensionBudgetPerTenant(t *testing.T) {
	for _, budgeted := range []bool{true, false} {
		t.Run(fmt.Sprintf("budgeted=%v", budgeted), func(t *testing.T) {
			const n, window = 4, 400 * time.Millisecond
			fake, url := graphfake.Start(t, graphfake.WithExtensionLimit(n, window))
			opts := graph.Options{BaseURL: url, DevToken: "test", ExtensionRequests: n, ExtensionWindow: window}
			if !budgeted {
				opts.ExtensionRequests = -1
			}
			c, err := graph.NewClient(opts)
			if err != nil {
				t.Fatal(err)
			}
			ctx := context.Background()
			var stamped, throttled int
			for i := range 2 {
				user := fmt.Sprintf("%s%d", userID[:len(userID)-1], i)
				fake.AddMailbox(user, fmt.Sprintf("user%d@contoso.test", i))
				mb, err := c.Mailbox(graph.User{TenantID: tenant, ObjectID: user})
				if err != nil {
					t.Fatal(err)
				}
				for j := range 5 {
					task := fake.AddTask(user, fake.DefaultTaskListID(user), outlook.Task{Title: "t"})
					err := mb.Stamp(ctx, outlook.KindTask, task.ID, fmt.Sprintf("act-%d-%d", i, j))
					var th *outlook.ThrottledError
					switch {
					case errors.As(err, &th):
						throttled++
					case err != nil:
						t.Fatal(err)
					default:
						stamped++
					}
				}
			}
			if budgeted && (fake.ExtensionRequestsThrottled() != 0 || stamped != 10) {
				t.Errorf("budgeted: graphfake throttled %d extension requests; %d of 10 stamped", fake.ExtensionRequestsThrottled(), stamped)
			}
			if !budgeted && (fake.ExtensionRequestsThrottled() == 0 || throttled == 0) {
				t.Errorf("without a budget nothing was throttled: the test cannot fail")
			}
		})
	}
}

// Deleting an event or contact moves it to Deleted Items, as an ordinary delete does; deleting it again
// there deletes it for good (message-permanentdelete.md). A To Do task is gone at once. Exists sees
// neither.
func TestDeleteItems(t *testing.T) {
	type kind struct {
		name   string
		kind   outlook.Kind
		seed   func(f *graphfake.Server) string
		delete func(ctx context.Context, id string) error
		update func(ctx context.Context, id string) error
		trash  bool // the first delete moves it to Deleted Items
	}
	mb, b := setup(t)
	kinds := []kind{
		{
			name: "event", kind: outlook.KindAppointment, trash: true,
			seed: func(f *graphfake.Server) string {
				return f.AddEvent(userID, outlook.Event{Subject: "e", Start: at("2025-03-10T15:00:00Z")}).ID
			},
			delete: mb.DeleteEvent,
			update: func(ctx context.Context, id string) error {
				_, err := mb.UpdateEvent(ctx, id, outlook.Event{Subject: "x"}, []string{"subject"})
				return err
			},
		},
		{
			name: "contact", kind: outlook.KindContact, trash: true,
			seed:   func(f *graphfake.Server) string { return f.AddContact(userID, outlook.Contact{GivenName: "c"}).ID },
			delete: mb.DeleteContact,
			update: func(ctx context.Context, id string) error {
				_, err := mb.UpdateContact(ctx, id, outlook.Contact{Surname: "x"}, []string{"surname"})
				return err
			},
		},
		{
			name: "task", kind: outlook.KindTask,
			seed: func(f *graphfake.Server) string {
				return f.AddTask(userID, f.DefaultTaskListID(userID), outlook.Task{Title: "t"}).ID
			},
			delete: mb.DeleteTask,
			update: func(ctx context.Context, id string) error {
				_, err := mb.UpdateTask(ctx, id, outlook.Task{Title: "x"}, []string{"title"})
				return err
			},
		},
	}
	ctx := context.Background()
	for _, k := range kinds {
		t.Run(k.name, func(t *testing.T) {
			id := k.seed(b.fake)
			if ok, err := mb.Exists(ctx, k.kind, id); !ok || err != nil {
				t.Fatalf("Exists before the delete = %v, %v", ok, err)
			}
			if err := k.delete(ctx, id); err != nil {
				t.Fatalf("delete: %v", err)
			}
			if got := b.fake.InDeletedItems(userID, id); got != k.trash {
				t.Errorf("in Deleted Items = %v, want %v", got, k.trash)
			}
			if ok, err := mb.Exists(ctx, k.kind, id); ok || err != nil {
				t.Errorf("Exists after the delete = %v, %v; want false", ok, err)
			}
			if k.trash {
				if err := k.delete(ctx, id); err != nil {
					t.Errorf("delete from Deleted Items: %v", err)
				}
			}
			if err := k.delete(ctx, id); !errors.Is(err, outlook.ErrNotFound) {
				t.Errorf("delete of what is gone = %v, want ErrNotFound", err)
			}
			if err := k.update(ctx, id); !errors.Is(err, outlook.ErrNotFound) {
				t.Errorf("update of a deleted item = %v, want ErrNotFound", err)
			}
		})
	}
	if err := mb.DeleteTask(ctx, "no-colon"); !errors.Is(err, outlook.ErrInvalid) {
		t.Errorf("DeleteTask of a malformed id = %v, want ErrInvalid", err)
	}
}
