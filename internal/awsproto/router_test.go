package awsproto_test

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awsmiddleware "github.com/aws/aws-sdk-go-v2/aws/middleware"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/aws-sdk-go-v2/credentials"
	sdk "github.com/aws/aws-sdk-go-v2/service/identitystore"
	"github.com/aws/aws-sdk-go-v2/service/identitystore/types"
	"github.com/aws/smithy-go"
	"github.com/google/go-cmp/cmp"

	"github.com/idcenter/idcenter/internal/api/identitystore"
	"github.com/idcenter/idcenter/internal/awsproto"
)

const (
	missingUserID  = "abcdef0123-00000000-0000-0000-0000-000000000000"
	panicUserID    = "abcdef0123-11111111-1111-1111-1111-111111111111"
	unmappedUserID = "abcdef0123-22222222-2222-2222-2222-222222222222"
	mappedUserID   = "abcdef0123-33333333-3333-3333-3333-333333333333"
)

var errMapped = errors.New("mapped: store says not found")

// testAPI implements DescribeUser only.
type testAPI struct {
	identitystore.UnimplementedAPI
}

func (testAPI) DescribeUser(ctx context.Context, in *identitystore.DescribeUserRequest) (*identitystore.DescribeUserResponse, error) {
	switch in.UserId {
	case missingUserID:
		return nil, &awsproto.Error{
			Code:    "ResourceNotFoundException",
			Message: "The specified user does not exist.",
			Fields:  map[string]any{"ResourceType": "USER", "ResourceId": in.UserId},
		}
	case panicUserID:
		panic("handler bug")
	case unmappedUserID:
		return nil, errors.New("pq: connection refused to 10.1.2.3 (secret detail)")
	case mappedUserID:
		return nil, errMapped
	}
	return &identitystore.DescribeUserResponse{
		IdentityStoreId: in.IdentityStoreId,
		UserId:          in.UserId,
		UserName:        "bob",
		DisplayName:     awsproto.RequestID(ctx),
		Emails:          []identitystore.Email{{Value: "bob@example.com", Type: "work", Primary: aws.Bool(true)}},
		CreatedAt:       awsproto.TimePtr(time.Unix(1700000000, 123e6)),
	}, nil
}

// acceptAll authenticates every request.
type acceptAll struct{}

func (acceptAll) Authenticate(ctx context.Context, _ *http.Request, _ []byte) (context.Context, error) {
	return ctx, nil
}

type internalLog struct {
	mu   sync.Mutex
	errs []string
}

func (l *internalLog) add(_ context.Context, op string, err error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.errs = append(l.errs, op+": "+err.Error())
}

func newTestServer(t *testing.T) (*httptest.Server, *internalLog) {
	t.Helper()
	svc := identitystore.NewService(testAPI{}, func(err error) *awsproto.Error {
		if errors.Is(err, errMapped) {
			return &awsproto.Error{Code: "ResourceNotFoundException", Message: "Not found."}
		}
		return nil
	})
	rt := awsproto.NewRouter(acceptAll{}, svc)
	log := &internalLog{}
	rt.OnInternalError = log.add
	srv := httptest.NewServer(rt)
	t.Cleanup(srv.Close)
	return srv, log
}

func newClient(url string) *sdk.Client {
	return sdk.New(sdk.Options{
		BaseEndpoint: aws.String(url),
		Region:       "us-east-1",
		Credentials:  credentials.NewStaticCredentialsProvider("AKIDEXAMPLE", "secret", ""),
		Retryer:      aws.NopRetryer{},
	})
}

var uuidV4 = regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$`)

func TestRouterWithSDK(t *testing.T) {
	t.Parallel()
	srv, log := newTestServer(t)
	client := newClient(srv.URL)
	ctx := t.Context()

	t.Run("success", func(t *testing.T) {
		out, err := client.DescribeUser(ctx, &sdk.DescribeUserInput{IdentityStoreId: aws.String(storeID), UserId: aws.String(userID)})
		if err != nil {
			t.Fatalf("DescribeUser = %v, want success", err)
		}
		reqID, _ := awsmiddleware.GetRequestIDMetadata(out.ResultMetadata)
		if !uuidV4.MatchString(reqID) {
			t.Errorf("request id %q is not a UUID v4", reqID)
		}
		if got := aws.ToString(out.DisplayName); got != reqID {
			t.Errorf("handler saw request id %q, response header has %q", got, reqID)
		}
		got := struct {
			Store, User, Name, Email string
			Primary                  bool
			Created                  time.Time
		}{aws.ToString(out.IdentityStoreId), aws.ToString(out.UserId), aws.ToString(out.UserName),
			aws.ToString(out.Emails[0].Value), out.Emails[0].Primary, aws.ToTime(out.CreatedAt)}
		want := got
		want.Store, want.User, want.Name, want.Email, want.Primary = storeID, userID, "bob", "bob@example.com", true
		want.Created = time.Unix(1700000000, 123e6)
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("DescribeUser output mismatch (-want +got):\n%s", diff)
		}
	})

	t.Run("modelled error", func(t *testing.T) {
		_, err := client.DescribeUser(ctx, &sdk.DescribeUserInput{IdentityStoreId: aws.String(storeID), UserId: aws.String(missingUserID)})
		var rnf *types.ResourceNotFoundException
		if !errors.As(err, &rnf) {
			t.Fatalf("DescribeUser(missing) = %v, want ResourceNotFoundException", err)
		}
		if rnf.ResourceType != types.ResourceTypeUser || aws.ToString(rnf.ResourceId) != missingUserID || rnf.ErrorMessage() != "The specified user does not exist." {
			t.Errorf("ResourceNotFoundException = %+v", rnf)
		}
		assertStatus(t, err, 400)
	})

	t.Run("mapped error", func(t *testing.T) {
		_, err := client.DescribeUser(ctx, &sdk.DescribeUserInput{IdentityStoreId: aws.String(storeID), UserId: aws.String(mappedUserID)})
		var rnf *types.ResourceNotFoundException
		if !errors.As(err, &rnf) {
			t.Fatalf("DescribeUser(mapped) = %v, want ResourceNotFoundException", err)
		}
	})

	t.Run("unimplemented", func(t *testing.T) {
		_, err := client.ListUsers(ctx, &sdk.ListUsersInput{IdentityStoreId: aws.String(storeID)})
		var ae smithy.APIError
		if !errors.As(err, &ae) || ae.ErrorCode() != "UnknownOperationException" {
			t.Fatalf("ListUsers = %v, want UnknownOperationException", err)
		}
		if ae.ErrorMessage() != "Operation ListUsers is not supported by this server." {
			t.Errorf("message = %q", ae.ErrorMessage())
		}
		assertStatus(t, err, 400)
	})

	t.Run("invalid input", func(t *testing.T) {
		_, err := client.DescribeUser(ctx, &sdk.DescribeUserInput{IdentityStoreId: aws.String("bad"), UserId: aws.String(userID)})
		var ve *types.ValidationException
		if !errors.As(err, &ve) {
			t.Fatalf("DescribeUser(bad) = %v, want ValidationException", err)
		}
		want := "1 validation error detected: Value 'bad' at 'identityStoreId' failed to satisfy constraint: Member must satisfy regular expression pattern: " + identityStoreIDPattern
		if ve.ErrorMessage() != want {
			t.Errorf("message = %q, want %q", ve.ErrorMessage(), want)
		}
	})

	t.Run("panic", func(t *testing.T) {
		_, err := client.DescribeUser(ctx, &sdk.DescribeUserInput{IdentityStoreId: aws.String(storeID), UserId: aws.String(panicUserID)})
		var ise *types.InternalServerException
		if !errors.As(err, &ise) {
			t.Fatalf("DescribeUser(panic) = %v, want InternalServerException", err)
		}
		assertStatus(t, err, 500)
		if _, err := client.DescribeUser(ctx, &sdk.DescribeUserInput{IdentityStoreId: aws.String(storeID), UserId: aws.String(userID)}); err != nil {
			t.Errorf("DescribeUser after panic = %v, want success", err)
		}
	})

	t.Run("unmapped error", func(t *testing.T) {
		_, err := client.DescribeUser(ctx, &sdk.DescribeUserInput{IdentityStoreId: aws.String(storeID), UserId: aws.String(unmappedUserID)})
		var ise *types.InternalServerException
		if !errors.As(err, &ise) {
			t.Fatalf("DescribeUser(unmapped) = %v, want InternalServerException", err)
		}
		if strings.Contains(ise.ErrorMessage(), "secret") {
			t.Errorf("message leaks the cause: %q", ise.ErrorMessage())
		}
		assertStatus(t, err, 500)
	})

	log.mu.Lock()
	defer log.mu.Unlock()
	want := []string{"DescribeUser: panic: handler bug", "DescribeUser: pq: connection refused to 10.1.2.3 (secret detail)"}
	if diff := cmp.Diff(want, log.errs, cmpSortStrings()); diff != "" {
		t.Errorf("OnInternalError calls (-want +got):\n%s", diff)
	}
}

func assertStatus(t *testing.T, err error, want int) {
	t.Helper()
	var re *awshttp.ResponseError
	if !errors.As(err, &re) {
		t.Fatalf("%v has no HTTP response", err)
	}
	if got := re.HTTPStatusCode(); got != want {
		t.Errorf("HTTP status = %d, want %d", got, want)
	}
}

// TestRouterWire checks the raw protocol where no SDK looks.
func TestRouterWire(t *testing.T) {
	t.Parallel()
	srv, _ := newTestServer(t)
	describe := `{"IdentityStoreId":"` + storeID + `","UserId":"` + userID + `"}`
	tests := []struct {
		name, method, target, body string
		wantStatus                 int
		wantType                   string // X-Amzn-ErrorType and __type; "" for success
		wantBody                   map[string]any
	}{
		{name: "success", method: "POST", target: "AWSIdentityStore.DescribeUser", body: describe, wantStatus: 200},
		{name: "missing target", method: "POST", body: describe, wantStatus: 400, wantType: "UnknownOperationException"},
		{name: "unknown prefix", method: "POST", target: "AWSOrganizationsV20161128.DescribeUser", body: describe, wantStatus: 400, wantType: "UnknownOperationException"},
		{name: "unknown operation", method: "POST", target: "AWSIdentityStore.DescribeUsers", body: describe, wantStatus: 400, wantType: "UnknownOperationException"},
		{name: "no dot", method: "POST", target: "AWSIdentityStore", body: describe, wantStatus: 400, wantType: "UnknownOperationException"},
		{name: "GET", method: "GET", target: "AWSIdentityStore.DescribeUser", wantStatus: 400, wantType: "UnknownOperationException"},
		{name: "malformed", method: "POST", target: "AWSIdentityStore.DescribeUser", body: `{"IdentityStoreId"`, wantStatus: 400, wantType: "SerializationException"},
		{name: "too large", method: "POST", target: "AWSIdentityStore.DescribeUser", body: `{"x":"` + strings.Repeat("a", awsproto.MaxBodyBytes) + `"}`, wantStatus: 413, wantType: "SerializationException"},
		{name: "modelled fields", method: "POST", target: "AWSIdentityStore.DescribeUser", body: `{"IdentityStoreId":"` + storeID + `","UserId":"` + missingUserID + `"}`,
			wantStatus: 400, wantType: "ResourceNotFoundException",
			wantBody: map[string]any{"__type": "ResourceNotFoundException", "Message": "The specified user does not exist.", "ResourceType": "USER", "ResourceId": missingUserID}},
		{name: "validation", method: "POST", target: "AWSIdentityStore.DescribeUser", body: `{}`, wantStatus: 400, wantType: "ValidationException",
			wantBody: map[string]any{"__type": "ValidationException", "Message": "2 validation errors detected: " +
				"Value null at 'identityStoreId' failed to satisfy constraint: Member must not be null; " +
				"Value null at 'userId' failed to satisfy constraint: Member must not be null"}},
		{name: "unmapped error is generic", method: "POST", target: "AWSIdentityStore.DescribeUser", body: `{"IdentityStoreId":"` + storeID + `","UserId":"` + unmappedUserID + `"}`,
			wantStatus: 500, wantType: "InternalServerException",
			wantBody: map[string]any{"__type": "InternalServerException", "Message": "An internal error occurred. Try again later."}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			req, err := http.NewRequestWithContext(t.Context(), tt.method, srv.URL+"/", strings.NewReader(tt.body))
			if err != nil {
				t.Fatal(err)
			}
			if tt.target != "" {
				req.Header.Set("X-Amz-Target", tt.target)
			}
			req.Header.Set("Content-Type", awsproto.ContentTypeJSON11)
			resp, err := srv.Client().Do(req)
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			raw, err := io.ReadAll(resp.Body)
			if err != nil {
				t.Fatal(err)
			}
			if resp.StatusCode != tt.wantStatus {
				t.Errorf("status = %d, want %d (body %s)", resp.StatusCode, tt.wantStatus, raw)
			}
			if ct := resp.Header.Get("Content-Type"); ct != "application/x-amz-json-1.1" {
				t.Errorf("Content-Type = %q", ct)
			}
			if id := resp.Header.Get("X-Amzn-Requestid"); !uuidV4.MatchString(id) {
				t.Errorf("x-amzn-RequestId = %q, want a UUID v4", id)
			}
			if got := resp.Header.Get("X-Amzn-Errortype"); got != tt.wantType {
				t.Errorf("X-Amzn-ErrorType = %q, want %q", got, tt.wantType)
			}
			var body map[string]any
			if err := json.Unmarshal(raw, &body); err != nil {
				t.Fatalf("body %q is not JSON: %v", raw, err)
			}
			if tt.wantType != "" && body["__type"] != tt.wantType {
				t.Errorf("__type = %v, want %s", body["__type"], tt.wantType)
			}
			if tt.wantBody != nil {
				if diff := cmp.Diff(tt.wantBody, body); diff != "" {
					t.Errorf("body mismatch (-want +got):\n%s", diff)
				}
			}
		})
	}
}

// TestRouterEmptyOutput checks that operations without output answer {}.
func TestRouterEmptyOutput(t *testing.T) {
	t.Parallel()
	op := awsproto.Handle(func(context.Context, *struct{}) (*struct{}, error) { return nil, nil })
	model := identitystore.Model()
	svc := awsproto.NewJSONService(model, map[string]awsproto.Op{"DeleteUser": op}, nil)
	srv := httptest.NewServer(awsproto.NewRouter(nil, svc))
	t.Cleanup(srv.Close)
	req, _ := http.NewRequestWithContext(t.Context(), "POST", srv.URL, strings.NewReader(`{"IdentityStoreId":"`+storeID+`","UserId":"`+userID+`"}`))
	req.Header.Set("X-Amz-Target", "AWSIdentityStore.DeleteUser")
	resp, err := srv.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != 200 || string(raw) != "{}" {
		t.Errorf("DeleteUser = %d %s, want 200 {}", resp.StatusCode, raw)
	}
}

// TestAuthenticatorErrors checks that authenticator errors are written as is
// and that other failures are internal.
func TestAuthenticatorErrors(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name       string
		err        error
		wantStatus int
		wantType   string
	}{
		{"protocol error", &awsproto.Error{Code: "UnrecognizedClientException", Message: "The security token included in the request is invalid.", Status: 400}, 400, "UnrecognizedClientException"},
		{"other error", errors.New("resolver down"), 500, "InternalServerException"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			rt := awsproto.NewRouter(authFunc(func(ctx context.Context) (context.Context, error) { return ctx, tt.err }),
				identitystore.NewService(testAPI{}, nil))
			rec := httptest.NewRecorder()
			req := httptest.NewRequestWithContext(t.Context(), "POST", "/", strings.NewReader(`{}`))
			req.Header.Set("X-Amz-Target", "AWSIdentityStore.DescribeUser")
			rt.ServeHTTP(rec, req)
			if rec.Code != tt.wantStatus || rec.Header().Get("X-Amzn-ErrorType") != tt.wantType {
				t.Errorf("got %d %s, want %d %s", rec.Code, rec.Header().Get("X-Amzn-ErrorType"), tt.wantStatus, tt.wantType)
			}
		})
	}
}

type authFunc func(ctx context.Context) (context.Context, error)

func (f authFunc) Authenticate(ctx context.Context, _ *http.Request, _ []byte) (context.Context, error) {
	return f(ctx)
}

// TestValidationErrorHook checks that a service can report validation with
// its own code, as organizations does with InvalidInputException.
func TestValidationErrorHook(t *testing.T) {
	t.Parallel()
	svc := identitystore.NewService(testAPI{}, nil)
	svc.ValidationError = func(err *awsproto.InputError) *awsproto.Error {
		return &awsproto.Error{Code: "InvalidInputException", Message: err.Error(),
			Fields: map[string]any{"Reason": string(err.Violations[0].Kind)}}
	}
	rt := awsproto.NewRouter(nil, svc)
	rec := httptest.NewRecorder()
	req := httptest.NewRequestWithContext(t.Context(), "POST", "/", strings.NewReader(`{"IdentityStoreId":"bad","UserId":"`+userID+`"}`))
	req.Header.Set("X-Amz-Target", "AWSIdentityStore.DescribeUser")
	rt.ServeHTTP(rec, req)
	var body map[string]any
	if err := json.Unmarshal(rec.Body.Bytes(), &body); err != nil {
		t.Fatal(err)
	}
	want := map[string]any{
		"__type":  "InvalidInputException",
		"Message": "1 validation error detected: Value 'bad' at 'identityStoreId' failed to satisfy constraint: Member must satisfy regular expression pattern: " + identityStoreIDPattern,
		"Reason":  "pattern",
	}
	if rec.Code != 400 {
		t.Errorf("status = %d, want 400", rec.Code)
	}
	if diff := cmp.Diff(want, body); diff != "" {
		t.Errorf("body mismatch (-want +got):\n%s", diff)
	}
}
