// Package sts is the AWS Security Token Service (sts 2011-06-15) edge:
// query protocol shapes, validators and the Action table generated from the
// botocore model (zz_generated.go, by tools/awsgen) and hand-written
// handlers (GetCallerIdentity first). Requests are form-encoded
// (Action=...&Version=2011-06-15), SigV4-signed, and answered in XML by
// awsproto.QueryService. Operations not implemented answer through
// UnimplementedAPI.
//
// It imports services and awsproto, never another edge, the server or a
// store backend.
package sts
