// Package ssoadmin is the sso-admin (2020-07-20) edge: AWS JSON 1.1 shapes,
// validators and dispatch generated from the botocore model
// (zz_generated.go, by tools/awsgen) and hand-written handlers that call
// internal/access. Operations not implemented yet answer through
// UnimplementedAPI with an error the SDKs parse.
//
// It imports services and awsproto, never another edge, the server or a
// store backend.
package ssoadmin
