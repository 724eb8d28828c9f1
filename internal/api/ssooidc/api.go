package ssooidc

import (
	"context"
	"errors"
	"net/http"
	"time"

	"github.com/idcenter/idcenter/internal/awsproto"
	"github.com/idcenter/idcenter/internal/idc"
	"github.com/idcenter/idcenter/internal/oauth"
	"github.com/idcenter/idcenter/internal/ratelimit"
)

// Handler implements the sso-oidc operations on an oauth.Service.
type Handler struct {
	UnimplementedAPI
	svc *oauth.Service
}

var _ API = (*Handler)(nil)

// New returns the sso-oidc rest-json service backed by svc. Mount it with
// Handler on each of its Routes.
func New(svc *oauth.Service) *awsproto.RESTService {
	s := NewRESTService(&Handler{svc: svc}, MapError)
	s.MalformedError = malformedError
	return s
}

// malformedError answers a body that cannot be read as the operation's
// input (SECURITY.md TK-17) with InvalidRequestException, status 400, and
// awsproto's message. The sso-oidc model lists InvalidRequestException for
// every operation ("something is wrong with the input to the request")
// and no SerializationException, so the SDKs parse it into their modelled
// type (types.InvalidRequestException, error "invalid_request"), and RFC
// 6749 §5.2 names invalid_request for a request that "repeats a parameter
// ... or is otherwise malformed". The 400 is the shape's modelled status,
// also for a body over awsproto.MaxBodyBytes: the body is still cut off
// there, unread.
func malformedError(e *awsproto.Error) *awsproto.Error {
	return &awsproto.Error{Code: "InvalidRequestException", Message: e.Message, Status: http.StatusBadRequest}
}

// NoStore wraps the service so that every response carries
// Cache-Control: no-store (RFC 6749 §5.1: token responses must not be
// cached; SECURITY.md TK-18).
func NoStore(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Cache-Control", "no-store")
		w.Header().Set("Pragma", "no-cache")
		next.ServeHTTP(w, r)
	})
}

// RecordOrigin wraps the service so that StartDeviceAuthorization knows
// the address it was called from (SECURITY.md DF-13): the approval page
// shows it and compares it with the approver's. It is the TCP peer
// (ratelimit.ClientIP), never a proxy header: the same rule as the browser
// pages' rate limits. Only the StartDeviceAuthorization route (the model's
// POST /device_authorization) pays for the request copy; the CreateToken
// polls pass straight through.
func RecordOrigin(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/device_authorization" {
			r = r.WithContext(context.WithValue(r.Context(), originKey{}, ratelimit.ClientIP(r)))
		}
		next.ServeHTTP(w, r)
	})
}

type originKey struct{}

// RegisterClient implements API.
func (h *Handler) RegisterClient(ctx context.Context, in *RegisterClientRequest) (*RegisterClientResponse, error) {
	c, err := h.svc.RegisterClient(ctx, &oauth.Registration{
		Name: in.ClientName, Type: in.ClientType, Scopes: in.Scopes, GrantTypes: in.GrantTypes,
		RedirectURIs: in.RedirectUris, IssuerURL: in.IssuerUrl, EntitledApplicationARN: in.EntitledApplicationArn,
	})
	if err != nil {
		return nil, err
	}
	issued, expires := c.IssuedAt.Unix(), c.SecretExpiresAt.Unix()
	return &RegisterClientResponse{
		ClientId: c.ClientID, ClientSecret: c.ClientSecret, ClientIdIssuedAt: &issued, ClientSecretExpiresAt: &expires,
		AuthorizationEndpoint: c.AuthorizationEndpoint, TokenEndpoint: c.TokenEndpoint,
	}, nil
}

// StartDeviceAuthorization implements API.
func (h *Handler) StartDeviceAuthorization(ctx context.Context, in *StartDeviceAuthorizationRequest) (*StartDeviceAuthorizationResponse, error) {
	origin, _ := ctx.Value(originKey{}).(string)
	d, err := h.svc.StartDeviceAuthorization(ctx, &oauth.DeviceRequest{ClientID: in.ClientId, ClientSecret: in.ClientSecret, StartURL: in.StartUrl, OriginIP: origin})
	if err != nil {
		return nil, err
	}
	return &StartDeviceAuthorizationResponse{
		DeviceCode: d.DeviceCode, UserCode: d.UserCode, VerificationUri: d.VerificationURI,
		VerificationUriComplete: d.VerificationURIComplete, ExpiresIn: seconds(d.ExpiresIn), Interval: seconds(d.Interval),
	}, nil
}

// CreateToken implements API.
func (h *Handler) CreateToken(ctx context.Context, in *CreateTokenRequest) (*CreateTokenResponse, error) {
	t, err := h.svc.CreateToken(ctx, &oauth.TokenRequest{
		ClientID: in.ClientId, ClientSecret: in.ClientSecret, GrantType: in.GrantType, DeviceCode: in.DeviceCode,
		Code: in.Code, RedirectURI: in.RedirectUri, CodeVerifier: in.CodeVerifier, RefreshToken: in.RefreshToken, Scopes: in.Scope,
	})
	if err != nil {
		return nil, err
	}
	return &CreateTokenResponse{AccessToken: t.AccessToken, TokenType: t.TokenType, ExpiresIn: seconds(t.ExpiresIn), RefreshToken: t.RefreshToken}, nil
}

func seconds(d time.Duration) *int32 {
	v := int32(d / time.Second)
	return &v
}

// exceptions maps the service's OAuth error codes to the model's exceptions.
var exceptions = map[oauth.Code]string{
	oauth.CodeInvalidRequest:        "InvalidRequestException",
	oauth.CodeInvalidClient:         "InvalidClientException",
	oauth.CodeInvalidGrant:          "InvalidGrantException",
	oauth.CodeUnauthorizedClient:    "UnauthorizedClientException",
	oauth.CodeUnsupportedGrantType:  "UnsupportedGrantTypeException",
	oauth.CodeInvalidScope:          "InvalidScopeException",
	oauth.CodeAuthorizationPending:  "AuthorizationPendingException",
	oauth.CodeSlowDown:              "SlowDownException",
	oauth.CodeAccessDenied:          "AccessDeniedException",
	oauth.CodeExpiredToken:          "ExpiredTokenException",
	oauth.CodeInvalidClientMetadata: "InvalidClientMetadataException",
	oauth.CodeInvalidRedirectURI:    "InvalidRedirectUriException",
}

// MapError is the one mapping from service errors to sso-oidc's wire
// errors: each oauth.Error to its modelled exception (status from the
// model, the OAuth code in "error", the description in
// "error_description"), an idc invalid error to InvalidRequestException.
// Anything else is an internal error.
func MapError(err error) *awsproto.Error {
	if e, ok := errors.AsType[*oauth.Error](err); ok {
		if code, ok := exceptions[e.Code]; ok {
			return &awsproto.Error{Code: code, Message: e.Description}
		}
	}
	if e, ok := errors.AsType[*idc.Error](err); ok && e.Kind == idc.KindInvalid {
		return &awsproto.Error{Code: "InvalidRequestException", Message: e.Msg}
	}
	return nil
}
