// Package crm is the domain of crmsync: record types (built-in and custom), records, activities with their
// parties and regarding link, and the access rules that decide who may see and change what. It knows
// nothing of SQL or HTTP.
package crm

import (
	"errors"
	"fmt"
)

// Code classifies a domain error so that the API can map it to an HTTP status in one place.
type Code string

// The codes a domain error can carry.
const (
	CodeNotFound  Code = "not-found" // the thing does not exist for this caller (also used when it is hidden)
	CodeInvalid   Code = "invalid"   // the input breaks a rule; FieldErrors say which
	CodeConflict  Code = "conflict"  // a stale version or a uniqueness clash
	CodeForbidden Code = "forbidden" // the caller may see it but not do this
)

// FieldError says what is wrong with one field of an input.
type FieldError struct {
	Field   string `json:"field"`
	Message string `json:"message"`
}

// Error is a domain error: a code for the API, a sentence for the user, and field errors for validation.
type Error struct {
	Code    Code
	Message string
	Fields  []FieldError
}

func (e *Error) Error() string {
	if len(e.Fields) == 0 {
		return e.Message
	}
	return fmt.Sprintf("%s: %s: %s", e.Message, e.Fields[0].Field, e.Fields[0].Message)
}

// NotFound builds a CodeNotFound error.
func NotFound(format string, args ...any) *Error {
	return &Error{Code: CodeNotFound, Message: fmt.Sprintf(format, args...)}
}

// Invalid builds a CodeInvalid error carrying field errors.
func Invalid(message string, fields ...FieldError) *Error {
	return &Error{Code: CodeInvalid, Message: message, Fields: fields}
}

// Conflict builds a CodeConflict error.
func Conflict(format string, args ...any) *Error {
	return &Error{Code: CodeConflict, Message: fmt.Sprintf(format, args...)}
}

// Forbidden builds a CodeForbidden error.
func Forbidden(format string, args ...any) *Error {
	return &Error{Code: CodeForbidden, Message: fmt.Sprintf(format, args...)}
}

// ErrorCode returns the code of the domain error wrapped in err, or "" when err is not one.
func ErrorCode(err error) Code {
	var e *Error
	if errors.As(err, &e) {
		return e.Code
	}
	return ""
}

// IsNotFound reports whether err is, or wraps, a CodeNotFound error.
func IsNotFound(err error) bool { return ErrorCode(err) == CodeNotFound }
