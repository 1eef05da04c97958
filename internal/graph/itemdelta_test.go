package graph_test

import (
	"context"
	"errors"
	"slices"
	"testing"
	"time"

	"github.com/crmsync/crmsync/internal/graph/graphfake"
	"github.com/crmsync/crmsync/internal/outlook"
)

// itemRound follows a delta round of any item kind to its end.
func itemRound[T any](t *testing.T, read func(link string) (outlook.ItemPage[T], error), link string) (items []T, removed []string, deltaLink string, pages int) {
	t.Helper()
	for {
		page, err := read(link)
		if err != nil {
			t.Fatalf("delta: %v", err)
		}
		pages++
		items = append(items, page.Items...)
		removed = append(removed, page.Removed...)
		if page.NextLink == "" {
			if page.DeltaLink == "" {
				t.Fatal("the last page has no deltaLink")
			}
			return items, removed, page.DeltaLink, pages
		}
		if page.DeltaLink != "" {
			t.Error("a page with a nextLink also has a deltaLink")
		}
		link = page.NextLink
	}
}

func idsOf[T any](items []T, id func(T) string) []string {
	out := []string{}
	for _, it := range items {
		out = append(out, id(it))
	}
	slices.Sort(out)
	return out
}

func sorted(ids ...string) []string {
	out := append([]string{}, ids...)
	slices.Sort(out)
	return out
}

// deltaCase drives the same scenario through each item kind: seed two items, change one, delete the
// other.
type deltaCase struct {
	name   string
	read   func(ctx context.Context, link string) (ids []string, removed []string, next, delta string, err error)
	seed   func(f *graphfake.Server, n int) string // returns the id as the delta reports it
	change func(f *graphfake.Server, id string)
}

// deltaKinds names the cases of deltaCaseFor.
var deltaKinds = []string{"events", "contacts", "tasks"}

// deltaCaseFor starts a mailbox and returns the case of kind name over it.
func deltaCaseFor(t *testing.T, name string) (deltaCase, bundle) {
	mb, b := setup(t)
	window := at("2025-03-01T00:00:00Z")
	list := b.fake.DefaultTaskListID(userID)
	cases := []deltaCase{
		{
			name: "events",
			read: func(ctx context.Context, link string) ([]string, []string, string, string, error) {
				p, err := mb.EventsDelta(ctx, link, window, window.AddDate(0, 1, 0))
				for _, e := range p.Items {
					switch {
					case e.Sent.Whole() && (e.Subject == "" || e.ChangeKey == "" || e.LastModified.IsZero() || e.Start.IsZero() || e.ICalUID == "" || e.Type != outlook.EventSingle):
						t.Errorf("event lacks properties: %+v", e)
					case !e.Sent.Whole() && (e.Subject != "moved" || !e.Sent.Has("subject") || e.Sent.Has("start") || e.Sent.Has("isOrganizer")):
						// An updated item comes with the properties that changed (delta-query-overview.md).
						t.Errorf("changed event: %+v, want its subject alone of what it holds", e)
					}
				}
				return idsOf(p.Items, func(e outlook.Event) string { return e.ID }), p.Removed, p.NextLink, p.DeltaLink, err
			},
			seed: func(f *graphfake.Server, n int) string {
				start := window.Add(time.Duration(n+1) * time.Hour)
				return f.AddEvent(userID, outlook.Event{Subject: "e", Start: start, End: start.Add(time.Hour)}).ID
			},
			change: func(f *graphfake.Server, id string) {
				f.UpdateEvent(userID, id, func(e *outlook.Event) { e.Subject = "moved" })
			},
		},
		{
			name: "contacts",
			read: func(ctx context.Context, link string) ([]string, []string, string, string, error) {
				p, err := mb.ContactsDelta(ctx, link)
				for _, c := range p.Items {
					switch {
					case c.Sent.Whole() && (c.GivenName == "" || c.ChangeKey == "" || c.LastModified.IsZero() || len(c.EmailAddresses) != 1 || c.ParentFolderID == ""):
						t.Errorf("contact lacks properties: %+v", c)
					case !c.Sent.Whole() && (c.JobTitle != "CFO" || !c.Sent.Has("jobTitle") || c.Sent.Has("givenName") || c.Sent.Has("emailAddresses")):
						t.Errorf("changed contact: %+v, want its job title alone of what it holds", c)
					}
				}
				return idsOf(p.Items, func(c outlook.Contact) string { return c.ID }), p.Removed, p.NextLink, p.DeltaLink, err
			},
			seed: func(f *graphfake.Server, n int) string {
				return f.AddContact(userID, outlook.Contact{GivenName: "c", EmailAddresses: []outlook.Address{{Email: "c@fabrikam.test"}}}).ID
			},
			change: func(f *graphfake.Server, id string) {
				f.UpdateContact(userID, id, func(c *outlook.Contact) { c.JobTitle = "CFO" })
			},
		},
		{
			name: "tasks",
			read: func(ctx context.Context, link string) ([]string, []string, string, string, error) {
				p, err := mb.TasksDelta(ctx, list, link)
				for _, task := range p.Items {
					switch {
					case task.ListID != list:
						t.Errorf("task of list %q: %+v", task.ListID, task)
					case task.Sent.Whole() && (task.Title == "" || task.ChangeKey == "" || task.LastModified.IsZero()):
						t.Errorf("task lacks properties: %+v", task)
					case !task.Sent.Whole() && (task.Status != "completed" || !task.Sent.Has("status") || task.Sent.Has("title") || task.ChangeKey == ""):
						t.Errorf("changed task: %+v, want its status and etag alone of what it holds", task)
					}
				}
				return idsOf(p.Items, func(task outlook.Task) string { return task.ID }), p.Removed, p.NextLink, p.DeltaLink, err
			},
			seed: func(f *graphfake.Server, n int) string {
				return f.AddTask(userID, list, outlook.Task{Title: "t"}).ID
			},
			change: func(f *graphfake.Server, id string) {
				f.UpdateTask(userID, id, func(task *outlook.Task) { task.Status = "completed" })
			},
		},
	}
	for _, tc := range cases {
		if tc.name == name {
			return tc, b
		}
	}
	t.Fatalf("no delta case %q", name)
	return deltaCase{}, b
}

// follow runs a round of a deltaCase to its end.
func follow(t *testing.T, tc deltaCase, link string) (ids, removed []string, deltaLink string, pages int) {
	t.Helper()
	ctx := context.Background()
	for {
		got, gone, next, delta, err := tc.read(ctx, link)
		if err != nil {
			t.Fatalf("delta: %v", err)
		}
		pages++
		ids, removed = append(ids, got...), append(removed, gone...)
		if next == "" {
			if delta == "" {
				t.Fatal("the last page has no deltaLink")
			}
			slices.Sort(ids)
			return ids, removed, delta, pages
		}
		link = next
	}
}

func TestItemDelta(t *testing.T) {
	for _, name := range deltaKinds {
		t.Run(name, func(t *testing.T) {
			tc, b := deltaCaseFor(t, name)
			kept, gone := tc.seed(b.fake, 0), tc.seed(b.fake, 1)

			ids, removed, link, _ := follow(t, tc, "")
			if !slices.Equal(ids, sorted(kept, gone)) || len(removed) != 0 {
				t.Fatalf("initial round: %v, removed %v; want both items", ids, removed)
			}
			ids, removed, link, _ = follow(t, tc, link)
			if len(ids) != 0 || len(removed) != 0 {
				t.Fatalf("round without change: %v, removed %v", ids, removed)
			}

			tc.change(b.fake, kept)
			b.fake.DeleteItem(userID, gone)
			ids, removed, link, _ = follow(t, tc, link)
			if !slices.Equal(ids, []string{kept}) || !slices.Equal(removed, []string{gone}) {
				t.Errorf("round after a change and a delete: %v, removed %v; want [%s], removed [%s]", ids, removed, kept, gone)
			}

			b.fake.ExpireDeltaTokens(userID)
			if _, _, _, _, err := tc.read(context.Background(), link); !errors.Is(err, outlook.ErrSyncReset) {
				t.Fatalf("expired link: %v, want ErrSyncReset", err)
			}
			if ids, _, _, _ := follow(t, tc, ""); !slices.Equal(ids, []string{kept}) {
				t.Errorf("a fresh round lists %v, want [%s]", ids, kept)
			}
		})
	}
}

func TestItemDeltaPages(t *testing.T) {
	for _, name := range deltaKinds {
		t.Run(name, func(t *testing.T) {
			tc, b := deltaCaseFor(t, name)
			var want []string
			for n := range 120 {
				want = append(want, tc.seed(b.fake, n))
			}
			ids, _, _, pages := follow(t, tc, "")
			if !slices.Equal(ids, sorted(want...)) || pages != 3 {
				t.Errorf("%d items in %d pages, want 120 in 3 pages of at most 50", len(ids), pages)
			}
		})
	}
}

func TestEventsDeltaWindow(t *testing.T) {
	mb, b := setup(t)
	ctx := context.Background()
	in := b.fake.AddEvent(userID, outlook.Event{Subject: "in", Start: at("2025-03-10T15:00:00Z"), End: at("2025-03-10T16:00:00Z")})
	b.fake.AddEvent(userID, outlook.Event{Subject: "later", Start: at("2025-05-10T15:00:00Z"), End: at("2025-05-10T16:00:00Z")})
	read := func(link string) (outlook.ItemPage[outlook.Event], error) {
		return mb.EventsDelta(ctx, link, at("2025-03-01T00:00:00Z"), at("2025-04-01T00:00:00Z"))
	}
	events, _, link, _ := itemRound(t, read, "")
	if len(events) != 1 || events[0].ID != in.ID {
		t.Fatalf("window lists %+v, want only %q", events, in.Subject)
	}
	if !events[0].Start.Equal(in.Start) || !events[0].End.Equal(in.End) || events[0].Stamp != "" {
		t.Errorf("event %+v", events[0])
	}
	// Moved out of the window, the event is removed from the view; the link kept the window.
	b.fake.UpdateEvent(userID, in.ID, func(e *outlook.Event) { e.Start, e.End = e.Start.AddDate(0, 2, 0), e.End.AddDate(0, 2, 0) })
	events, removed, _, _ := itemRound(t, func(link string) (outlook.ItemPage[outlook.Event], error) {
		return mb.EventsDelta(ctx, link, time.Time{}, time.Time{})
	}, link)
	if len(events) != 0 || !slices.Equal(removed, []string{in.ID}) {
		t.Errorf("after moving it away: %+v, removed %v", events, removed)
	}
}

func TestTasksDeltaOfAMissingList(t *testing.T) {
	mb, _ := setup(t)
	_, err := mb.TasksDelta(context.Background(), "AAMkADU3bm90LWEtbGlzdA=", "")
	if !errors.Is(err, outlook.ErrNotFound) {
		t.Errorf("err = %v, want ErrNotFound", err)
	}
}

func TestItemDeltaMapsErrors(t *testing.T) {
	mb, b := setup(t)
	ctx := context.Background()
	list := b.fake.DefaultTaskListID(userID)
	b.fake.AddContact(userID, outlook.Contact{GivenName: "c"}) // so that the contacts folder is known
	cases := []struct {
		route string
		call  func() error
	}{
		{"GET /users/{user}/calendarView/delta", func() error {
			_, err := mb.EventsDelta(ctx, "", at("2025-03-01T00:00:00Z"), at("2025-04-01T00:00:00Z"))
			return err
		}},
		{"GET /users/{user}/contactFolders/{folder}/contacts/delta", func() error { _, err := mb.ContactsDelta(ctx, ""); return err }},
		{"GET /users/{user}/todo/lists/{list}/tasks/delta", func() error { _, err := mb.TasksDelta(ctx, list, ""); return err }},
	}
	for _, tc := range cases {
		t.Run(tc.route, func(t *testing.T) {
			b.fake.InjectFault(tc.route, graphfake.Fault{Status: 429, RetryAfter: 2 * time.Second, Times: 1})
			throttled(2*time.Second)(t, tc.call())
			b.fake.InjectFault(tc.route, graphfake.Fault{Status: 410, Times: 1})
			is(outlook.ErrSyncReset)(t, tc.call())
			b.fake.InjectFault(tc.route, graphfake.Fault{Status: 502, Times: 1})
			transient(502)(t, tc.call())
		})
	}
}
