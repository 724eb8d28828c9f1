package awsproto_test

import (
	"context"
	"encoding/xml"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
	"github.com/aws/aws-sdk-go-v2/credentials"
	idssdk "github.com/aws/aws-sdk-go-v2/service/identitystore"
	stssdk "github.com/aws/aws-sdk-go-v2/service/sts"
	ststypes "github.com/aws/aws-sdk-go-v2/service/sts/types"
	"github.com/aws/smithy-go"
	"github.com/google/go-cmp/cmp"

	"github.com/idcenter/idcenter/internal/api/identitystore"
	"github.com/idcenter/idcenter/internal/api/sts"
	"github.com/idcenter/idcenter/internal/awsproto"
	"github.com/idcenter/idcenter/internal/awsproto/sigv4"
)

// stsAPI implements GetCallerIdentity from the SigV4 caller and AssumeRole
// by role session name; it hands every successful AssumeRole input to got.
type stsAPI struct {
	sts.UnimplementedAPI
	got chan *sts.AssumeRoleRequest
}

func (stsAPI) GetCallerIdentity(ctx context.Context, _ *sts.GetCallerIdentityRequest) (*sts.GetCallerIdentityResponse, error) {
	c := awsproto.Caller(ctx)
	if c == nil {
		return &sts.GetCallerIdentityResponse{UserId: "AIDANOBODY", Account: "000000000000", Arn: "arn:aws:iam::000000000000:user/<nobody> & co"}, nil
	}
	return &sts.GetCallerIdentityResponse{
		UserId:  c.Principal.(string),
		Account: "111122223333",
		Arn:     "arn:aws:iam::111122223333:user/" + c.AccessKeyID,
	}, nil
}

func (a stsAPI) AssumeRole(_ context.Context, in *sts.AssumeRoleRequest) (*sts.AssumeRoleResponse, error) {
	switch in.RoleSessionName {
	case "expired":
		return nil, &awsproto.Error{Code: "ExpiredTokenException", Message: "The security token included in the request is expired"}
	case "malformed":
		return nil, &awsproto.Error{Code: "MalformedPolicyDocumentException", Message: "The policy is not valid JSON."}
	case "regionoff":
		return nil, &awsproto.Error{Code: "RegionDisabledException", Message: "STS is not activated in this region."}
	case "panic":
		panic("handler bug")
	}
	if a.got != nil {
		a.got <- in
	}
	return &sts.AssumeRoleResponse{
		Credentials: &sts.Credentials{
			AccessKeyId:     "ASIAEXAMPLEEXAMPLE01",
			SecretAccessKey: "s3cr3t",
			SessionToken:    "tok<en>&",
			Expiration:      awsproto.TimePtr(time.Unix(1700000000, 0)),
		},
		AssumedRoleUser:  &sts.AssumedRoleUser{AssumedRoleId: "AROAEXAMPLE:" + in.RoleSessionName, Arn: in.RoleArn},
		PackedPolicySize: aws.Int32(6),
		SourceIdentity:   in.SourceIdentity,
	}, nil
}

const roleARN = "arn:aws:iam::111122223333:role/Admin"

// newRootServer serves an identitystore Router and the sts QueryService
// behind one Root on POST / and GET /, as the server mounts them. auth
// selects SigV4 for sts; requestID, when set, fixes the request IDs.
func newRootServer(t *testing.T, api stsAPI, auth bool, requestID string) (*httptest.Server, *internalLog) {
	t.Helper()
	log := &internalLog{}
	svc := sts.NewQueryService(api, nil)
	svc.OnInternalError = log.add
	if auth {
		svc.Auth = awsproto.NewSigV4QueryAuthenticator(sigv4.NewVerifier(keys{"AKIDEXAMPLE": "secret"}))
	}
	root := &awsproto.Root{
		JSON:  awsproto.NewRouter(acceptAll{}, identitystore.NewService(testAPI{}, nil)),
		Query: []*awsproto.QueryService{svc},
	}
	var h http.Handler = root
	if requestID != "" {
		h = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			root.ServeHTTP(w, r.WithContext(awsproto.ContextWithRequestID(r.Context(), requestID)))
		})
	}
	mux := http.NewServeMux()
	mux.Handle("POST /{$}", h)
	mux.Handle("GET /{$}", h)
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	return srv, log
}

func newSTSClient(url, key, secret string) *stssdk.Client {
	return stssdk.New(stssdk.Options{
		BaseEndpoint: aws.String(url),
		Region:       "us-east-1",
		Credentials:  credentials.NewStaticCredentialsProvider(key, secret, ""),
		Retryer:      aws.NopRetryer{},
	})
}

func TestQueryWithSDK(t *testing.T) {
	t.Parallel()
	api := stsAPI{got: make(chan *sts.AssumeRoleRequest, 1)}
	srv, log := newRootServer(t, api, true, "")
	client := newSTSClient(srv.URL, "AKIDEXAMPLE", "secret")
	ctx := t.Context()

	t.Run("GetCallerIdentity", func(t *testing.T) {
		out, err := client.GetCallerIdentity(ctx, &stssdk.GetCallerIdentityInput{})
		if err != nil {
			t.Fatalf("GetCallerIdentity = %v, want success", err)
		}
		got := []string{aws.ToString(out.UserId), aws.ToString(out.Account), aws.ToString(out.Arn)}
		want := []string{"principal-AKIDEXAMPLE", "111122223333", "arn:aws:iam::111122223333:user/AKIDEXAMPLE"}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("GetCallerIdentity mismatch (-want +got):\n%s", diff)
		}
	})

	t.Run("AssumeRole nested input", func(t *testing.T) {
		out, err := client.AssumeRole(ctx, &stssdk.AssumeRoleInput{
			RoleArn:           aws.String(roleARN),
			RoleSessionName:   aws.String("bob@example.com"),
			DurationSeconds:   aws.Int32(3600),
			Tags:              []ststypes.Tag{{Key: aws.String("team"), Value: aws.String("a b+c=d/@")}, {Key: aws.String("empty"), Value: aws.String("")}},
			TransitiveTagKeys: []string{"team", "empty"},
			PolicyArns:        []ststypes.PolicyDescriptorType{{Arn: aws.String("arn:aws:iam::aws:policy/ReadOnlyAccess")}},
			Policy:            aws.String(`{"Version":"2012-10-17","Statement":[]}`),
			SourceIdentity:    aws.String("bob"),
			ProvidedContexts:  []ststypes.ProvidedContext{{ProviderArn: aws.String("arn:aws:iam::aws:contextProvider/IdentityCenter"), ContextAssertion: aws.String("assertion")}},
		})
		if err != nil {
			t.Fatalf("AssumeRole = %v, want success", err)
		}
		in := <-api.got
		want := &sts.AssumeRoleRequest{
			RoleArn:           roleARN,
			RoleSessionName:   "bob@example.com",
			DurationSeconds:   aws.Int32(3600),
			Tags:              []sts.Tag{{Key: "team", Value: "a b+c=d/@"}, {Key: "empty", Value: ""}},
			TransitiveTagKeys: []string{"team", "empty"},
			PolicyArns:        []sts.PolicyDescriptorType{{Arn: "arn:aws:iam::aws:policy/ReadOnlyAccess"}},
			Policy:            `{"Version":"2012-10-17","Statement":[]}`,
			SourceIdentity:    "bob",
			ProvidedContexts:  []sts.ProvidedContext{{ProviderArn: "arn:aws:iam::aws:contextProvider/IdentityCenter", ContextAssertion: "assertion"}},
		}
		if diff := cmp.Diff(want, in); diff != "" {
			t.Errorf("AssumeRole input mismatch (-want +got):\n%s", diff)
		}
		got := []any{aws.ToString(out.Credentials.AccessKeyId), aws.ToString(out.Credentials.SessionToken), aws.ToTime(out.Credentials.Expiration),
			aws.ToString(out.AssumedRoleUser.Arn), aws.ToString(out.AssumedRoleUser.AssumedRoleId), aws.ToInt32(out.PackedPolicySize), aws.ToString(out.SourceIdentity)}
		wantOut := []any{"ASIAEXAMPLEEXAMPLE01", "tok<en>&", time.Unix(1700000000, 0).UTC(), roleARN, "AROAEXAMPLE:bob@example.com", int32(6), "bob"}
		if diff := cmp.Diff(wantOut, got); diff != "" {
			t.Errorf("AssumeRole output mismatch (-want +got):\n%s", diff)
		}
	})

	t.Run("ExpiredTokenException", func(t *testing.T) {
		_, err := client.AssumeRole(ctx, &stssdk.AssumeRoleInput{RoleArn: aws.String(roleARN), RoleSessionName: aws.String("expired")})
		var e *ststypes.ExpiredTokenException
		if !errors.As(err, &e) || e.ErrorMessage() != "The security token included in the request is expired" {
			t.Fatalf("AssumeRole(expired) = %v, want ExpiredTokenException", err)
		}
		assertStatus(t, err, 400)
	})

	t.Run("MalformedPolicyDocument by its wire code", func(t *testing.T) {
		_, err := client.AssumeRole(ctx, &stssdk.AssumeRoleInput{RoleArn: aws.String(roleARN), RoleSessionName: aws.String("malformed")})
		var e *ststypes.MalformedPolicyDocumentException
		if !errors.As(err, &e) || e.ErrorCode() != "MalformedPolicyDocument" {
			t.Fatalf("AssumeRole(malformed) = %v, want MalformedPolicyDocumentException", err)
		}
	})

	t.Run("RegionDisabled status from the model", func(t *testing.T) {
		_, err := client.AssumeRole(ctx, &stssdk.AssumeRoleInput{RoleArn: aws.String(roleARN), RoleSessionName: aws.String("regionoff")})
		var e *ststypes.RegionDisabledException
		if !errors.As(err, &e) {
			t.Fatalf("AssumeRole(regionoff) = %v, want RegionDisabledException", err)
		}
		assertStatus(t, err, 403)
	})

	t.Run("validation", func(t *testing.T) {
		_, err := client.AssumeRole(ctx, &stssdk.AssumeRoleInput{RoleArn: aws.String(roleARN), RoleSessionName: aws.String("x"), DurationSeconds: aws.Int32(60)})
		var ae smithy.APIError
		if !errors.As(err, &ae) || ae.ErrorCode() != "ValidationError" {
			t.Fatalf("AssumeRole(short name) = %v, want ValidationError", err)
		}
		want := "2 validation errors detected: Value 'x' at 'roleSessionName' failed to satisfy constraint: Member must have length greater than or equal to 2; " +
			"Value '60' at 'durationSeconds' failed to satisfy constraint: Member must have value greater than or equal to 900"
		if ae.ErrorMessage() != want {
			t.Errorf("message = %q, want %q", ae.ErrorMessage(), want)
		}
		assertStatus(t, err, 400)
	})

	t.Run("unimplemented", func(t *testing.T) {
		_, err := client.GetSessionToken(ctx, &stssdk.GetSessionTokenInput{})
		var ae smithy.APIError
		if !errors.As(err, &ae) || ae.ErrorCode() != "InvalidAction" || ae.ErrorMessage() != "Operation GetSessionToken is not supported by this server." {
			t.Fatalf("GetSessionToken = %v, want InvalidAction", err)
		}
	})

	t.Run("panic", func(t *testing.T) {
		_, err := client.AssumeRole(ctx, &stssdk.AssumeRoleInput{RoleArn: aws.String(roleARN), RoleSessionName: aws.String("panic")})
		var ae smithy.APIError
		if !errors.As(err, &ae) || ae.ErrorCode() != "InternalFailure" {
			t.Fatalf("AssumeRole(panic) = %v, want InternalFailure", err)
		}
		assertStatus(t, err, 500)
		if got := log.all(); len(got) != 1 || !strings.Contains(got[0], "AssumeRole: panic: handler bug") {
			t.Errorf("internal errors = %q", got)
		}
	})

	authErrors := []struct {
		name, key, secret string
		code              string
		status            int
	}{
		{"unknown key", "AKIDUNKNOWN", "secret", "InvalidClientTokenId", 403},
		{"wrong secret", "AKIDEXAMPLE", "wrong", "SignatureDoesNotMatch", 403},
	}
	for _, tt := range authErrors {
		t.Run(tt.name, func(t *testing.T) {
			_, err := newSTSClient(srv.URL, tt.key, tt.secret).GetCallerIdentity(ctx, &stssdk.GetCallerIdentityInput{})
			var ae smithy.APIError
			if !errors.As(err, &ae) || ae.ErrorCode() != tt.code {
				t.Fatalf("GetCallerIdentity = %v, want %s", err, tt.code)
			}
			assertStatus(t, err, tt.status)
		})
	}

	t.Run("presigned GET", func(t *testing.T) {
		req, err := http.NewRequestWithContext(ctx, "GET", srv.URL+"/?Action=GetCallerIdentity&Version=2011-06-15", nil)
		if err != nil {
			t.Fatal(err)
		}
		const emptySHA256 = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
		u, _, err := v4.NewSigner().PresignHTTP(ctx, aws.Credentials{AccessKeyID: "AKIDEXAMPLE", SecretAccessKey: "secret"}, req, emptySHA256, "sts", "us-east-1", time.Now())
		if err != nil {
			t.Fatal(err)
		}
		resp, err := http.Get(u)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		if resp.StatusCode != 200 || !strings.Contains(string(b), "<Arn>arn:aws:iam::111122223333:user/AKIDEXAMPLE</Arn>") {
			t.Errorf("GET presigned = %d %s", resp.StatusCode, b)
		}
	})

	t.Run("JSON 1.1 through Root", func(t *testing.T) {
		if _, err := newClient(srv.URL).DescribeUser(ctx, &idssdk.DescribeUserInput{IdentityStoreId: aws.String(storeID), UserId: aws.String(userID)}); err != nil {
			t.Errorf("DescribeUser through Root = %v, want success", err)
		}
	})
}

// TestQueryWire pins status, headers and bodies of query responses.
func TestQueryWire(t *testing.T) {
	t.Parallel()
	const id = "11111111-2222-4333-8444-555555555555"
	srv, _ := newRootServer(t, stsAPI{}, false, id)
	const ns = `xmlns="https://sts.amazonaws.com/doc/2011-06-15/"`
	xmlErr := func(typ, code, msg string) string {
		return `<ErrorResponse ` + ns + `><Error><Type>` + typ + `</Type><Code>` + code + `</Code><Message>` + msg + `</Message></Error><RequestId>` + id + `</RequestId></ErrorResponse>`
	}
	form := "application/x-www-form-urlencoded; charset=utf-8"
	tests := []struct {
		name, method, target, contentType, body string
		wantStatus                              int
		wantType                                string
		wantBody                                string
	}{
		{
			name: "GET GetCallerIdentity", method: "GET", target: "/?Action=GetCallerIdentity&Version=2011-06-15",
			wantStatus: 200, wantType: "text/xml",
			wantBody: `<GetCallerIdentityResponse ` + ns + `><GetCallerIdentityResult><UserId>AIDANOBODY</UserId><Account>000000000000</Account>` +
				`<Arn>arn:aws:iam::000000000000:user/&lt;nobody&gt; &amp; co</Arn></GetCallerIdentityResult>` +
				`<ResponseMetadata><RequestId>` + id + `</RequestId></ResponseMetadata></GetCallerIdentityResponse>`,
		},
		{
			name: "POST AssumeRole", method: "POST", target: "/", contentType: form,
			body:       "Action=AssumeRole&Version=2011-06-15&RoleArn=" + url.QueryEscape(roleARN) + "&RoleSessionName=bob&SourceIdentity=src",
			wantStatus: 200, wantType: "text/xml",
			wantBody: `<AssumeRoleResponse ` + ns + `><AssumeRoleResult><Credentials><AccessKeyId>ASIAEXAMPLEEXAMPLE01</AccessKeyId>` +
				`<SecretAccessKey>s3cr3t</SecretAccessKey><SessionToken>tok&lt;en&gt;&amp;</SessionToken><Expiration>2023-11-14T22:13:20Z</Expiration></Credentials>` +
				`<AssumedRoleUser><AssumedRoleId>AROAEXAMPLE:bob</AssumedRoleId><Arn>` + roleARN + `</Arn></AssumedRoleUser>` +
				`<PackedPolicySize>6</PackedPolicySize><SourceIdentity>src</SourceIdentity></AssumeRoleResult>` +
				`<ResponseMetadata><RequestId>` + id + `</RequestId></ResponseMetadata></AssumeRoleResponse>`,
		},
		{
			name: "modelled error", method: "POST", target: "/", contentType: form,
			body:       "Action=AssumeRole&Version=2011-06-15&RoleArn=" + url.QueryEscape(roleARN) + "&RoleSessionName=malformed",
			wantStatus: 400, wantType: "text/xml", wantBody: xmlErr("Sender", "MalformedPolicyDocument", "The policy is not valid JSON."),
		},
		{
			name: "missing required", method: "POST", target: "/", contentType: form, body: "Action=AssumeRole&Version=2011-06-15&RoleSessionName=bob",
			wantStatus: 400, wantType: "text/xml",
			wantBody: xmlErr("Sender", "ValidationError", "1 validation error detected: Value null at &#39;roleArn&#39; failed to satisfy constraint: Member must not be null"),
		},
		{
			name: "nested validation path", method: "POST", target: "/", contentType: form,
			body:       "Action=AssumeRole&Version=2011-06-15&RoleArn=" + url.QueryEscape(roleARN) + "&RoleSessionName=bob&Tags.member.1.Key=k",
			wantStatus: 400, wantType: "text/xml",
			wantBody: xmlErr("Sender", "ValidationError", "1 validation error detected: Value null at &#39;tags.1.member.value&#39; failed to satisfy constraint: Member must not be null"),
		},
		{
			name: "integer not a number", method: "POST", target: "/", contentType: form,
			body:       "Action=AssumeRole&Version=2011-06-15&RoleArn=" + url.QueryEscape(roleARN) + "&RoleSessionName=bob&DurationSeconds=1h",
			wantStatus: 400, wantType: "text/xml", wantBody: xmlErr("Sender", "InvalidParameterValue", "Value (&#34;1h&#34;) for parameter DurationSeconds is invalid."),
		},
		{
			name: "bad list index", method: "POST", target: "/", contentType: form,
			body:       "Action=AssumeRole&Version=2011-06-15&RoleArn=" + url.QueryEscape(roleARN) + "&RoleSessionName=bob&TransitiveTagKeys.member.0=k",
			wantStatus: 400, wantType: "text/xml", wantBody: xmlErr("Sender", "MalformedQueryString", "The parameter TransitiveTagKeys.member.0 has an invalid index."),
		},
		{
			name: "unknown action", method: "POST", target: "/", contentType: form, body: "Action=Nope&Version=2011-06-15",
			wantStatus: 400, wantType: "text/xml", wantBody: xmlErr("Sender", "InvalidAction", "Could not find operation Nope for version 2011-06-15"),
		},
		{
			name: "wrong version", method: "POST", target: "/", contentType: form, body: "Action=GetCallerIdentity&Version=2010-01-01",
			wantStatus: 400, wantType: "text/xml", wantBody: xmlErr("Sender", "InvalidAction", "Could not find operation GetCallerIdentity for version 2010-01-01"),
		},
		{
			name: "missing action", method: "POST", target: "/", contentType: form, body: "Version=2011-06-15",
			wantStatus: 400, wantType: "text/xml", wantBody: xmlErr("Sender", "MissingAction", "The request must contain the parameter Action."),
		},
		{
			name: "malformed form", method: "POST", target: "/", contentType: form, body: "Action=GetCallerIdentity&Version=%zz",
			wantStatus: 400, wantType: "text/xml", wantBody: xmlErr("Sender", "MalformedQueryString", "The request is not a valid percent-encoded form."),
		},
		{
			name: "oversized form", method: "POST", target: "/", contentType: form, body: "Action=GetCallerIdentity&Version=2011-06-15&x=" + strings.Repeat("x", awsproto.MaxBodyBytes),
			wantStatus: 413, wantType: "text/xml", wantBody: xmlErr("Sender", "MalformedQueryString", "The request body exceeds 1048576 bytes."),
		},
		{
			name: "panic", method: "POST", target: "/", contentType: form,
			body:       "Action=AssumeRole&Version=2011-06-15&RoleArn=" + url.QueryEscape(roleARN) + "&RoleSessionName=panic",
			wantStatus: 500, wantType: "text/xml", wantBody: xmlErr("Receiver", "InternalFailure", "An internal error occurred. Try again later."),
		},
		{
			name: "form no service claims goes to JSON", method: "POST", target: "/", contentType: form, body: "Foo=bar",
			wantStatus: 400, wantType: awsproto.ContentTypeJSON11, wantBody: `{"__type":"UnknownOperationException"}`,
		},
		{
			name: "GET without Action", method: "GET", target: "/",
			wantStatus: 404, wantType: awsproto.ContentTypeJSON11, wantBody: `{"Message":"No operation matches GET /.","__type":"UnknownOperationException"}`,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			req, err := http.NewRequestWithContext(t.Context(), tt.method, srv.URL+tt.target, strings.NewReader(tt.body))
			if err != nil {
				t.Fatal(err)
			}
			if tt.contentType != "" {
				req.Header.Set("Content-Type", tt.contentType)
			}
			resp, err := srv.Client().Do(req)
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			b, _ := io.ReadAll(resp.Body)
			if resp.StatusCode != tt.wantStatus {
				t.Errorf("status = %d, want %d (%s)", resp.StatusCode, tt.wantStatus, b)
			}
			if got := resp.Header.Get("Content-Type"); got != tt.wantType {
				t.Errorf("Content-Type = %q, want %q", got, tt.wantType)
			}
			if got := resp.Header.Get("x-amzn-RequestId"); got != id {
				t.Errorf("x-amzn-RequestId = %q, want %q", got, id)
			}
			if string(b) != tt.wantBody {
				t.Errorf("body = %s\nwant   %s", b, tt.wantBody)
			}
			if tt.wantType == "text/xml" {
				if err := xml.Unmarshal(b, new(struct{})); err != nil {
					t.Errorf("body is not XML: %v", err)
				}
			}
		})
	}
}

func TestSigV4QueryError(t *testing.T) {
	t.Parallel()
	tests := []struct {
		reason sigv4.Reason
		msg    string
		want   awsproto.Error
	}{
		{sigv4.ReasonMissing, "x", awsproto.Error{Code: "MissingAuthenticationToken", Message: "Request is missing Authentication Token", Status: 403}},
		{sigv4.ReasonIncomplete, "Authorization header requires 'Signature' parameter.", awsproto.Error{Code: "IncompleteSignature", Message: "Authorization header requires 'Signature' parameter.", Status: 400}},
		{sigv4.ReasonUnknownKey, "x", awsproto.Error{Code: "InvalidClientTokenId", Message: "The security token included in the request is invalid.", Status: 403}},
		{sigv4.ReasonBadSignature, "x", awsproto.Error{Code: "SignatureDoesNotMatch", Message: "The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method. Consult the service documentation for details.", Status: 403}},
		{sigv4.ReasonSkewed, "Signature expired: 20240101T000000Z is now earlier than 20240101T001000Z (20240101T000500Z - 5 min.)", awsproto.Error{Code: "SignatureDoesNotMatch", Message: "Signature expired: 20240101T000000Z is now earlier than 20240101T001000Z (20240101T000500Z - 5 min.)", Status: 403}},
		{sigv4.ReasonExpired, "Request has expired", awsproto.Error{Code: "RequestExpired", Message: "Request has expired", Status: 400}},
		{sigv4.ReasonTokenExpired, "x", awsproto.Error{Code: "ExpiredToken", Message: "The security token included in the request is expired", Status: 400}},
	}
	for _, tt := range tests {
		t.Run(tt.reason.String(), func(t *testing.T) {
			t.Parallel()
			got := awsproto.SigV4QueryError(&sigv4.Error{Reason: tt.reason, Message: tt.msg})
			if diff := cmp.Diff(tt.want, *got); diff != "" {
				t.Errorf("SigV4QueryError(%v) mismatch (-want +got):\n%s", tt.reason, diff)
			}
		})
	}
}
