package awsproto

import (
	"context"
	"errors"
	"net/http"

	"github.com/idcenter/idcenter/internal/awsproto/sigv4"
)

// SigV4Authenticator authenticates AWS JSON requests with a SigV4 verifier
// and maps its refusals to the JSON protocol's errors. All of them are 400,
// as AWS JSON services answer:
//
//	ReasonMissing       MissingAuthenticationTokenException "Request is missing Authentication Token"
//	ReasonIncomplete    IncompleteSignatureException        (sigv4's message)
//	ReasonUnknownKey    UnrecognizedClientException         "The security token included in the request is invalid."
//	ReasonBadSignature  InvalidSignatureException           "The request signature we calculated does not match ..."
//	ReasonSkewed        InvalidSignatureException           (sigv4's "Signature expired: ..." message)
//	ReasonExpired       InvalidSignatureException           (sigv4's message)
//	ReasonTokenExpired  ExpiredTokenException               "The security token included in the request is expired"
//
// The missing-token text is the one AWS's JSON (Coral) services send; API
// Gateway's "Missing Authentication Token" belongs to REST APIs. The AWS SDK
// for Go v2 treats InvalidSignatureException with "Signature expired" as
// clock skew: it adjusts its clock offset and retries, as against AWS.
type SigV4Authenticator struct {
	v *sigv4.Verifier
}

// NewSigV4Authenticator returns an Authenticator that verifies with v.
func NewSigV4Authenticator(v *sigv4.Verifier) *SigV4Authenticator {
	return &SigV4Authenticator{v: v}
}

// Authenticate verifies r and returns ctx carrying the sigv4 result (see
// Caller). Refusals are *Error; other verifier failures (a resolver outage)
// are returned unchanged and become a 500.
func (a *SigV4Authenticator) Authenticate(ctx context.Context, r *http.Request, body []byte) (context.Context, error) {
	res, err := a.v.Verify(ctx, r, body)
	if err != nil {
		if se, ok := errors.AsType[*sigv4.Error](err); ok {
			return ctx, SigV4Error(se)
		}
		return ctx, err
	}
	return ContextWithCaller(ctx, res), nil
}

// Messages AWS JSON services send for authentication failures.
const (
	msgMissingToken = "Request is missing Authentication Token"
	msgUnknownKey   = "The security token included in the request is invalid."
	msgBadSignature = "The request signature we calculated does not match the signature you provided. " +
		"Check your AWS Secret Access Key and signing method. Consult the service documentation for details."
	msgTokenExpired = "The security token included in the request is expired"
)

// SigV4Error maps a sigv4 refusal to the AWS JSON protocol error (see
// SigV4Authenticator).
func SigV4Error(e *sigv4.Error) *Error {
	switch e.Reason {
	case sigv4.ReasonMissing:
		return &Error{Code: CodeMissingAuthToken, Message: msgMissingToken, Status: 400}
	case sigv4.ReasonIncomplete:
		return &Error{Code: CodeIncompleteSignature, Message: e.Message, Status: 400}
	case sigv4.ReasonUnknownKey:
		return &Error{Code: CodeUnrecognizedClient, Message: msgUnknownKey, Status: 400}
	case sigv4.ReasonBadSignature:
		return &Error{Code: CodeInvalidSignature, Message: msgBadSignature, Status: 400}
	case sigv4.ReasonSkewed, sigv4.ReasonExpired:
		return &Error{Code: CodeInvalidSignature, Message: e.Message, Status: 400}
	case sigv4.ReasonTokenExpired:
		return &Error{Code: CodeExpiredToken, Message: msgTokenExpired, Status: 400}
	}
	return &Error{Code: CodeIncompleteSignature, Message: e.Message, Status: 400}
}

// Caller returns the SigV4 result of the authenticated request ctx serves,
// or nil.
func Caller(ctx context.Context) *sigv4.Result {
	r, _ := ctx.Value(callerKey).(*sigv4.Result)
	return r
}

// ContextWithCaller returns ctx carrying res (see Caller); tests and
// alternative authenticators use it.
func ContextWithCaller(ctx context.Context, res *sigv4.Result) context.Context {
	return context.WithValue(ctx, callerKey, res)
}

// SigV4QueryAuthenticator is SigV4Authenticator for query protocol services
// (STS): its refusals are SigV4QueryError's.
type SigV4QueryAuthenticator struct {
	v *sigv4.Verifier
}

// NewSigV4QueryAuthenticator returns an Authenticator that verifies with v
// and answers in the query protocol's codes.
func NewSigV4QueryAuthenticator(v *sigv4.Verifier) *SigV4QueryAuthenticator {
	return &SigV4QueryAuthenticator{v: v}
}

// Authenticate verifies r and returns ctx carrying the sigv4 result (see
// Caller). Refusals are *Error; other verifier failures are returned
// unchanged and become a 500.
func (a *SigV4QueryAuthenticator) Authenticate(ctx context.Context, r *http.Request, body []byte) (context.Context, error) {
	res, err := a.v.Verify(ctx, r, body)
	if err != nil {
		if se, ok := errors.AsType[*sigv4.Error](err); ok {
			return ctx, SigV4QueryError(se)
		}
		return ctx, err
	}
	return ContextWithCaller(ctx, res), nil
}

// Query protocol codes of authentication failures (AWS's common errors).
const (
	CodeQueryMissingAuthToken    = "MissingAuthenticationToken"
	CodeQueryIncompleteSignature = "IncompleteSignature"
	CodeQueryInvalidClientToken  = "InvalidClientTokenId"
	CodeQuerySignatureMismatch   = "SignatureDoesNotMatch"
	CodeQueryRequestExpired      = "RequestExpired"
	CodeQueryExpiredToken        = "ExpiredToken"
)

// SigV4QueryError maps a sigv4 refusal to the query protocol error that STS
// answers:
//
//	ReasonMissing       403 MissingAuthenticationToken "Request is missing Authentication Token"
//	ReasonIncomplete    400 IncompleteSignature        (sigv4's message)
//	ReasonUnknownKey    403 InvalidClientTokenId       "The security token included in the request is invalid."
//	ReasonBadSignature  403 SignatureDoesNotMatch      "The request signature we calculated does not match ..."
//	ReasonSkewed        403 SignatureDoesNotMatch      (sigv4's "Signature expired: ..." message)
//	ReasonExpired       400 RequestExpired             (sigv4's "Request has expired")
//	ReasonTokenExpired  400 ExpiredToken               "The security token included in the request is expired"
//
// A skewed signature is SignatureDoesNotMatch, as STS sends it; the AWS SDK
// for Go v2 treats that code as clock skew when its clock is off and
// retries with an adjusted offset. An expired presigned URL is
// RequestExpired, the common query error "for pre-signed URLs" after their
// expiration date.
func SigV4QueryError(e *sigv4.Error) *Error {
	switch e.Reason {
	case sigv4.ReasonMissing:
		return &Error{Code: CodeQueryMissingAuthToken, Message: msgMissingToken, Status: 403}
	case sigv4.ReasonIncomplete:
		return &Error{Code: CodeQueryIncompleteSignature, Message: e.Message, Status: 400}
	case sigv4.ReasonUnknownKey:
		return &Error{Code: CodeQueryInvalidClientToken, Message: msgUnknownKey, Status: 403}
	case sigv4.ReasonBadSignature:
		return &Error{Code: CodeQuerySignatureMismatch, Message: msgBadSignature, Status: 403}
	case sigv4.ReasonSkewed:
		return &Error{Code: CodeQuerySignatureMismatch, Message: e.Message, Status: 403}
	case sigv4.ReasonExpired:
		return &Error{Code: CodeQueryRequestExpired, Message: e.Message, Status: 400}
	case sigv4.ReasonTokenExpired:
		return &Error{Code: CodeQueryExpiredToken, Message: msgTokenExpired, Status: 400}
	}
	return &Error{Code: CodeQueryIncompleteSignature, Message: e.Message, Status: 400}
}
