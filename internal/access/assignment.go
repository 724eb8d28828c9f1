package access

import (
	"context"
	"crypto/rand"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"time"

	"github.com/idcenter/idcenter/internal/idc"
	"github.com/idcenter/idcenter/internal/store"
)

// AssignmentInput names an account assignment: a principal, a permission
// set and a target account of an instance.
type AssignmentInput struct {
	InstanceARN      string
	AccountID        string
	PermissionSetARN string
	PrincipalType    string // idc.PrincipalUser or idc.PrincipalGroup
	PrincipalID      string
}

// failure reasons recorded in FAILED statuses, worded as AWS words them.
func reasonPrincipalNotFound(typ, id, identityStoreID string) string {
	return fmt.Sprintf("Received a 404 status error: the %s assignee %s was not found in directory %s", typ, id, identityStoreID)
}

func reasonAccountNotFound(id string) string {
	return fmt.Sprintf("Received a 404 status error: AWS account %s was not found in the organization", id)
}

func reasonAssignmentNotFound() string {
	return "Received a 404 status error: The specified account assignment does not exist"
}

// requestID returns a new request id: a UUID, as AWS's are, of version 7
// (RFC 9562), whose first 48 bits are the Unix time in milliseconds, so
// that statuses are stored in time order (migration 0009) and list in the
// order they were made.
func requestID(now time.Time) string {
	var b [16]byte
	if _, err := rand.Read(b[6:]); err != nil {
		panic(err)
	}
	binary.BigEndian.PutUint64(b[:8], uint64(now.UnixMilli())<<16|uint64(binary.BigEndian.Uint16(b[6:8])))
	b[6] = b[6]&0x0f | 0x70
	b[8] = b[8]&0x3f | 0x80
	h := hex.EncodeToString(b[:])
	return h[0:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:32]
}

func (s *Service) status(in AssignmentInput, kind string) *idc.OperationStatus {
	now := s.timestamp()
	return &idc.OperationStatus{
		RequestID:        requestID(now),
		InstanceARN:      in.InstanceARN,
		Kind:             kind,
		Status:           idc.StatusSucceeded,
		AccountID:        in.AccountID,
		PermissionSetARN: in.PermissionSetARN,
		PrincipalType:    in.PrincipalType,
		PrincipalID:      in.PrincipalID,
		CreatedAt:        now,
	}
}

// principalReason checks that the principal exists in the identity store
// and returns the failure reason when it does not.
func principalReason(ctx context.Context, q store.Queries, identityStoreID, typ, id string) (string, error) {
	var err error
	if typ == idc.PrincipalUser {
		_, err = q.GetUser(ctx, identityStoreID, id)
	} else {
		_, err = q.GetGroup(ctx, identityStoreID, id)
	}
	if errors.Is(err, store.ErrNotFound) {
		return reasonPrincipalNotFound(typ, id, identityStoreID), nil
	}
	return "", err
}

func accountReason(ctx context.Context, q store.Queries, id string) (string, error) {
	_, err := q.GetAccount(ctx, id)
	if errors.Is(err, store.ErrNotFound) {
		return reasonAccountNotFound(id), nil
	}
	return "", err
}

// CreateAssignment assigns a permission set to a principal in an account,
// provisioning the permission set to the account if it is not yet, as AWS
// does. It returns the recorded status: SUCCEEDED (also when the assignment
// already existed) or FAILED with AWS's reason when the principal or the
// account does not exist. KindNotFound for an unknown instance or
// permission set.
//
// The happy path is one store call, a transaction of its own
// (CreateAssignmentIfProvisioned: one statement on PostgreSQL, two in
// process on SQLite): the insert's foreign keys check the principal, the
// account and the permission set, the last through the pair's provisioned
// role on PostgreSQL, whose key check holds the role against a concurrent
// deprovisioning. Which instance a permission set belongs to never
// changes, so it is checked against a memory of earlier answers
// (assignable); a permission set deleted since fails the insert like any
// missing reference. Only a first assignment of a pair reads the
// permission set to provision it, and only a refused insert looks up which
// reference was missing, to word the failure.
func (s *Service) CreateAssignment(ctx context.Context, in AssignmentInput) (*idc.OperationStatus, error) {
	st := s.status(in, idc.OpCreateAssignment)
	storeID, err := s.assignable(ctx, in.InstanceARN, in.PermissionSetARN)
	if err != nil {
		return nil, err
	}
	a := &idc.Assignment{
		InstanceARN: in.InstanceARN, IdentityStoreID: storeID, AccountID: in.AccountID,
		PermissionSetARN: in.PermissionSetARN, PrincipalType: in.PrincipalType, PrincipalID: in.PrincipalID,
		CreatedAt: st.CreatedAt,
	}
	done, err := s.st.CreateAssignmentIfProvisioned(ctx, a, st)
	if err == nil && !done {
		err = s.st.Tx(ctx, func(q store.Queries) error {
			st.Status, st.FailureReason = idc.StatusSucceeded, ""
			ps, err := permissionSet(ctx, q, in.InstanceARN, in.PermissionSetARN, false)
			if err != nil {
				return err
			}
			if err := s.ensureProvisioned(ctx, q, ps, in.AccountID); err != nil {
				return err
			}
			if _, err := q.CreateAssignment(ctx, a); err != nil {
				return fmt.Errorf("create assignment: %w", err)
			}
			return q.CreateOperationStatus(ctx, st)
		})
	}
	if errors.Is(err, store.ErrReferenced) {
		// The permission set, the principal or the account does not exist;
		// the insert rolled back. Find which, and record the failure (a
		// missing permission set is the request's error, as before it).
		err = s.st.Tx(ctx, func(q store.Queries) error {
			if _, err := permissionSet(ctx, q, in.InstanceARN, in.PermissionSetARN, false); err != nil {
				return err
			}
			failed, err := principalReason(ctx, q, storeID, in.PrincipalType, in.PrincipalID)
			if err == nil && failed == "" {
				failed, err = accountReason(ctx, q, in.AccountID)
			}
			if err == nil && failed == "" {
				failed = "Received a 404 status error: the principal or the account no longer exists"
			}
			return failStatus(ctx, q, st, failed, err)
		})
	}
	if err != nil {
		return nil, err
	}
	return st, nil
}

// assignable checks that a permission set belongs to an instance and
// returns the instance's identity store. A permission set's instance never
// changes, so a confirmed pairing is remembered; that the permission set
// still exists is for the caller's insert to check.
func (s *Service) assignable(ctx context.Context, instanceARN, psARN string) (string, error) {
	if in, ok := s.psInstances.Load(psARN); !ok || in.(string) != instanceARN {
		if _, err := permissionSet(ctx, s.st, instanceARN, psARN, false); err != nil {
			return "", err
		}
		s.psInstances.Store(psARN, instanceARN)
	}
	return s.identityStore(ctx, s.st, instanceARN)
}

// identityStore returns the identity store of an instance. The pairing
// never changes, so it is remembered.
func (s *Service) identityStore(ctx context.Context, q store.Queries, instanceARN string) (string, error) {
	if id, ok := s.stores.Load(instanceARN); ok {
		return id.(string), nil
	}
	in, err := instance(ctx, q, instanceARN)
	if err != nil {
		return "", err
	}
	s.stores.Store(instanceARN, in.IdentityStoreID)
	return in.IdentityStoreID, nil
}

// failStatus records st as FAILED with reason in the request's
// transaction, unless err is set.
func failStatus(ctx context.Context, q store.Queries, st *idc.OperationStatus, reason string, err error) error {
	if err != nil {
		return err
	}
	st.Status, st.FailureReason = idc.StatusFailed, reason
	return q.CreateOperationStatus(ctx, st)
}

// DeleteAssignment removes an account assignment; when it was the last one
// of its permission set in the account, the permission set is
// deprovisioned from the account, as AWS does. It returns the recorded
// status (FAILED when the assignment does not exist). KindNotFound for an
// unknown instance or permission set.
func (s *Service) DeleteAssignment(ctx context.Context, in AssignmentInput) (*idc.OperationStatus, error) {
	st := s.status(in, idc.OpDeleteAssignment)
	err := s.st.Tx(ctx, func(q store.Queries) error {
		st.Status, st.FailureReason = idc.StatusSucceeded, ""
		if _, err := permissionSet(ctx, q, in.InstanceARN, in.PermissionSetARN, false); err != nil {
			return err
		}
		// Lock the pair's role first, against creates of the pair too, so
		// that the count of its remaining assignments below includes every
		// create that got in first, and the creates that come after wait
		// and then see whether the role is still there.
		if err := q.LockProvisionedRoleExclusive(ctx, in.PermissionSetARN, in.AccountID); err != nil && !errors.Is(err, store.ErrNotFound) {
			return err
		}
		err := q.DeleteAssignment(ctx, &idc.Assignment{AccountID: in.AccountID, PermissionSetARN: in.PermissionSetARN, PrincipalType: in.PrincipalType, PrincipalID: in.PrincipalID})
		if errors.Is(err, store.ErrNotFound) {
			inst, ierr := q.GetInstance(ctx, in.InstanceARN)
			if ierr != nil {
				return ierr
			}
			failed, err := principalReason(ctx, q, inst.IdentityStoreID, in.PrincipalType, in.PrincipalID)
			if failed == "" {
				failed = reasonAssignmentNotFound()
			}
			return failStatus(ctx, q, st, failed, err)
		}
		if err != nil {
			return fmt.Errorf("delete assignment: %w", err)
		}
		more, err := q.HasAssignments(ctx, in.PermissionSetARN, in.AccountID)
		if err != nil {
			return err
		}
		if !more {
			if err := q.DeleteProvisionedRole(ctx, in.PermissionSetARN, in.AccountID); err != nil && !errors.Is(err, store.ErrNotFound) {
				return err
			}
		}
		return q.CreateOperationStatus(ctx, st)
	})
	if err != nil {
		return nil, err
	}
	return st, nil
}

// RequestStatus returns the status of a CreateAssignment (kind
// idc.OpCreateAssignment) or DeleteAssignment (idc.OpDeleteAssignment)
// request, or of a provisioning (idc.OpProvision). KindNotFound.
func (s *Service) RequestStatus(ctx context.Context, instanceARN, kind, requestID string) (*idc.OperationStatus, error) {
	st, err := s.st.GetOperationStatus(ctx, instanceARN, kind, requestID)
	if errors.Is(err, store.ErrNotFound) {
		if _, err := instance(ctx, s.st, instanceARN); err != nil {
			return nil, err
		}
		return nil, idc.NotFound("REQUEST", requestID, "Request %s does not exist.", requestID)
	}
	return st, err
}

// ListStatuses lists the requests of a kind in an instance, optionally only
// those in status ("" = all), ordered by request id.
func (s *Service) ListStatuses(ctx context.Context, instanceARN, kind, status, after string, limit int) (Page[*idc.OperationStatus], error) {
	if _, err := instance(ctx, s.st, instanceARN); err != nil {
		return Page[*idc.OperationStatus]{}, err
	}
	return list(after, limit, func(p store.Page) ([]*idc.OperationStatus, error) {
		return s.st.ListOperationStatuses(ctx, instanceARN, kind, status, p)
	}, func(o *idc.OperationStatus) string { return o.RequestID })
}

// ListAssignments lists the assignments of a permission set in an account
// ordered by principal, with only their keys (account, permission set,
// principal) set: what ListAccountAssignments shows, read from the primary
// key alone. KindNotFound for an unknown instance or permission set.
func (s *Service) ListAssignments(ctx context.Context, instanceARN, accountID, psARN, after string, limit int) (Page[*idc.Assignment], error) {
	if _, err := permissionSet(ctx, s.st, instanceARN, psARN, false); err != nil {
		return Page[*idc.Assignment]{}, err
	}
	return list(after, limit, func(p store.Page) ([]*idc.Assignment, error) {
		return s.st.ListAssignmentKeys(ctx, accountID, psARN, p)
	}, store.AssignmentCursor)
}

// ListAssignmentsForPrincipal lists a principal's assignments in an
// instance (only in accountID unless ""), ordered by account and
// permission set. KindNotFound for an unknown instance.
func (s *Service) ListAssignmentsForPrincipal(ctx context.Context, instanceARN, principalType, principalID, accountID, after string, limit int) (Page[*idc.Assignment], error) {
	if _, err := instance(ctx, s.st, instanceARN); err != nil {
		return Page[*idc.Assignment]{}, err
	}
	return list(after, limit, func(p store.Page) ([]*idc.Assignment, error) {
		return s.st.ListAssignmentsForPrincipal(ctx, instanceARN, principalType, principalID, accountID, p)
	}, store.PrincipalAssignmentCursor)
}
