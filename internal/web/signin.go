package web

import (
	"errors"
	"html/template"
	"net/http"
	"net/url"
	"strings"

	"github.com/idcenter/idcenter/internal/auth"
	"github.com/idcenter/idcenter/internal/idc"
	"github.com/idcenter/idcenter/internal/ratelimit"
	"github.com/idcenter/idcenter/internal/store"
)

// Messages of the sign-in pages. The same message answers an unknown user
// name, a wrong password, a user without a password and a disabled user
// (ASVS 6.3.8).
const (
	msgBadCredentials = "The username or password is incorrect."
	msgLocked         = "Too many failed attempts. Sign-in is paused for a few minutes; try again later."
	msgBusy           = "Sign-in is busy right now. Try again in a moment."
	msgTooFast        = "Too many attempts from your network. Wait a minute and try again."
	msgBadCode        = "That code is not correct. Enter the current 6-digit code from your authenticator app."
	msgSignInExpired  = "Your sign-in expired or too many codes were wrong. Sign in again."
)

// signInData is the sign-in form's data.
type signInData struct {
	UserName string
}

func (h *Handler) showSignIn(w http.ResponseWriter, r *http.Request, status int, next, userName, errMsg, notice string) {
	h.render(w, r, status, "signin", &view{
		Title: "Sign in", CSRF: h.csrfToken(h.preSessionBinding(w, r), "signin"),
		Next: next, Error: errMsg, Notice: notice, Data: signInData{UserName: userName},
	})
}

func (h *Handler) getSignIn(w http.ResponseWriter, r *http.Request) {
	next := safeNext(r.URL.Query().Get("next"))
	if h.session(r) != nil {
		http.Redirect(w, r, next, http.StatusSeeOther)
		return
	}
	notice := ""
	if r.URL.Query().Get("signed_out") == "1" {
		notice = "You have signed out."
	}
	h.showSignIn(w, r, http.StatusOK, next, "", "", notice)
}

func (h *Handler) postSignIn(w http.ResponseWriter, r *http.Request) {
	next := safeNext(r.PostFormValue("next"))
	if !h.checkCSRF(w, r, h.postedPreSessionBinding(r), "signin") {
		return
	}
	userName := strings.TrimSpace(r.PostFormValue("username"))
	if !h.signInLimit.Allow(ratelimit.ClientIP(r)) {
		h.showSignIn(w, r, http.StatusTooManyRequests, next, userName, msgTooFast, "")
		return
	}
	res, err := h.o.Auth.SignIn(r.Context(), auth.SignInInput{
		IdentityStoreID:  h.o.IdentityStoreID,
		UserName:         userName,
		Password:         r.PostFormValue("password"),
		RememberedDevice: h.cookie(r, cookieDevice),
		UserAgent:        r.UserAgent(),
	})
	switch {
	case errors.Is(err, auth.ErrInvalidCredentials):
		h.showSignIn(w, r, http.StatusUnauthorized, next, userName, msgBadCredentials, "")
		return
	case errors.Is(err, auth.ErrLocked):
		h.showSignIn(w, r, http.StatusTooManyRequests, next, userName, msgLocked, "")
		return
	case errors.Is(err, auth.ErrBusy):
		h.showSignIn(w, r, http.StatusServiceUnavailable, next, userName, msgBusy, "")
		return
	case err != nil:
		h.internalError(w, r, "sign in", err)
		return
	}
	h.signedIn(w, r, res, next)
}

// signedIn continues after a proven password (sign-in or invitation): it
// starts the session, or sends the browser to the second factor.
func (h *Handler) signedIn(w http.ResponseWriter, r *http.Request, res *auth.Result, next string) {
	if res.Session != nil {
		h.startSession(w, r, res.Session, next)
		return
	}
	h.setCookie(w, cookieSignIn, res.Pending.Cookie, int(auth.SignInTTL.Seconds()))
	http.Redirect(w, r, "/signin/mfa?next="+url.QueryEscape(next), http.StatusSeeOther)
}

// startSession sets the new session's cookie (a new id and secret at each
// sign-in: the cookie rotates, ASVS 7.2.4), ends any session the browser
// had, and redirects to next.
func (h *Handler) startSession(w http.ResponseWriter, r *http.Request, ns *auth.NewSession, next string) {
	if old := h.session(r); old != nil && old.ID != ns.Session.ID {
		if err := h.o.Auth.EndSession(r.Context(), old.ID); err != nil {
			h.log.WarnContext(r.Context(), "end previous session", "err", err)
		}
	}
	maxAge := int(ns.Session.ExpiresAt.Sub(h.now()).Seconds())
	h.setCookie(w, cookieSession, ns.Cookie, max(1, maxAge))
	h.setCookie(w, cookieSignIn, "", -1)
	if ns.RememberDevice != "" {
		if set, err := h.o.Auth.Settings(r.Context(), h.o.IdentityStoreID); err == nil && set.MFAMode == store.MFAContextAware {
			h.setCookie(w, cookieDevice, ns.RememberDevice, int(auth.RememberDuration.Seconds()))
		}
	}
	http.Redirect(w, r, next, http.StatusSeeOther)
}

// mfaData is the second-factor page's data.
type mfaData struct {
	Enrol bool
	// QR is the enrolment QR code as inline SVG; URI and Secret its text.
	QR     template.HTML
	URI    string
	Secret string
}

func (h *Handler) showMFA(w http.ResponseWriter, r *http.Request, status int, p *auth.Pending, next, errMsg string) {
	d := mfaData{Enrol: p.Stage == store.SignInEnrol, URI: p.TOTPURI, Secret: p.TOTPSecret}
	title := "Enter your verification code"
	if d.Enrol {
		title = "Set up multi-factor authentication"
		if q, err := encodeQR([]byte(p.TOTPURI)); err == nil {
			d.QR = q.svg("QR code to scan with your authenticator app")
		}
	}
	h.render(w, r, status, "mfa", &view{Title: title, CSRF: h.csrfToken("p:"+p.ID, "mfa"), Next: next, Error: errMsg, Data: d})
}

func (h *Handler) getMFA(w http.ResponseWriter, r *http.Request) {
	next := safeNext(r.URL.Query().Get("next"))
	p, err := h.o.Auth.PendingSignIn(r.Context(), h.cookie(r, cookieSignIn))
	if errors.Is(err, auth.ErrSignInExpired) {
		h.setCookie(w, cookieSignIn, "", -1)
		h.showSignIn(w, r, http.StatusUnauthorized, next, "", msgSignInExpired, "")
		return
	}
	if err != nil {
		h.internalError(w, r, "pending sign-in", err)
		return
	}
	h.showMFA(w, r, http.StatusOK, p, next, "")
}

func (h *Handler) postMFA(w http.ResponseWriter, r *http.Request) {
	next := safeNext(r.PostFormValue("next"))
	cookie := h.cookie(r, cookieSignIn)
	id, _, _ := strings.Cut(cookie, ".")
	binding := ""
	if id != "" {
		binding = "p:" + id
	}
	if !h.checkCSRF(w, r, binding, "mfa") {
		return
	}
	if !h.signInLimit.Allow(ratelimit.ClientIP(r)) {
		h.showSignIn(w, r, http.StatusTooManyRequests, next, "", msgTooFast, "")
		return
	}
	ns, err := h.o.Auth.Finish(r.Context(), cookie, r.PostFormValue("code"), r.UserAgent())
	switch {
	case errors.Is(err, auth.ErrInvalidCode):
		p, perr := h.o.Auth.PendingSignIn(r.Context(), cookie)
		if perr == nil {
			h.showMFA(w, r, http.StatusUnauthorized, p, next, msgBadCode)
			return
		}
		fallthrough
	case errors.Is(err, auth.ErrSignInExpired):
		h.setCookie(w, cookieSignIn, "", -1)
		h.showSignIn(w, r, http.StatusUnauthorized, next, "", msgSignInExpired, "")
		return
	case errors.Is(err, auth.ErrLocked):
		h.setCookie(w, cookieSignIn, "", -1)
		h.showSignIn(w, r, http.StatusTooManyRequests, next, "", msgLocked, "")
		return
	case err != nil:
		h.internalError(w, r, "finish sign-in", err)
		return
	}
	h.startSession(w, r, ns, next)
}

func (h *Handler) postSignOut(w http.ResponseWriter, r *http.Request) {
	s := h.session(r)
	if s != nil {
		if !h.checkCSRF(w, r, "s:"+s.ID, "signout") {
			return
		}
		if err := h.o.Auth.EndSession(r.Context(), s.ID); err != nil {
			h.internalError(w, r, "sign out", err)
			return
		}
	}
	h.setCookie(w, cookieSession, "", -1)
	h.setCookie(w, cookieSignIn, "", -1)
	http.Redirect(w, r, "/signin?signed_out=1", http.StatusSeeOther)
}

// inviteData is the invitation page's data.
type inviteData struct {
	UserName string
}

func (h *Handler) getInvite(w http.ResponseWriter, r *http.Request) {
	info, err := h.o.Auth.Invitation(r.Context(), r.PathValue("token"))
	if err != nil {
		h.inviteError(w, r, err)
		return
	}
	h.render(w, r, http.StatusOK, "invite", &view{
		Title: "Welcome, " + info.UserName, CSRF: h.csrfToken(h.preSessionBinding(w, r), "invite"),
		Data: inviteData{UserName: info.UserName},
	})
}

func (h *Handler) inviteError(w http.ResponseWriter, r *http.Request, err error) {
	if errors.Is(err, auth.ErrInvalidInvitation) {
		h.renderError(w, r, http.StatusNotFound, "Invitation not valid", "This invitation link is invalid, was already used or has expired. Ask your administrator for a new one.")
		return
	}
	h.internalError(w, r, "invitation", err)
}

func (h *Handler) postInvite(w http.ResponseWriter, r *http.Request) {
	if !h.checkCSRF(w, r, h.postedPreSessionBinding(r), "invite") {
		return
	}
	token := r.PathValue("token")
	info, err := h.o.Auth.Invitation(r.Context(), token)
	if err != nil {
		h.inviteError(w, r, err)
		return
	}
	again := func(status int, msg string) {
		h.render(w, r, status, "invite", &view{
			Title: "Welcome, " + info.UserName, CSRF: h.csrfToken(h.postedPreSessionBinding(r), "invite"),
			Error: msg, Data: inviteData{UserName: info.UserName},
		})
	}
	if !h.signInLimit.Allow(ratelimit.ClientIP(r)) {
		again(http.StatusTooManyRequests, msgTooFast)
		return
	}
	pw := r.PostFormValue("password")
	if pw != r.PostFormValue("password_confirm") {
		again(http.StatusBadRequest, "The two passwords do not match.")
		return
	}
	res, err := h.o.Auth.AcceptInvitation(r.Context(), token, pw, r.UserAgent())
	var ie *idc.Error
	switch {
	case errors.As(err, &ie) && ie.Kind == idc.KindInvalid:
		again(http.StatusBadRequest, ie.Msg)
		return
	case errors.Is(err, auth.ErrBusy):
		again(http.StatusServiceUnavailable, msgBusy)
		return
	case err != nil:
		h.inviteError(w, r, err)
		return
	}
	h.signedIn(w, r, res, "/start")
}
