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
//
// It imports services and awsproto, never another edge, the server or a
// store backend.
package ssooidc
