package mailsync

import (
	"context"
	"fmt"
	"strings"

	"github.com/crmsync/crmsync/internal/crm"
	"github.com/crmsync/crmsync/internal/outlook"
)

// FolderTasks names the To Do lists' delta folders, as sync_state names them: one per list,
// "todo:<list id>".
const FolderTasks = "todo"

// tasks are CRM tasks and Microsoft To Do tasks in the user's default list.
type tasks struct{ activityKind }

func (tasks) kind() outlook.Kind { return outlook.KindTask }
func (tasks) itemKind() string   { return crm.ItemTask }

// folders are every To Do list: a task tracked from any list is kept in step; filters push to the
// default one.
func (tasks) folders(ctx context.Context, p *pass) ([]string, error) {
	lists, err := p.items.TaskLists(ctx)
	if err != nil {
		return nil, err
	}
	out := make([]string, len(lists))
	for i, id := range lists {
		out[i] = FolderTasks + ":" + id
	}
	return out, nil
}

func (tasks) delta(ctx context.Context, p *pass, folder, link string) (itemPage, error) {
	pg, err := p.items.TasksDelta(ctx, strings.TrimPrefix(folder, FolderTasks+":"), link)
	return pageOf(pg, taskItem), err
}

func (tasks) read(ctx context.Context, p *pass, id string) (outlookItem, error) {
	t, err := p.items.Task(ctx, id)
	return taskItem(t), err
}

func (tasks) create(ctx context.Context, p *pass, v values, c crmItem) (outlookItem, error) {
	list, err := p.remembered("todo:default", func() (string, error) {
		id, err := p.items.DefaultTaskList(ctx)
		if err != nil {
			return "", fmt.Errorf("find the default To Do list: %w", err)
		}
		return id, nil
	})
	if err != nil {
		return outlookItem{}, err
	}
	t := toDoOf(v)
	t.Stamp = c.ID
	got, err := p.items.CreateTask(ctx, list, t)
	return taskItem(got), err
}

func (tasks) update(ctx context.Context, p *pass, id string, v values, props []string) (outlookItem, error) {
	got, err := p.items.UpdateTask(ctx, id, toDoOf(v), props)
	return taskItem(got), err
}

func (tasks) remove(ctx context.Context, p *pass, id string) error {
	return p.items.DeleteTask(ctx, id)
}

func taskItem(t outlook.Task) outlookItem {
	return outlookItem{ID: t.ID, ChangeKey: t.ChangeKey, Modified: t.LastModified, Values: toDoValues(t), Categories: t.Categories, Stamp: t.Stamp,
		Ambiguous: !t.Sent.Whole() && !t.Sent.Has("dueDateTime")}
}

// taskProperties are the Graph properties of a task's synchronized fields. A task without a due date
// has no dueDateTime.
var taskProperties = map[string]string{"subject": "title", "body": "body", "due": "dueDateTime", "status": "status"}

func taskValues(a crm.Activity) values {
	return values{"subject": a.Subject, "body": textValue(a.Body), "due": dateValue(a.Due), "status": taskStatusValue(a.Status)}
}

func toDoValues(t outlook.Task) values {
	return present(values{"subject": t.Title, "body": textValue(t.Body), "due": dateValue(t.Due), "status": taskStatusValue(t.Status)},
		t.Sent, taskProperties)
}

func toDoOf(v values) outlook.Task {
	return outlook.Task{Title: v["subject"], Body: v["body"], Due: parseDateValue(v["due"]), Status: toDoStatus(v["status"])}
}

// taskStatusValue maps To Do's statuses onto the CRM's: a task is open or completed.
func taskStatusValue(status string) string {
	if status == "completed" {
		return "completed"
	}
	return "open"
}

// toDoStatus is the To Do status of a CRM task status.
func toDoStatus(status string) string {
	if status == "completed" {
		return "completed"
	}
	return "notStarted"
}
