package graphfake

import (
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/crmsync/crmsync/internal/outlook"
)

// AddTaskList returns the id of user's To Do list named displayName, creating it when there is none.
// Every mailbox starts with its default list, "Tasks" as in Outlook, so AddTaskList(user, "Tasks")
// returns DefaultTaskListID(user).
func (s *Server) AddTaskList(user, displayName string) (listID string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	mb := s.mustMailbox(user)
	for _, l := range mb.lists {
		if l.name == displayName {
			return l.id
		}
	}
	l := &taskList{id: mb.newID("list", "AAMkADU3"), name: displayName, wellKnown: "none", created: s.now().UTC()}
	mb.lists = append(mb.lists, l)
	return l.id
}

// DefaultTaskListID returns the id of user's default To Do list (wellknownListName "defaultList").
func (s *Server) DefaultTaskListID(user string) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, l := range s.mustMailbox(user).lists {
		if l.wellKnown == "defaultList" {
			return l.id
		}
	}
	return ""
}

// Tasks returns every task of user's mailbox, in every list, in the order they were created, each with
// its current stamp.
func (s *Server) Tasks(user string) []outlook.Task {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []outlook.Task
	for _, it := range s.mustMailbox(user).itemsOf(outlook.KindTask) {
		out = append(out, it.taskValue())
	}
	return out
}

// AddTask stores t in the list, assigning its id and etag, and returns it as Task would: ID is
// outlook.TaskItemID(listID, task id), ChangeKey the @odata.etag. A non-empty t.Stamp becomes the stamp
// extension without counting as a stamp write.
func (s *Server) AddTask(user, listID string, t outlook.Task) outlook.Task {
	s.mu.Lock()
	defer s.mu.Unlock()
	mb := s.mustMailbox(user)
	if mb.list(listID) == nil {
		panic("graphfake: AddTask: no task list " + listID + " in mailbox " + user)
	}
	id := mb.newID("task", "AAMkADU3")
	t = cloneTask(t)
	t.ListID = listID
	t.Status, t.Importance = or(t.Status, "notStarted"), or(t.Importance, "normal")
	it := &item{kind: outlook.KindTask, id: id, rest: id, coll: "tasks:" + listID, task: &t}
	mb.add(it, s.now().UTC())
	it.setStamp(t.Stamp)
	return it.taskValue()
}

// Task returns the current state of a task named by outlook.TaskItemID, Stamp being the crmId of its
// stamp extension.
func (s *Server) Task(user, taskItemID string) (outlook.Task, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	it := s.mustMailbox(user).findAny(taskItemID)
	if it == nil || it.kind != outlook.KindTask {
		return outlook.Task{}, false
	}
	return it.taskValue(), true
}

// UpdateTask simulates the user editing a task, as UpdateMessage does for a message; the task stays in
// its list.
func (s *Server) UpdateTask(user, taskItemID string, change func(*outlook.Task)) {
	s.edit(user, taskItemID, outlook.KindTask, func(it *item) {
		v := it.taskValue()
		change(&v)
		v.ID, v.ChangeKey, v.LastModified, v.ListID = it.id, "", time.Time{}, it.task.ListID
		it.setStamp(v.Stamp)
		v.Stamp = ""
		t := cloneTask(v)
		it.task = &t
	})
}

func (it *item) taskValue() outlook.Task {
	t := cloneTask(*it.task)
	t.ID, t.Stamp, t.ChangeKey = outlook.TaskItemID(t.ListID, it.id), it.stamp(), it.etag()
	t.LastModified = it.lastModified()
	return t
}

func cloneTask(t outlook.Task) outlook.Task {
	t.Categories = slices.Clone(t.Categories)
	if t.Due != nil {
		d := *t.Due
		t.Due = &d
	}
	return t
}

// listTaskLists serves GET /users/{user}/todo/lists.
func listTaskLists(c *call) response {
	value := []any{}
	for _, l := range c.mb.lists {
		value = append(value, map[string]any{
			"@odata.etag":       `W/"` + l.id[len(l.id)-12:] + `"`,
			"displayName":       l.name,
			"isOwner":           true,
			"isShared":          false,
			"wellknownListName": l.wellKnown,
			"id":                l.id,
		})
	}
	return ok(map[string]any{
		"@odata.context": c.root + "/$metadata#users('" + c.mb.objectID + "')/todo/lists",
		"value":          value,
	})
}

// task finds the task the request's {list} and {task} name.
func (c *call) task() (*item, response) {
	listID, taskID := c.params["list"], c.params["task"]
	if !wellFormed(listID) || !wellFormed(taskID) {
		return nil, malformedID()
	}
	it := c.mb.find(taskID, outlook.KindTask)
	if c.mb.list(listID) == nil || it == nil || it.task.ListID != listID {
		return nil, notFound()
	}
	return it, response{}
}

// postTask serves POST …/lists/{list}/tasks: it creates a task, with the defaults To Do gives (not
// started, normal importance), and answers 201 with it.
func postTask(c *call) response {
	listID := c.params["list"]
	if !wellFormed(listID) {
		return malformedID()
	}
	if c.mb.list(listID) == nil {
		return notFound()
	}
	fields, err := decodeObject(c.body)
	if err != nil {
		return graphError(http.StatusBadRequest, "RequestBodyRead", err.Error())
	}
	t := &outlook.Task{ListID: listID, Status: "notStarted", Importance: "normal"}
	if err := applyTaskPatch(t, fields); err != nil {
		return graphError(http.StatusBadRequest, "RequestBodyRead", err.Error())
	}
	it := newItem(outlook.KindTask, "tasks:"+listID)
	it.task = t
	it.id = c.mb.newID("task", "AAMkADU3")
	it.rest = it.id
	c.mb.add(it, c.now)
	obj := renderTask(it)
	obj["@odata.context"] = c.taskContext(it) + "/$entity"
	return response{status: http.StatusCreated, body: obj}
}

// deleteTask serves DELETE …/tasks/{task}: 204, and delta reports the task as @removed.
func deleteTask(c *call) response {
	it, fail := c.task()
	if it == nil {
		return fail
	}
	c.mb.remove(it)
	return response{status: http.StatusNoContent}
}

// getTask serves GET …/tasks/{task}, with $select and $expand=extensions.
func getTask(c *call) response {
	it, fail := c.task()
	if it == nil {
		return fail
	}
	obj := renderTask(it)
	if sel := c.query.Get("$select"); sel != "" {
		obj = selectFields(obj, sel)
	}
	for _, e := range parseExpand(c.query.Get("$expand")) {
		if strings.EqualFold(e.name, "extensions") {
			obj["extensions@odata.context"] = c.taskContext(it) + "/extensions"
			obj["extensions"] = it.extensionList(e.ids)
		}
	}
	obj["@odata.context"] = c.taskContext(it) + "/$entity"
	return ok(obj)
}

// patchTask serves PATCH …/tasks/{task}. To Do tasks have no MAPI extended properties in Graph v1.0, so
// a PATCH carrying them is refused as Graph refuses it.
func patchTask(c *call) response {
	it, fail := c.task()
	if it == nil {
		return fail
	}
	if resp, stale := c.checkIfMatch(it); stale {
		return resp
	}
	fields, err := decodeObject(c.body)
	if err == nil {
		next := it.clone()
		if err = applyTaskPatch(next.task, fields); err == nil {
			*it = *next
			c.mb.touch(it, c.now)
			obj := renderTask(it)
			obj["@odata.context"] = c.taskContext(it) + "/$entity"
			return ok(obj)
		}
	}
	return graphError(http.StatusBadRequest, "RequestBodyRead", err.Error())
}

func applyTaskPatch(t *outlook.Task, fields map[string]json.RawMessage) error {
	if _, ok := fields["singleValueExtendedProperties"]; ok {
		return fmt.Errorf("the property 'singleValueExtendedProperties' does not exist on type 'microsoft.graph.todoTask'")
	}
	if err := decodeField(fields, "title", &t.Title); err != nil {
		return err
	}
	if err := decodeField(fields, "categories", &t.Categories); err != nil {
		return err
	}
	if err := decodeEnum(fields, "status", &t.Status, "notStarted", "inProgress", "completed", "waitingOnOthers", "deferred"); err != nil {
		return err
	}
	if err := decodeEnum(fields, "importance", &t.Importance, "low", "normal", "high"); err != nil {
		return err
	}
	if _, ok := fields["body"]; ok {
		var b itemBody
		if err := decodeField(fields, "body", &b); err != nil {
			return err
		}
		t.Body = b.Content
	}
	if _, ok := fields["dueDateTime"]; ok {
		var d *dateTimeTimeZone // null clears the due date
		if err := decodeField(fields, "dueDateTime", &d); err != nil {
			return err
		}
		t.Due = nil
		if d != nil {
			due, err := d.time()
			if err != nil {
				return fmt.Errorf("property dueDateTime: %w", err)
			}
			t.Due = &due
		}
	}
	return nil
}

func decodeEnum(fields map[string]json.RawMessage, name string, dst *string, allowed ...string) error {
	v := *dst
	if err := decodeField(fields, name, &v); err != nil {
		return err
	}
	if !slices.Contains(allowed, v) {
		return fmt.Errorf("property %s: the value %q is not valid", name, v)
	}
	*dst = v
	return nil
}

func renderTask(it *item) map[string]any {
	t := it.task
	obj := map[string]any{
		"@odata.etag":          it.etag(),
		"importance":           t.Importance,
		"isReminderOn":         false,
		"status":               t.Status,
		"title":                t.Title,
		"createdDateTime":      it.timestamp(it.created),
		"lastModifiedDateTime": it.timestamp(it.modified),
		"hasAttachments":       false,
		"categories":           nonNil(t.Categories),
		"id":                   it.id,
		"body":                 map[string]any{"content": t.Body, "contentType": "text"},
	}
	if t.Due != nil {
		obj["dueDateTime"] = dateTimeTZ(*t.Due)
	}
	if t.Status == "completed" {
		obj["completedDateTime"] = dateTimeTZ(it.modified)
	}
	return obj
}

func (c *call) taskContext(it *item) string {
	return c.root + "/$metadata#users('" + c.mb.objectID + "')/todo/lists('" + it.task.ListID + "')/tasks"
}

// dueOn is a To Do due date: midnight UTC of t's day, as To Do stores one.
func dueOn(t time.Time) *time.Time {
	d := time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, time.UTC)
	return &d
}

// MoveTask simulates the user moving a task to another of their To Do lists. The task gets a new id:
// "by default, this value changes when the item is moved from one list to another" (todotask.md). Its
// title, categories, extensions and the rest go with it. The old list's delta reports the old id as
// @removed, the new list's the task as new; the old id then answers 404. It returns the task as Task
// would read it now, ID the new TaskItemID.
func (s *Server) MoveTask(user, taskItemID, toListID string) outlook.Task {
	s.mu.Lock()
	defer s.mu.Unlock()
	mb := s.mustMailbox(user)
	it := mb.findAny(taskItemID)
	if it == nil || it.kind != outlook.KindTask {
		panic("graphfake: MoveTask: no task " + taskItemID + " in mailbox " + user)
	}
	if mb.list(toListID) == nil {
		panic("graphfake: MoveTask: no task list " + toListID + " in mailbox " + user)
	}
	mb.leave(it)
	mb.emit("deleted", it)
	delete(mb.items, it.id)
	delete(mb.byREST, it.rest)
	it.id = mb.newID("task", "AAMkADU3")
	it.rest = it.id
	it.task.ListID, it.coll = toListID, "tasks:"+toListID
	mb.items[it.id], mb.byREST[it.rest] = it, it
	mb.bump(it, s.now().UTC())
	it.joined = it.seq
	mb.emit("created", it)
	return it.taskValue()
}
