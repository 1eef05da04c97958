package graph_test

import (
	"context"
	"encoding/json"
	"errors"
	"maps"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/crmsync/crmsync/internal/graph"
	"github.com/crmsync/crmsync/internal/graph/graphfake"
	"github.com/crmsync/crmsync/internal/outlook"
)

// lastBody decodes the last POST or PATCH body graphfake received for the mailbox.
func lastBody(t *testing.T, fake *graphfake.Server) map[string]any {
	t.Helper()
	bodies := fake.Bodies(userID)
	if len(bodies) == 0 {
		t.Fatal("no body reached Graph")
	}
	var obj map[string]any
	if err := json.Unmarshal([]byte(bodies[len(bodies)-1]), &obj); err != nil {
		t.Fatalf("body %q: %v", bodies[len(bodies)-1], err)
	}
	delete(obj, "@odata.type")
	return obj
}

func keys(obj map[string]any) []string { return slices.Sorted(maps.Keys(obj)) }

func TestCreateEvent(t *testing.T) {
	t.Run("stamped in the one request that creates it", func(t *testing.T) {
		mb, b := setup(t)
		got, err := mb.CreateEvent(context.Background(), outlook.Event{
			Subject: "Quote review", Body: "<p>Agenda</p>", BodyType: "html",
			Start: at("2025-03-10T15:00:00Z"), End: at("2025-03-10T16:00:00Z"), Location: "Room 4",
			Attendees:  []outlook.Attendee{{Address: outlook.Address{Name: "Grace", Email: "grace@fabrikam.test"}, Type: "optional"}},
			Categories: []string{"Red"}, Stamp: "act-1",
		})
		if err != nil {
			t.Fatalf("CreateEvent: %v", err)
		}
		if n := b.fake.Requests("*"); n != 1 {
			t.Errorf("CreateEvent sent %d requests, want 1", n)
		}
		stored := b.fake.Events(userID)
		if len(stored) != 1 {
			t.Fatalf("graphfake holds %d events", len(stored))
		}
		want := stored[0]
		if want.Stamp != "act-1" || !slices.Equal(want.Categories, []string{"Red", outlook.TrackedCategory}) || b.fake.StampWrites(userID, want.ID) != 1 {
			t.Errorf("stored event: stamp %q, categories %v, stamp writes %d", want.Stamp, want.Categories, b.fake.StampWrites(userID, want.ID))
		}
		same(t, got, want)
		if got.LastModified.IsZero() || got.ChangeKey == "" || got.ICalUID == "" {
			t.Errorf("created event lacks what Graph answered: %+v", got)
		}
	})

	t.Run("unstamped, without the stamp property", func(t *testing.T) {
		mb, b := setup(t)
		got, err := mb.CreateEvent(context.Background(), outlook.Event{Subject: "s", Start: at("2025-03-10T15:00:00Z"), End: at("2025-03-10T15:30:00Z")})
		if err != nil {
			t.Fatal(err)
		}
		body := lastBody(t, b.fake)
		if _, ok := body["singleValueExtendedProperties"]; ok {
			t.Errorf("an unstamped create sent the stamp property: %v", body)
		}
		if _, ok := body["categories"]; ok || got.Stamp != "" || len(got.Categories) != 0 {
			t.Errorf("an unstamped create: body %v, event %+v", body, got)
		}
		if start := body["start"].(map[string]any); start["timeZone"] != "UTC" || start["dateTime"] != "2025-03-10T15:00:00.0000000" {
			t.Errorf("start sent as %v", start)
		}
	})
}

func TestCreateContact(t *testing.T) {
	mb, b := setup(t)
	got, err := mb.CreateContact(context.Background(), outlook.Contact{
		GivenName: "Grace", Surname: "Hopper", CompanyName: "Fabrikam", JobTitle: "Rear Admiral",
		EmailAddresses: []outlook.Address{{Name: "Grace Hopper", Email: "grace@fabrikam.test"}},
		BusinessPhones: []string{"+1 555 0100"}, MobilePhone: "+1 555 0199", Stamp: "rec-1",
	})
	if err != nil {
		t.Fatalf("CreateContact: %v", err)
	}
	stored := b.fake.Contacts(userID)
	if len(stored) != 1 || b.fake.Requests("*") != 1 {
		t.Fatalf("graphfake holds %d contacts after %d requests", len(stored), b.fake.Requests("*"))
	}
	want := stored[0]
	if want.DisplayName != "Grace Hopper" || want.Stamp != "rec-1" || !slices.Equal(want.Categories, []string{outlook.TrackedCategory}) {
		t.Errorf("stored contact %+v", want)
	}
	same(t, got, want)
}

func TestCreateTask(t *testing.T) {
	mb, b := setup(t)
	ctx := context.Background()
	list, err := mb.DefaultTaskList(ctx)
	if err != nil || list != b.fake.DefaultTaskListID(userID) {
		t.Fatalf("DefaultTaskList = %q, %v; want %q", list, err, b.fake.DefaultTaskListID(userID))
	}
	due := at("2025-03-12T17:30:00Z")
	got, err := mb.CreateTask(ctx, list, outlook.Task{Title: "Send the quote", Body: "with the discount", Due: &due,
		Status: "inProgress", Importance: "high", Categories: []string{"Green"}, Stamp: "act-9"})
	if err != nil {
		t.Fatalf("CreateTask: %v", err)
	}
	stored := b.fake.Tasks(userID)
	if len(stored) != 1 {
		t.Fatalf("graphfake holds %d tasks", len(stored))
	}
	want := stored[0]
	if want.Stamp != "act-9" || !slices.Equal(want.Categories, []string{"Green", outlook.TrackedCategory}) || b.fake.StampWrites(userID, want.ID) != 1 {
		t.Errorf("stored task: stamp %q, categories %v, stamp writes %d", want.Stamp, want.Categories, b.fake.StampWrites(userID, want.ID))
	}
	if want.Due == nil || !want.Due.Equal(at("2025-03-12T00:00:00Z")) {
		t.Errorf("due %v, want the day at 00:00 UTC", want.Due)
	}
	if got.Due == nil || !got.Due.Equal(*want.Due) {
		t.Errorf("returned due %v", got.Due)
	}
	got.Due, want.Due = nil, nil
	same(t, got, want) // the change key too: the one after stamping
	if n := b.fake.Requests("POST /users/{user}/todo/lists/{list}/tasks"); n != 1 {
		t.Errorf("%d task POSTs, want 1", n)
	}
}

func TestUpdateSendsOnlyTheNamedFields(t *testing.T) {
	secret := "never-sent"
	cases := []struct {
		name     string
		update   func(ctx context.Context, t *testing.T, mb *graph.Mailbox, b bundle) (changeKey, before string, err error)
		wantKeys []string
	}{
		{
			name: "event subject",
			update: func(ctx context.Context, t *testing.T, mb *graph.Mailbox, b bundle) (string, string, error) {
				ev := b.fake.AddEvent(userID, outlook.Event{Subject: "old", Start: at("2025-03-10T15:00:00Z"), Stamp: "act-1"})
				got, err := mb.UpdateEvent(ctx, ev.ID, outlook.Event{Subject: "new", Body: secret, Location: secret}, []string{"subject"})
				if err == nil && (got.Subject != "new" || got.ID != ev.ID) {
					t.Errorf("updated event %+v", got)
				}
				if stored, _ := b.fake.Event(userID, ev.ID); stored.Subject != "new" || stored.Stamp != "act-1" || stored.Location != "" {
					t.Errorf("stored event %+v", stored)
				}
				return got.ChangeKey, ev.ChangeKey, err
			},
			wantKeys: []string{"subject"},
		},
		{
			name: "event times, attendees and location",
			update: func(ctx context.Context, t *testing.T, mb *graph.Mailbox, b bundle) (string, string, error) {
				ev := b.fake.AddEvent(userID, outlook.Event{Subject: secret, Start: at("2025-03-10T15:00:00Z")})
				got, err := mb.UpdateEvent(ctx, ev.ID, outlook.Event{Subject: "x", Start: at("2025-03-11T09:00:00Z"), End: at("2025-03-11T10:00:00Z"),
					Location: "Room 5", Attendees: []outlook.Attendee{{Address: outlook.Address{Email: "grace@fabrikam.test"}}}},
					[]string{"start", "end", "attendees", "location"})
				if err == nil && (!got.Start.Equal(at("2025-03-11T09:00:00Z")) || !got.End.Equal(at("2025-03-11T10:00:00Z")) ||
					got.Location != "Room 5" || len(got.Attendees) != 1 || got.Attendees[0].Type != "required" || got.Subject != secret) {
					t.Errorf("updated event %+v", got)
				}
				return got.ChangeKey, ev.ChangeKey, err
			},
			wantKeys: []string{"attendees", "end", "location", "start"},
		},
		{
			name: "contact given name, with the display name",
			update: func(ctx context.Context, t *testing.T, mb *graph.Mailbox, b bundle) (string, string, error) {
				ct := b.fake.AddContact(userID, outlook.Contact{GivenName: "G", Surname: "Hopper", JobTitle: "Admiral"})
				got, err := mb.UpdateContact(ctx, ct.ID, outlook.Contact{GivenName: "Grace", Surname: "Hopper", JobTitle: secret}, []string{"givenName"})
				if err == nil && (got.GivenName != "Grace" || got.DisplayName != "Grace Hopper" || got.JobTitle != "Admiral") {
					t.Errorf("updated contact %+v", got)
				}
				return got.ChangeKey, ct.ChangeKey, err
			},
			wantKeys: []string{"displayName", "givenName"},
		},
		{
			name: "contact emails and phones",
			update: func(ctx context.Context, t *testing.T, mb *graph.Mailbox, b bundle) (string, string, error) {
				ct := b.fake.AddContact(userID, outlook.Contact{GivenName: "G", BusinessPhones: []string{"+1"}})
				got, err := mb.UpdateContact(ctx, ct.ID, outlook.Contact{GivenName: secret, EmailAddresses: []outlook.Address{{Email: "g@fabrikam.test"}},
					CompanyName: "Fabrikam", MobilePhone: "+2"}, []string{"emailAddresses", "businessPhones", "companyName", "mobilePhone"})
				if err == nil && (len(got.EmailAddresses) != 1 || len(got.BusinessPhones) != 0 || got.CompanyName != "Fabrikam" || got.MobilePhone != "+2") {
					t.Errorf("updated contact %+v", got)
				}
				return got.ChangeKey, ct.ChangeKey, err
			},
			wantKeys: []string{"businessPhones", "companyName", "emailAddresses", "mobilePhone"},
		},
		{
			name: "task due date cleared",
			update: func(ctx context.Context, t *testing.T, mb *graph.Mailbox, b bundle) (string, string, error) {
				due := at("2025-03-12T00:00:00Z")
				task := b.fake.AddTask(userID, b.fake.DefaultTaskListID(userID), outlook.Task{Title: "t", Due: &due})
				got, err := mb.UpdateTask(ctx, task.ID, outlook.Task{Title: secret}, []string{"dueDateTime"})
				if err == nil && (got.Due != nil || got.Title != "t" || got.ID != task.ID) {
					t.Errorf("updated task %+v", got)
				}
				if body := lastBody(t, b.fake); body["dueDateTime"] != nil {
					t.Errorf("dueDateTime sent as %v, want null", body["dueDateTime"])
				}
				return got.ChangeKey, task.ChangeKey, err
			},
			wantKeys: []string{"dueDateTime"},
		},
		{
			name: "task title, status, importance, body, due date",
			update: func(ctx context.Context, t *testing.T, mb *graph.Mailbox, b bundle) (string, string, error) {
				task := b.fake.AddTask(userID, b.fake.DefaultTaskListID(userID), outlook.Task{Title: "t"})
				due := at("2025-03-14T08:00:00Z")
				got, err := mb.UpdateTask(ctx, task.ID, outlook.Task{Title: "done", Body: "notes", Due: &due, Status: "completed", Importance: "low"},
					[]string{"title", "body", "dueDateTime", "status", "importance"})
				if err == nil && (got.Title != "done" || got.Body != "notes" || got.Due == nil || !got.Due.Equal(at("2025-03-14T00:00:00Z")) ||
					got.Status != "completed" || got.Importance != "low") {
					t.Errorf("updated task %+v", got)
				}
				return got.ChangeKey, task.ChangeKey, err
			},
			wantKeys: []string{"body", "dueDateTime", "importance", "status", "title"},
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			mb, b := setup(t)
			changeKey, before, err := tc.update(context.Background(), t, mb, b)
			if err != nil {
				t.Fatalf("update: %v", err)
			}
			if changeKey == "" || changeKey == before {
				t.Errorf("change key %q after the update, %q before", changeKey, before)
			}
			if got := keys(lastBody(t, b.fake)); !slices.Equal(got, tc.wantKeys) {
				t.Errorf("PATCH sent %v, want %v", got, tc.wantKeys)
			}
			for _, body := range b.fake.Bodies(userID) {
				if strings.Contains(body, secret) {
					t.Errorf("a value of an unnamed field reached Graph: %s", body)
				}
			}
		})
	}
}

func TestUpdateRefusesUnknownFields(t *testing.T) {
	mb, b := setup(t)
	ctx := context.Background()
	ev := b.fake.AddEvent(userID, outlook.Event{Subject: "e", Start: at("2025-03-10T15:00:00Z")})
	ct := b.fake.AddContact(userID, outlook.Contact{GivenName: "c"})
	task := b.fake.AddTask(userID, b.fake.DefaultTaskListID(userID), outlook.Task{Title: "t"})
	errs := []error{}
	_, err := mb.UpdateEvent(ctx, ev.ID, outlook.Event{}, []string{"organizer"})
	errs = append(errs, err)
	_, err = mb.UpdateContact(ctx, ct.ID, outlook.Contact{}, []string{"displayName"})
	errs = append(errs, err)
	_, err = mb.UpdateTask(ctx, task.ID, outlook.Task{}, []string{"categories"})
	errs = append(errs, err)
	_, err = mb.UpdateTask(ctx, task.ID, outlook.Task{Status: "done"}, []string{"status"})
	errs = append(errs, err)
	for i, err := range errs {
		if !errors.Is(err, outlook.ErrInvalid) {
			t.Errorf("case %d: error %v, want ErrInvalid", i, err)
		}
	}
	if n := b.fake.Requests("*"); n != 0 {
		t.Errorf("refused updates sent %d requests", n)
	}
}

func TestWritesMapThrottling(t *testing.T) {
	mb, b := setup(t)
	ctx := context.Background()
	list := b.fake.DefaultTaskListID(userID)
	ev := b.fake.AddEvent(userID, outlook.Event{Subject: "e", Start: at("2025-03-10T15:00:00Z")}).ID
	ct := b.fake.AddContact(userID, outlook.Contact{GivenName: "c"}).ID
	task := b.fake.AddTask(userID, list, outlook.Task{Title: "t"}).ID
	start, end := at("2025-03-10T15:00:00Z"), at("2025-03-10T16:00:00Z")
	cases := []struct {
		route string
		call  func() error
	}{
		{"POST /users/{user}/events", func() error {
			_, err := mb.CreateEvent(ctx, outlook.Event{Subject: "s", Start: start, End: end})
			return err
		}},
		{"PATCH /users/{user}/events/{id}", func() error {
			_, err := mb.UpdateEvent(ctx, ev, outlook.Event{Subject: "s"}, []string{"subject"})
			return err
		}},
		{"DELETE /users/{user}/events/{id}", func() error { return mb.DeleteEvent(ctx, ev) }},
		{"POST /users/{user}/contacts", func() error { _, err := mb.CreateContact(ctx, outlook.Contact{GivenName: "g"}); return err }},
		{"PATCH /users/{user}/contacts/{id}", func() error {
			_, err := mb.UpdateContact(ctx, ct, outlook.Contact{GivenName: "g"}, []string{"givenName"})
			return err
		}},
		{"DELETE /users/{user}/contacts/{id}", func() error { return mb.DeleteContact(ctx, ct) }},
		{"POST /users/{user}/todo/lists/{list}/tasks", func() error { _, err := mb.CreateTask(ctx, list, outlook.Task{Title: "t"}); return err }},
		{"POST /users/{user}/todo/lists/{list}/tasks/{task}/extensions", func() error {
			_, err := mb.CreateTask(ctx, list, outlook.Task{Title: "t", Stamp: "act-1"})
			return err
		}},
		{"PATCH /users/{user}/todo/lists/{list}/tasks/{task}", func() error {
			_, err := mb.UpdateTask(ctx, task, outlook.Task{Title: "t"}, []string{"title"})
			return err
		}},
		{"DELETE /users/{user}/todo/lists/{list}/tasks/{task}", func() error { return mb.DeleteTask(ctx, task) }},
		{"GET /users/{user}/todo/lists", func() error { _, err := mb.DefaultTaskList(ctx); return err }},
	}
	for _, tc := range cases {
		t.Run(tc.route, func(t *testing.T) {
			b.fake.InjectFault(tc.route, graphfake.Fault{Status: 429, RetryAfter: 3 * time.Second, Times: 1})
			defer b.fake.ClearFaults()
			throttled(3*time.Second)(t, tc.call())
		})
	}
}

func TestCreateTaskStampFailureReturnsTheTask(t *testing.T) {
	mb, b := setup(t)
	list := b.fake.DefaultTaskListID(userID)
	b.fake.InjectFault("POST /users/{user}/todo/lists/{list}/tasks/{task}/extensions", graphfake.Fault{Status: 503, Times: 1})
	got, err := mb.CreateTask(context.Background(), list, outlook.Task{Title: "t", Stamp: "act-1"})
	var transient *outlook.TransientError
	if !errors.As(err, &transient) {
		t.Fatalf("err = %v, want a TransientError", err)
	}
	if stored := b.fake.Tasks(userID); len(stored) != 1 || got.ID != stored[0].ID {
		t.Errorf("CreateTask returned %q with its error; graphfake holds %+v", got.ID, stored)
	}
}

func TestWritesStayWithinTheMailboxLimit(t *testing.T) {
	mb, b := setup(t, graphfake.WithLatency(20*time.Millisecond))
	list := b.fake.DefaultTaskListID(userID)
	ctx := context.Background()
	var wg sync.WaitGroup
	errs := make(chan error, 30)
	for i := range 10 {
		wg.Add(3)
		go func() {
			defer wg.Done()
			_, err := mb.CreateEvent(ctx, outlook.Event{Subject: "e", Start: at("2025-03-10T15:00:00Z").Add(time.Duration(i) * time.Hour),
				End: at("2025-03-10T16:00:00Z").Add(time.Duration(i) * time.Hour), Stamp: "act"})
			errs <- err
		}()
		go func() {
			defer wg.Done()
			_, err := mb.CreateContact(ctx, outlook.Contact{GivenName: "c", Stamp: "rec"})
			errs <- err
		}()
		go func() {
			defer wg.Done()
			_, err := mb.CreateTask(ctx, list, outlook.Task{Title: "t", Stamp: "act"})
			errs <- err
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	if n := b.fake.MaxConcurrent(userID); n > 4 || n < 2 {
		t.Errorf("MaxConcurrent = %d, want between 2 and 4", n)
	}
}

func TestUpdateWithoutFieldsWritesNothing(t *testing.T) {
	mb, b := setup(t)
	ctx := context.Background()
	ev := b.fake.AddEvent(userID, outlook.Event{Subject: "e", Start: at("2025-03-10T15:00:00Z"), Stamp: "act-1"})
	ct := b.fake.AddContact(userID, outlook.Contact{GivenName: "c"})
	task := b.fake.AddTask(userID, b.fake.DefaultTaskListID(userID), outlook.Task{Title: "t"})
	gotE, err := mb.UpdateEvent(ctx, ev.ID, outlook.Event{Subject: "x"}, nil)
	if err != nil || gotE.ChangeKey != ev.ChangeKey || gotE.Stamp != "act-1" {
		t.Errorf("UpdateEvent without fields = %+v, %v", gotE, err)
	}
	gotC, err := mb.UpdateContact(ctx, ct.ID, outlook.Contact{}, nil)
	if err != nil || gotC.ChangeKey != ct.ChangeKey {
		t.Errorf("UpdateContact without fields = %+v, %v", gotC, err)
	}
	gotT, err := mb.UpdateTask(ctx, task.ID, outlook.Task{}, nil)
	if err != nil || gotT.ChangeKey != task.ChangeKey {
		t.Errorf("UpdateTask without fields = %+v, %v", gotT, err)
	}
	if bodies := b.fake.Bodies(userID); len(bodies) != 0 {
		t.Errorf("updates without fields wrote %q", bodies)
	}
}
