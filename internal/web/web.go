package web

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"embed"
	"encoding/base64"
	"errors"
	"fmt"
	"html/template"
	"io/fs"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/idcenter/idcenter/internal/auth"
	"github.com/idcenter/idcenter/internal/idc"
	"github.com/idcenter/idcenter/internal/keys"
	"github.com/idcenter/idcenter/internal/ratelimit"
)

//go:embed templates/*.html
var templateFS embed.FS

//go:embed static
var staticFS embed.FS

// OAuthFlows is what the device verification, consent and /authorize pages
// need from the OAuth service (internal/oauth implements it).
type OAuthFlows interface {
	// DeviceByUserCode describes a pending device authorization to a viewer
	// at viewerIP; KindNotFound if the code is unknown, expired or already
	// used.
	DeviceByUserCode(ctx context.Context, userCode, viewerIP string) (*idc.DevicePrompt, error)
	// ApproveDevice and DenyDevice answer a pending device authorization
	// for the user of s. ApproveDevice, from approverIP, records a denial
	// instead and returns idc.ErrDeviceOtherNetwork when the administrator
	// requires the same network and it is another (SECURITY.md DF-13).
	ApproveDevice(ctx context.Context, userCode string, s *idc.Session, approverIP string) error
	DenyDevice(ctx context.Context, userCode string, s *idc.Session) error
	// ParseAuthorize validates an /authorize query; KindInvalid errors are
	// shown as an error page and never redirected to an unvalidated URI.
	ParseAuthorize(ctx context.Context, query url.Values) (*idc.AuthorizeRequest, error)
	// Authorize issues a one-time code and returns the redirect URI with it.
	Authorize(ctx context.Context, r *idc.AuthorizeRequest, s *idc.Session) (redirectURL string, err error)
	// DenyAuthorize returns the redirect URI carrying error=access_denied.
	DenyAuthorize(ctx context.Context, r *idc.AuthorizeRequest) (redirectURL string)
}

// RoleCredentialIssuer issues temporary credentials for the portal's
// "command line or programmatic access" panel (internal/creds implements
// it).
type RoleCredentialIssuer interface {
	// IssueRoleCredentials returns credentials for a role (the portal role
	// name, as ListAccountRoles names it) in an account; KindDenied if the
	// user of s is not entitled to it.
	IssueRoleCredentials(ctx context.Context, s *idc.Session, accountID, roleName string) (*idc.RoleCredentials, error)
}

// Entitlements lists the accounts and roles a user may use now, for /start.
type Entitlements interface {
	PortalAccounts(ctx context.Context, identityStoreID, userID string) ([]PortalAccount, error)
}

// PortalAccount is an account a user may use and the roles they have in it.
type PortalAccount struct {
	AccountID    string
	AccountName  string
	EmailAddress string
	// Roles are the portal role names (permission set names).
	Roles []string
}

// Options configures a Handler. Auth, Keys, IdentityStoreID and PublicURL
// are required.
type Options struct {
	Auth *auth.Service
	Keys *keys.Keyring
	// IdentityStoreID is the identity store users sign in to.
	IdentityStoreID string
	// InstanceName brands every page (default "idcenter").
	InstanceName string
	// PublicURL is the external base URL; HTTPS makes cookies Secure with
	// the __Host- prefix.
	PublicURL *url.URL
	// OAuth serves /device and /authorize; nil answers them with 404.
	OAuth OAuthFlows
	// Credentials serves the credentials panel of /start; nil hides it.
	Credentials RoleCredentialIssuer
	// Entitlements lists /start's accounts; nil lists none.
	Entitlements Entitlements
	// Limits are the per-client rate limits (zero: DefaultLimits).
	Limits Limits
	// Logger defaults to a discarding logger.
	Logger *slog.Logger
	// Now is the clock (nil: time.Now).
	Now func() time.Time
}

// Handler serves the browser pages. Build it with New and register its
// routes on a mux with Mount. It is safe for concurrent use.
type Handler struct {
	o       Options
	log     *slog.Logger
	now     func() time.Time
	pages   map[string]*template.Template
	csrfKey []byte
	secure  bool
	cop     *http.CrossOriginProtection
	static  http.Handler

	signInLimit        *ratelimit.Limiter
	deviceIPLimit      *ratelimit.Limiter
	deviceSessionLimit *ratelimit.Limiter
}

// Cookie names; with HTTPS they carry the __Host- prefix (Secure, Path=/,
// no Domain).
const (
	cookieSession = "idc_session"
	cookieSignIn  = "idc_signin"
	cookieCSRF    = "idc_csrf"
	cookieDevice  = "idc_device"
)

// maxFormBytes caps form bodies.
const maxFormBytes = 16 << 10

// New parses the templates and returns a ready Handler.
func New(o Options) (*Handler, error) {
	if o.Auth == nil || o.Keys == nil || o.IdentityStoreID == "" || o.PublicURL == nil {
		return nil, errors.New("web: Auth, Keys, IdentityStoreID and PublicURL are required")
	}
	if o.InstanceName == "" {
		o.InstanceName = "idcenter"
	}
	if o.Limits == (Limits{}) {
		o.Limits = DefaultLimits
	}
	h := &Handler{o: o, log: o.Logger, now: o.Now, csrfKey: o.Keys.Derive("web/csrf"), secure: o.PublicURL.Scheme == "https"}
	if h.log == nil {
		h.log = slog.New(slog.DiscardHandler)
	}
	if h.now == nil {
		h.now = time.Now
	}
	pages, err := parsePages()
	if err != nil {
		return nil, err
	}
	h.pages = pages
	sub, err := fs.Sub(staticFS, "static")
	if err != nil {
		return nil, err
	}
	h.static = http.StripPrefix("/static/", http.FileServerFS(sub))
	h.cop = http.NewCrossOriginProtection()
	h.cop.SetDenyHandler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h.renderError(w, r, http.StatusForbidden, "Request refused", "This form was sent from another site. Go back to the page, reload it and try again.")
	}))
	l := o.Limits
	h.signInLimit = ratelimit.New(l.SignInBurst, l.SignInPerMinute/60, h.now)
	h.deviceIPLimit = ratelimit.New(l.DeviceIPBurst, l.DeviceIPPerMinute/60, h.now)
	h.deviceSessionLimit = ratelimit.New(l.DeviceSessionBurst, l.DeviceSessionPerMinute/60, h.now)
	return h, nil
}

// parsePages parses the layout with each page once.
func parsePages() (map[string]*template.Template, error) {
	names, err := fs.Glob(templateFS, "templates/*.html")
	if err != nil {
		return nil, err
	}
	base, err := template.New("layout.html").ParseFS(templateFS, "templates/layout.html")
	if err != nil {
		return nil, err
	}
	pages := map[string]*template.Template{}
	for _, n := range names {
		name := strings.TrimSuffix(strings.TrimPrefix(n, "templates/"), ".html")
		if name == "layout" {
			continue
		}
		t, err := template.Must(base.Clone()).ParseFS(templateFS, n)
		if err != nil {
			return nil, fmt.Errorf("parse %s: %w", n, err)
		}
		pages[name] = t
	}
	return pages, nil
}

// Mount registers the browser routes on mux.
func (h *Handler) Mount(mux *http.ServeMux) {
	for pattern, fn := range map[string]http.HandlerFunc{
		"GET /{$}":               func(w http.ResponseWriter, r *http.Request) { http.Redirect(w, r, "/start", http.StatusSeeOther) },
		"GET /signin":            h.getSignIn,
		"POST /signin":           h.postSignIn,
		"GET /signin/mfa":        h.getMFA,
		"POST /signin/mfa":       h.postMFA,
		"POST /signout":          h.postSignOut,
		"GET /invite/{token}":    h.getInvite,
		"POST /invite/{token}":   h.postInvite,
		"GET /device":            h.getDevice,
		"POST /device":           h.postDevice,
		"POST /device/consent":   h.postDeviceConsent,
		"GET /authorize":         h.getAuthorize,
		"POST /authorize":        h.postAuthorize,
		"GET /start":             h.getStart,
		"GET /start/credentials": h.getCredentials,
	} {
		mux.Handle(pattern, h.wrap(fn))
	}
	mux.Handle("GET /static/", h.cop.Handler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("X-Content-Type-Options", "nosniff")
		w.Header().Set("Cache-Control", "public, max-age=3600")
		h.static.ServeHTTP(w, r)
	})))
}

// defaultCSP allows our stylesheet and inline SVG images, no scripts at
// all, forms only to ourselves, and no framing (RFC 9700 §4.16).
const defaultCSP = "default-src 'none'; style-src 'self'; img-src 'self' data:; form-action 'self'; frame-ancestors 'none'; base-uri 'none'"

// wrap adds the browser protections to a page handler.
func (h *Handler) wrap(fn http.HandlerFunc) http.Handler {
	return h.cop.Handler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hd := w.Header()
		hd.Set("Content-Security-Policy", defaultCSP)
		hd.Set("X-Frame-Options", "DENY")
		hd.Set("X-Content-Type-Options", "nosniff")
		hd.Set("Referrer-Policy", "no-referrer")
		hd.Set("Cache-Control", "no-store")
		if h.secure {
			hd.Set("Strict-Transport-Security", "max-age=31536000")
		}
		if r.Method == http.MethodPost {
			r.Body = http.MaxBytesReader(w, r.Body, maxFormBytes)
			if err := r.ParseForm(); err != nil {
				h.renderError(w, r, http.StatusBadRequest, "Bad request", "The form could not be read.")
				return
			}
		}
		fn(w, r)
	}))
}

// cookieName returns the name of a cookie, __Host- prefixed under HTTPS.
func (h *Handler) cookieName(base string) string {
	if h.secure {
		return "__Host-" + base
	}
	return base
}

func (h *Handler) cookie(r *http.Request, base string) string {
	c, err := r.Cookie(h.cookieName(base))
	if err != nil {
		return ""
	}
	return c.Value
}

// setCookie sets an HttpOnly, SameSite=Lax cookie for path /; maxAge < 0
// deletes it, 0 makes it a browser-session cookie.
func (h *Handler) setCookie(w http.ResponseWriter, base, value string, maxAge int) {
	http.SetCookie(w, &http.Cookie{
		Name: h.cookieName(base), Value: value, Path: "/", MaxAge: maxAge,
		HttpOnly: true, Secure: h.secure, SameSite: http.SameSiteLaxMode,
	})
}

// csrfToken returns the token of form bound to binding: "s:<session id>",
// "p:<pending sign-in id>" or "c:<csrf cookie>".
func (h *Handler) csrfToken(binding, form string) string {
	m := hmac.New(sha256.New, h.csrfKey)
	m.Write([]byte(binding))
	m.Write([]byte{0})
	m.Write([]byte(form))
	return base64.RawURLEncoding.EncodeToString(m.Sum(nil))
}

// checkCSRF compares the posted token in constant time; on failure it
// writes a 403 page and returns false.
func (h *Handler) checkCSRF(w http.ResponseWriter, r *http.Request, binding, form string) bool {
	got := r.PostFormValue("csrf_token")
	if binding != "" && got != "" && hmac.Equal([]byte(got), []byte(h.csrfToken(binding, form))) {
		return true
	}
	h.log.InfoContext(r.Context(), "csrf token refused", "path", r.URL.Path)
	h.renderError(w, r, http.StatusForbidden, "This form has expired", "The form was not sent from this site or is out of date. Go back, reload the page and try again.")
	return false
}

// preSessionBinding returns the CSRF binding of forms shown before a
// session exists (a signed double-submit cookie), setting the cookie if
// the browser has none.
func (h *Handler) preSessionBinding(w http.ResponseWriter, r *http.Request) string {
	v := h.cookie(r, cookieCSRF)
	if len(v) != 43 {
		b := make([]byte, 32)
		rand.Read(b)
		v = base64.RawURLEncoding.EncodeToString(b)
		h.setCookie(w, cookieCSRF, v, 0)
	}
	return "c:" + v
}

// postedPreSessionBinding is the binding of a posted pre-session form: the
// cookie must already be there.
func (h *Handler) postedPreSessionBinding(r *http.Request) string {
	v := h.cookie(r, cookieCSRF)
	if len(v) != 43 {
		return ""
	}
	return "c:" + v
}

// session returns the request's active session, or nil.
func (h *Handler) session(r *http.Request) *idc.Session {
	v := h.cookie(r, cookieSession)
	if v == "" {
		return nil
	}
	s, err := h.o.Auth.SessionFromCookie(r.Context(), v)
	if err != nil {
		if idc.KindOf(err) != idc.KindUnauthenticated {
			h.log.ErrorContext(r.Context(), "session lookup", "err", err)
		}
		return nil
	}
	return s
}

// requireSession returns the session, or redirects to the sign-in page
// (coming back to this URL afterwards) and returns nil.
func (h *Handler) requireSession(w http.ResponseWriter, r *http.Request) *idc.Session {
	if s := h.session(r); s != nil {
		return s
	}
	http.Redirect(w, r, "/signin?next="+url.QueryEscape(r.URL.RequestURI()), http.StatusSeeOther)
	return nil
}

// safeNext returns next if it is a path on this site, else "/start"
// (SECURITY.md WL-12: no open redirect).
func safeNext(next string) string {
	if next == "" || len(next) > 8<<10 || next[0] != '/' || strings.HasPrefix(next, "//") || strings.HasPrefix(next, `/\`) ||
		strings.ContainsAny(next, "\\\r\n\t") {
		return "/start"
	}
	u, err := url.Parse(next)
	if err != nil || u.Scheme != "" || u.Host != "" || u.User != nil || !strings.HasPrefix(u.Path, "/") {
		return "/start"
	}
	return next
}

// view is the data of every page.
type view struct {
	Brand string
	Title string
	// User is the signed-in user's name ("" if none) and SignOutToken the
	// CSRF token of the sign-out button.
	User         string
	SignOutToken string
	Error        string
	Notice       string
	CSRF         string
	Next         string
	Data         any
}

// render writes a page with status.
func (h *Handler) render(w http.ResponseWriter, r *http.Request, status int, page string, v *view) {
	t := h.pages[page]
	v.Brand = h.o.InstanceName
	var b bytes.Buffer
	if err := t.ExecuteTemplate(&b, "layout.html", v); err != nil {
		h.log.ErrorContext(r.Context(), "render page", "page", page, "err", err)
		http.Error(w, "internal error", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(status)
	w.Write(b.Bytes())
}

// withUser fills the signed-in parts of v for session s.
func (h *Handler) withUser(r *http.Request, s *idc.Session, v *view) *view {
	if s == nil {
		return v
	}
	v.SignOutToken = h.csrfToken("s:"+s.ID, "signout")
	if u, err := h.o.Auth.User(r.Context(), s.IdentityStoreID, s.UserID); err == nil {
		v.User = u.UserName
		if u.Attrs.DisplayName != "" {
			v.User = u.Attrs.DisplayName
		}
	}
	return v
}

// renderError writes an error page.
func (h *Handler) renderError(w http.ResponseWriter, r *http.Request, status int, title, msg string) {
	h.render(w, r, status, "error", &view{Title: title, Error: msg})
}

// internalError logs err once and writes a generic 500 page.
func (h *Handler) internalError(w http.ResponseWriter, r *http.Request, what string, err error) {
	h.log.ErrorContext(r.Context(), what, "err", err)
	h.renderError(w, r, http.StatusInternalServerError, "Something went wrong", "The request could not be completed. Try again in a moment.")
}
