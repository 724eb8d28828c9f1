package web

import (
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/idcenter/idcenter/internal/idc"
	"github.com/idcenter/idcenter/internal/ratelimit"
)

// maxUserCodeInput bounds what the code field may hold before
// normalisation.
const maxUserCodeInput = 64

// normalizeUserCode applies RFC 8628 §6.1: case and punctuation (dashes,
// spaces) are ignored. What is left must be 8 ASCII letters or digits,
// returned as XXXX-XXXX; anything else (look-alike Unicode, NUL, long
// input) is refused.
func normalizeUserCode(s string) (string, bool) {
	if len(s) > maxUserCodeInput {
		return "", false
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == '-' || c == ' ' || c == '\t':
		case c >= 'a' && c <= 'z':
			b.WriteByte(c - 'a' + 'A')
		case c >= 'A' && c <= 'Z' || c >= '0' && c <= '9':
			b.WriteByte(c)
		default:
			return "", false
		}
	}
	v := b.String()
	if len(v) != 8 {
		return "", false
	}
	return v[:4] + "-" + v[4:], true
}

// deviceData is the code entry form's data.
type deviceData struct {
	UserCode string
}

// consentData is the consent page's data, for both flows.
type consentData struct {
	// Action is the form's target; Hidden are its hidden fields.
	Action     string
	Hidden     map[string]string
	ClientName string
	// UserCode is shown to compare with the device's (device flow).
	UserCode string
	// RedirectHost names where the browser returns (authorization code
	// flow).
	RedirectHost string
	Scopes       []string
	ExpiresIn    string
	// OriginIP and Age say where and how long ago the device authorization
	// was started; OtherNetwork that OriginIP is on another network than
	// ViewerIP, the address this page is shown at (RFC 8628 §5.4 remote
	// phishing; SECURITY.md DF-13). There is no GeoIP or ASN database to
	// name a place or a provider, so the page shows the address.
	OriginIP     string
	Age          string
	OtherNetwork bool
	ViewerIP     string
}

func (h *Handler) showDeviceForm(w http.ResponseWriter, r *http.Request, s *idc.Session, status int, code, errMsg string) {
	h.render(w, r, status, "device", h.withUser(r, s, &view{
		Title: "Authorize a device", CSRF: h.csrfToken("s:"+s.ID, "device"), Error: errMsg, Data: deviceData{UserCode: code},
	}))
}

const (
	msgBadUserCode   = "That code is not valid or has expired. Check the code shown on your device and try again."
	msgTooManyCodes  = "Too many codes were tried. Wait a few minutes, then start again on your device."
	msgAnswered      = "This request has expired or was already answered. Start again on your device."
	msgDeviceMissing = "Device authorization is not available on this server."
)

// lookUpDevice checks a typed code under the rate limits and shows the
// consent page, or the form again with an error.
func (h *Handler) lookUpDevice(w http.ResponseWriter, r *http.Request, s *idc.Session, raw string) {
	ipKey, sessionKey := ratelimit.ClientIP(r), s.ID
	if !h.deviceIPLimit.OK(ipKey) || !h.deviceSessionLimit.OK(sessionKey) {
		h.showDeviceForm(w, r, s, http.StatusTooManyRequests, raw, msgTooManyCodes)
		return
	}
	fail := func() {
		// Unknown and expired codes count against the limits (RFC 8628
		// §5.1) and get one message whichever they were (no oracle).
		h.deviceIPLimit.Allow(ipKey)
		h.deviceSessionLimit.Allow(sessionKey)
		if len(raw) > maxUserCodeInput {
			raw = ""
		}
		h.showDeviceForm(w, r, s, http.StatusBadRequest, raw, msgBadUserCode)
	}
	code, ok := normalizeUserCode(raw)
	if !ok {
		fail()
		return
	}
	p, err := h.o.OAuth.DeviceByUserCode(r.Context(), code, ipKey)
	if idc.KindOf(err) == idc.KindNotFound || idc.KindOf(err) == idc.KindInvalid {
		fail()
		return
	}
	if e, ok := errors.AsType[*idc.Error](err); ok && e.Kind == idc.KindDenied {
		h.renderError(w, r, http.StatusForbidden, "Device sign-in is turned off", e.Msg)
		return
	}
	if err != nil {
		h.internalError(w, r, "device lookup", err)
		return
	}
	h.render(w, r, http.StatusOK, "consent", h.withUser(r, s, &view{
		Title: "Authorization requested", CSRF: h.csrfToken("s:"+s.ID, "device-consent"),
		Data: consentData{
			Action: "/device/consent", Hidden: map[string]string{"user_code": p.UserCode},
			ClientName: p.ClientName, UserCode: p.UserCode, Scopes: p.Scopes, ExpiresIn: until(p.ExpiresAt, h.now()),
			OriginIP: p.OriginIP, Age: ago(p.CreatedAt, h.now()), OtherNetwork: p.OtherNetwork, ViewerIP: ipKey,
		},
	}))
}

// until describes how long is left before t, for people.
func until(t, now time.Time) string {
	d := t.Sub(now).Round(time.Minute)
	switch {
	case t.IsZero():
		return ""
	case d <= time.Minute:
		return "less than a minute"
	case d < time.Hour:
		return fmt.Sprintf("%d minutes", int(d.Minutes()))
	}
	return "more than an hour"
}

// ago describes for people how long before now t was, in whole seconds
// or minutes: "just now", "1 second ago", "40 seconds ago", "7 minutes
// ago". A t after now (another replica's clock) is "just now".
func ago(t, now time.Time) string {
	d := now.Sub(t)
	switch {
	case t.IsZero():
		return ""
	case d < time.Second:
		return "just now"
	case d < time.Minute:
		return plural(int(d/time.Second), "second") + " ago"
	case d < time.Hour:
		return plural(int(d/time.Minute), "minute") + " ago"
	}
	return "more than an hour ago"
}

// plural writes n units, in the singular for one.
func plural(n int, unit string) string {
	if n == 1 {
		return "1 " + unit
	}
	return fmt.Sprintf("%d %ss", n, unit)
}

// getDevice serves the verification URI: the code form, or with
// ?user_code= (verificationUriComplete) the consent page for that code.
// GET never changes anything (SECURITY.md DF-16).
func (h *Handler) getDevice(w http.ResponseWriter, r *http.Request) {
	if h.o.OAuth == nil {
		h.renderError(w, r, http.StatusNotFound, "Not available", msgDeviceMissing)
		return
	}
	s := h.requireSession(w, r)
	if s == nil {
		return
	}
	code := r.URL.Query().Get("user_code")
	if code == "" {
		h.showDeviceForm(w, r, s, http.StatusOK, "", "")
		return
	}
	h.lookUpDevice(w, r, s, code)
}

func (h *Handler) postDevice(w http.ResponseWriter, r *http.Request) {
	if h.o.OAuth == nil {
		h.renderError(w, r, http.StatusNotFound, "Not available", msgDeviceMissing)
		return
	}
	s := h.requireSession(w, r)
	if s == nil || !h.checkCSRF(w, r, "s:"+s.ID, "device") {
		return
	}
	h.lookUpDevice(w, r, s, r.PostFormValue("user_code"))
}

// doneData is the end page's data.
type doneData struct {
	Approved   bool
	ClientName string
	// OtherNetwork says an approval was refused because it came from
	// another network than the request (SECURITY.md DF-13), OriginIP and
	// ApproverIP which.
	OtherNetwork bool
	OriginIP     string
	ApproverIP   string
}

func (h *Handler) postDeviceConsent(w http.ResponseWriter, r *http.Request) {
	if h.o.OAuth == nil {
		h.renderError(w, r, http.StatusNotFound, "Not available", msgDeviceMissing)
		return
	}
	s := h.requireSession(w, r)
	if s == nil || !h.checkCSRF(w, r, "s:"+s.ID, "device-consent") {
		return
	}
	code, ok := normalizeUserCode(r.PostFormValue("user_code"))
	if !ok {
		h.renderError(w, r, http.StatusBadRequest, "Request not valid", msgAnswered)
		return
	}
	ctx := r.Context()
	ip := ratelimit.ClientIP(r)
	p, err := h.o.OAuth.DeviceByUserCode(ctx, code, ip)
	if err == nil {
		switch r.PostFormValue("decision") {
		case "allow":
			err = h.o.OAuth.ApproveDevice(ctx, code, s, ip)
			if errors.Is(err, idc.ErrDeviceOtherNetwork) {
				h.auditOtherNetwork(r, p, s, ip, "refused")
				h.render(w, r, http.StatusForbidden, "done", h.withUser(r, s, &view{
					Title: "Request refused",
					Data:  doneData{ClientName: p.ClientName, OtherNetwork: true, OriginIP: p.OriginIP, ApproverIP: ip},
				}))
				return
			}
			if err == nil && p.OtherNetwork {
				h.auditOtherNetwork(r, p, s, ip, "approved")
			}
		case "deny":
			err = h.o.OAuth.DenyDevice(ctx, code, s)
		default:
			h.renderError(w, r, http.StatusBadRequest, "Request not valid", "Choose Allow or Deny.")
			return
		}
	}
	switch k := idc.KindOf(err); {
	case err == nil:
	case k == idc.KindNotFound || k == idc.KindConflict || k == idc.KindInvalid:
		h.renderError(w, r, http.StatusConflict, "Request not valid", msgAnswered)
		return
	case k == idc.KindDenied:
		e, _ := errors.AsType[*idc.Error](err)
		h.renderError(w, r, http.StatusForbidden, "Device sign-in is turned off", e.Msg)
		return
	default:
		h.internalError(w, r, "answer device authorization", err)
		return
	}
	h.render(w, r, http.StatusOK, "done", h.withUser(r, s, &view{
		Title: doneTitle(r.PostFormValue("decision") == "allow"),
		Data:  doneData{Approved: r.PostFormValue("decision") == "allow", ClientName: p.ClientName},
	}))
}

// auditOtherNetwork records a device approval from another network than
// the device authorization's, and its outcome: "approved", or "refused"
// when the administrator requires the same network (SECURITY.md DF-13,
// RFC 8628 §5.4; the pattern of device-code phishing). idcenter has no
// audit store yet, so the event is a Warn line "audit" on the server's
// logger with stable attributes, for log pipelines to alert on.
func (h *Handler) auditOtherNetwork(r *http.Request, p *idc.DevicePrompt, s *idc.Session, approverIP, outcome string) {
	h.log.WarnContext(r.Context(), "audit", "event", "device_approval_network_mismatch",
		"client_id", p.ClientID, "user_id", s.UserID, "origin_ip", p.OriginIP, "approver_ip", approverIP, "outcome", outcome)
}

func doneTitle(approved bool) string {
	if approved {
		return "Request approved"
	}
	return "Request denied"
}

// getAuthorize is the browser half of the authorization code flow with PKCE
// (RFC 7636): validate the request, sign in if needed (coming back here),
// then ask for consent.
func (h *Handler) getAuthorize(w http.ResponseWriter, r *http.Request) {
	if h.o.OAuth == nil {
		h.renderError(w, r, http.StatusNotFound, "Not available", "Authorization is not available on this server.")
		return
	}
	req, err := h.o.OAuth.ParseAuthorize(r.Context(), r.URL.Query())
	if err != nil {
		h.authorizeError(w, r, err)
		return
	}
	s := h.requireSession(w, r)
	if s == nil {
		return
	}
	h.showAuthorizeConsent(w, r, s, req)
}

func (h *Handler) authorizeError(w http.ResponseWriter, r *http.Request, err error) {
	var e *idc.Error
	if idc.KindOf(err) != idc.KindInternal && errors.As(err, &e) {
		// Never redirect an invalid request: its redirect URI may not be
		// the client's (RFC 6749 §4.1.2.1).
		h.renderError(w, r, http.StatusBadRequest, "Authorization request not valid", e.Msg)
		return
	}
	h.internalError(w, r, "authorize", err)
}

func (h *Handler) showAuthorizeConsent(w http.ResponseWriter, r *http.Request, s *idc.Session, req *idc.AuthorizeRequest) {
	raw := req.Raw
	if raw == "" {
		raw = r.URL.RawQuery
	}
	host := ""
	if u, err := url.Parse(req.RedirectURI); err == nil {
		host = u.Host
		// The consent form's answer redirects to the client's loopback
		// URI; CSP form-action governs redirects after a form submission,
		// so allow exactly that origin on this page.
		if u.Scheme == "http" || u.Scheme == "https" {
			w.Header().Set("Content-Security-Policy", strings.Replace(defaultCSP, "form-action 'self'", "form-action 'self' "+u.Scheme+"://"+u.Host, 1))
		}
	}
	h.render(w, r, http.StatusOK, "consent", h.withUser(r, s, &view{
		Title: "Authorization requested", CSRF: h.csrfToken("s:"+s.ID, "authorize"),
		Data: consentData{
			Action: "/authorize", Hidden: map[string]string{"request": raw},
			ClientName: req.ClientName, RedirectHost: host, Scopes: req.Scopes,
		},
	}))
}

func (h *Handler) postAuthorize(w http.ResponseWriter, r *http.Request) {
	if h.o.OAuth == nil {
		h.renderError(w, r, http.StatusNotFound, "Not available", "Authorization is not available on this server.")
		return
	}
	s := h.requireSession(w, r)
	if s == nil || !h.checkCSRF(w, r, "s:"+s.ID, "authorize") {
		return
	}
	q, err := url.ParseQuery(r.PostFormValue("request"))
	if err != nil {
		h.renderError(w, r, http.StatusBadRequest, "Authorization request not valid", "The request could not be read.")
		return
	}
	ctx := r.Context()
	// Validate again: the hidden field came back from the browser.
	req, err := h.o.OAuth.ParseAuthorize(ctx, q)
	if err != nil {
		h.authorizeError(w, r, err)
		return
	}
	var to string
	switch r.PostFormValue("decision") {
	case "allow":
		if to, err = h.o.OAuth.Authorize(ctx, req, s); err != nil {
			h.authorizeError(w, r, err)
			return
		}
	case "deny":
		to = h.o.OAuth.DenyAuthorize(ctx, req)
	default:
		h.renderError(w, r, http.StatusBadRequest, "Request not valid", "Choose Allow or Deny.")
		return
	}
	// 303, never 307: the browser must not re-send the form (RFC 9700
	// §4.12).
	http.Redirect(w, r, to, http.StatusSeeOther)
}
