package graph

import (
	"context"
	"fmt"
	"time"

	absser "github.com/microsoft/kiota-abstractions-go/serialization"
	"github.com/microsoftgraph/msgraph-sdk-go/models"
	"github.com/microsoftgraph/msgraph-sdk-go/users"

	"github.com/crmsync/crmsync/internal/outlook"
)

// Writing To Do tasks, for CRM → Outlook synchronization. Tasks have no extended properties, so a stamp
// cannot ride in the create: CreateTask creates the task with TrackedCategory, writes the stamp
// extension, then reads the task back, so the change key it returns is the one after stamping.

// CreateTask creates t in the To Do list listID, with its title, body, due date (the day, at 00:00
// UTC), status, importance and categories, and when t.Stamp is set, the stamp extension and
// TrackedCategory. The task's ID is outlook.TaskItemID(listID, task id). When stamping fails after the
// task was created, the error comes with the created task, so that the caller can record it instead of
// creating it again.
func (m *Mailbox) CreateTask(ctx context.Context, listID string, t outlook.Task) (outlook.Task, error) {
	fields := []string{"title"} // the properties t has; an empty one is not sent
	for name, has := range map[string]bool{"body": t.Body != "", "dueDateTime": t.Due != nil, "status": t.Status != "", "importance": t.Importance != ""} {
		if has {
			fields = append(fields, name)
		}
	}
	body, err := taskBody(t, fields)
	if err != nil {
		return outlook.Task{}, fmt.Errorf("create task in list %s: %w", listID, err)
	}
	switch {
	case t.Stamp != "":
		body.SetCategories(withCategory(t.Categories))
	case len(t.Categories) > 0:
		body.SetCategories(t.Categories)
	}
	g, err := fetch(ctx, m, func(ctx context.Context) (models.TodoTaskable, error) {
		return m.me().Todo().Lists().ByTodoTaskListId(listID).Tasks().Post(ctx, body,
			&users.ItemTodoListsItemTasksRequestBuilderPostRequestConfiguration{Headers: preferImmutable(preferUTC)})
	})
	if err != nil {
		return outlook.Task{}, fmt.Errorf("create task in list %s: %w", listID, err)
	}
	created := todoTask(listID, g)
	if t.Stamp == "" {
		return created, nil
	}
	taskID := deref(g.GetId())
	err = m.extensionCall(ctx, func(ctx context.Context) error {
		_, err := m.task(listID, taskID).Extensions().Post(ctx, stampExtensionBody(t.Stamp), nil)
		return err
	})
	if err != nil {
		return created, fmt.Errorf("stamp new task %s: %w", created.ID, err)
	}
	stamped, err := m.getTask(ctx, listID, taskID)
	if err != nil {
		created.Stamp = t.Stamp
		return created, fmt.Errorf("read new task %s: %w", created.ID, err)
	}
	return todoTask(listID, stamped), nil
}

// UpdateTask writes the named properties of t to the task taskItemID: any of "title", "body",
// "dueDateTime", "status" and "importance"; a nil t.Due clears the due date. It returns the task as
// Graph answered the PATCH, Stamp empty. With no fields nothing is written: the task is read.
func (m *Mailbox) UpdateTask(ctx context.Context, taskItemID string, t outlook.Task, fields []string) (outlook.Task, error) {
	listID, taskID, err := splitTask(taskItemID)
	if err != nil {
		return outlook.Task{}, fmt.Errorf("update task %s: %w", taskItemID, err)
	}
	body, err := taskBody(t, fields)
	if err != nil {
		return outlook.Task{}, fmt.Errorf("update task %s: %w", taskItemID, err)
	}
	if len(fields) == 0 {
		return m.Task(ctx, taskItemID)
	}
	var g models.TodoTaskable
	err = m.call(ctx, func(ctx context.Context) (err error) {
		g, err = m.task(listID, taskID).Patch(ctx, body,
			&users.ItemTodoListsItemTasksTodoTaskItemRequestBuilderPatchRequestConfiguration{Headers: preferImmutable(preferUTC)})
		return err
	})
	if err != nil {
		return outlook.Task{}, fmt.Errorf("update task %s: %w", taskItemID, err)
	}
	if g == nil {
		return m.Task(ctx, taskItemID)
	}
	return todoTask(listID, g), nil
}

// DeleteTask deletes the task taskItemID; one already gone answers outlook.ErrNotFound.
func (m *Mailbox) DeleteTask(ctx context.Context, taskItemID string) error {
	listID, taskID, err := splitTask(taskItemID)
	if err == nil {
		err = m.call(ctx, func(ctx context.Context) error {
			return m.task(listID, taskID).Delete(ctx,
				&users.ItemTodoListsItemTasksTodoTaskItemRequestBuilderDeleteRequestConfiguration{Headers: preferImmutable()})
		})
	}
	if err != nil {
		return fmt.Errorf("delete task %s: %w", taskItemID, err)
	}
	return nil
}

// taskBody is a request body holding the named properties of t, and no others.
func taskBody(t outlook.Task, fields []string) (*models.TodoTask, error) {
	body := models.NewTodoTask()
	for _, f := range fields {
		switch f {
		case "title":
			body.SetTitle(&t.Title)
		case "body":
			body.SetBody(itemBody(t.Body, "text"))
		case "dueDateTime":
			if t.Due == nil {
				// The SDK leaves out nil properties; Graph needs an explicit null to clear the date.
				body.SetAdditionalData(map[string]any{"dueDateTime": absser.NewUntypedNull()})
				continue
			}
			d := t.Due.UTC()
			body.SetDueDateTime(utcDateTime(time.Date(d.Year(), d.Month(), d.Day(), 0, 0, 0, 0, time.UTC)))
		case "status":
			parsed, _ := models.ParseTaskStatus(t.Status)
			s, ok := parsed.(*models.TaskStatus)
			if !ok || s == nil {
				return nil, fmt.Errorf("%w: task status %q (notStarted, inProgress, completed, waitingOnOthers, deferred)", outlook.ErrInvalid, t.Status)
			}
			body.SetStatus(s)
		case "importance":
			parsed, _ := models.ParseImportance(t.Importance)
			i, ok := parsed.(*models.Importance)
			if !ok || i == nil {
				return nil, fmt.Errorf("%w: task importance %q (low, normal, high)", outlook.ErrInvalid, t.Importance)
			}
			body.SetImportance(i)
		default:
			return nil, fmt.Errorf("%w: unknown task field %q (title, body, dueDateTime, status, importance)", outlook.ErrInvalid, f)
		}
	}
	return body, nil
}
