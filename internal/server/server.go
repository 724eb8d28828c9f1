package server

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"path/filepath"
	"time"

	"github.com/idcenter/idcenter/internal/access"
	idcadminapi "github.com/idcenter/idcenter/internal/api/idcadmin"
	identitystoreapi "github.com/idcenter/idcenter/internal/api/identitystore"
	organizationsapi "github.com/idcenter/idcenter/internal/api/organizations"
	ssoapi "github.com/idcenter/idcenter/internal/api/sso"
	ssoadminapi "github.com/idcenter/idcenter/internal/api/ssoadmin"
	ssooidcapi "github.com/idcenter/idcenter/internal/api/ssooidc"
	stsapi "github.com/idcenter/idcenter/internal/api/sts"
	"github.com/idcenter/idcenter/internal/auth"
	"github.com/idcenter/idcenter/internal/awsproto"
	"github.com/idcenter/idcenter/internal/awsproto/sigv4"
	"github.com/idcenter/idcenter/internal/creds"
	"github.com/idcenter/idcenter/internal/directory"
	"github.com/idcenter/idcenter/internal/idc"
	"github.com/idcenter/idcenter/internal/keys"
	"github.com/idcenter/idcenter/internal/oauth"
	"github.com/idcenter/idcenter/internal/org"
	"github.com/idcenter/idcenter/internal/store"
	"github.com/idcenter/idcenter/internal/web"
)

// Options configures a Server. Store, Keys and Logger are required.
type Options struct {
	Store  store.Store
	Keys   *keys.Keyring
	Logger *slog.Logger
	// DataDir, when set, receives the bootstrap credentials file
	// (<DataDir>/admin-credentials) if it does not exist yet.
	DataDir string
	// AdminAccessKeyID and AdminSecretAccessKey, when both set, are the
	// administrator key (IDCENTER_ADMIN_*), created if missing.
	AdminAccessKeyID     string
	AdminSecretAccessKey string
	// PublicURL is the external base URL used in links (verification URIs,
	// invitations), without a trailing slash, e.g. http://127.0.0.1:8080.
	PublicURL string
	// Now is the local clock (nil: time.Now). With other replicas on the
	// same database the server follows the database's clock instead,
	// measured against this one (see clock.go).
	Now func() time.Time
	// PasswordHashCPU is how many CPUs' worth of time password hashing may
	// use on average (0: auth.DefaultHashShare).
	PasswordHashCPU float64
	// Failpoint is oauth.Config.Failpoint: for crash-consistency tests
	// only, nil otherwise.
	Failpoint func(name string)
}

// Server is a bootstrapped idcenter: its services and its HTTP handler.
type Server struct {
	st       store.Store
	log      *slog.Logger
	handler  http.Handler
	boot     *bootstrapped
	creds    *creds.Service
	credPath string
	auth     *auth.Service
	oauth    *oauth.Service
	jobs     jobs
}

// New bootstraps the store if it is empty and builds the handler.
func New(ctx context.Context, o Options) (*Server, error) {
	if o.Store == nil || o.Keys == nil || o.Logger == nil {
		return nil, errors.New("server: Store, Keys and Logger are required")
	}
	if (o.AdminAccessKeyID == "") != (o.AdminSecretAccessKey == "") {
		return nil, errors.New("server: set both or neither of the admin access key id and secret")
	}
	now := o.Now
	if now == nil {
		now = time.Now
	}
	// One clock for every expiry decision, the database's when replicas
	// share it (clock.go; SECURITY.md MR-07).
	clk, err := newSharedClock(ctx, now, o.Store)
	if err != nil {
		return nil, fmt.Errorf("server: %w", err)
	}
	now = clk.Now
	boot, err := bootstrap(ctx, o.Store, o.Keys, o.AdminAccessKeyID, o.AdminSecretAccessKey, now())
	if err != nil {
		return nil, err
	}
	s := &Server{st: o.Store, log: o.Logger, boot: boot}
	// Entitlements (which roles a user may use now) come from access's
	// in-process index, which applies every committed change before it
	// answers: the portal API, the web portal and credential issuance all
	// read it uncached. Its load starts now, in the background; until it
	// is done, answers come from SQL.
	entitlements := access.New(o.Store, access.WithBootstrapInstance(boot.instance.InstanceARN))
	if err := entitlements.SyncIndex(ctx); err != nil {
		return nil, fmt.Errorf("server: entitlement index: %w", err)
	}
	s.creds = creds.New(o.Store, o.Keys, boot.managementID, creds.WithEntitlements(entitlements), creds.WithClock(now))

	if o.DataDir != "" && o.AdminAccessKeyID == "" {
		s.credPath = filepath.Join(o.DataDir, "admin-credentials")
		secret, err := s.creds.Secret(ctx, boot.adminKeyID)
		if err != nil {
			return nil, fmt.Errorf("server: read admin key: %w", err)
		}
		wrote, err := writeCredentialsFile(s.credPath, boot.adminKeyID, secret)
		if err != nil {
			return nil, fmt.Errorf("server: write %s: %w", s.credPath, err)
		}
		if wrote {
			o.Logger.InfoContext(ctx, "wrote administrator credentials", "path", s.credPath, "profile", CredentialsProfile, "access_key_id", boot.adminKeyID)
		}
	}

	tokens := awsproto.NewTokens(o.Keys.Derive("pagination"))
	dir := directory.New(o.Store)
	orgs := org.New(o.Store, boot.managementID)

	// Sign-in sessions are shared by the web pages and the OAuth flows:
	// one auth.Service, so a sign-out on one is seen by the other at once.
	authOpts := []auth.Option{auth.WithIssuer(boot.instance.Name), auth.WithClock(now)}
	if o.PasswordHashCPU > 0 {
		authOpts = append(authOpts, auth.WithHashBudget(o.PasswordHashCPU, auth.DefaultHashBurst, auth.DefaultHashMaxWait))
	}
	s.auth = auth.New(o.Store, dir, o.Keys, authOpts...)
	publicURL, err := url.Parse(o.PublicURL)
	if err != nil || publicURL.Host == "" {
		publicURL = &url.URL{Scheme: "http"} // links become relative; cmd always sets PublicURL
	}

	router := awsproto.NewRouter(
		principalAuthenticator{awsproto.NewSigV4Authenticator(sigv4.NewVerifier(s.creds))},
		identitystoreapi.New(dir, tokens),
		organizationsapi.New(orgs, tokens),
		ssoadminapi.New(entitlements, tokens),
		idcadminapi.New(s.auth, boot.instance.IdentityStoreID, publicURL),
	)
	router.OnInternalError = func(ctx context.Context, op string, err error) {
		o.Logger.ErrorContext(ctx, "internal error", "op", op, "request_id", awsproto.RequestID(ctx), "err", err)
	}

	s.oauth = oauth.New(o.Store, o.Keys, s.auth, oauth.Config{PublicURL: o.PublicURL, Now: now,
		DevicePolicy: s.auth, IdentityStoreID: boot.instance.IdentityStoreID, Failpoint: o.Failpoint})
	// Sessions ended here (sign-out, admin revocation, password or MFA
	// reset) stop their OAuth tokens on this replica at once.
	s.auth.OnSessionsEnded(s.oauth.SessionsEnded)
	oidcSvc := ssooidcapi.New(s.oauth)
	ssoSvc := ssoapi.New(s.oauth, s.creds, entitlements, orgs, tokens, now)
	stsSvc := stsapi.New(sigv4.NewVerifier(s.creds))
	oidcSvc.OnInternalError, ssoSvc.OnInternalError, stsSvc.OnInternalError = router.OnInternalError, router.OnInternalError, router.OnInternalError
	root := &awsproto.Root{JSON: router, Query: []*awsproto.QueryService{stsSvc}}

	mux := http.NewServeMux()
	// STS also accepts GET /?Action=…, but GET / belongs to the browser
	// (the portal); every SDK and the CLI use POST.
	mux.Handle("POST /{$}", root)
	for _, p := range oidcSvc.Routes() {
		mux.Handle(p, ssooidcapi.NoStore(ssooidcapi.RecordOrigin(oidcSvc)))
	}
	for _, p := range ssoSvc.Routes() {
		mux.Handle(p, ssoapi.NoStore(ssoSvc))
	}
	// Browser pages (sign-in, MFA, invitations, device and consent pages,
	// /authorize, the /start portal) carry their own CSRF, CSP and
	// cross-origin protections (internal/web).
	webh, err := web.New(web.Options{
		Auth: s.auth, Keys: o.Keys, IdentityStoreID: boot.instance.IdentityStoreID, InstanceName: boot.instance.Name,
		PublicURL: publicURL, OAuth: s.oauth, Credentials: s.creds, Logger: o.Logger, Now: now,
		Entitlements: portalAccounts{ents: entitlements, orgs: orgs},
	})
	if err != nil {
		return nil, fmt.Errorf("server: web pages: %w", err)
	}
	webh.Mount(mux)
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		w.Write([]byte("ok\n"))
	})
	mux.HandleFunc("GET /readyz", func(w http.ResponseWriter, r *http.Request) {
		ctx, cancel := context.WithTimeout(r.Context(), 2*time.Second)
		defer cancel()
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		if err := o.Store.Ping(ctx); err != nil {
			o.Logger.WarnContext(ctx, "not ready", "err", err)
			w.WriteHeader(http.StatusServiceUnavailable)
			w.Write([]byte("store unavailable\n"))
			return
		}
		w.Write([]byte("ready\n"))
	})
	s.handler = s.accessLog(mux)
	s.jobs.start(o.Logger, map[string]sweeper{"auth": s.auth, "oauth": s.oauth, "access changes": sweepFunc(entitlements.PruneChanges)},
		map[string]func(context.Context) error{"entitlement index": entitlements.SyncIndex}, clk)
	return s, nil
}

// Close stops the server's background jobs (expiry sweeps). It does not
// close the store, which the caller opened.
func (s *Server) Close() { s.jobs.stop() }

// Handler returns the server's one HTTP handler.
func (s *Server) Handler() http.Handler { return s.handler }

// Instance returns the bootstrap instance.
func (s *Server) Instance() *idc.Instance { return s.boot.instance }

// ManagementAccountID returns the account that owns the instance.
func (s *Server) ManagementAccountID() string { return s.boot.managementID }

// AdminAccessKeyID returns the administrator key id.
func (s *Server) AdminAccessKeyID() string { return s.boot.adminKeyID }

// CredentialsPath returns the path of the credentials file ("" if none).
func (s *Server) CredentialsPath() string { return s.credPath }

// Auth returns the sign-in service (sessions, passwords, MFA).
func (s *Server) Auth() *auth.Service { return s.auth }

// OAuth returns the sso-oidc service.
func (s *Server) OAuth() *oauth.Service { return s.oauth }

// Creds returns the credential service (administrator keys, role
// credentials).
func (s *Server) Creds() *creds.Service { return s.creds }

// principalAuthenticator puts the idc principal of a verified request in
// the context, so services can record who acted.
type principalAuthenticator struct{ *awsproto.SigV4Authenticator }

func (a principalAuthenticator) Authenticate(ctx context.Context, r *http.Request, body []byte) (context.Context, error) {
	ctx, err := a.SigV4Authenticator.Authenticate(ctx, r, body)
	if err != nil {
		return ctx, err
	}
	p, ok := awsproto.Caller(ctx).Principal.(*idc.Principal)
	if !ok || !p.Admin {
		// Temporary role credentials (ASIA…) verify, but until the policy
		// engine decides what they may do, the admin APIs refuse them.
		arn := ""
		if ok {
			arn = p.ARN
		}
		return ctx, &awsproto.Error{Code: "AccessDeniedException", Status: 400,
			Message: "User: " + arn + " is not authorized to perform this operation"}
	}
	return idc.WithPrincipal(ctx, p), nil
}

type statusWriter struct {
	http.ResponseWriter
	status int
	bytes  int
}

func (w *statusWriter) WriteHeader(code int) {
	if w.status == 0 {
		w.status = code
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *statusWriter) Write(b []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	n, err := w.ResponseWriter.Write(b)
	w.bytes += n
	return n, err
}

// accessLog assigns the request ID, recovers panics outside the AWS router
// and writes one log line per request.
func (s *Server) accessLog(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		id := awsproto.NewRequestID()
		ctx := awsproto.ContextWithRequestID(r.Context(), id)
		sw := &statusWriter{ResponseWriter: w}
		defer func() {
			if p := recover(); p != nil {
				if p == http.ErrAbortHandler {
					panic(p)
				}
				s.log.ErrorContext(ctx, "panic", "request_id", id, "panic", fmt.Sprint(p))
				if sw.status == 0 {
					http.Error(sw, "internal error", http.StatusInternalServerError)
				}
			}
			level := slog.LevelInfo
			if sw.status >= 500 {
				level = slog.LevelError
			}
			s.log.LogAttrs(ctx, level, "request",
				slog.String("request_id", id),
				slog.String("method", r.Method),
				slog.String("path", r.URL.Path),
				slog.String("op", r.Header.Get("X-Amz-Target")),
				slog.Int("status", sw.status),
				slog.Int("bytes", sw.bytes),
				slog.Duration("duration", time.Since(start)),
			)
		}()
		next.ServeHTTP(sw, r.WithContext(ctx))
	})
}
