package sigv4

import (
	"errors"
	"strconv"
	"time"
)

// Reason says why verification failed. Protocol edges map it to their own
// error codes; the comments name the AWS JSON and query protocol codes.
type Reason int

// The reasons Verify refuses a request.
const (
	// ReasonMissing: no Authorization header and no X-Amz-Algorithm query
	// parameter. JSON "MissingAuthenticationTokenException", query
	// "MissingAuthenticationToken".
	ReasonMissing Reason = iota + 1
	// ReasonIncomplete: a malformed or unsupported Authorization header or
	// presigned query, host or x-amz-date unsigned, X-Amz-Target or
	// X-Amz-Security-Token present but unsigned, or both header and query
	// authentication. "IncompleteSignatureException" / "IncompleteSignature".
	ReasonIncomplete
	// ReasonUnknownKey: the Resolver does not know the access key or the
	// session token. "UnrecognizedClientException" / "InvalidClientTokenId".
	ReasonUnknownKey
	// ReasonBadSignature: the signature does not match, the credential scope
	// date is not the request date, the declared payload hash is wrong, or
	// the request is ambiguous (two X-Amz-Date headers, an undecodable query).
	// "InvalidSignatureException" / "SignatureDoesNotMatch".
	ReasonBadSignature
	// ReasonSkewed: the request time is outside ±MaxSkew of the server's
	// clock (for presigned URLs: later than now+MaxSkew).
	// "InvalidSignatureException" / "SignatureDoesNotMatch", with AWS's
	// "Signature expired" or "Signature not yet current" message.
	ReasonSkewed
	// ReasonExpired: a presigned URL used after X-Amz-Expires, or with
	// X-Amz-Expires above 604800 seconds. Query protocol "RequestExpired".
	ReasonExpired
	// ReasonTokenExpired: the Resolver says the session token has expired.
	// "ExpiredTokenException" / "ExpiredToken".
	ReasonTokenExpired
)

// String returns the name of the reason without its prefix, for example
// "BadSignature".
func (r Reason) String() string {
	switch r {
	case ReasonMissing:
		return "Missing"
	case ReasonIncomplete:
		return "Incomplete"
	case ReasonUnknownKey:
		return "UnknownKey"
	case ReasonBadSignature:
		return "BadSignature"
	case ReasonSkewed:
		return "Skewed"
	case ReasonExpired:
		return "Expired"
	case ReasonTokenExpired:
		return "TokenExpired"
	}
	return "Reason(" + strconv.Itoa(int(r)) + ")"
}

// Error is returned by Verify for every refusal. Message is safe to show the
// client and follows AWS's wording; it never echoes the client's secret
// material.
type Error struct {
	Reason  Reason
	Message string
}

// Error implements error.
func (e *Error) Error() string {
	return "sigv4: " + e.Reason.String() + ": " + e.Message
}

// Sentinel errors a Resolver returns (possibly wrapped).
var (
	// ErrUnknownKey means the access key ID is unknown or the session token
	// is invalid; Verify turns it into ReasonUnknownKey.
	ErrUnknownKey = errors.New("unknown access key")
	// ErrTokenExpired means the session token has expired; Verify turns it
	// into ReasonTokenExpired.
	ErrTokenExpired = errors.New("session token expired")
)

// AWS's messages. Where AWS's own text is known it is used verbatim.
const (
	msgMissing = "Missing Authentication Token"
	msgUnknown = "The security token included in the request is invalid."
	msgExpired = "The security token included in the request is expired"
	msgBadSig  = "The request signature we calculated does not match the signature you provided. " +
		"Check your AWS Secret Access Key and signing method. Consult the service documentation for details."
	msgBothAuth = "Found both 'X-Amz-Algorithm' as a query-string param and 'Authorization' as HTTP header."
	msgNoDate   = "Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header."
	msgBadDate  = "Date must be in ISO-8601 'basic format'. Got a malformed value. See http://en.wikipedia.org/wiki/ISO_8601"
	msgTwoDates = "The request has more than one X-Amz-Date header."
	msgBadQuery = "The query string is not a valid percent-encoded form."
	msgHashBad  = "The provided 'x-amz-content-sha256' header does not match what was computed."
	msgUnsigned = "UNSIGNED-PAYLOAD is accepted only for presigned URLs."

	msgPresignExpired   = "Request has expired"
	msgExpiresTooLong   = "X-Amz-Expires must be less than a week (in seconds) that is 604800"
	msgExpiresMalformed = "X-Amz-Expires must be a positive integer number of seconds."
	msgTwoTokens        = "The X-Amz-Security-Token header and query parameter differ."
	msgTwoAuth          = "The request has more than one Authorization header."
	msgHostUnsigned     = "'Host' or ':authority' must be a 'SignedHeader' in the AWS Authorization."
)

func refuse(r Reason, msg string) *Error { return &Error{Reason: r, Message: msg} }

// form names where the signature parameters came from, for messages.
type form int

const (
	formHeader form = iota
	formQuery
)

// param returns how a message names signature parameter p ("Credential",
// "SignedHeaders", "Signature", …) in form f.
func (f form) param(p string) string {
	if f == formQuery {
		return "'X-Amz-" + p + "' query-string parameter"
	}
	return "Authorization header's '" + p + "' parameter"
}

func (f form) requires(p string) string {
	if f == formQuery {
		return "AWS query-string parameters must include 'X-Amz-" + p + "'. Re-examine the query-string parameters."
	}
	return "Authorization header requires '" + p + "' parameter."
}

func (f form) duplicate(p string) string { return "The " + f.param(p) + " appears more than once." }

func (f form) malformedCredential() string {
	return "The " + f.param("Credential") +
		" is malformed; expected '<access key ID>/<YYYYMMDD>/<region>/<service>/aws4_request'."
}

func (f form) malformedSignedHeaders() string {
	return "The " + f.param("SignedHeaders") +
		" is malformed; expected lowercase header names, sorted and separated by ';'."
}

func (f form) malformedSignature() string {
	return "The " + f.param("Signature") + " is malformed; expected 64 hexadecimal digits."
}

func (f form) unsupportedAlgorithm() string {
	if f == formQuery {
		return "X-Amz-Algorithm only supports \"AWS4-HMAC-SHA256\""
	}
	return "Unsupported AWS 'algorithm' in the Authorization header; only AWS4-HMAC-SHA256 is supported."
}

func mustSign(header string) string {
	return "'" + header + "' must be a 'SignedHeader' in the AWS Authorization."
}

// msgScopeDate is AWS's text for a credential scope whose date is not the
// day of the request time.
func msgScopeDate(scopeDate, day, amzDate string) string {
	return "Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date from HTTP: '" +
		scopeDate + "' != '" + day + "', from '" + amzDate + "'."
}

// msgSkew is AWS's clock-skew text, for example "Signature expired:
// 20240101T000000Z is now earlier than 20240101T000500Z (20240101T001000Z -
// 5 min.)".
func msgSkew(signed, now time.Time, skew time.Duration, early bool) string {
	var b []byte
	if early {
		b = append(b, "Signature expired: "...)
		b = appendAmzDate(b, signed)
		b = append(b, " is now earlier than "...)
		b = appendAmzDate(b, now.Add(-skew))
		b = append(b, " ("...)
		b = appendAmzDate(b, now)
		b = append(b, " - "...)
	} else {
		b = append(b, "Signature not yet current: "...)
		b = appendAmzDate(b, signed)
		b = append(b, " is still later than "...)
		b = appendAmzDate(b, now.Add(skew))
		b = append(b, " ("...)
		b = appendAmzDate(b, now)
		b = append(b, " + "...)
	}
	if skew%time.Minute == 0 {
		b = strconv.AppendInt(b, int64(skew/time.Minute), 10)
		b = append(b, " min.)"...)
	} else {
		b = strconv.AppendInt(b, int64(skew/time.Second), 10)
		b = append(b, " sec.)"...)
	}
	return string(b)
}
