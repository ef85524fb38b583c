package tsunagu

import (
	"errors"
	"fmt"
)

// Error codes are stable strings that clients and the protocol edges rely on.
// They map to HTTP statuses in httpapi/error.go and to SIP responses in
// telephony/status.go, and nowhere else.
const (
	ECONFLICT       = "conflict"        // the request conflicts with current state (duplicate, stale)
	EFORBIDDEN      = "forbidden"       // authenticated, but the role does not allow it
	EINTERNAL       = "internal"        // a bug or an unexpected failure; details go to the log only
	EINVALID        = "invalid"         // the input is malformed or fails validation
	ENOTFOUND       = "not_found"       // the entity does not exist (in this tenant)
	ERATELIMITED    = "rate_limited"    // too many attempts; retry later
	ETOOLARGE       = "too_large"       // the request body or import is over the limit
	EUNAUTHORIZED   = "unauthorized"    // not logged in, or bad credentials
	EUNAVAILABLE    = "unavailable"     // shutting down or a dependency is down; retry later
	ENOTIMPLEMENTED = "not_implemented" // the feature is not available in this mode
)

// Error is the application error. Code is one of the E* constants, Message is
// safe to show to a user, Field names the input at fault (JSON name), Op names
// the operation for the log and Err is the wrapped cause, never shown to users.
type Error struct {
	Code    string
	Message string
	Field   string
	Op      string
	Err     error
}

// Error renders the error for logs.
func (e *Error) Error() string {
	s := e.Code
	if e.Op != "" {
		s = e.Op + ": " + s
	}
	if e.Message != "" {
		s += ": " + e.Message
	}
	if e.Field != "" {
		s += " (field " + e.Field + ")"
	}
	if e.Err != nil {
		s += ": " + e.Err.Error()
	}
	return s
}

// Unwrap returns the cause.
func (e *Error) Unwrap() error { return e.Err }

// Errorf returns an *Error with the given code and a formatted user-facing message.
func Errorf(code, format string, args ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...)}
}

// FieldError returns an EINVALID error naming the field at fault.
func FieldError(field, format string, args ...any) *Error {
	return &Error{Code: EINVALID, Field: field, Message: fmt.Sprintf(format, args...)}
}

// ErrorCode returns the code of the first *Error in err's chain, "" for nil and
// EINTERNAL for anything foreign.
func ErrorCode(err error) string {
	if err == nil {
		return ""
	}
	var e *Error
	if errors.As(err, &e) {
		return e.Code
	}
	return EINTERNAL
}

// ErrorMessage returns the user-facing message of err. Foreign errors get a
// generic message so that no internal detail reaches a user.
func ErrorMessage(err error) string {
	if err == nil {
		return ""
	}
	var e *Error
	if errors.As(err, &e) && e.Message != "" {
		return e.Message
	}
	if ErrorCode(err) == EINTERNAL {
		return "Internal error."
	}
	return e.Code
}

// ErrorField returns the field at fault named by err, or "".
func ErrorField(err error) string {
	var e *Error
	if errors.As(err, &e) {
		return e.Field
	}
	return ""
}
