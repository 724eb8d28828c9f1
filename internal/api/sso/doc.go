// Package sso is the AWS IAM Identity Center portal (sso 2019-06-10) edge:
// rest-json shapes, validators and the route table generated from the
// botocore model (zz_generated.go, by tools/awsgen) and hand-written
// handlers for GetRoleCredentials, ListAccounts, ListAccountRoles and
// Logout. Requests carry the sso-oidc access token in the
// x-amz-sso_bearer_token header, a modelled input member (AccessToken), not
// a SigV4 signature. Operations not implemented answer through
// UnimplementedAPI.
//
// It imports services and awsproto, never another edge, the server or a
// store backend.
package sso
