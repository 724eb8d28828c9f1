package awsproto_test

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	awsmiddleware "github.com/aws/aws-sdk-go-v2/aws/middleware"
	ssosdk "github.com/aws/aws-sdk-go-v2/service/sso"
	ssotypes "github.com/aws/aws-sdk-go-v2/service/sso/types"
	oidcsdk "github.com/aws/aws-sdk-go-v2/service/ssooidc"
	oidctypes "github.com/aws/aws-sdk-go-v2/service/ssooidc/types"
	"github.com/google/go-cmp/cmp"

	"github.com/idcenter/idcenter/internal/api/sso"
	"github.com/idcenter/idcenter/internal/api/ssooidc"
	"github.com/idcenter/idcenter/internal/awsproto"
)

// oidcAPI answers CreateToken by device code, so that each exception can be
// provoked through the SDK.
type oidcAPI struct {
	ssooidc.UnimplementedAPI
}

func (oidcAPI) RegisterClient(_ context.Context, in *ssooidc.RegisterClientRequest) (*ssooidc.RegisterClientResponse, error) {
	return &ssooidc.RegisterClientResponse{
		ClientId:              "client-" + in.ClientName,
		ClientSecret:          "secret-" + in.ClientType + "-" + strings.Join(in.Scopes, ","),
		ClientIdIssuedAt:      aws.Int64(1700000000),
		ClientSecretExpiresAt: aws.Int64(1707776000),
	}, nil
}

func (oidcAPI) StartDeviceAuthorization(_ context.Context, in *ssooidc.StartDeviceAuthorizationRequest) (*ssooidc.StartDeviceAuthorizationResponse, error) {
	return &ssooidc.StartDeviceAuthorizationResponse{
		DeviceCode:              "device-" + in.ClientId,
		UserCode:                "ABCD-EFGH",
		VerificationUri:         "https://idc.example/device",
		VerificationUriComplete: "https://idc.example/device?user_code=ABCD-EFGH",
		ExpiresIn:               aws.Int32(600),
		Interval:                aws.Int32(1),
	}, nil
}

func (oidcAPI) CreateToken(_ context.Context, in *ssooidc.CreateTokenRequest) (*ssooidc.CreateTokenResponse, error) {
	switch in.DeviceCode {
	case "pending":
		return nil, &awsproto.Error{Code: "AuthorizationPendingException", Message: "Authorization is pending."}
	case "slow":
		return nil, &awsproto.Error{Code: "SlowDownException"}
	case "expired":
		return nil, &awsproto.Error{Code: "ExpiredTokenException", Message: "The device code has expired."}
	case "denied":
		return nil, &awsproto.Error{Code: "AccessDeniedException", Message: "Denied."}
	case "badclient":
		return nil, &awsproto.Error{Code: "InvalidClientException", Message: "Invalid client."}
	case "grant":
		return nil, &awsproto.Error{Code: "InvalidGrantException", Message: "Invalid refresh token provided"}
	case "panic":
		panic("handler bug")
	case "unmapped":
		return nil, errors.New("db down at 10.0.0.1")
	}
	return &ssooidc.CreateTokenResponse{
		AccessToken:  "at-" + in.ClientId,
		TokenType:    "Bearer",
		ExpiresIn:    aws.Int32(28800),
		RefreshToken: "rt-" + in.GrantType + "-" + strings.Join(in.Scope, " "),
	}, nil
}

func (oidcAPI) CreateTokenWithIAM(_ context.Context, in *ssooidc.CreateTokenWithIAMRequest) (*ssooidc.CreateTokenWithIAMResponse, error) {
	return &ssooidc.CreateTokenWithIAMResponse{AccessToken: "iam-" + in.ClientId, IssuedTokenType: in.RequestedTokenType}, nil
}

// portalAPI answers by bearer token.
type portalAPI struct {
	sso.UnimplementedAPI
}

func portalError(token string) error {
	switch token {
	case "bad":
		return &awsproto.Error{Code: "UnauthorizedException", Message: "Session token not found or invalid"}
	case "missing":
		return &awsproto.Error{Code: "ResourceNotFoundException", Message: "Could not find the account."}
	case "busy":
		return &awsproto.Error{Code: "TooManyRequestsException", Message: "Slow down."}
	}
	return nil
}

func (portalAPI) ListAccounts(_ context.Context, in *sso.ListAccountsRequest) (*sso.ListAccountsResponse, error) {
	if err := portalError(in.AccessToken); err != nil {
		return nil, err
	}
	max := "nil"
	if in.MaxResults != nil {
		max = strconv.Itoa(int(*in.MaxResults))
	}
	return &sso.ListAccountsResponse{
		NextToken: "next-after-" + in.NextToken,
		AccountList: []sso.AccountInfo{
			{AccountId: "111122223333", AccountName: "token=" + in.AccessToken, EmailAddress: "max=" + max},
		},
	}, nil
}

func (portalAPI) ListAccountRoles(_ context.Context, in *sso.ListAccountRolesRequest) (*sso.ListAccountRolesResponse, error) {
	if err := portalError(in.AccessToken); err != nil {
		return nil, err
	}
	return &sso.ListAccountRolesResponse{RoleList: []sso.RoleInfo{{RoleName: "Admin", AccountId: in.AccountId}}}, nil
}

func (portalAPI) GetRoleCredentials(_ context.Context, in *sso.GetRoleCredentialsRequest) (*sso.GetRoleCredentialsResponse, error) {
	if err := portalError(in.AccessToken); err != nil {
		return nil, err
	}
	return &sso.GetRoleCredentialsResponse{RoleCredentials: &sso.RoleCredentials{
		AccessKeyId:     "ASIA" + in.AccountId,
		SecretAccessKey: "secret-" + in.RoleName,
		SessionToken:    "token-" + in.AccessToken,
		Expiration:      aws.Int64(1700003600000),
	}}, nil
}

func (portalAPI) Logout(_ context.Context, in *sso.LogoutRequest) (*sso.LogoutOutput, error) {
	return nil, portalError(in.AccessToken)
}

// newRESTServer mounts the sso-oidc and sso services on a ServeMux by their
// Routes, as the server does.
func newRESTServer(t *testing.T) (*httptest.Server, *internalLog) {
	t.Helper()
	log := &internalLog{}
	mux := http.NewServeMux()
	oidc := ssooidc.NewRESTService(oidcAPI{}, nil)
	oidc.OnInternalError = log.add
	portal := sso.NewRESTService(portalAPI{}, nil)
	portal.OnInternalError = log.add
	for _, svc := range []*awsproto.RESTService{oidc, portal} {
		for _, p := range svc.Routes() {
			mux.Handle(p, svc)
		}
	}
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	return srv, log
}

func newOIDCClient(url string) *oidcsdk.Client {
	return oidcsdk.New(oidcsdk.Options{
		BaseEndpoint: aws.String(url),
		Region:       "us-east-1",
		Credentials:  aws.AnonymousCredentials{},
		Retryer:      aws.NopRetryer{},
	})
}

func newPortalClient(url string) *ssosdk.Client {
	return ssosdk.New(ssosdk.Options{
		BaseEndpoint: aws.String(url),
		Region:       "us-east-1",
		Credentials:  aws.AnonymousCredentials{},
		Retryer:      aws.NopRetryer{},
	})
}

func TestRESTServiceRoutes(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		svc  *awsproto.RESTService
		want []string
	}{
		{"sso-oidc", ssooidc.NewRESTService(ssooidc.UnimplementedAPI{}, nil), []string{"POST /client/register", "POST /device_authorization", "POST /token"}},
		{"sso", sso.NewRESTService(sso.UnimplementedAPI{}, nil), []string{"GET /assignment/accounts", "GET /assignment/roles", "GET /federation/credentials", "POST /logout"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if diff := cmp.Diff(tt.want, tt.svc.Routes()); diff != "" {
				t.Errorf("Routes() mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

func TestRESTJSONWithSDK(t *testing.T) {
	t.Parallel()
	srv, log := newRESTServer(t)
	oidc := newOIDCClient(srv.URL)
	portal := newPortalClient(srv.URL)
	ctx := t.Context()

	t.Run("RegisterClient", func(t *testing.T) {
		out, err := oidc.RegisterClient(ctx, &oidcsdk.RegisterClientInput{ClientName: aws.String("cli"), ClientType: aws.String("public"), Scopes: []string{"sso:account:access", "x"}})
		if err != nil {
			t.Fatalf("RegisterClient = %v, want success", err)
		}
		got := []any{aws.ToString(out.ClientId), aws.ToString(out.ClientSecret), out.ClientIdIssuedAt, out.ClientSecretExpiresAt}
		want := []any{"client-cli", "secret-public-sso:account:access,x", int64(1700000000), int64(1707776000)}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("RegisterClient mismatch (-want +got):\n%s", diff)
		}
	})

	t.Run("StartDeviceAuthorization", func(t *testing.T) {
		out, err := oidc.StartDeviceAuthorization(ctx, &oidcsdk.StartDeviceAuthorizationInput{ClientId: aws.String("c1"), ClientSecret: aws.String("s"), StartUrl: aws.String("https://idc.example/start")})
		if err != nil {
			t.Fatalf("StartDeviceAuthorization = %v, want success", err)
		}
		got := []any{aws.ToString(out.DeviceCode), aws.ToString(out.UserCode), aws.ToString(out.VerificationUriComplete), out.ExpiresIn, out.Interval}
		want := []any{"device-c1", "ABCD-EFGH", "https://idc.example/device?user_code=ABCD-EFGH", int32(600), int32(1)}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("StartDeviceAuthorization mismatch (-want +got):\n%s", diff)
		}
	})

	t.Run("CreateToken", func(t *testing.T) {
		out, err := oidc.CreateToken(ctx, &oidcsdk.CreateTokenInput{
			ClientId: aws.String("c1"), ClientSecret: aws.String("s"), DeviceCode: aws.String("ok"),
			GrantType: aws.String("urn:ietf:params:oauth:grant-type:device_code"), Scope: []string{"a", "b"},
		})
		if err != nil {
			t.Fatalf("CreateToken = %v, want success", err)
		}
		got := []any{aws.ToString(out.AccessToken), aws.ToString(out.TokenType), out.ExpiresIn, aws.ToString(out.RefreshToken)}
		want := []any{"at-c1", "Bearer", int32(28800), "rt-urn:ietf:params:oauth:grant-type:device_code-a b"}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("CreateToken mismatch (-want +got):\n%s", diff)
		}
		reqID, _ := awsmiddleware.GetRequestIDMetadata(out.ResultMetadata)
		if !uuidV4.MatchString(reqID) {
			t.Errorf("request id %q is not a UUID v4", reqID)
		}
	})

	t.Run("CreateTokenWithIAM routes by query literal", func(t *testing.T) {
		out, err := oidc.CreateTokenWithIAM(ctx, &oidcsdk.CreateTokenWithIAMInput{ClientId: aws.String("c1"), GrantType: aws.String("refresh_token"), RequestedTokenType: aws.String("urn:x")})
		if err != nil {
			t.Fatalf("CreateTokenWithIAM = %v, want success", err)
		}
		if got := []string{aws.ToString(out.AccessToken), aws.ToString(out.IssuedTokenType)}; !cmp.Equal(got, []string{"iam-c1", "urn:x"}) {
			t.Errorf("CreateTokenWithIAM = %v", got)
		}
	})

	// sso-oidc exceptions carry the OAuth code and description in "error"
	// and "error_description"; like the real service, no "message".
	fields := func(code, desc *string) []string { return []string{aws.ToString(code), aws.ToString(desc)} }
	oidcErrors := []struct {
		device string
		get    func(error) []string // nil unless err is the expected exception
		status int
		want   []string
	}{
		{"pending", func(err error) []string {
			var e *oidctypes.AuthorizationPendingException
			if !errors.As(err, &e) {
				return nil
			}
			return fields(e.Error_, e.Error_description)
		}, 400, []string{"authorization_pending", "Authorization is pending."}},
		{"slow", func(err error) []string {
			var e *oidctypes.SlowDownException
			if !errors.As(err, &e) {
				return nil
			}
			return fields(e.Error_, e.Error_description)
		}, 400, []string{"slow_down", ""}},
		{"expired", func(err error) []string {
			var e *oidctypes.ExpiredTokenException
			if !errors.As(err, &e) {
				return nil
			}
			return fields(e.Error_, e.Error_description)
		}, 400, []string{"expired_token", "The device code has expired."}},
		{"denied", func(err error) []string {
			var e *oidctypes.AccessDeniedException
			if !errors.As(err, &e) {
				return nil
			}
			return fields(e.Error_, e.Error_description)
		}, 400, []string{"access_denied", "Denied."}},
		{"badclient", func(err error) []string {
			var e *oidctypes.InvalidClientException
			if !errors.As(err, &e) {
				return nil
			}
			return fields(e.Error_, e.Error_description)
		}, 401, []string{"invalid_client", "Invalid client."}},
		{"grant", func(err error) []string {
			var e *oidctypes.InvalidGrantException
			if !errors.As(err, &e) {
				return nil
			}
			return fields(e.Error_, e.Error_description)
		}, 400, []string{"invalid_grant", "Invalid refresh token provided"}},
		{"panic", func(err error) []string {
			var e *oidctypes.InternalServerException
			if !errors.As(err, &e) {
				return nil
			}
			return fields(e.Error_, e.Error_description)
		}, 500, []string{"server_error", "An internal error occurred. Try again later."}},
		{"unmapped", func(err error) []string {
			var e *oidctypes.InternalServerException
			if !errors.As(err, &e) {
				return nil
			}
			return fields(e.Error_, e.Error_description)
		}, 500, []string{"server_error", "An internal error occurred. Try again later."}},
	}
	for _, tt := range oidcErrors {
		t.Run("CreateToken "+tt.device, func(t *testing.T) {
			_, err := oidc.CreateToken(ctx, &oidcsdk.CreateTokenInput{ClientId: aws.String("c1"), ClientSecret: aws.String("s"), GrantType: aws.String("g"), DeviceCode: aws.String(tt.device)})
			got := tt.get(err)
			if got == nil {
				t.Fatalf("CreateToken(%s) = %v, want the modelled exception", tt.device, err)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("CreateToken(%s) error, error_description mismatch (-want +got):\n%s", tt.device, diff)
			}
			assertStatus(t, err, tt.status)
		})
	}
	if got := log.all(); len(got) != 2 || !strings.Contains(got[0]+got[1], "panic: handler bug") || !strings.Contains(got[0]+got[1], "db down") {
		t.Errorf("internal errors = %q, want the panic and the unmapped error", got)
	}

	t.Run("ListAccounts binds header and query", func(t *testing.T) {
		out, err := portal.ListAccounts(ctx, &ssosdk.ListAccountsInput{AccessToken: aws.String("tok/+ en"), MaxResults: aws.Int32(7), NextToken: aws.String("n 1&x=y")})
		if err != nil {
			t.Fatalf("ListAccounts = %v, want success", err)
		}
		got := []string{aws.ToString(out.NextToken), aws.ToString(out.AccountList[0].AccountName), aws.ToString(out.AccountList[0].EmailAddress)}
		want := []string{"next-after-n 1&x=y", "token=tok/+ en", "max=7"}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("ListAccounts mismatch (-want +got):\n%s", diff)
		}
	})

	t.Run("ListAccountRoles", func(t *testing.T) {
		out, err := portal.ListAccountRoles(ctx, &ssosdk.ListAccountRolesInput{AccessToken: aws.String("t"), AccountId: aws.String("111122223333")})
		if err != nil {
			t.Fatalf("ListAccountRoles = %v, want success", err)
		}
		if got := aws.ToString(out.RoleList[0].AccountId); got != "111122223333" {
			t.Errorf("ListAccountRoles account = %q", got)
		}
	})

	t.Run("GetRoleCredentials", func(t *testing.T) {
		out, err := portal.GetRoleCredentials(ctx, &ssosdk.GetRoleCredentialsInput{AccessToken: aws.String("t"), AccountId: aws.String("111122223333"), RoleName: aws.String("Admin")})
		if err != nil {
			t.Fatalf("GetRoleCredentials = %v, want success", err)
		}
		rc := out.RoleCredentials
		got := []any{aws.ToString(rc.AccessKeyId), aws.ToString(rc.SecretAccessKey), aws.ToString(rc.SessionToken), rc.Expiration}
		want := []any{"ASIA111122223333", "secret-Admin", "token-t", int64(1700003600000)}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("GetRoleCredentials mismatch (-want +got):\n%s", diff)
		}
	})

	t.Run("Logout", func(t *testing.T) {
		if _, err := portal.Logout(ctx, &ssosdk.LogoutInput{AccessToken: aws.String("t")}); err != nil {
			t.Fatalf("Logout = %v, want success", err)
		}
	})

	portalErrors := []struct {
		token  string
		check  func(error) bool
		status int
	}{
		{"bad", func(err error) bool { var e *ssotypes.UnauthorizedException; return errors.As(err, &e) }, 401},
		{"missing", func(err error) bool { var e *ssotypes.ResourceNotFoundException; return errors.As(err, &e) }, 404},
		{"busy", func(err error) bool { var e *ssotypes.TooManyRequestsException; return errors.As(err, &e) }, 429},
	}
	for _, tt := range portalErrors {
		t.Run("GetRoleCredentials "+tt.token, func(t *testing.T) {
			_, err := portal.GetRoleCredentials(ctx, &ssosdk.GetRoleCredentialsInput{AccessToken: aws.String(tt.token), AccountId: aws.String("1"), RoleName: aws.String("r")})
			if !tt.check(err) {
				t.Fatalf("GetRoleCredentials(%s) = %v, want the modelled exception", tt.token, err)
			}
			assertStatus(t, err, tt.status)
		})
	}

	t.Run("Logout unauthorized", func(t *testing.T) {
		_, err := portal.Logout(ctx, &ssosdk.LogoutInput{AccessToken: aws.String("bad")})
		var e *ssotypes.UnauthorizedException
		if !errors.As(err, &e) || e.ErrorMessage() != "Session token not found or invalid" {
			t.Fatalf("Logout(bad) = %v, want UnauthorizedException", err)
		}
	})

	t.Run("validation", func(t *testing.T) {
		_, err := portal.ListAccounts(ctx, &ssosdk.ListAccountsInput{AccessToken: aws.String("t"), MaxResults: aws.Int32(101)})
		var e *ssotypes.InvalidRequestException
		if !errors.As(err, &e) {
			t.Fatalf("ListAccounts(max 101) = %v, want InvalidRequestException", err)
		}
		want := "1 validation error detected: Value '101' at 'maxResults' failed to satisfy constraint: Member must have value less than or equal to 100"
		if e.ErrorMessage() != want {
			t.Errorf("message = %q, want %q", e.ErrorMessage(), want)
		}
		assertStatus(t, err, 400)
	})
}

func (l *internalLog) all() []string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return append([]string(nil), l.errs...)
}

// TestRESTJSONWire pins status, headers and bodies of responses the SDK
// tests cannot provoke (the SDKs validate required members client-side).
func TestRESTJSONWire(t *testing.T) {
	t.Parallel()
	srv, _ := newRESTServer(t)
	tests := []struct {
		name, method, path string
		header             http.Header
		body               string
		wantStatus         int
		wantType           string
		wantBody           string
	}{
		{
			name: "missing required members", method: "POST", path: "/token", body: `{"clientId":"c"}`,
			wantStatus: 400, wantType: "InvalidRequestException",
			wantBody: `{"error":"invalid_request","error_description":"2 validation errors detected: Value null at 'clientSecret' failed to satisfy constraint: Member must not be null; Value null at 'grantType' failed to satisfy constraint: Member must not be null"}`,
		},
		{
			name: "pending", method: "POST", path: "/token", body: `{"clientId":"c","clientSecret":"s","grantType":"g","deviceCode":"pending"}`,
			wantStatus: 400, wantType: "AuthorizationPendingException",
			wantBody: `{"error":"authorization_pending","error_description":"Authorization is pending."}`,
		},
		{
			// Written by the generated encoder (no header-bound output
			// members): escaped as encoding/json escapes, as the general
			// path wrote it.
			name: "token with characters to escape", method: "POST", path: "/token",
			body:       `{"clientId":"<a&b>\u2028\u00e9\"","clientSecret":"s","grantType":"g","deviceCode":"ok"}`,
			wantStatus: 200,
			wantBody:   `{"accessToken":"at-\u003ca\u0026b\u003e\u2028é\"","tokenType":"Bearer","expiresIn":28800,"refreshToken":"rt-g-"}`,
		},
		{
			name: "missing bearer header", method: "GET", path: "/assignment/accounts",
			wantStatus: 400, wantType: "InvalidRequestException",
			wantBody: `{"message":"1 validation error detected: Value null at 'accessToken' failed to satisfy constraint: Member must not be null"}`,
		},
		{
			name: "bearer header in any case, body member ignored", method: "GET", path: "/assignment/accounts?max_result=2",
			header: http.Header{"X-AMZ-SSO_BEARER_TOKEN": {"hdr"}}, body: `{"accessToken":"body"}`,
			wantStatus: 200, wantBody: `{"nextToken":"next-after-","accountList":[{"accountId":"111122223333","accountName":"token=hdr","emailAddress":"max=2"}]}`,
		},
		{
			name: "body of a GET without body members is ignored", method: "GET", path: "/assignment/accounts",
			header: http.Header{"X-Amz-Sso_bearer_token": {"t"}}, body: `{"AccessToken":`,
			wantStatus: 200, wantBody: `{"nextToken":"next-after-","accountList":[{"accountId":"111122223333","accountName":"token=t","emailAddress":"max=nil"}]}`,
		},
		{
			name: "integer query parameter not a number", method: "GET", path: "/assignment/accounts?max_result=ten",
			header:     http.Header{"X-Amz-Sso_bearer_token": {"t"}},
			wantStatus: 400, wantType: "SerializationException", wantBody: `{"message":"Value at 'maxResults' is not a valid integer."}`,
		},
		{
			name: "unauthorized", method: "POST", path: "/logout", header: http.Header{"X-Amz-Sso_bearer_token": {"bad"}},
			wantStatus: 401, wantType: "UnauthorizedException", wantBody: `{"message":"Session token not found or invalid"}`,
		},
		{
			name: "logout", method: "POST", path: "/logout", header: http.Header{"X-Amz-Sso_bearer_token": {"t"}},
			wantStatus: 200, wantBody: ``,
		},
		{
			name: "malformed body", method: "POST", path: "/client/register", body: `{"clientName":`,
			wantStatus: 400, wantType: "SerializationException", wantBody: `{"message":"unexpected end of JSON input"}`,
		},
		{
			name: "wrong member type", method: "POST", path: "/client/register", body: `{"clientName":1,"clientType":"public"}`,
			wantStatus: 400, wantType: "SerializationException", wantBody: `{"message":"Unexpected number at 'clientName', expected string."}`,
		},
		{
			name: "wrong method", method: "GET", path: "/token",
			wantStatus: 405,
		},
		{
			name: "unknown path", method: "POST", path: "/token/extra",
			wantStatus: 404,
		},
		{
			name: "oversized body", method: "POST", path: "/client/register", body: `{"clientName":"` + strings.Repeat("x", awsproto.MaxBodyBytes) + `"}`,
			wantStatus: 413, wantType: "SerializationException", wantBody: `{"message":"The request body exceeds 1048576 bytes."}`,
		},
		{
			name: "panic", method: "POST", path: "/token", body: `{"clientId":"c","clientSecret":"s","grantType":"g","deviceCode":"panic"}`,
			wantStatus: 500, wantType: "InternalServerException",
			wantBody: `{"error":"server_error","error_description":"An internal error occurred. Try again later."}`,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			req, err := http.NewRequestWithContext(t.Context(), tt.method, srv.URL+tt.path, strings.NewReader(tt.body))
			if err != nil {
				t.Fatal(err)
			}
			for k, vs := range tt.header {
				req.Header[k] = vs
			}
			resp, err := srv.Client().Do(req)
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			b, _ := io.ReadAll(resp.Body)
			if resp.StatusCode != tt.wantStatus {
				t.Fatalf("%s %s = %d %s, want %d", tt.method, tt.path, resp.StatusCode, b, tt.wantStatus)
			}
			if tt.wantStatus == 404 || tt.wantStatus == 405 {
				return // the ServeMux answers; no AWS body to pin
			}
			if got := resp.Header.Get("X-Amzn-ErrorType"); got != tt.wantType {
				t.Errorf("X-Amzn-ErrorType = %q, want %q", got, tt.wantType)
			}
			if got := resp.Header.Get("x-amzn-RequestId"); !uuidV4.MatchString(got) {
				t.Errorf("x-amzn-RequestId = %q", got)
			}
			if string(b) != tt.wantBody {
				t.Errorf("body = %s\nwant   %s", b, tt.wantBody)
			}
			if len(b) > 0 {
				if ct := resp.Header.Get("Content-Type"); ct != "application/json" {
					t.Errorf("Content-Type = %q", ct)
				}
				if !json.Valid(b) {
					t.Errorf("body is not JSON: %s", b)
				}
			}
		})
	}
}

// TestRESTServiceUnmounted checks the service's own routing when it is not
// behind a ServeMux.
func TestRESTServiceUnmounted(t *testing.T) {
	t.Parallel()
	svc := ssooidc.NewRESTService(oidcAPI{}, nil)
	tests := []struct {
		method, target string
		want           int
		wantType       string
	}{
		{"GET", "/token", 405, "UnknownOperationException"},
		{"POST", "/nope", 404, "UnknownOperationException"},
		{"POST", "/token/x", 404, "UnknownOperationException"},
		{"POST", "/token?aws_iam=f", 400, "InvalidRequestException"},
		{"POST", "/token?aws_iam=t", 400, "InvalidRequestException"},
	}
	for _, tt := range tests {
		t.Run(tt.method+" "+tt.target, func(t *testing.T) {
			t.Parallel()
			rec := httptest.NewRecorder()
			svc.ServeHTTP(rec, httptest.NewRequestWithContext(t.Context(), tt.method, tt.target, strings.NewReader("{}")))
			if rec.Code != tt.want || rec.Header().Get("X-Amzn-ErrorType") != tt.wantType {
				t.Errorf("%s %s = %d %s %s, want %d %s", tt.method, tt.target, rec.Code, rec.Header().Get("X-Amzn-ErrorType"), rec.Body, tt.want, tt.wantType)
			}
		})
	}
}

// TestRESTServiceAuth checks the optional authenticator hook: it runs for
// operations the model does not mark NoAuth only.
func TestRESTServiceAuth(t *testing.T) {
	t.Parallel()
	svc := ssooidc.NewRESTService(oidcAPI{}, nil)
	svc.Auth = refuseAll{}
	tests := []struct {
		target, body string
		want         int
		wantType     string
	}{
		{"/token", `{"clientId":"c","clientSecret":"s","grantType":"g"}`, 200, ""},
		{"/token?aws_iam=t", `{"clientId":"c","grantType":"g"}`, 403, "AccessDeniedException"},
	}
	for _, tt := range tests {
		t.Run(tt.target, func(t *testing.T) {
			t.Parallel()
			rec := httptest.NewRecorder()
			svc.ServeHTTP(rec, httptest.NewRequestWithContext(t.Context(), "POST", tt.target, strings.NewReader(tt.body)))
			if rec.Code != tt.want || rec.Header().Get("X-Amzn-ErrorType") != tt.wantType {
				t.Errorf("POST %s = %d %s %s, want %d %s", tt.target, rec.Code, rec.Header().Get("X-Amzn-ErrorType"), rec.Body, tt.want, tt.wantType)
			}
		})
	}
}

type refuseAll struct{}

func (refuseAll) Authenticate(ctx context.Context, _ *http.Request, _ []byte) (context.Context, error) {
	return ctx, &awsproto.Error{Code: "AccessDeniedException", Message: "no", Status: 403}
}
