package awsproto_test

import (
	"context"
	"errors"
	"net/http/httptest"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	sdk "github.com/aws/aws-sdk-go-v2/service/identitystore"
	"github.com/aws/smithy-go"
	"github.com/google/go-cmp/cmp"

	"github.com/idcenter/idcenter/internal/api/identitystore"
	"github.com/idcenter/idcenter/internal/awsproto"
	"github.com/idcenter/idcenter/internal/awsproto/sigv4"
)

func TestSigV4Error(t *testing.T) {
	t.Parallel()
	tests := []struct {
		reason sigv4.Reason
		msg    string
		want   awsproto.Error
	}{
		{sigv4.ReasonMissing, "x", awsproto.Error{Code: "MissingAuthenticationTokenException", Message: "Request is missing Authentication Token", Status: 400}},
		{sigv4.ReasonIncomplete, "Authorization header requires 'Signature' parameter.", awsproto.Error{Code: "IncompleteSignatureException", Message: "Authorization header requires 'Signature' parameter.", Status: 400}},
		{sigv4.ReasonUnknownKey, "x", awsproto.Error{Code: "UnrecognizedClientException", Message: "The security token included in the request is invalid.", Status: 400}},
		{sigv4.ReasonBadSignature, "x", awsproto.Error{Code: "InvalidSignatureException", Message: "The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method. Consult the service documentation for details.", Status: 400}},
		{sigv4.ReasonSkewed, "Signature expired: 20240101T000000Z is now earlier than 20240101T001000Z (20240101T000500Z - 5 min.)", awsproto.Error{Code: "InvalidSignatureException", Message: "Signature expired: 20240101T000000Z is now earlier than 20240101T001000Z (20240101T000500Z - 5 min.)", Status: 400}},
		{sigv4.ReasonExpired, "Request has expired", awsproto.Error{Code: "InvalidSignatureException", Message: "Request has expired", Status: 400}},
		{sigv4.ReasonTokenExpired, "x", awsproto.Error{Code: "ExpiredTokenException", Message: "The security token included in the request is expired", Status: 400}},
	}
	for _, tt := range tests {
		t.Run(tt.reason.String(), func(t *testing.T) {
			t.Parallel()
			got := awsproto.SigV4Error(&sigv4.Error{Reason: tt.reason, Message: tt.msg})
			if diff := cmp.Diff(tt.want, *got); diff != "" {
				t.Errorf("SigV4Error(%v) mismatch (-want +got):\n%s", tt.reason, diff)
			}
		})
	}
}

type keys map[string]string

func (k keys) ResolveKey(_ context.Context, id, _ string) (sigv4.Key, error) {
	s, ok := k[id]
	if !ok {
		return sigv4.Key{}, sigv4.ErrUnknownKey
	}
	return sigv4.Key{Secret: []byte(s), Principal: "principal-" + id}, nil
}

// callerAPI echoes the authenticated caller.
type callerAPI struct {
	identitystore.UnimplementedAPI
}

func (callerAPI) DescribeUser(ctx context.Context, in *identitystore.DescribeUserRequest) (*identitystore.DescribeUserResponse, error) {
	c := awsproto.Caller(ctx)
	if c == nil {
		return nil, errors.New("no caller")
	}
	return &identitystore.DescribeUserResponse{IdentityStoreId: in.IdentityStoreId, UserId: in.UserId,
		UserName: c.AccessKeyID, DisplayName: c.Principal.(string) + "/" + c.Service + "/" + c.Region}, nil
}

func TestSigV4AuthenticatorWithSDK(t *testing.T) {
	t.Parallel()
	auth := awsproto.NewSigV4Authenticator(sigv4.NewVerifier(keys{"AKIDGOOD": "good-secret"}))
	srv := httptest.NewServer(awsproto.NewRouter(auth, identitystore.NewService(callerAPI{}, nil)))
	t.Cleanup(srv.Close)
	call := func(id, secret string) (*sdk.DescribeUserOutput, error) {
		c := sdk.New(sdk.Options{
			BaseEndpoint: aws.String(srv.URL),
			Region:       "eu-west-1",
			Credentials:  credentials.NewStaticCredentialsProvider(id, secret, ""),
			Retryer:      aws.NopRetryer{},
		})
		return c.DescribeUser(t.Context(), &sdk.DescribeUserInput{IdentityStoreId: aws.String(storeID), UserId: aws.String(userID)})
	}

	out, err := call("AKIDGOOD", "good-secret")
	if err != nil {
		t.Fatalf("DescribeUser(signed) = %v, want success", err)
	}
	if got, want := aws.ToString(out.UserName)+" "+aws.ToString(out.DisplayName), "AKIDGOOD principal-AKIDGOOD/identitystore/eu-west-1"; got != want {
		t.Errorf("caller = %q, want %q", got, want)
	}

	tests := []struct {
		name, id, secret, wantCode string
	}{
		{"unknown key", "AKIDNOPE", "x", "UnrecognizedClientException"},
		{"bad secret", "AKIDGOOD", "wrong", "InvalidSignatureException"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := call(tt.id, tt.secret)
			var ae smithy.APIError
			if !errors.As(err, &ae) || ae.ErrorCode() != tt.wantCode {
				t.Fatalf("DescribeUser = %v, want %s", err, tt.wantCode)
			}
			assertStatus(t, err, 400)
		})
	}
}
