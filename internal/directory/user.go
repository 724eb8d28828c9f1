package directory

import (
	"context"
	"encoding/json"
	"errors"
	"strings"

	"github.com/idcenter/idcenter/internal/idc"
	"github.com/idcenter/idcenter/internal/store"
)

// Filter is the deprecated Filters member of ListUsers and ListGroups: an
// exact match of one attribute ("UserName" for users, "DisplayName" for
// groups), compared regardless of case.
type Filter struct {
	AttributePath  string
	AttributeValue string
}

// AlternateIdentifier names a user or group other than by its id: by an
// external id, or by a unique attribute ("userName" or "emails.value" for
// users, "displayName" for groups) whose Value is a JSON string. Exactly one
// of the two is set.
type AlternateIdentifier struct {
	ExternalID      *idc.ExternalID
	UniqueAttribute *UniqueAttribute
}

// UniqueAttribute is an attribute path and its JSON value.
type UniqueAttribute struct {
	Path  string
	Value json.RawMessage
}

func cloneUser(u *idc.User) *idc.User {
	c := *u
	c.ExternalIDs = append([]idc.ExternalID(nil), u.ExternalIDs...)
	// The attributes are plain data with a faithful JSON form.
	b, err := json.Marshal(&u.Attrs)
	if err == nil {
		c.Attrs = idc.UserAttrs{}
		err = json.Unmarshal(b, &c.Attrs)
	}
	if err != nil {
		panic("directory: user attributes do not round-trip through JSON: " + err.Error())
	}
	return &c
}

func userConflict(u *idc.User) *idc.Error {
	if len(u.ExternalIDs) > 0 {
		return conflict("Duplicate UserName or ExternalId: another user of the identity store already has it.")
	}
	return conflict("Duplicate UserName: another user of the identity store already has it.")
}

const userQuotaMessage = "The identity store holds the maximum number of users."

// CreateUser creates a user from in: IdentityStoreID, UserName, Attrs and
// optionally Status (default ENABLED) and ExternalIDs. It assigns the id and
// the created/updated fields (the actor is idc.ActorName(ctx)) and returns the
// stored user.
//
// Errors: not found (identity store); invalid (a required attribute is
// missing, a reserved name, a malformed value, an unsupported extension);
// conflict (the user name, regardless of case, or an external id is taken);
// quota exceeded (the identity store holds its maximum of users).
func (s *Service) CreateUser(ctx context.Context, in *idc.User) (*idc.User, error) {
	if err := s.CheckIdentityStore(ctx, in.IdentityStoreID); err != nil {
		return nil, err
	}
	u := cloneUser(in)
	u.UserID = idc.NewResourceID(u.IdentityStoreID)
	if u.Status == "" {
		u.Status = idc.UserEnabled
	}
	now, actor := s.timestamp(), idc.ActorName(ctx)
	u.CreatedAt, u.UpdatedAt, u.CreatedBy, u.UpdatedBy = now, now, actor, actor
	if err := validateUser(u); err != nil {
		return nil, err
	}
	err := s.st.Tx(ctx, func(q store.Queries) error { return q.CreateUser(ctx, u, s.maxUsers) })
	if err := s.writeErr(err, u.IdentityStoreID, userConflict(u), userQuotaMessage); err != nil {
		return nil, err
	}
	return u, nil
}

// GetUser returns a user (not found: identity store or user).
func (s *Service) GetUser(ctx context.Context, identityStoreID, userID string) (*idc.User, error) {
	if err := s.CheckIdentityStore(ctx, identityStoreID); err != nil {
		return nil, err
	}
	u, err := s.st.GetUser(ctx, identityStoreID, userID)
	if errors.Is(err, store.ErrNotFound) {
		return nil, userNotFound(userID)
	}
	return u, err
}

// UpdateUser applies ops, in order, to a copy of a user, checks the result
// as CreateUser would, and stores it with UpdatedAt/UpdatedBy bumped, all in
// one transaction: when any operation or the result is invalid, nothing
// changes.
//
// Errors: not found (identity store or user); invalid (an unsupported path,
// a value of the wrong type, removing a required attribute, an invalid
// result); conflict (the new user name is taken).
func (s *Service) UpdateUser(ctx context.Context, identityStoreID, userID string, ops []Operation) error {
	if err := s.CheckIdentityStore(ctx, identityStoreID); err != nil {
		return err
	}
	fs, rerr := resolve(ops, userOperation)
	if rerr != nil {
		return rerr
	}
	var next *idc.User
	err := s.st.Tx(ctx, func(q store.Queries) error {
		u, err := q.GetUserForUpdate(ctx, identityStoreID, userID)
		if errors.Is(err, store.ErrNotFound) {
			return userNotFound(userID)
		}
		if err != nil {
			return err
		}
		next = cloneUser(u)
		for i, f := range fs {
			if err := f(next, ops[i]); err != nil {
				return err
			}
		}
		if err := validateUser(next); err != nil {
			return err
		}
		next.UpdatedAt, next.UpdatedBy = s.timestamp(), idc.ActorName(ctx)
		return q.UpdateUser(ctx, next)
	})
	if errors.Is(err, store.ErrNotFound) {
		return userNotFound(userID)
	}
	if err != nil && next != nil {
		return s.writeErr(err, identityStoreID, userConflict(next), userQuotaMessage)
	}
	return err
}

// DeleteUser deletes a user and its group memberships (not found: identity
// store or user).
func (s *Service) DeleteUser(ctx context.Context, identityStoreID, userID string) error {
	if err := s.CheckIdentityStore(ctx, identityStoreID); err != nil {
		return err
	}
	err := s.st.Tx(ctx, func(q store.Queries) error { return q.DeleteUser(ctx, identityStoreID, userID) })
	if errors.Is(err, store.ErrNotFound) {
		return userNotFound(userID)
	}
	return err
}

// ListUsers returns one page of users ordered by id, and the cursor of the
// next page ("" after the last). With a filter (at most one, on
// "UserName"), it returns the matching user if any and no cursor.
func (s *Service) ListUsers(ctx context.Context, identityStoreID string, filters []Filter, p Page) ([]*idc.User, string, error) {
	if err := s.CheckIdentityStore(ctx, identityStoreID); err != nil {
		return nil, "", err
	}
	if len(filters) > 0 {
		f, ferr := oneFilter(filters, "UserName")
		if ferr != nil {
			return nil, "", ferr
		}
		u, err := s.st.GetUserByName(ctx, identityStoreID, f.AttributeValue)
		if errors.Is(err, store.ErrNotFound) {
			return nil, "", nil
		}
		if err != nil {
			return nil, "", err
		}
		return []*idc.User{u}, "", nil
	}
	n := p.size()
	users, err := s.st.ListUsers(ctx, identityStoreID, store.Page{After: p.After, Limit: n + 1})
	if err != nil {
		return nil, "", err
	}
	if len(users) > n {
		users = users[:n]
		return users, users[n-1].UserID, nil
	}
	return users, "", nil
}

func oneFilter(filters []Filter, path string) (Filter, *idc.Error) {
	if len(filters) != 1 {
		return Filter{}, idc.Invalidf("Filters must hold at most one filter.")
	}
	f := filters[0]
	if !strings.EqualFold(f.AttributePath, path) {
		return Filter{}, idc.Invalidf("Filter AttributePath %s is not supported; use %s.", f.AttributePath, path)
	}
	if f.AttributeValue == "" {
		return Filter{}, idc.Invalidf("Filter AttributeValue must not be empty.")
	}
	return f, nil
}

// GetUserID returns the id of the user an alternate identifier names: an
// external id, or the unique attribute "userName" (regardless of case) or
// "emails.value" (the primary email, regardless of case).
//
// Errors: not found (identity store or user); invalid (any other path, or a
// value that is not a non-empty JSON string).
func (s *Service) GetUserID(ctx context.Context, identityStoreID string, alt AlternateIdentifier) (string, error) {
	if err := s.CheckIdentityStore(ctx, identityStoreID); err != nil {
		return "", err
	}
	var id string
	var err error
	switch {
	case alt.ExternalID != nil && alt.UniqueAttribute == nil:
		id, err = s.st.GetUserIDByExternalID(ctx, identityStoreID, *alt.ExternalID)
	case alt.UniqueAttribute != nil && alt.ExternalID == nil:
		ua := alt.UniqueAttribute
		path := strings.ToLower(ua.Path)
		if path != "username" && path != "emails.value" {
			return "", idc.Invalidf("AttributePath %s is not supported; use userName or emails.value.", ua.Path)
		}
		v, derr := decodeString(ua.Path, ua.Value)
		if derr != nil {
			return "", derr
		}
		if path == "emails.value" {
			id, err = s.st.GetUserIDByEmail(ctx, identityStoreID, v)
			break
		}
		var u *idc.User
		if u, err = s.st.GetUserByName(ctx, identityStoreID, v); err == nil {
			id = u.UserID
		}
	default:
		return "", idc.Invalidf("AlternateIdentifier must hold exactly one of ExternalId and UniqueAttribute.")
	}
	if errors.Is(err, store.ErrNotFound) {
		return "", idc.NotFound(ResourceUser, "", "No user matches the alternate identifier.")
	}
	return id, err
}
