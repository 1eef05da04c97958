package crm_test

import (
	"errors"
	"slices"
	"testing"

	"github.com/crmsync/crmsync/internal/crm"
)

// builtIn returns the built-in record type called name.
func builtIn(t testing.TB, name string) crm.EntityType {
	t.Helper()
	for _, typ := range crm.BuiltInTypes() {
		if typ.Name == name {
			return typ
		}
	}
	t.Fatalf("no built-in record type %q", name)
	return crm.EntityType{}
}

// invalidFields asserts that err is a *crm.Error with CodeInvalid and returns the sorted paths of its
// field errors.
func invalidFields(t testing.TB, err error) []string {
	t.Helper()
	var e *crm.Error
	if !errors.As(err, &e) {
		t.Fatalf("error %v (%T) is not a *crm.Error", err, err)
	}
	if e.Code != crm.CodeInvalid {
		t.Fatalf("code = %q, want %q (error: %v)", e.Code, crm.CodeInvalid, err)
	}
	paths := make([]string, 0, len(e.Fields))
	for _, f := range e.Fields {
		if f.Message == "" {
			t.Errorf("field error %q has no message", f.Field)
		}
		paths = append(paths, f.Field)
	}
	slices.Sort(paths)
	return paths
}

// sorted returns a sorted copy of s.
func sorted(s []string) []string {
	s = slices.Clone(s)
	slices.Sort(s)
	return s
}
