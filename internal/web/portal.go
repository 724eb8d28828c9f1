package web

import (
	"net/http"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/idcenter/idcenter/internal/idc"
)

// maxSearch bounds the portal's search text.
const maxSearch = 256

// startData is the portal's data.
type startData struct {
	Query    string
	Accounts []PortalAccount
	// Total is how many accounts the user has before filtering.
	Total int
	// CanIssue is false when the credentials panel is unavailable.
	CanIssue bool
}

func (h *Handler) getStart(w http.ResponseWriter, r *http.Request) {
	s := h.requireSession(w, r)
	if s == nil {
		return
	}
	q := strings.TrimSpace(r.URL.Query().Get("q"))
	if len(q) > maxSearch {
		q = q[:maxSearch]
	}
	var accounts []PortalAccount
	if h.o.Entitlements != nil {
		var err error
		if accounts, err = h.o.Entitlements.PortalAccounts(r.Context(), s.IdentityStoreID, s.UserID); err != nil {
			h.internalError(w, r, "list portal accounts", err)
			return
		}
	}
	slices.SortFunc(accounts, func(a, b PortalAccount) int {
		if c := strings.Compare(strings.ToLower(a.AccountName), strings.ToLower(b.AccountName)); c != 0 {
			return c
		}
		return strings.Compare(a.AccountID, b.AccountID)
	})
	d := startData{Query: q, Total: len(accounts), CanIssue: h.o.Credentials != nil}
	for _, a := range accounts {
		if matchAccount(a, q) {
			a.Roles = slices.Sorted(slices.Values(a.Roles))
			d.Accounts = append(d.Accounts, a)
		}
	}
	h.render(w, r, http.StatusOK, "start", h.withUser(r, s, &view{Title: "AWS access portal", Data: d}))
}

// matchAccount reports whether q (case-insensitive) is part of the
// account's name, id or email, or of one of its role names.
func matchAccount(a PortalAccount, q string) bool {
	if q == "" {
		return true
	}
	q = strings.ToLower(q)
	for _, f := range append([]string{a.AccountName, a.AccountID, a.EmailAddress}, a.Roles...) {
		if strings.Contains(strings.ToLower(f), q) {
			return true
		}
	}
	return false
}

// credentialsData is the "command line or programmatic access" page's
// data.
type credentialsData struct {
	AccountID   string
	AccountName string
	RoleName    string
	Creds       *idc.RoleCredentials
	// Profile is the suggested profile name of the credentials-file
	// snippet.
	Profile    string
	Expiration string
}

var (
	accountIDPattern = regexp.MustCompile(`^\d{12}$`)
	// roleNamePattern is the sso API's RoleNameType (a permission set
	// name).
	roleNamePattern = regexp.MustCompile(`^[\w+=,.@-]{1,128}$`)
)

func (h *Handler) getCredentials(w http.ResponseWriter, r *http.Request) {
	s := h.requireSession(w, r)
	if s == nil {
		return
	}
	if h.o.Credentials == nil {
		h.renderError(w, r, http.StatusNotFound, "Not available", "Command line access is not available on this server.")
		return
	}
	accountID, roleName := r.URL.Query().Get("account_id"), r.URL.Query().Get("role_name")
	if !accountIDPattern.MatchString(accountID) || !roleNamePattern.MatchString(roleName) {
		h.renderError(w, r, http.StatusBadRequest, "Request not valid", "Choose an account and a role on the portal.")
		return
	}
	creds, err := h.o.Credentials.IssueRoleCredentials(r.Context(), s, accountID, roleName)
	switch idc.KindOf(err) {
	case idc.KindInternal:
		if err != nil {
			h.internalError(w, r, "issue role credentials", err)
			return
		}
	case idc.KindDenied, idc.KindNotFound, idc.KindInvalid:
		h.renderError(w, r, http.StatusForbidden, "No access", "You are not assigned this role in this account.")
		return
	default:
		h.internalError(w, r, "issue role credentials", err)
		return
	}
	d := credentialsData{
		AccountID: accountID, RoleName: roleName, Creds: creds,
		Profile:    accountID + "_" + roleName,
		Expiration: creds.Expiration.UTC().Format(time.RFC3339),
	}
	if h.o.Entitlements != nil {
		if accounts, err := h.o.Entitlements.PortalAccounts(r.Context(), s.IdentityStoreID, s.UserID); err == nil {
			for _, a := range accounts {
				if a.AccountID == accountID {
					d.AccountName = a.AccountName
				}
			}
		}
	}
	h.render(w, r, http.StatusOK, "credentials", h.withUser(r, s, &view{Title: "Command line or programmatic access", Data: d}))
}
