package oauth

// Code is an OAuth 2.0 error code (RFC 6749 §5.2, RFC 8628 §3.5, RFC 7591
// §3.2.2). The sso-oidc edge maps each to the model's exception.
type Code string

// The error codes the service returns.
const (
	CodeInvalidRequest        Code = "invalid_request"
	CodeInvalidClient         Code = "invalid_client"
	CodeInvalidGrant          Code = "invalid_grant"
	CodeUnauthorizedClient    Code = "unauthorized_client"
	CodeUnsupportedGrantType  Code = "unsupported_grant_type"
	CodeInvalidScope          Code = "invalid_scope"
	CodeAuthorizationPending  Code = "authorization_pending"
	CodeSlowDown              Code = "slow_down"
	CodeAccessDenied          Code = "access_denied"
	CodeExpiredToken          Code = "expired_token"
	CodeInvalidClientMetadata Code = "invalid_client_metadata"
	CodeInvalidRedirectURI    Code = "invalid_redirect_uri"
)

// Error is a protocol error of sso-oidc. Description is safe to show the
// client.
type Error struct {
	Code        Code
	Description string
}

func (e *Error) Error() string {
	if e.Description == "" {
		return "oauth: " + string(e.Code)
	}
	return "oauth: " + string(e.Code) + ": " + e.Description
}

// Is reports whether target is an *Error with the same Code, so
// errors.Is(err, oauth.ErrSlowDown) works.
func (e *Error) Is(target error) bool {
	t, ok := target.(*Error)
	return ok && t.Code == e.Code
}

// Sentinels for errors.Is.
var (
	ErrInvalidRequest        = &Error{Code: CodeInvalidRequest}
	ErrInvalidClient         = &Error{Code: CodeInvalidClient}
	ErrInvalidGrant          = &Error{Code: CodeInvalidGrant}
	ErrUnauthorizedClient    = &Error{Code: CodeUnauthorizedClient}
	ErrUnsupportedGrantType  = &Error{Code: CodeUnsupportedGrantType}
	ErrInvalidScope          = &Error{Code: CodeInvalidScope}
	ErrAuthorizationPending  = &Error{Code: CodeAuthorizationPending}
	ErrSlowDown              = &Error{Code: CodeSlowDown}
	ErrAccessDenied          = &Error{Code: CodeAccessDenied}
	ErrExpiredToken          = &Error{Code: CodeExpiredToken}
	ErrInvalidClientMetadata = &Error{Code: CodeInvalidClientMetadata}
	ErrInvalidRedirectURI    = &Error{Code: CodeInvalidRedirectURI}
)

func fail(c Code, desc string) *Error { return &Error{Code: c, Description: desc} }

// Descriptions shared by several paths, so that the client cannot tell the
// causes apart (no oracle).
const (
	descInvalidClient = "Invalid client provided"
	descInvalidGrant  = "Invalid grant provided"
)

func invalidClient() *Error { return fail(CodeInvalidClient, descInvalidClient) }
func invalidGrant() *Error  { return fail(CodeInvalidGrant, descInvalidGrant) }
