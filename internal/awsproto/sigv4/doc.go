// Package sigv4 verifies AWS Signature Version 4 on incoming requests, the
// server side of
// https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_sigv-create-signed-request.html.
//
// It checks both forms a client may use: the Authorization header
// ("AWS4-HMAC-SHA256 Credential=…, SignedHeaders=…, Signature=…") and the
// presigned query string (X-Amz-Algorithm, X-Amz-Credential, …). A Verifier
// rebuilds the canonical request from the request as the server received it
// and the body the caller has already read, asks a Resolver for the secret of
// the access key, and compares signatures in constant time. Every refusal is
// an *Error whose Reason the protocol edges map to their own wire codes
// (IncompleteSignatureException, SignatureDoesNotMatch, …) and whose Message
// follows AWS's wording.
//
// Canonicalization follows the rules for every service but S3: the escaped
// path is URI-encoded a second time. The AWS SDK for Go v2 signs the path as
// it is, while botocore (boto3, the AWS CLI) first removes empty and dot
// segments, so a request whose path has "//", "." or ".." segments is
// accepted when either form matches. Routing must use a path that is
// equivalent under both, which http.ServeMux's path cleaning gives.
//
// sigv4 imports only the standard library and does not log.
package sigv4
