package server

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"path/filepath"
	"time"

	"github.com/idcenter/idcenter/internal/access"
	identitystoreapi "github.com/idcenter/idcenter/internal/api/identitystore"
	organizationsapi "github.com/idcenter/idcenter/internal/api/organizations"
	ssoadminapi "github.com/idcenter/idcenter/internal/api/ssoadmin"
	"github.com/idcenter/idcenter/internal/awsproto"
	"github.com/idcenter/idcenter/internal/awsproto/sigv4"
	"github.com/idcenter/idcenter/internal/creds"
	"github.com/idcenter/idcenter/internal/directory"
	"github.com/idcenter/idcenter/internal/idc"
	"github.com/idcenter/idcenter/internal/keys"
	"github.com/idcenter/idcenter/internal/org"
	"github.com/idcenter/idcenter/internal/store"
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
	// Now is the clock (nil: time.Now).
	Now func() time.Time
}

// Server is a bootstrapped idcenter: its services and its HTTP handler.
type Server struct {
	st       store.Store
	log      *slog.Logger
	handler  http.Handler
	boot     *bootstrapped
	creds    *creds.Service
	credPath string
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
	boot, err := bootstrap(ctx, o.Store, o.Keys, o.AdminAccessKeyID, o.AdminSecretAccessKey, now())
	if err != nil {
		return nil, err
	}
	s := &Server{st: o.Store, log: o.Logger, boot: boot}
	s.creds = creds.New(o.Store, o.Keys, boot.managementID)

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

	router := awsproto.NewRouter(
		principalAuthenticator{awsproto.NewSigV4Authenticator(sigv4.NewVerifier(s.creds))},
		identitystoreapi.New(dir, tokens),
		organizationsapi.New(orgs, tokens),
		ssoadminapi.New(access.New(o.Store), tokens),
	)
	router.OnInternalError = func(ctx context.Context, op string, err error) {
		o.Logger.ErrorContext(ctx, "internal error", "op", op, "request_id", awsproto.RequestID(ctx), "err", err)
	}

	mux := http.NewServeMux()
	mux.Handle("POST /{$}", router)
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
	return s, nil
}

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

// principalAuthenticator puts the idc principal of a verified request in
// the context, so services can record who acted.
type principalAuthenticator struct{ *awsproto.SigV4Authenticator }

func (a principalAuthenticator) Authenticate(ctx context.Context, r *http.Request, body []byte) (context.Context, error) {
	ctx, err := a.SigV4Authenticator.Authenticate(ctx, r, body)
	if err != nil {
		return ctx, err
	}
	if p, ok := awsproto.Caller(ctx).Principal.(*idc.Principal); ok {
		ctx = idc.WithPrincipal(ctx, p)
	}
	return ctx, nil
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
