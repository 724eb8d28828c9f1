package ssoadmin

import (
	"context"

	"github.com/idcenter/idcenter/internal/access"
	"github.com/idcenter/idcenter/internal/awsproto"
	"github.com/idcenter/idcenter/internal/idc"
	"github.com/idcenter/idcenter/internal/store"
)

// assignmentStatusOut renders a recorded status. The answer to the request
// that started the work says IN_PROGRESS, as AWS's does (live is false for
// the Describe…Status operations, which show the recorded outcome).
func assignmentStatusOut(st *idc.OperationStatus, live bool) *AccountAssignmentOperationStatus {
	status := st.Status
	reason := st.FailureReason
	if live {
		status, reason = idc.StatusInProgress, ""
	}
	return &AccountAssignmentOperationStatus{
		Status:           status,
		RequestId:        st.RequestID,
		FailureReason:    reason,
		TargetId:         st.AccountID,
		TargetType:       idc.TargetAWSAccount,
		PermissionSetArn: st.PermissionSetARN,
		PrincipalType:    st.PrincipalType,
		PrincipalId:      st.PrincipalID,
		CreatedDate:      awsproto.TimePtr(st.CreatedAt),
	}
}

// CreateAccountAssignment answers sso-admin CreateAccountAssignment.
func (h *handlers) CreateAccountAssignment(ctx context.Context, in *CreateAccountAssignmentRequest) (*CreateAccountAssignmentResponse, error) {
	st, err := h.svc.CreateAssignment(ctx, access.AssignmentInput{
		InstanceARN: in.InstanceArn, AccountID: in.TargetId, PermissionSetARN: in.PermissionSetArn,
		PrincipalType: in.PrincipalType, PrincipalID: in.PrincipalId,
	})
	if err != nil {
		return nil, err
	}
	return &CreateAccountAssignmentResponse{AccountAssignmentCreationStatus: assignmentStatusOut(st, true)}, nil
}

// DeleteAccountAssignment answers sso-admin DeleteAccountAssignment.
func (h *handlers) DeleteAccountAssignment(ctx context.Context, in *DeleteAccountAssignmentRequest) (*DeleteAccountAssignmentResponse, error) {
	st, err := h.svc.DeleteAssignment(ctx, access.AssignmentInput{
		InstanceARN: in.InstanceArn, AccountID: in.TargetId, PermissionSetARN: in.PermissionSetArn,
		PrincipalType: in.PrincipalType, PrincipalID: in.PrincipalId,
	})
	if err != nil {
		return nil, err
	}
	return &DeleteAccountAssignmentResponse{AccountAssignmentDeletionStatus: assignmentStatusOut(st, true)}, nil
}

// DescribeAccountAssignmentCreationStatus answers the sso-admin operation of
// that name.
func (h *handlers) DescribeAccountAssignmentCreationStatus(ctx context.Context, in *DescribeAccountAssignmentCreationStatusRequest) (*DescribeAccountAssignmentCreationStatusResponse, error) {
	st, err := h.svc.RequestStatus(ctx, in.InstanceArn, idc.OpCreateAssignment, in.AccountAssignmentCreationRequestId)
	if err != nil {
		return nil, err
	}
	return &DescribeAccountAssignmentCreationStatusResponse{AccountAssignmentCreationStatus: assignmentStatusOut(st, false)}, nil
}

// DescribeAccountAssignmentDeletionStatus answers the sso-admin operation of
// that name.
func (h *handlers) DescribeAccountAssignmentDeletionStatus(ctx context.Context, in *DescribeAccountAssignmentDeletionStatusRequest) (*DescribeAccountAssignmentDeletionStatusResponse, error) {
	st, err := h.svc.RequestStatus(ctx, in.InstanceArn, idc.OpDeleteAssignment, in.AccountAssignmentDeletionRequestId)
	if err != nil {
		return nil, err
	}
	return &DescribeAccountAssignmentDeletionStatusResponse{AccountAssignmentDeletionStatus: assignmentStatusOut(st, false)}, nil
}

func statusFilter(f *OperationStatusFilter) string {
	if f == nil {
		return ""
	}
	return f.Status
}

// listStatuses lists the statuses of one kind as metadata.
func (h *handlers) listStatuses(ctx context.Context, kind, instanceARN string, filter *OperationStatusFilter, maxResults *int32, token string) ([]AccountAssignmentOperationStatusMetadata, string, error) {
	status := statusFilter(filter)
	scope := "sso-admin/List" + kind + "/" + instanceARN + "/" + status
	after, err := h.cursor(scope, token)
	if err != nil {
		return nil, "", err
	}
	p, err := h.svc.ListStatuses(ctx, instanceARN, kind, status, after, limit(maxResults))
	if err != nil {
		return nil, "", err
	}
	out := []AccountAssignmentOperationStatusMetadata{}
	for _, st := range p.Items {
		out = append(out, AccountAssignmentOperationStatusMetadata{Status: st.Status, RequestId: st.RequestID, CreatedDate: awsproto.TimePtr(st.CreatedAt)})
	}
	return out, h.next(scope, p.Next), nil
}

// ListAccountAssignmentCreationStatus answers the sso-admin operation of
// that name.
func (h *handlers) ListAccountAssignmentCreationStatus(ctx context.Context, in *ListAccountAssignmentCreationStatusRequest) (*ListAccountAssignmentCreationStatusResponse, error) {
	list, next, err := h.listStatuses(ctx, idc.OpCreateAssignment, in.InstanceArn, in.Filter, in.MaxResults, in.NextToken)
	if err != nil {
		return nil, err
	}
	return &ListAccountAssignmentCreationStatusResponse{AccountAssignmentsCreationStatus: list, NextToken: next}, nil
}

// ListAccountAssignmentDeletionStatus answers the sso-admin operation of
// that name.
func (h *handlers) ListAccountAssignmentDeletionStatus(ctx context.Context, in *ListAccountAssignmentDeletionStatusRequest) (*ListAccountAssignmentDeletionStatusResponse, error) {
	list, next, err := h.listStatuses(ctx, idc.OpDeleteAssignment, in.InstanceArn, in.Filter, in.MaxResults, in.NextToken)
	if err != nil {
		return nil, err
	}
	return &ListAccountAssignmentDeletionStatusResponse{AccountAssignmentsDeletionStatus: list, NextToken: next}, nil
}

// ListAccountAssignments answers sso-admin ListAccountAssignments.
func (h *handlers) ListAccountAssignments(ctx context.Context, in *ListAccountAssignmentsRequest) (*ListAccountAssignmentsResponse, error) {
	scope := "sso-admin/ListAccountAssignments/" + in.AccountId + "/" + in.PermissionSetArn
	after, err := h.cursor(scope, in.NextToken)
	if err != nil {
		return nil, err
	}
	p, err := h.svc.ListAssignments(ctx, in.InstanceArn, in.AccountId, in.PermissionSetArn, after, limit(in.MaxResults))
	if err != nil {
		return nil, err
	}
	out := &ListAccountAssignmentsResponse{AccountAssignments: []AccountAssignment{}, NextToken: h.next(scope, p.Next)}
	for _, a := range p.Items {
		out.AccountAssignments = append(out.AccountAssignments, AccountAssignment{
			AccountId: a.AccountID, PermissionSetArn: a.PermissionSetARN, PrincipalType: a.PrincipalType, PrincipalId: a.PrincipalID,
		})
	}
	return out, nil
}

// ListAccountAssignmentsForPrincipal answers the sso-admin operation of that
// name.
func (h *handlers) ListAccountAssignmentsForPrincipal(ctx context.Context, in *ListAccountAssignmentsForPrincipalRequest) (*ListAccountAssignmentsForPrincipalResponse, error) {
	account := ""
	if in.Filter != nil {
		account = in.Filter.AccountId
	}
	scope := "sso-admin/ListAccountAssignmentsForPrincipal/" + in.InstanceArn + "/" + in.PrincipalType + "/" + in.PrincipalId + "/" + account
	after, err := h.cursor(scope, in.NextToken)
	if err != nil {
		return nil, err
	}
	p, err := h.svc.ListAssignmentsForPrincipal(ctx, in.InstanceArn, in.PrincipalType, in.PrincipalId, account, after, limit(in.MaxResults))
	if err != nil {
		return nil, err
	}
	out := &ListAccountAssignmentsForPrincipalResponse{AccountAssignments: []AccountAssignmentForPrincipal{}, NextToken: h.next(scope, p.Next)}
	for _, a := range p.Items {
		out.AccountAssignments = append(out.AccountAssignments, AccountAssignmentForPrincipal{
			AccountId: a.AccountID, PermissionSetArn: a.PermissionSetARN, PrincipalType: a.PrincipalType, PrincipalId: a.PrincipalID,
		})
	}
	return out, nil
}

// ListPermissionSetsProvisionedToAccount answers the sso-admin operation of
// that name.
func (h *handlers) ListPermissionSetsProvisionedToAccount(ctx context.Context, in *ListPermissionSetsProvisionedToAccountRequest) (*ListPermissionSetsProvisionedToAccountResponse, error) {
	scope := "sso-admin/ListPermissionSetsProvisionedToAccount/" + in.InstanceArn + "/" + in.AccountId + "/" + in.ProvisioningStatus
	after, err := h.cursor(scope, in.NextToken)
	if err != nil {
		return nil, err
	}
	p, err := h.svc.ListProvisionedPermissionSets(ctx, in.InstanceArn, in.AccountId, store.ProvisioningFilter(in.ProvisioningStatus), after, limit(in.MaxResults))
	if err != nil {
		return nil, err
	}
	return &ListPermissionSetsProvisionedToAccountResponse{PermissionSets: p.Items, NextToken: h.next(scope, p.Next)}, nil
}

// ListAccountsForProvisionedPermissionSet answers the sso-admin operation of
// that name.
func (h *handlers) ListAccountsForProvisionedPermissionSet(ctx context.Context, in *ListAccountsForProvisionedPermissionSetRequest) (*ListAccountsForProvisionedPermissionSetResponse, error) {
	scope := "sso-admin/ListAccountsForProvisionedPermissionSet/" + in.PermissionSetArn + "/" + in.ProvisioningStatus
	after, err := h.cursor(scope, in.NextToken)
	if err != nil {
		return nil, err
	}
	p, err := h.svc.ListProvisionedAccounts(ctx, in.InstanceArn, in.PermissionSetArn, store.ProvisioningFilter(in.ProvisioningStatus), after, limit(in.MaxResults))
	if err != nil {
		return nil, err
	}
	return &ListAccountsForProvisionedPermissionSetResponse{AccountIds: p.Items, NextToken: h.next(scope, p.Next)}, nil
}

func provisioningOut(st *idc.OperationStatus, live bool) *PermissionSetProvisioningStatus {
	status, reason := st.Status, st.FailureReason
	if live {
		status, reason = idc.StatusInProgress, ""
	}
	return &PermissionSetProvisioningStatus{
		Status: status, RequestId: st.RequestID, AccountId: st.AccountID, PermissionSetArn: st.PermissionSetARN,
		FailureReason: reason, CreatedDate: awsproto.TimePtr(st.CreatedAt),
	}
}

// ProvisionPermissionSet answers sso-admin ProvisionPermissionSet.
func (h *handlers) ProvisionPermissionSet(ctx context.Context, in *ProvisionPermissionSetRequest) (*ProvisionPermissionSetResponse, error) {
	st, err := h.svc.Provision(ctx, access.ProvisionInput{
		InstanceARN: in.InstanceArn, PermissionSetARN: in.PermissionSetArn, TargetType: in.TargetType, TargetID: in.TargetId,
	})
	if err != nil {
		return nil, err
	}
	return &ProvisionPermissionSetResponse{PermissionSetProvisioningStatus: provisioningOut(st, true)}, nil
}

// DescribePermissionSetProvisioningStatus answers the sso-admin operation of
// that name.
func (h *handlers) DescribePermissionSetProvisioningStatus(ctx context.Context, in *DescribePermissionSetProvisioningStatusRequest) (*DescribePermissionSetProvisioningStatusResponse, error) {
	st, err := h.svc.RequestStatus(ctx, in.InstanceArn, idc.OpProvision, in.ProvisionPermissionSetRequestId)
	if err != nil {
		return nil, err
	}
	return &DescribePermissionSetProvisioningStatusResponse{PermissionSetProvisioningStatus: provisioningOut(st, false)}, nil
}

// ListPermissionSetProvisioningStatus answers the sso-admin operation of
// that name.
func (h *handlers) ListPermissionSetProvisioningStatus(ctx context.Context, in *ListPermissionSetProvisioningStatusRequest) (*ListPermissionSetProvisioningStatusResponse, error) {
	status := statusFilter(in.Filter)
	scope := "sso-admin/ListPermissionSetProvisioningStatus/" + in.InstanceArn + "/" + status
	after, err := h.cursor(scope, in.NextToken)
	if err != nil {
		return nil, err
	}
	p, err := h.svc.ListStatuses(ctx, in.InstanceArn, idc.OpProvision, status, after, limit(in.MaxResults))
	if err != nil {
		return nil, err
	}
	out := &ListPermissionSetProvisioningStatusResponse{PermissionSetsProvisioningStatus: []PermissionSetProvisioningStatusMetadata{}, NextToken: h.next(scope, p.Next)}
	for _, st := range p.Items {
		out.PermissionSetsProvisioningStatus = append(out.PermissionSetsProvisioningStatus, PermissionSetProvisioningStatusMetadata{
			Status: st.Status, RequestId: st.RequestID, CreatedDate: awsproto.TimePtr(st.CreatedAt),
		})
	}
	return out, nil
}
