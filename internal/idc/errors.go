package idc

import (
	"errors"
	"fmt"
)

// Kind classifies a domain error. Each protocol edge maps kinds (and, where
// it needs more precision, the Reason) to its own wire error codes.
type Kind int

// The error kinds a service may return.
const (
	KindInternal        Kind = iota // a fault of ours; never the client's
	KindInvalid                     // the request is malformed or violates a rule
	KindNotFound                    // a named resource does not exist
	KindConflict                    // uniqueness or state conflict
	KindDenied                      // authenticated but not allowed
	KindUnauthenticated             // no valid credentials
	KindThrottled                   // rate limit reached
	KindQuotaExceeded               // a service quota would be exceeded
)

func (k Kind) String() string {
	switch k {
	case KindInvalid:
		return "invalid"
	case KindNotFound:
		return "not found"
	case KindConflict:
		return "conflict"
	case KindDenied:
		return "denied"
	case KindUnauthenticated:
		return "unauthenticated"
	case KindThrottled:
		return "throttled"
	case KindQuotaExceeded:
		return "quota exceeded"
	}
	return "internal"
}

// Error is the error type services return. Msg is safe to show any client;
// Err (optional) is the wrapped cause and is never shown to clients.
type Error struct {
	Kind Kind
	// Msg is a client-safe message.
	Msg string
	// Reason optionally refines Kind for edges whose protocol has finer
	// codes (for example organizations' ConstraintViolationException reasons,
	// or "DuplicateAccountException"). Edges that do not know it ignore it.
	Reason string
	// Resource and ID name the missing or conflicting resource, when known.
	Resource string
	ID       string
	Err      error
}

func (e *Error) Error() string {
	if e.Err != nil {
		return e.Msg + ": " + e.Err.Error()
	}
	return e.Msg
}

func (e *Error) Unwrap() error { return e.Err }

// Is reports whether target is an *Error of the same Kind (and Reason when
// target has one), so errors.Is(err, idc.ErrNotFound) works.
func (e *Error) Is(target error) bool {
	t, ok := target.(*Error)
	if !ok {
		return false
	}
	return t.Kind == e.Kind && (t.Reason == "" || t.Reason == e.Reason) && t.Msg == ""
}

// Sentinels for errors.Is checks on kinds.
var (
	ErrNotFound      = &Error{Kind: KindNotFound}
	ErrConflict      = &Error{Kind: KindConflict}
	ErrInvalid       = &Error{Kind: KindInvalid}
	ErrDenied        = &Error{Kind: KindDenied}
	ErrQuotaExceeded = &Error{Kind: KindQuotaExceeded}
)

// KindOf returns the Kind of err, or KindInternal when err is not an *Error.
func KindOf(err error) Kind {
	var e *Error
	if errors.As(err, &e) {
		return e.Kind
	}
	return KindInternal
}

// Invalidf returns a KindInvalid error.
func Invalidf(format string, args ...any) *Error {
	return &Error{Kind: KindInvalid, Msg: fmt.Sprintf(format, args...)}
}

// NotFound returns a KindNotFound error naming the resource type and ID.
func NotFound(resource, id string, format string, args ...any) *Error {
	return &Error{Kind: KindNotFound, Resource: resource, ID: id, Msg: fmt.Sprintf(format, args...)}
}

// Conflictf returns a KindConflict error.
func Conflictf(format string, args ...any) *Error {
	return &Error{Kind: KindConflict, Msg: fmt.Sprintf(format, args...)}
}

// QuotaExceededf returns a KindQuotaExceeded error.
func QuotaExceededf(format string, args ...any) *Error {
	return &Error{Kind: KindQuotaExceeded, Msg: fmt.Sprintf(format, args...)}
}

// WithReason returns a copy of e with Reason set.
func (e *Error) WithReason(reason string) *Error {
	c := *e
	c.Reason = reason
	return &c
}
