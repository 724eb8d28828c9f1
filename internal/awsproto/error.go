package awsproto

import (
	"fmt"
	"net/http"
	"strconv"
	"time"
)

// Error is an AWS protocol error: the wire code (the "__type" and the
// X-Amzn-ErrorType header), a message safe to show any client, an optional
// HTTP status and extra members of the modelled exception (for example
// "Reason" or "ResourceType"), which are written next to "Message".
type Error struct {
	Code    string
	Message string
	// Status is the HTTP status; 0 means the model's status for Code, else
	// 500 for modelled faults, else 400.
	Status int
	// Fields are extra members of the exception shape, keyed by member name.
	Fields map[string]any
	// RetryAfter, when positive, is sent as a Retry-After header in whole
	// seconds, rounded up (a throttled client's cue; SDKs retry throttling
	// errors with their own backoff either way).
	RetryAfter time.Duration
}

// retryAfterHeader sets Retry-After from e.RetryAfter, if any.
func (e *Error) retryAfterHeader(h http.Header) {
	if e.RetryAfter > 0 {
		h.Set("Retry-After", strconv.FormatInt(int64((e.RetryAfter+time.Second-1)/time.Second), 10))
	}
}

// Error implements error.
func (e *Error) Error() string {
	if e.Message == "" {
		return e.Code
	}
	return e.Code + ": " + e.Message
}

// Common protocol error codes that are not part of the service models.
const (
	CodeSerialization          = "SerializationException"
	CodeUnknownOperation       = "UnknownOperationException"
	CodeValidation             = "ValidationException"
	CodeInternalServer         = "InternalServerException"
	CodeMissingAuthToken       = "MissingAuthenticationTokenException"
	CodeIncompleteSignature    = "IncompleteSignatureException"
	CodeUnrecognizedClient     = "UnrecognizedClientException"
	CodeInvalidSignature       = "InvalidSignatureException"
	CodeExpiredToken           = "ExpiredTokenException"
	internalServerErrorMessage = "An internal error occurred. Try again later."
)

// NotImplemented is the error of an operation that this server models but
// does not implement. It is an UnknownOperationException with status 400,
// what AWS JSON services answer for an operation they do not know: none of
// identitystore, sso-admin or organizations models an "unsupported
// operation" exception, and every SDK parses this code into a generic API
// error (smithy.GenericAPIError, botocore ClientError) without retrying.
func NotImplemented(op string) *Error {
	return &Error{
		Code:    CodeUnknownOperation,
		Message: fmt.Sprintf("Operation %s is not supported by this server.", op),
		Status:  400,
	}
}

// SerializationError returns a 400 SerializationException with msg.
func SerializationError(msg string) *Error {
	return &Error{Code: CodeSerialization, Message: msg, Status: 400}
}

// InternalError returns a 500 InternalServerException with a generic message.
func InternalError() *Error {
	return &Error{Code: CodeInternalServer, Message: internalServerErrorMessage, Status: 500}
}
