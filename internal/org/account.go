package org

import (
	"context"
	"errors"
	"fmt"

	"github.com/idcenter/idcenter/internal/idc"
	"github.com/idcenter/idcenter/internal/store"
)

// CreateAccountInput is a CreateAccount request.
type CreateAccountInput struct {
	Email       string
	AccountName string
	Tags        []idc.Tag
}

// createAttempts bounds the retries of a CreateAccount whose insert lost a
// uniqueness race (a concurrent request with the same email, or a random
// account id that exists): the next attempt sees the winner and records
// EMAIL_ALREADY_EXISTS, or draws a new id.
const createAttempts = 3

// CreateAccount creates a member account under the root, with its tags, and
// records the request; both commit together. A request whose email is
// taken succeeds with a FAILED status (FailureReason EMAIL_ALREADY_EXISTS)
// and creates nothing else. See the package doc for why the returned status
// is already final.
func (s *Service) CreateAccount(ctx context.Context, in CreateAccountInput) (*idc.CreateAccountStatus, error) {
	if err := checkTags(in.Tags); err != nil {
		return nil, err
	}
	if len(in.Tags) > idc.MaxTags {
		return nil, errTagLimit()
	}
	var st *idc.CreateAccountStatus
	var err error
	for range createAttempts {
		st, err = s.createAccount(ctx, in)
		if !errors.Is(err, store.ErrDuplicate) {
			break
		}
	}
	if err != nil {
		return nil, wrap("create account", err)
	}
	return st, nil
}

func (s *Service) createAccount(ctx context.Context, in CreateAccountInput) (*idc.CreateAccountStatus, error) {
	now := s.timestamp()
	var st *idc.CreateAccountStatus
	err := s.st.Tx(ctx, func(q store.Queries) error {
		o, err := organization(ctx, q)
		if err != nil {
			return err
		}
		st = &idc.CreateAccountStatus{
			ID: idc.NewCreateAccountRequestID(), OrganizationID: o.ID, AccountName: in.AccountName,
			RequestedAt: now, CompletedAt: now,
		}
		if _, err := q.GetAccountByEmail(ctx, in.Email); err == nil {
			st.State, st.FailureReason = idc.CreateAccountFailed, idc.FailureEmailAlreadyExists
			return q.CreateCreateAccountStatus(ctx, st)
		} else if !errors.Is(err, store.ErrNotFound) {
			return err
		}
		r, err := root(ctx, q)
		if err != nil {
			return err
		}
		a := &idc.Account{
			ID: idc.NewAccountID(), OrganizationID: o.ID, ParentID: r.ID, Email: in.Email, Name: in.AccountName,
			Status: idc.AccountActive, JoinedMethod: idc.JoinedCreated, JoinedAt: now,
		}
		if err := q.CreateAccount(ctx, a); err != nil {
			return err
		}
		if len(in.Tags) > 0 {
			if err := q.PutTags(ctx, a.ID, in.Tags); err != nil {
				return err
			}
		}
		st.State, st.AccountID = idc.CreateAccountSucceeded, a.ID
		return q.CreateCreateAccountStatus(ctx, st)
	})
	return st, err
}

// DescribeCreateAccountStatus returns a CreateAccount request's status
// (ReasonCreateAccountStatusNotFound).
func (s *Service) DescribeCreateAccountStatus(ctx context.Context, id string) (*idc.CreateAccountStatus, error) {
	if _, err := organization(ctx, s.st); err != nil {
		return nil, err
	}
	st, err := s.st.GetCreateAccountStatus(ctx, id)
	if errors.Is(err, store.ErrNotFound) {
		return nil, notFound(ReasonCreateAccountStatusNotFound, ResourceCreateAccountStatus, id,
			"We can't find a create account request with the CreateAccountRequestId that you specified.")
	}
	return st, wrap("describe create account status", err)
}

// ListCreateAccountStatus lists CreateAccount requests in any of states
// (all when empty), ordered by id.
func (s *Service) ListCreateAccountStatus(ctx context.Context, states []string, after string, limit int) (List[*idc.CreateAccountStatus], error) {
	o, err := organization(ctx, s.st)
	if err != nil {
		return List[*idc.CreateAccountStatus]{}, err
	}
	sts, err := s.st.ListCreateAccountStatuses(ctx, states, page(after, limit))
	if err != nil {
		return List[*idc.CreateAccountStatus]{}, fmt.Errorf("list create account statuses: %w", err)
	}
	return finish(o, sts, limit, statusKey), nil
}

// DescribeAccount returns a member account (ReasonAccountNotFound).
func (s *Service) DescribeAccount(ctx context.Context, id string) (*idc.Organization, *idc.Account, error) {
	o, err := organization(ctx, s.st)
	if err != nil {
		return nil, nil, err
	}
	a, err := getAccount(ctx, s.st, id)
	if err != nil {
		return nil, nil, err
	}
	return o, a, nil
}

func getAccount(ctx context.Context, q store.Queries, id string) (*idc.Account, error) {
	a, err := q.GetAccount(ctx, id)
	if errors.Is(err, store.ErrNotFound) {
		return nil, errAccountNotFound(id)
	}
	if err != nil {
		return nil, fmt.Errorf("get account: %w", err)
	}
	return a, nil
}

// ListAccounts lists every account of the organization, ordered by id.
func (s *Service) ListAccounts(ctx context.Context, after string, limit int) (List[*idc.Account], error) {
	o, err := organization(ctx, s.st)
	if err != nil {
		return List[*idc.Account]{}, err
	}
	as, err := s.st.ListAccounts(ctx, page(after, limit))
	if err != nil {
		return List[*idc.Account]{}, fmt.Errorf("list accounts: %w", err)
	}
	return finish(o, as, limit, accountKey), nil
}

// ListAccountsForParent lists the accounts directly under a root or OU
// (ReasonParentNotFound), ordered by id.
func (s *Service) ListAccountsForParent(ctx context.Context, parentID string, after string, limit int) (List[*idc.Account], error) {
	o, err := organization(ctx, s.st)
	if err != nil {
		return List[*idc.Account]{}, err
	}
	if _, err := getParent(ctx, s.st, ReasonParentNotFound, parentID); err != nil {
		return List[*idc.Account]{}, err
	}
	as, err := s.st.ListAccountsForParent(ctx, parentID, page(after, limit))
	if err != nil {
		return List[*idc.Account]{}, fmt.Errorf("list accounts for parent: %w", err)
	}
	return finish(o, as, limit, accountKey), nil
}

// MoveAccount moves an account from the root or OU it is in to another.
// ReasonAccountNotFound; ReasonSourceParentNotFound when the source does
// not exist or does not hold the account; ReasonDestinationParentNotFound;
// ReasonDuplicateAccount when the account is already in the destination.
func (s *Service) MoveAccount(ctx context.Context, accountID, sourceParentID, destinationParentID string) error {
	err := s.st.Tx(ctx, func(q store.Queries) error {
		if _, err := organization(ctx, q); err != nil {
			return err
		}
		a, err := getAccount(ctx, q, accountID)
		if err != nil {
			return err
		}
		if _, err := getParent(ctx, q, ReasonSourceParentNotFound, sourceParentID); err != nil {
			return err
		}
		if _, err := getParent(ctx, q, ReasonDestinationParentNotFound, destinationParentID); err != nil {
			return err
		}
		if a.ParentID != sourceParentID {
			return errParentNotFound(ReasonSourceParentNotFound, sourceParentID)
		}
		if a.ParentID == destinationParentID {
			return newErr(idc.KindConflict, ReasonDuplicateAccount, "That account is already present in the specified destination.")
		}
		err = q.MoveAccount(ctx, accountID, sourceParentID, destinationParentID)
		switch {
		case errors.Is(err, store.ErrNotFound):
			return errParentNotFound(ReasonSourceParentNotFound, sourceParentID)
		case errors.Is(err, store.ErrReferenced):
			return errParentNotFound(ReasonDestinationParentNotFound, destinationParentID)
		}
		return err
	})
	return wrap("move account", err)
}

// RemoveAccountFromOrganization removes a member account and its tags
// (ReasonAccountNotFound; ReasonManagementCannotLeave for the management
// account).
func (s *Service) RemoveAccountFromOrganization(ctx context.Context, accountID string) error {
	err := s.st.Tx(ctx, func(q store.Queries) error {
		o, err := organization(ctx, q)
		if err != nil {
			return err
		}
		if _, err := getAccount(ctx, q, accountID); err != nil {
			return err
		}
		if accountID == o.ManagementAccountID {
			return newErr(idc.KindInvalid, ReasonManagementCannotLeave,
				"You can't remove the management account from the organization. Instead, after you remove all member accounts, delete the organization itself.")
		}
		if err := q.DeleteAccount(ctx, accountID); errors.Is(err, store.ErrNotFound) {
			return errAccountNotFound(accountID)
		} else if err != nil {
			return err
		}
		return nil
	})
	return wrap("remove account", err)
}

// CloseAccount closes a member account: it becomes SUSPENDED at once and
// stays in the organization. ReasonAccountNotFound;
// ReasonCannotCloseManagement; ReasonAccountAlreadyClosed when it is not
// ACTIVE.
func (s *Service) CloseAccount(ctx context.Context, accountID string) error {
	err := s.st.Tx(ctx, func(q store.Queries) error {
		o, err := organization(ctx, q)
		if err != nil {
			return err
		}
		a, err := getAccount(ctx, q, accountID)
		if err != nil {
			return err
		}
		if accountID == o.ManagementAccountID {
			return newErr(idc.KindInvalid, ReasonCannotCloseManagement, "You can't close the management account with this API.")
		}
		if a.Status != idc.AccountActive {
			return newErr(idc.KindConflict, ReasonAccountAlreadyClosed, "You attempted to close an account that is already closed.")
		}
		return q.SetAccountStatus(ctx, accountID, idc.AccountSuspended)
	})
	return wrap("close account", err)
}
