package auth

import (
	"context"
	"errors"
	"time"

	"github.com/idcenter/idcenter/internal/idc"
	"github.com/idcenter/idcenter/internal/store"
)

// purposeInvitation binds invitation tokens' hashes.
const purposeInvitation = "invitation"

// SetPassword sets a user's password (an administrator's reset). It ends the
// user's sessions, supersedes outstanding invitations and clears the
// password lockout of the user's name; an enrolled authenticator is kept,
// so a reset never bypasses MFA (ASVS 6.4.3). Errors: invalid (password
// rules), not found (user), ErrBusy.
func (s *Service) SetPassword(ctx context.Context, identityStoreID, userID, password string) error {
	if err := CheckPassword(password); err != nil {
		return err
	}
	user, err := s.dir.GetUser(ctx, identityStoreID, userID)
	if err != nil {
		return err
	}
	hash, err := s.hash.Hash(ctx, password)
	if err != nil {
		return err
	}
	now := s.now()
	err = s.st.Tx(ctx, func(q store.Queries) error {
		if err := q.SetUserPassword(ctx, identityStoreID, userID, hash, now); err != nil {
			return err
		}
		if err := q.SupersedeUserInvitations(ctx, identityStoreID, userID, now); err != nil {
			return err
		}
		if _, err := q.RevokeUserSessions(ctx, identityStoreID, userID, now); err != nil {
			return err
		}
		return q.ClearAuthFailures(ctx, identityStoreID, userSubject(user.UserName))
	})
	s.forget("", identityStoreID, userID)
	if errors.Is(err, store.ErrReferenced) {
		return idc.NotFound("USER", userID, "User %s does not exist.", userID)
	}
	if err != nil {
		return storeErr("set password", err)
	}
	return nil
}

// ResetMFA removes a user's authenticator (recovery by an administrator):
// the user enrols a new one at the next sign-in. It ends the user's
// sessions and clears the second-factor lockout (not found if the user does
// not exist).
func (s *Service) ResetMFA(ctx context.Context, identityStoreID, userID string) error {
	if _, err := s.dir.GetUser(ctx, identityStoreID, userID); err != nil {
		return err
	}
	now := s.now()
	err := s.st.Tx(ctx, func(q store.Queries) error {
		if err := q.ClearUserTOTP(ctx, identityStoreID, userID, now); err != nil && !errors.Is(err, store.ErrNotFound) {
			return err
		}
		if _, err := q.RevokeUserSessions(ctx, identityStoreID, userID, now); err != nil {
			return err
		}
		return q.ClearAuthFailures(ctx, identityStoreID, mfaSubject(userID))
	})
	s.forget("", identityStoreID, userID)
	if err != nil {
		return storeErr("reset MFA", err)
	}
	return nil
}

// NewInvitation is a created invitation and its one-time token (a secret,
// shown once: only its hash is stored).
type NewInvitation struct {
	Token     string
	UserID    string
	ExpiresAt time.Time
}

// CreateInvitation creates a one-time sign-up token for a user, valid for
// ttl (0: DefaultInvitationTTL; MinInvitationTTL to MaxInvitationTTL). It
// supersedes the user's earlier invitations. Errors: invalid (ttl), not
// found (user).
func (s *Service) CreateInvitation(ctx context.Context, identityStoreID, userID string, ttl time.Duration) (*NewInvitation, error) {
	if ttl == 0 {
		ttl = DefaultInvitationTTL
	}
	if ttl < MinInvitationTTL || ttl > MaxInvitationTTL {
		return nil, idc.Invalidf("The invitation lifetime must be between 5 minutes and 30 days.")
	}
	if _, err := s.dir.GetUser(ctx, identityStoreID, userID); err != nil {
		return nil, err
	}
	now := s.now()
	_, token := newSecret()
	inv := &store.Invitation{
		TokenHash: s.digest(purposeInvitation, token), IdentityStoreID: identityStoreID, UserID: userID,
		CreatedAt: now, ExpiresAt: now.Add(ttl), CreatedBy: idc.ActorName(ctx),
	}
	err := s.st.Tx(ctx, func(q store.Queries) error {
		if err := q.SupersedeUserInvitations(ctx, identityStoreID, userID, now); err != nil {
			return err
		}
		return q.CreateInvitation(ctx, inv)
	})
	if errors.Is(err, store.ErrReferenced) {
		return nil, idc.NotFound("USER", userID, "User %s does not exist.", userID)
	}
	if err != nil {
		return nil, storeErr("create invitation", err)
	}
	return &NewInvitation{Token: token, UserID: userID, ExpiresAt: inv.ExpiresAt}, nil
}

// InvitationInfo describes a valid invitation to the page that redeems it.
type InvitationInfo struct {
	IdentityStoreID string
	UserID          string
	UserName        string
	ExpiresAt       time.Time
}

func invalidInvitation() error {
	return authError(ErrInvalidInvitation, "the invitation link is invalid, used or expired")
}

// Invitation returns the invitation a token names if it can still be used
// (ErrInvalidInvitation otherwise: unknown, used, superseded, expired, or
// its user disabled or deleted).
func (s *Service) Invitation(ctx context.Context, token string) (*InvitationInfo, error) {
	if len(token) != 43 {
		return nil, invalidInvitation()
	}
	inv, err := s.st.GetInvitation(ctx, s.digest(purposeInvitation, token))
	if errors.Is(err, store.ErrNotFound) {
		return nil, invalidInvitation()
	}
	if err != nil {
		return nil, storeErr("read invitation", err)
	}
	if !inv.UsedAt.IsZero() || !s.now().Before(inv.ExpiresAt) {
		return nil, invalidInvitation()
	}
	user, err := s.dir.GetUser(ctx, inv.IdentityStoreID, inv.UserID)
	if idc.KindOf(err) == idc.KindNotFound || (err == nil && user.Status != idc.UserEnabled) {
		return nil, invalidInvitation()
	}
	if err != nil {
		return nil, err
	}
	return &InvitationInfo{IdentityStoreID: inv.IdentityStoreID, UserID: inv.UserID, UserName: user.UserName, ExpiresAt: inv.ExpiresAt}, nil
}

// AcceptInvitation redeems an invitation: it sets the chosen password, uses
// up the invitation (exactly once, even under concurrent redemption) and
// continues as a sign-in whose password was just proven, so the user then
// enrols (or enters) a second factor as the MFA mode requires. Errors:
// invalid (password rules), ErrInvalidInvitation, ErrBusy.
func (s *Service) AcceptInvitation(ctx context.Context, token, password, userAgent string) (*Result, error) {
	info, err := s.Invitation(ctx, token)
	if err != nil {
		return nil, err
	}
	if err := CheckPassword(password); err != nil {
		return nil, err
	}
	hash, err := s.hash.Hash(ctx, password)
	if err != nil {
		return nil, err
	}
	now := s.now()
	used := false
	err = s.st.Tx(ctx, func(q store.Queries) error {
		var err error
		if used, err = q.UseInvitation(ctx, s.digest(purposeInvitation, token), now); err != nil || !used {
			return err
		}
		if err := q.SetUserPassword(ctx, info.IdentityStoreID, info.UserID, hash, now); err != nil {
			return err
		}
		if err := q.SupersedeUserInvitations(ctx, info.IdentityStoreID, info.UserID, now); err != nil {
			return err
		}
		if _, err := q.RevokeUserSessions(ctx, info.IdentityStoreID, info.UserID, now); err != nil {
			return err
		}
		return q.ClearAuthFailures(ctx, info.IdentityStoreID, userSubject(info.UserName))
	})
	if errors.Is(err, store.ErrReferenced) {
		return nil, invalidInvitation()
	}
	if err != nil {
		return nil, storeErr("accept invitation", err)
	}
	if !used {
		return nil, invalidInvitation()
	}
	s.forget("", info.IdentityStoreID, info.UserID)
	user, err := s.dir.GetUser(ctx, info.IdentityStoreID, info.UserID)
	if err != nil {
		return nil, err
	}
	cred, err := s.st.GetUserCredential(ctx, info.IdentityStoreID, info.UserID)
	if err != nil {
		return nil, storeErr("read credential", err)
	}
	// No remembered browser: redeeming an invitation always asks for the
	// second factor the mode requires.
	return s.afterPassword(ctx, user, cred, now, "", userAgent)
}
