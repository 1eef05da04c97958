package graph_test

import (
	"context"
	"errors"
	"slices"
	"testing"

	"github.com/crmsync/crmsync/internal/graph"
	"github.com/crmsync/crmsync/internal/graph/graphfake"
	"github.com/crmsync/crmsync/internal/outlook"
)

// stampCase seeds one item of a kind with the category "Red" and reads back what Graph then holds.
type stampCase struct {
	kind outlook.Kind
	seed func(f *graphfake.Server) string
	read func(ctx context.Context, mb *graph.Mailbox, id string) (stamp string, categories []string, err error)
}

func stampCases() []stampCase {
	red := []string{"Red"}
	return []stampCase{
		{
			kind: outlook.KindMessage,
			seed: func(f *graphfake.Server) string {
				return f.AddMessage(userID, "inbox", outlook.Message{Subject: "m", Categories: red}).ID
			},
			read: func(ctx context.Context, mb *graph.Mailbox, id string) (string, []string, error) {
				m, err := mb.Message(ctx, id)
				return m.Stamp, m.Categories, err
			},
		},
		{
			kind: outlook.KindAppointment,
			seed: func(f *graphfake.Server) string {
				return f.AddEvent(userID, outlook.Event{Subject: "e", Start: at("2025-03-02T14:00:00Z"), Categories: red}).ID
			},
			read: func(ctx context.Context, mb *graph.Mailbox, id string) (string, []string, error) {
				e, err := mb.Event(ctx, id)
				return e.Stamp, e.Categories, err
			},
		},
		{
			kind: outlook.KindContact,
			seed: func(f *graphfake.Server) string {
				return f.AddContact(userID, outlook.Contact{GivenName: "c", Categories: red}).ID
			},
			read: func(ctx context.Context, mb *graph.Mailbox, id string) (string, []string, error) {
				c, err := mb.Contact(ctx, id)
				return c.Stamp, c.Categories, err
			},
		},
		{
			kind: outlook.KindTask,
			seed: func(f *graphfake.Server) string {
				list := f.AddTaskList(userID, "Tasks")
				return f.AddTask(userID, list, outlook.Task{Title: "t", Categories: red}).ID
			},
			read: func(ctx context.Context, mb *graph.Mailbox, id string) (string, []string, error) {
				t, err := mb.Task(ctx, id)
				return t.Stamp, t.Categories, err
			},
		},
	}
}

func TestStampAndUnstamp(t *testing.T) {
	for _, tc := range stampCases() {
		t.Run(string(tc.kind), func(t *testing.T) {
			mb, b := setup(t)
			ctx := context.Background()
			id := tc.seed(b.fake)

			if err := mb.Stamp(ctx, tc.kind, id, "crm-42"); err != nil {
				t.Fatalf("Stamp: %v", err)
			}
			stamp, cats, err := tc.read(ctx, mb, id)
			if err != nil {
				t.Fatal(err)
			}
			if stamp != "crm-42" || !slices.Equal(cats, []string{"Red", outlook.TrackedCategory}) {
				t.Errorf("after Stamp: stamp %q, categories %q", stamp, cats)
			}
			if n := b.fake.StampWrites(userID, id); n != 1 {
				t.Errorf("StampWrites = %d after one Stamp, want 1", n)
			}

			if err := mb.Stamp(ctx, tc.kind, id, "crm-42"); err != nil {
				t.Fatalf("Stamp again: %v", err)
			}
			if n := b.fake.StampWrites(userID, id); n != 1 {
				t.Errorf("StampWrites = %d after stamping the same id again, want 1", n)
			}

			if err := mb.Unstamp(ctx, tc.kind, id); err != nil {
				t.Fatalf("Unstamp: %v", err)
			}
			stamp, cats, err = tc.read(ctx, mb, id)
			if err != nil {
				t.Fatal(err)
			}
			if stamp != "" || !slices.Equal(cats, []string{"Red"}) {
				t.Errorf("after Unstamp: stamp %q, categories %q", stamp, cats)
			}
		})
	}
}

func TestRestampWithAnotherID(t *testing.T) {
	for _, tc := range stampCases() {
		t.Run(string(tc.kind), func(t *testing.T) {
			mb, b := setup(t)
			ctx := context.Background()
			id := tc.seed(b.fake)
			for _, crmID := range []string{"crm-1", "crm-2"} {
				if err := mb.Stamp(ctx, tc.kind, id, crmID); err != nil {
					t.Fatalf("Stamp %s: %v", crmID, err)
				}
			}
			stamp, cats, err := tc.read(ctx, mb, id)
			if err != nil {
				t.Fatal(err)
			}
			if stamp != "crm-2" || !slices.Equal(cats, []string{"Red", outlook.TrackedCategory}) {
				t.Errorf("stamp %q, categories %q; want crm-2 and one tracked category", stamp, cats)
			}
		})
	}
}

func TestUnstampGoneItem(t *testing.T) {
	for _, tc := range stampCases() {
		t.Run(string(tc.kind), func(t *testing.T) {
			mb, b := setup(t)
			ctx := context.Background()
			id := tc.seed(b.fake)
			if err := mb.Stamp(ctx, tc.kind, id, "crm-42"); err != nil {
				t.Fatal(err)
			}
			b.fake.PurgeItem(userID, id) // gone for good, not in Deleted Items

			if err := mb.Unstamp(ctx, tc.kind, id); err != nil {
				t.Errorf("Unstamp of a deleted item = %v, want nil", err)
			}
			if err := mb.Stamp(ctx, tc.kind, id, "crm-43"); !errors.Is(err, outlook.ErrNotFound) {
				t.Errorf("Stamp of a deleted item = %v, want ErrNotFound", err)
			}
		})
	}
}

func TestStampKeepsCategoriesOfUntrackedItem(t *testing.T) {
	mb, b := setup(t)
	ctx := context.Background()
	id := b.fake.AddMessage(userID, "inbox", outlook.Message{Subject: "m"}).ID
	if err := mb.Stamp(ctx, outlook.KindMessage, id, "crm-1"); err != nil {
		t.Fatal(err)
	}
	if err := mb.Unstamp(ctx, outlook.KindMessage, id); err != nil {
		t.Fatal(err)
	}
	m, err := mb.Message(ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	if len(m.Categories) != 0 || m.Stamp != "" {
		t.Errorf("after Stamp and Unstamp of an item without categories: %q, stamp %q", m.Categories, m.Stamp)
	}
}

func TestTaskIDMustNameList(t *testing.T) {
	mb, _ := setup(t)
	ctx := context.Background()
	if _, err := mb.Task(ctx, "no-colon"); !errors.Is(err, outlook.ErrInvalid) {
		t.Errorf("Task = %v, want ErrInvalid", err)
	}
	if err := mb.Stamp(ctx, outlook.KindTask, "no-colon", "crm-1"); !errors.Is(err, outlook.ErrInvalid) {
		t.Errorf("Stamp = %v, want ErrInvalid", err)
	}
}

func TestStampKnownKeepsTheCategoriesItWasGiven(t *testing.T) {
	mb, b := setup(t)
	ctx := context.Background()
	m := b.fake.AddMessage(userID, "inbox", outlook.Message{Subject: "Known", Categories: []string{"Red"}})
	before := b.fake.Requests("GET /users/{user}/messages/{id}")
	if err := mb.StampKnown(ctx, outlook.KindMessage, m.ID, "crm-7", []string{"Red"}); err != nil {
		t.Fatal(err)
	}
	got, _ := b.fake.Message(userID, m.ID)
	if got.Stamp != "crm-7" || !slices.Equal(got.Categories, []string{"Red", outlook.TrackedCategory}) {
		t.Fatalf("after StampKnown: stamp %q categories %v", got.Stamp, got.Categories)
	}
	if b.fake.Requests("GET /users/{user}/messages/{id}") != before {
		t.Fatal("StampKnown read the item again")
	}
}
