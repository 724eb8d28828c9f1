package sso

import (
	"cmp"
	"context"
	"errors"
	"net/http"
	"slices"
	"sync"
	"time"

	"github.com/idcenter/idcenter/internal/awsproto"
	"github.com/idcenter/idcenter/internal/creds"
	"github.com/idcenter/idcenter/internal/idc"
	"github.com/idcenter/idcenter/internal/oauth"
	"github.com/idcenter/idcenter/internal/ratelimit"
)

// Entitlements says which roles a user may use now (internal/access).
type Entitlements interface {
	Entitlements(ctx context.Context, identityStoreID, userID string) ([]idc.Entitlement, error)
}

// Accounts describes accounts (internal/org).
type Accounts interface {
	DescribeAccount(ctx context.Context, id string) (*idc.Organization, *idc.Account, error)
}

// Handler implements the portal API: the bearer token is checked by the
// oauth service, lists come from the entitlements, credentials from creds.
type Handler struct {
	UnimplementedAPI
	oauth    *oauth.Service
	creds    *creds.Service
	ents     Entitlements
	accounts Accounts
	tokens   *awsproto.Tokens
	names    accountCache
	limit    *ratelimit.Limiter // per grant (SECURITY.md PA-07)
}

// Per-token limits of the portal API: TokenBurst requests at once, then
// TokenPerSecond, per grant (so a token and its refreshed successors
// share one bucket). Tools call ListAccountRoles once per account, so the
// burst lets a user with a few hundred accounts list them all at once,
// and one with thousands at TokenPerSecond (SDKs retry
// TooManyRequestsException with backoff); a runaway loop or a stolen
// token hammering the API gets 429s with Retry-After instead of the
// server's time.
const (
	TokenBurst     = 300
	TokenPerSecond = 100
)

var _ API = (*Handler)(nil)

// New returns the sso portal rest-json service. Mount it with NoStore on
// each of its Routes. now is the clock of the rate limits (time.Now if
// nil).
func New(o *oauth.Service, c *creds.Service, e Entitlements, a Accounts, tokens *awsproto.Tokens, now func() time.Time) *awsproto.RESTService {
	h := &Handler{oauth: o, creds: c, ents: e, accounts: a, tokens: tokens, names: accountCache{m: map[string]accountName{}},
		limit: ratelimit.New(TokenBurst, TokenPerSecond, now)}
	svc := NewRESTService(h, MapError)
	svc.ValidationError = validationError
	return svc
}

// NoStore wraps the service so that no response (credentials) is cached.
func NoStore(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Cache-Control", "no-store")
		next.ServeHTTP(w, r)
	})
}

// defaultMaxResults is the page size when a request does not say.
const defaultMaxResults = 100

func pageSize(v *int32) int {
	if v == nil {
		return defaultMaxResults
	}
	return int(*v)
}

// page returns the items after the cursor of token (sealed for scope) and
// the next token; InvalidRequest for a token of another listing or user
// (SECURITY.md PA-06).
func page[T any](t *awsproto.Tokens, scope, token string, size int, items []T, key func(T) string) ([]T, string, error) {
	start := 0
	if token != "" {
		after, err := t.Open(scope, token)
		if err != nil {
			return nil, "", &idc.Error{Kind: idc.KindInvalid, Msg: "Invalid nextToken"}
		}
		start, _ = slices.BinarySearchFunc(items, string(after), func(it T, k string) int { return cmp.Compare(key(it), k) })
		if start < len(items) && key(items[start]) == string(after) {
			start++
		}
	}
	end := min(len(items), start+size)
	next := ""
	if end < len(items) {
		next = t.Seal(scope, []byte(key(items[end-1])))
	}
	return items[start:end], next, nil
}

// ListAccounts implements API.
func (h *Handler) ListAccounts(ctx context.Context, in *ListAccountsRequest) (*ListAccountsResponse, error) {
	b, err := h.authenticate(ctx, in.AccessToken)
	if err != nil {
		return nil, err
	}
	es, err := h.ents.Entitlements(ctx, b.IdentityStoreID, b.UserID)
	if err != nil {
		return nil, err
	}
	var ids []string
	for _, e := range es {
		ids = append(ids, e.AccountID)
	}
	slices.Sort(ids)
	ids = slices.Compact(ids)
	ids, next, err := page(h.tokens, "sso.ListAccounts/"+b.UserID, in.NextToken, pageSize(in.MaxResults), ids, func(s string) string { return s })
	if err != nil {
		return nil, err
	}
	out := &ListAccountsResponse{NextToken: next, AccountList: []AccountInfo{}}
	for _, id := range ids {
		n, err := h.accountName(ctx, id)
		if err != nil {
			return nil, err
		}
		out.AccountList = append(out.AccountList, AccountInfo{AccountId: id, AccountName: n.name, EmailAddress: n.email})
	}
	return out, nil
}

// ListAccountRoles implements API. The role names are the permission set
// names, as IAM Identity Center lists them.
func (h *Handler) ListAccountRoles(ctx context.Context, in *ListAccountRolesRequest) (*ListAccountRolesResponse, error) {
	b, err := h.authenticate(ctx, in.AccessToken)
	if err != nil {
		return nil, err
	}
	es, err := h.ents.Entitlements(ctx, b.IdentityStoreID, b.UserID)
	if err != nil {
		return nil, err
	}
	var names []string
	for _, e := range es {
		if e.AccountID == in.AccountId {
			names = append(names, e.PermissionSetName)
		}
	}
	slices.Sort(names)
	names = slices.Compact(names)
	names, next, err := page(h.tokens, "sso.ListAccountRoles/"+b.UserID+"/"+in.AccountId, in.NextToken, pageSize(in.MaxResults), names, func(s string) string { return s })
	if err != nil {
		return nil, err
	}
	out := &ListAccountRolesResponse{NextToken: next, RoleList: []RoleInfo{}}
	for _, n := range names {
		out.RoleList = append(out.RoleList, RoleInfo{RoleName: n, AccountId: in.AccountId})
	}
	return out, nil
}

// GetRoleCredentials implements API.
func (h *Handler) GetRoleCredentials(ctx context.Context, in *GetRoleCredentialsRequest) (*GetRoleCredentialsResponse, error) {
	b, err := h.authenticate(ctx, in.AccessToken)
	if err != nil {
		return nil, err
	}
	rc, err := h.creds.Issue(ctx, b.IdentityStoreID, b.UserID, in.AccountId, in.RoleName)
	if err != nil {
		return nil, err
	}
	exp := rc.Expiration.UnixMilli()
	return &GetRoleCredentialsResponse{RoleCredentials: &RoleCredentials{
		AccessKeyId: rc.AccessKeyID, SecretAccessKey: rc.SecretAccessKey, SessionToken: rc.SessionToken, Expiration: &exp,
	}}, nil
}

// authenticate checks the bearer token, then its grant's rate limit.
func (h *Handler) authenticate(ctx context.Context, token string) (*oauth.Bearer, error) {
	b, err := h.oauth.Authenticate(ctx, token)
	if err != nil {
		return nil, err
	}
	if ok, after := h.limit.Take(b.GrantID); !ok {
		return nil, &awsproto.Error{Code: "TooManyRequestsException", Message: "Too many requests with this token; retry later", RetryAfter: after}
	}
	return b, nil
}

// Logout implements API: it ends the sign-in session and all its tokens.
func (h *Handler) Logout(ctx context.Context, in *LogoutRequest) (*LogoutOutput, error) {
	if _, err := h.authenticate(ctx, in.AccessToken); err != nil {
		return nil, err
	}
	if err := h.oauth.Logout(ctx, in.AccessToken); err != nil {
		return nil, err
	}
	return &LogoutOutput{}, nil
}

// accountCache remembers account names and emails for accountCacheTTL:
// ListAccounts names every account of a user, and names rarely change.
type accountCache struct {
	mu sync.RWMutex
	m  map[string]accountName
}

type accountName struct {
	name, email string
	until       time.Time
}

const (
	accountCacheTTL = 30 * time.Second
	maxAccountCache = 50000
)

func (h *Handler) accountName(ctx context.Context, id string) (accountName, error) {
	now := time.Now()
	h.names.mu.RLock()
	n, ok := h.names.m[id]
	h.names.mu.RUnlock()
	if ok && now.Before(n.until) {
		return n, nil
	}
	_, a, err := h.accounts.DescribeAccount(ctx, id)
	switch {
	case idc.KindOf(err) == idc.KindNotFound:
		// An entitlement to an account that is gone: list it bare.
		n = accountName{}
	case err != nil:
		return accountName{}, err
	default:
		n = accountName{name: a.Name, email: a.Email}
	}
	n.until = now.Add(accountCacheTTL)
	h.names.mu.Lock()
	if len(h.names.m) >= maxAccountCache {
		clear(h.names.m)
	}
	h.names.m[id] = n
	h.names.mu.Unlock()
	return n, nil
}

// Messages of the portal API's errors.
const (
	msgUnauthorized = "Session token not found or invalid"
	msgNoAccess     = "No access"
)

// MapError is the one mapping from service errors to the portal API's wire
// errors: unauthenticated → 401 UnauthorizedException (one message for
// every bad token: SECURITY.md PA-01); denied → 403 ForbiddenException "No
// access", which IAM Identity Center answers for a role the user is not
// assigned and for an account that does not exist alike (an unmodelled
// code: SDKs surface it as a generic API error, as with AWS; PA-02);
// invalid → InvalidRequestException; throttled → 429
// TooManyRequestsException; not found → ResourceNotFoundException.
func MapError(err error) *awsproto.Error {
	e, ok := errors.AsType[*idc.Error](err)
	if !ok {
		return nil
	}
	switch e.Kind {
	case idc.KindUnauthenticated:
		return &awsproto.Error{Code: "UnauthorizedException", Message: msgUnauthorized}
	case idc.KindDenied:
		return &awsproto.Error{Code: "ForbiddenException", Message: msgNoAccess, Status: http.StatusForbidden}
	case idc.KindInvalid:
		return &awsproto.Error{Code: "InvalidRequestException", Message: e.Msg}
	case idc.KindThrottled:
		return &awsproto.Error{Code: "TooManyRequestsException", Message: e.Msg}
	case idc.KindNotFound:
		return &awsproto.Error{Code: "ResourceNotFoundException", Message: e.Msg}
	}
	return nil
}

// validationError answers a request without a bearer token like one with
// a bad token (401), and other invalid input with InvalidRequestException.
func validationError(err *awsproto.InputError) *awsproto.Error {
	for _, v := range err.Violations {
		if v.Path == "accessToken" {
			return &awsproto.Error{Code: "UnauthorizedException", Message: msgUnauthorized}
		}
	}
	return &awsproto.Error{Code: "InvalidRequestException", Message: err.Error()}
}
