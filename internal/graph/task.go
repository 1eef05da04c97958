package graph

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/microsoftgraph/msgraph-sdk-go/models"
	"github.com/microsoftgraph/msgraph-sdk-go/users"

	"github.com/crmsync/crmsync/internal/outlook"
)

// To Do tasks have no extended properties in Graph v1.0: the stamp lives in an open extension. Graph's
// pages disagree on the extension's id, which is its name with a prefix: the create page shows
// microsoft.graph.openTypeExtension.{name} (opentypeextension-post-opentypeextension.md), the get page
// Microsoft.OutlookServices.OpenTypeExtension.{name} (opentypeextension-get.md). Both document
// addressing an extension by its name, and both answers carry extensionName: so crmsync expands a
// task's extensions unfiltered (a task has few), finds the stamp by extensionName, and addresses it by
// name, never by an id form.
const (
	stampExtensionProperty = "crmId"
	taskExpand             = "extensions"
)

// Task reads a To Do task named by outlook.TaskItemID, with the stamp from its open extension.
func (m *Mailbox) Task(ctx context.Context, taskItemID string) (outlook.Task, error) {
	listID, taskID, err := splitTask(taskItemID)
	if err != nil {
		return outlook.Task{}, fmt.Errorf("read task %s: %w", taskItemID, err)
	}
	g, err := m.getTask(ctx, listID, taskID)
	if err != nil {
		return outlook.Task{}, fmt.Errorf("read task %s: %w", taskItemID, err)
	}
	return todoTask(listID, g), nil
}

// todoTask converts a task of list listID; its stamp is read from the expanded extensions, if any.
func todoTask(listID string, g models.TodoTaskable) outlook.Task {
	t := outlook.Task{
		ID:           outlook.TaskItemID(listID, deref(g.GetId())),
		ListID:       listID,
		Title:        deref(g.GetTitle()),
		Categories:   g.GetCategories(),
		Stamp:        taskStamp(g),
		ChangeKey:    stringValue(g.GetAdditionalData()["@odata.etag"]),
		LastModified: timeOf(g.GetLastModifiedDateTime()),
	}
	t.Body, _ = body(g.GetBody())
	if due := dateTime(g.GetDueDateTime()); !due.IsZero() {
		t.Due = &due
	}
	if s := g.GetStatus(); s != nil {
		t.Status = s.String()
	}
	if i := g.GetImportance(); i != nil {
		t.Importance = i.String()
	}
	return t
}

func (m *Mailbox) getTask(ctx context.Context, listID, taskID string) (models.TodoTaskable, error) {
	return fetch(ctx, m, func(ctx context.Context) (models.TodoTaskable, error) {
		return m.task(listID, taskID).Get(ctx, &users.ItemTodoListsItemTasksTodoTaskItemRequestBuilderGetRequestConfiguration{
			QueryParameters: &users.ItemTodoListsItemTasksTodoTaskItemRequestBuilderGetQueryParameters{
				Expand: []string{taskExpand},
			},
		})
	})
}

func (m *Mailbox) task(listID, taskID string) *users.ItemTodoListsItemTasksTodoTaskItemRequestBuilder {
	return m.me().Todo().Lists().ByTodoTaskListId(listID).Tasks().ByTodoTaskId(taskID)
}

// stampTask writes crmID in the task's extension, creating it if needed, then adds the category.
func (m *Mailbox) stampTask(ctx context.Context, taskItemID, crmID string) error {
	listID, taskID, err := splitTask(taskItemID)
	if err != nil {
		return err
	}
	g, err := m.getTask(ctx, listID, taskID)
	if err != nil {
		return err
	}
	ext := stampExtensionBody(crmID)
	existing := stampExtension(g)
	switch {
	case existing == nil:
		err = m.extensionCall(ctx, func(ctx context.Context) error {
			_, err := m.task(listID, taskID).Extensions().Post(ctx, ext, nil)
			return err
		})
	case taskStamp(g) != crmID:
		err = m.extensionCall(ctx, func(ctx context.Context) error {
			_, err := m.task(listID, taskID).Extensions().ByExtensionId(outlook.StampExtensionName).Patch(ctx, ext, nil)
			return err
		})
	}
	if err != nil {
		return err
	}
	if slices.Contains(g.GetCategories(), outlook.TrackedCategory) {
		return nil
	}
	return m.patchTaskCategories(ctx, listID, taskID, withCategory(g.GetCategories()))
}

// stampExtensionBody is crmsync's open extension holding crmID.
func stampExtensionBody(crmID string) *models.OpenTypeExtension {
	ext := models.NewOpenTypeExtension()
	name := outlook.StampExtensionName
	ext.SetExtensionName(&name)
	ext.SetAdditionalData(map[string]any{stampExtensionProperty: crmID})
	return ext
}

// unstampTask deletes the task's extension and removes the category.
func (m *Mailbox) unstampTask(ctx context.Context, taskItemID string) error {
	listID, taskID, err := splitTask(taskItemID)
	if err != nil {
		return err
	}
	g, err := m.getTask(ctx, listID, taskID)
	if err != nil {
		return err
	}
	if stampExtension(g) != nil {
		err = m.extensionCall(ctx, func(ctx context.Context) error {
			return m.task(listID, taskID).Extensions().ByExtensionId(outlook.StampExtensionName).Delete(ctx, nil)
		})
		if err = ignoreNotFound(err); err != nil {
			return err
		}
	}
	if !slices.Contains(g.GetCategories(), outlook.TrackedCategory) {
		return nil
	}
	return m.patchTaskCategories(ctx, listID, taskID, withoutCategory(g.GetCategories()))
}

func (m *Mailbox) patchTaskCategories(ctx context.Context, listID, taskID string, categories []string) error {
	body := models.NewTodoTask()
	body.SetCategories(categories)
	return m.call(ctx, func(ctx context.Context) error {
		_, err := m.task(listID, taskID).Patch(ctx, body, nil)
		return err
	})
}

// stampExtension finds crmsync's open extension among a task's expanded extensions, by its
// extensionName; an answer without one is matched by the name its id ends with, whichever prefix.
func stampExtension(g models.TodoTaskable) models.Extensionable {
	for _, e := range g.GetExtensions() {
		if e == nil {
			continue
		}
		name := stringValue(e.GetAdditionalData()["extensionName"])
		if o, ok := e.(*models.OpenTypeExtension); ok && o.GetExtensionName() != nil {
			name = *o.GetExtensionName()
		}
		if name == "" {
			name = deref(e.GetId())
			const prefixEnd = "opentypeextension."
			if i := strings.LastIndex(strings.ToLower(name), prefixEnd); i >= 0 {
				name = name[i+len(prefixEnd):]
			}
		}
		if strings.EqualFold(name, outlook.StampExtensionName) {
			return e
		}
	}
	return nil
}

// extensionCall is call for a request to an open extension: it spends the tenant's extension budget
// first.
func (m *Mailbox) extensionCall(ctx context.Context, fn func(ctx context.Context) error) error {
	if m.ext != nil {
		if err := m.ext.spend(ctx); err != nil {
			return err
		}
	}
	return m.call(ctx, fn)
}

// taskStamp is the CRM id in a task's extension, "" when there is none.
func taskStamp(g models.TodoTaskable) string {
	e := stampExtension(g)
	if e == nil {
		return ""
	}
	return stringValue(e.GetAdditionalData()[stampExtensionProperty])
}

func splitTask(taskItemID string) (listID, taskID string, err error) {
	listID, taskID, ok := outlook.SplitTaskItemID(taskItemID)
	if !ok {
		return "", "", fmt.Errorf("%w: task id %q is not <list id>:<task id>", outlook.ErrInvalid, taskItemID)
	}
	return listID, taskID, nil
}

// stringValue reads a string from a model's additional data, where the JSON parser leaves *string.
func stringValue(v any) string {
	switch s := v.(type) {
	case string:
		return s
	case *string:
		return deref(s)
	default:
		return ""
	}
}
