package graph_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/crmsync/crmsync/internal/graph"
	"github.com/crmsync/crmsync/internal/graph/graphfake"
	"github.com/crmsync/crmsync/internal/outlook"
)

const (
	tenant = "8f0c3c5e-6f4c-4c39-9d47-0f5b0c1e2a11"
	userID = "3b9e6f2a-1c4d-4e8f-9a0b-2c3d4e5f6a7b"
	upn    = "ada@contoso.test"
)

// bundle is what setup returns besides the mailbox under test.
type bundle struct {
	fake   *graphfake.Server
	client *graph.Client
	url    string
}

// setup starts graphfake with one mailbox and opens it through the real SDK, as local mode does.
func setup(t *testing.T, opts ...graphfake.Option) (*graph.Mailbox, bundle) {
	t.Helper()
	fake, url := graphfake.Start(t, opts...)
	fake.AddMailbox(userID, upn)
	c, err := graph.NewClient(graph.Options{BaseURL: url, DevToken: "test"})
	if err != nil {
		t.Fatalf("NewClient: %v", err)
	}
	mb, err := c.Mailbox(graph.User{TenantID: tenant, ObjectID: userID})
	if err != nil {
		t.Fatalf("Mailbox: %v", err)
	}
	return mb, bundle{fake: fake, client: c, url: url}
}

// at is a time as Graph keeps it: UTC, whole seconds.
func at(s string) time.Time {
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		panic(err)
	}
	return t.UTC()
}

// same compares two items field by field, an empty slice equal to a missing one.
func same(t *testing.T, got, want any) {
	t.Helper()
	if g, w := fmt.Sprintf("%+v", got), fmt.Sprintf("%+v", want); g != w {
		t.Errorf("read back\n got %s\nwant %s", g, w)
	}
}

func TestReadMessage(t *testing.T) {
	mb, b := setup(t)
	want := b.fake.AddMessage(userID, "inbox", outlook.Message{
		Subject:    "Renewal",
		Body:       "<p>Hello</p>",
		BodyType:   "html",
		From:       outlook.Address{Name: "Grace", Email: "grace@fabrikam.test"},
		To:         []outlook.Address{{Name: "Ada", Email: upn}},
		Cc:         []outlook.Address{{Name: "Linus", Email: "linus@fabrikam.test"}},
		SentAt:     at("2025-03-01T09:00:00Z"),
		ReceivedAt: at("2025-03-01T09:00:05Z"),
		InReplyTo:  "<b@fabrikam.test>",
		References: []string{"<a@fabrikam.test>", "<b@fabrikam.test>"},
		Categories: []string{"Red"},
		Stamp:      "crm-7",
	})

	got, err := mb.Message(context.Background(), want.ID)
	if err != nil {
		t.Fatalf("Message: %v", err)
	}
	same(t, got, want)
	if got.InReplyTo != "<b@fabrikam.test>" || !slices.Equal(got.References, []string{"<a@fabrikam.test>", "<b@fabrikam.test>"}) {
		t.Errorf("thread headers: In-Reply-To %q, References %q", got.InReplyTo, got.References)
	}
}

func TestReadEvent(t *testing.T) {
	mb, b := setup(t)
	want := b.fake.AddEvent(userID, outlook.Event{
		Subject:   "Quarterly review",
		Body:      "Agenda",
		Start:     at("2025-03-02T14:00:00Z"),
		End:       at("2025-03-02T15:30:00Z"),
		Location:  "Room 4",
		Organizer: outlook.Address{Name: "Grace", Email: "grace@fabrikam.test"},
		Attendees: []outlook.Attendee{
			{Address: outlook.Address{Name: "Ada", Email: upn}, Type: "required"},
			{Address: outlook.Address{Name: "Linus", Email: "linus@fabrikam.test"}, Type: "optional"},
		},
		Categories: []string{"Blue"},
	})

	got, err := mb.Event(context.Background(), want.ID)
	if err != nil {
		t.Fatalf("Event: %v", err)
	}
	same(t, got, want)
}

func TestReadContact(t *testing.T) {
	mb, b := setup(t)
	want := b.fake.AddContact(userID, outlook.Contact{
		GivenName:      "Grace",
		Surname:        "Hopper",
		EmailAddresses: []outlook.Address{{Name: "Grace Hopper", Email: "grace@fabrikam.test"}},
		CompanyName:    "Fabrikam",
		JobTitle:       "Rear Admiral",
		BusinessPhones: []string{"+1 555 0100"},
		MobilePhone:    "+1 555 0199",
	})

	got, err := mb.Contact(context.Background(), want.ID)
	if err != nil {
		t.Fatalf("Contact: %v", err)
	}
	same(t, got, want)
}

func TestReadTask(t *testing.T) {
	mb, b := setup(t)
	list := b.fake.AddTaskList(userID, "Tasks")
	due := at("2025-03-05T00:00:00Z")
	want := b.fake.AddTask(userID, list, outlook.Task{
		Title:      "Send the quote",
		Body:       "With the discount",
		Due:        &due,
		Status:     "inProgress",
		Importance: "high",
		Categories: []string{"Green"},
		Stamp:      "crm-9",
	})

	got, err := mb.Task(context.Background(), want.ID)
	if err != nil {
		t.Fatalf("Task: %v", err)
	}
	if got.Due == nil || !got.Due.Equal(due) {
		t.Errorf("Due = %v, want %v", got.Due, due)
	}
	got.Due, want.Due = nil, nil
	same(t, got, want)
}

// TestImmutableID: the immutable id of an item named by its REST id is read with the item, which Graph
// allows with application permissions (graphfake takes the DevToken for an app-only token), never through
// translateExchangeIds, which Graph does not support with them.
func TestImmutableID(t *testing.T) {
	mb, b := setup(t)
	defer func() {
		if n := b.fake.Requests("POST /users/{user}/translateExchangeIds"); n > 0 {
			t.Errorf("%d translateExchangeIds calls, which app-only tokens may not make", n)
		}
	}()
	ctx := context.Background()
	list := b.fake.AddTaskList(userID, "Tasks")
	items := []struct {
		kind outlook.Kind
		id   string
	}{
		{outlook.KindMessage, b.fake.AddMessage(userID, "inbox", outlook.Message{Subject: "m"}).ID},
		{outlook.KindAppointment, b.fake.AddEvent(userID, outlook.Event{Subject: "e", Start: at("2025-03-02T14:00:00Z")}).ID},
		{outlook.KindContact, b.fake.AddContact(userID, outlook.Contact{GivenName: "c"}).ID},
	}
	for _, it := range items {
		t.Run(string(it.kind), func(t *testing.T) {
			rest := b.fake.RESTID(userID, it.id)
			if rest == "" || rest == it.id {
				t.Fatalf("graphfake gave REST id %q for %q", rest, it.id)
			}
			got, err := mb.ImmutableID(ctx, it.kind, rest)
			if err != nil {
				t.Fatalf("ImmutableID: %v", err)
			}
			if got != it.id {
				t.Errorf("ImmutableID = %q, want %q", got, it.id)
			}
		})
	}
	t.Run("task", func(t *testing.T) {
		task := b.fake.AddTask(userID, list, outlook.Task{Title: "t"})
		before := b.fake.Requests("*")
		got, err := mb.ImmutableID(ctx, outlook.KindTask, task.ID)
		if err != nil || got != task.ID {
			t.Fatalf("ImmutableID = %q, %v; want %q as is", got, err, task.ID)
		}
		if b.fake.Requests("*") != before {
			t.Error("a task id was sent to Graph")
		}
	})
	t.Run("unknown id", func(t *testing.T) {
		_, err := mb.ImmutableID(ctx, outlook.KindMessage, "AAMkAGI2nothere=")
		if !errors.Is(err, outlook.ErrInvalid) && !errors.Is(err, outlook.ErrNotFound) {
			t.Errorf("error = %v, want ErrInvalid or ErrNotFound", err)
		}
	})
	t.Run("unknown kind", func(t *testing.T) {
		if _, err := mb.ImmutableID(ctx, "note", "x"); !errors.Is(err, outlook.ErrInvalid) {
			t.Errorf("error = %v, want ErrInvalid", err)
		}
	})
}

func TestCheck(t *testing.T) {
	mb, b := setup(t)
	err := mb.Check(context.Background())
	if err != nil {
		t.Fatalf("Check: %v", err)
	}
	other, err := b.client.Mailbox(graph.User{TenantID: tenant, ObjectID: "no-such-user"})
	if err != nil {
		t.Fatal(err)
	}
	if err := other.Check(context.Background()); !errors.Is(err, outlook.ErrNotFound) {
		t.Errorf("Check of a missing mailbox = %v, want ErrNotFound", err)
	}
}
