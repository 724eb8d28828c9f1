package org

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/idcenter/idcenter/internal/idc"
	"github.com/idcenter/idcenter/internal/store"
)

// Tag keys that describe an invited account (see the package doc).
const (
	NameTag  = "Name"
	EmailTag = "Email"
)

// maxAccountName is the length limit of an account name (the AccountName
// shape).
const maxAccountName = 128

// emailPattern is the Email shape's pattern, with its length limits 6..64.
var emailPattern = regexp.MustCompile(`^[^\s@]+@[^\s@]+\.[^\s@]+$`)

func validEmail(s string) bool {
	n := utf8.RuneCountInString(s)
	return n >= 6 && n <= 64 && emailPattern.MatchString(s)
}

// InviteInput is an InviteAccountToOrganization request.
type InviteInput struct {
	TargetType string // must be idc.PartyAccount
	TargetID   string // the 12-digit account id
	Notes      string
	Tags       []idc.Tag
}

// InviteAccount registers an existing AWS account under its own id: the
// invitation is accepted at once and the account joins the root with
// JoinedMethod INVITED (see the package doc for its name and email).
// ReasonPartyType for targets that are not accounts; ReasonInvalidPattern
// for an id that is not 12 digits; ReasonAlreadyMember; ReasonInvalidEmail
// for a bad Email tag or an email another account has; ReasonMaxLength for
// a name over 128 characters.
func (s *Service) InviteAccount(ctx context.Context, in InviteInput) (*idc.Organization, *idc.Handshake, error) {
	if in.TargetType != idc.PartyAccount {
		return nil, nil, newErr(idc.KindInvalid, ReasonPartyType,
			"You can invite an existing account only by its account id (Target Type ACCOUNT).")
	}
	if !idc.ValidAccountID(in.TargetID) {
		return nil, nil, newErr(idc.KindInvalid, ReasonInvalidPattern, "The Target Id of an ACCOUNT must be a 12-digit account id.")
	}
	if err := checkTags(in.Tags); err != nil {
		return nil, nil, err
	}
	if len(in.Tags) > idc.MaxTags {
		return nil, nil, errTagLimit()
	}
	name, email := strings.TrimSpace(in.Notes), idc.PlaceholderAccountEmail(in.TargetID)
	for _, t := range in.Tags {
		switch t.Key {
		case NameTag:
			name = strings.TrimSpace(t.Value)
		case EmailTag:
			email = t.Value
		}
	}
	if name == "" {
		name = in.TargetID
	}
	if utf8.RuneCountInString(name) > maxAccountName {
		return nil, nil, newErr(idc.KindInvalid, ReasonMaxLength,
			"The account name (from the %q tag or the Notes) must be at most %d characters.", NameTag, maxAccountName)
	}
	if !validEmail(email) {
		return nil, nil, newErr(idc.KindInvalid, ReasonInvalidEmail, "The %q tag must hold a valid email address.", EmailTag)
	}
	var o *idc.Organization
	var h *idc.Handshake
	var err error
	for range createAttempts {
		// A lost uniqueness race (ErrDuplicate) aborts the transaction; the
		// next attempt sees the winner and reports it.
		o, h, err = s.invite(ctx, in, name, email)
		if !errors.Is(err, store.ErrDuplicate) {
			break
		}
	}
	if err != nil {
		return nil, nil, wrap("invite account", err)
	}
	return o, h, nil
}

func (s *Service) invite(ctx context.Context, in InviteInput, name, email string) (*idc.Organization, *idc.Handshake, error) {
	now := s.timestamp()
	var o *idc.Organization
	var h *idc.Handshake
	err := s.st.Tx(ctx, func(q store.Queries) error {
		var err error
		if o, err = organization(ctx, q); err != nil {
			return err
		}
		alreadyMember := newErr(idc.KindConflict, ReasonAlreadyMember, "The invited account is already a member of an organization.")
		if _, err := q.GetAccount(ctx, in.TargetID); err == nil {
			return alreadyMember
		} else if !errors.Is(err, store.ErrNotFound) {
			return err
		}
		emailTaken := newErr(idc.KindConflict, ReasonInvalidEmail, "Another account of the organization has this email address.")
		if _, err := q.GetAccountByEmail(ctx, email); err == nil {
			return emailTaken
		} else if !errors.Is(err, store.ErrNotFound) {
			return err
		}
		r, err := root(ctx, q)
		if err != nil {
			return err
		}
		a := &idc.Account{
			ID: in.TargetID, OrganizationID: o.ID, ParentID: r.ID, Email: email, Name: name,
			Status: idc.AccountActive, JoinedMethod: idc.JoinedInvited, JoinedAt: now,
		}
		if err := q.CreateAccount(ctx, a); err != nil {
			return err
		}
		if len(in.Tags) > 0 {
			if err := q.PutTags(ctx, a.ID, in.Tags); err != nil {
				return err
			}
		}
		h = &idc.Handshake{
			ID: idc.NewHandshakeID(), OrganizationID: o.ID, Action: idc.HandshakeInvite, State: idc.HandshakeAccepted,
			TargetType: idc.PartyAccount, TargetID: in.TargetID, Notes: in.Notes,
			RequestedAt: now, ExpiresAt: now.Add(idc.HandshakeValidityDays * 24 * time.Hour),
		}
		return q.CreateHandshake(ctx, h)
	})
	return o, h, err
}

// DescribeHandshake returns a handshake (ReasonHandshakeNotFound, also
// before the organization exists).
func (s *Service) DescribeHandshake(ctx context.Context, id string) (*idc.Organization, *idc.Handshake, error) {
	errNotFound := notFound(ReasonHandshakeNotFound, ResourceHandshake, id, "We can't find a handshake with the HandshakeId that you specified.")
	o, err := s.st.GetOrganization(ctx)
	if errors.Is(err, store.ErrNotFound) {
		return nil, nil, errNotFound
	} else if err != nil {
		return nil, nil, fmt.Errorf("get organization: %w", err)
	}
	h, err := s.st.GetHandshake(ctx, id)
	if errors.Is(err, store.ErrNotFound) {
		return nil, nil, errNotFound
	} else if err != nil {
		return nil, nil, fmt.Errorf("get handshake: %w", err)
	}
	return o, h, nil
}

// ListHandshakes lists the organization's handshakes, ordered by id,
// optionally only those with an action or a parent handshake (idcenter's
// handshakes have none). ReasonFilterLimit when both filters are given.
func (s *Service) ListHandshakes(ctx context.Context, action, parentHandshakeID, after string, limit int) (List[*idc.Handshake], error) {
	if action != "" && parentHandshakeID != "" {
		return List[*idc.Handshake]{}, newErr(idc.KindInvalid, ReasonFilterLimit, "You can specify only one filter parameter for the operation.")
	}
	o, err := organization(ctx, s.st)
	if err != nil {
		return List[*idc.Handshake]{}, err
	}
	if parentHandshakeID != "" {
		return List[*idc.Handshake]{Org: o, Items: []*idc.Handshake{}}, nil
	}
	hs, err := s.st.ListHandshakes(ctx, action, page(after, limit))
	if err != nil {
		return List[*idc.Handshake]{}, fmt.Errorf("list handshakes: %w", err)
	}
	return finish(o, hs, limit, handshakeKey), nil
}
