// Package ssooidc is the sso-oidc (2019-06-10) edge that `aws sso login`
// talks to: rest-json shapes, validators and the route table generated from
// the botocore model (zz_generated.go, by tools/awsgen) and hand-written
// handlers for RegisterClient, StartDeviceAuthorization and CreateToken
// (RFC 8628 device authorization, RFC 6749 token endpoint). The operations
// are unauthenticated, as the model declares ("authtype": "none").
// Operations not implemented answer through UnimplementedAPI.
//
// Errors are the model's exceptions with lowercase "error" (the OAuth code,
// e.g. authorization_pending) and "error_description" members; awsproto
// fills "error" from the exception name when a handler leaves it unset.
// A body that cannot be read as the input — malformed JSON, trailing data,
// a duplicate key or one that matches a member only by case, nesting past
// awsproto's limit, more than awsproto.MaxBodyBytes — is a 400
// InvalidRequestException (invalid_request) before any service is called,
// so it changes nothing and is not counted as a poll (SECURITY.md TK-17).
//
// It imports services and awsproto, never another edge, the server or a
// store backend.
package ssooidc
