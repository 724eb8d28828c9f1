// Package organizations is the AWS Organizations edge (JSON 1.1, target
// prefix AWSOrganizationsV20161128): it decodes requests that the generated
// code has validated against the model, calls internal/org, and encodes the
// results and errors as AWS does. The semantics, and the choices made where
// AWS is asynchronous (CreateAccount, CloseAccount) or has no equivalent
// (registering an existing account with InviteAccountToOrganization), are
// documented in package org.
//
// Organizations reports bad input as InvalidInputException with a Reason
// (INPUT_REQUIRED, MAX_LENGTH_EXCEEDED, INVALID_PATTERN, …), not as
// ValidationException, so the service's validation hook maps model
// violations to it. NextTokens are sealed with awsproto.Tokens under a scope
// naming the operation and its parameters; a token that does not open is
// InvalidInputException INVALID_NEXT_TOKEN.
//
// Operations this file does not implement (policies, delegated
// administrators, service access, responsibility transfers, the other
// handshake operations, …) answer through UnimplementedAPI.
//
// The package imports awsproto, org and idc; never a store or another edge.
package organizations

import (
	"context"
	"errors"
	"slices"
	"strings"

	"github.com/idcenter/idcenter/internal/awsproto"
	"github.com/idcenter/idcenter/internal/idc"
	"github.com/idcenter/idcenter/internal/org"
)

// New returns the organizations JSON service backed by svc; tokens seals
// NextTokens.
func New(svc *org.Service, tokens *awsproto.Tokens) *awsproto.JSONService {
	s := NewService(&api{svc: svc, tokens: tokens}, mapError)
	s.ValidationError = validationError
	return s
}

// api implements the operations of API that idcenter supports.
type api struct {
	UnimplementedAPI
	svc    *org.Service
	tokens *awsproto.Tokens
}

var _ API = (*api)(nil)

// Error codes used by the generic mapping.
const (
	codeInvalidInput        = "InvalidInputException"
	codeConcurrentModified  = "ConcurrentModificationException"
	codeAccessDenied        = "AccessDeniedException"
	codeTooManyRequests     = "TooManyRequestsException"
	codeConstraintViolation = "ConstraintViolationException"
	msgInvalidNextToken     = "The specified NextToken is not valid."
)

// mapError is the one mapping from service errors to the wire. An
// *idc.Error with a Reason becomes the exception it names, carrying the
// exception's Reason member when there is one; other *idc.Error kinds get
// the closest generic exception. Anything else is internal (nil).
func mapError(err error) *awsproto.Error {
	var e *idc.Error
	if !errors.As(err, &e) {
		return nil
	}
	if e.Reason != "" {
		code, member := org.SplitReason(e.Reason)
		out := &awsproto.Error{Code: code, Message: e.Msg}
		if member != "" {
			out.Fields = map[string]any{"Reason": member}
		}
		return out
	}
	switch e.Kind {
	case idc.KindInvalid:
		return &awsproto.Error{Code: codeInvalidInput, Message: e.Msg}
	case idc.KindQuotaExceeded:
		return &awsproto.Error{Code: codeConstraintViolation, Message: e.Msg}
	case idc.KindConflict:
		return &awsproto.Error{Code: codeConcurrentModified, Message: e.Msg}
	case idc.KindDenied:
		return &awsproto.Error{Code: codeAccessDenied, Message: e.Msg}
	case idc.KindThrottled:
		return &awsproto.Error{Code: codeTooManyRequests, Message: e.Msg}
	}
	return nil
}

// violationReasons maps model violations to InvalidInputExceptionReason.
var violationReasons = map[awsproto.ViolationKind]string{
	awsproto.ViolationRequired:   "INPUT_REQUIRED",
	awsproto.ViolationMinLength:  "MIN_LENGTH_EXCEEDED",
	awsproto.ViolationMaxLength:  "MAX_LENGTH_EXCEEDED",
	awsproto.ViolationMinValue:   "MIN_VALUE_EXCEEDED",
	awsproto.ViolationMaxValue:   "MAX_VALUE_EXCEEDED",
	awsproto.ViolationPattern:    "INVALID_PATTERN",
	awsproto.ViolationEnum:       "INVALID_ENUM",
	awsproto.ViolationListMember: "INVALID_LIST_MEMBER",
	awsproto.ViolationUnion:      "INPUT_REQUIRED",
}

// validationError answers a request that failed model validation with
// InvalidInputException, whose Reason is that of the first violation.
func validationError(err *awsproto.InputError) *awsproto.Error {
	out := &awsproto.Error{Code: codeInvalidInput, Message: err.Error()}
	if len(err.Violations) > 0 {
		if r, ok := violationReasons[err.Violations[0].Kind]; ok {
			out.Fields = map[string]any{"Reason": r}
		}
	}
	return out
}

// scope names a listing for its NextTokens: the operation and every
// parameter that shapes the result.
func scope(op string, params ...string) string {
	return "organizations/" + op + "/" + strings.Join(params, "/")
}

// after opens a NextToken ("" for the first page).
func (a *api) after(scope, token string) (string, error) {
	if token == "" {
		return "", nil
	}
	c, err := a.tokens.Open(scope, token)
	if err != nil {
		return "", &idc.Error{Kind: idc.KindInvalid, Reason: org.ReasonInvalidNextToken, Msg: msgInvalidNextToken}
	}
	return string(c), nil
}

// next seals the cursor of the following page ("" on the last page).
func (a *api) next(scope, cursor string) string {
	if cursor == "" {
		return ""
	}
	return a.tokens.Seal(scope, []byte(cursor))
}

func limit(n *int32) int {
	if n == nil {
		return 0
	}
	return int(*n)
}

func tagsIn(ts []Tag) []idc.Tag {
	out := make([]idc.Tag, len(ts))
	for i, t := range ts {
		out[i] = idc.Tag{Key: t.Key, Value: t.Value}
	}
	return out
}

func organizationOut(o *idc.Organization) *Organization {
	return &Organization{
		Id:                 o.ID,
		Arn:                o.ARN(),
		FeatureSet:         o.FeatureSet,
		MasterAccountArn:   o.AccountARN(o.ManagementAccountID),
		MasterAccountId:    o.ManagementAccountID,
		MasterAccountEmail: o.ManagementAccountEmail,
	}
}

func accountOut(o *idc.Organization, ac *idc.Account) Account {
	return Account{
		Id:              ac.ID,
		Arn:             o.AccountARN(ac.ID),
		Email:           ac.Email,
		Name:            ac.Name,
		Status:          ac.Status,
		State:           ac.Status, // every AccountStatus is also an AccountState
		Paths:           []string{ac.Path},
		JoinedMethod:    ac.JoinedMethod,
		JoinedTimestamp: awsproto.TimePtr(ac.JoinedAt),
	}
}

func ouOut(o *idc.Organization, u *idc.OrgUnit) OrganizationalUnit {
	return OrganizationalUnit{Id: u.ID, Arn: o.OUARN(u.ID), Name: u.Name, Path: u.Path}
}

func statusOut(s *idc.CreateAccountStatus) CreateAccountStatus {
	out := CreateAccountStatus{
		Id:                 s.ID,
		AccountName:        s.AccountName,
		State:              s.State,
		RequestedTimestamp: awsproto.TimePtr(s.RequestedAt),
		AccountId:          s.AccountID,
		FailureReason:      s.FailureReason,
	}
	if !s.CompletedAt.IsZero() {
		out.CompletedTimestamp = awsproto.TimePtr(s.CompletedAt)
	}
	return out
}

// handshakeOut renders an invitation as AWS does: the organization (with
// its management email and feature set) and the account as parties and
// resources, and the notes.
func handshakeOut(o *idc.Organization, h *idc.Handshake) Handshake {
	res := []HandshakeResource{
		{Type: "ORGANIZATION", Value: o.ID, Resources: []HandshakeResource{
			{Type: "MASTER_EMAIL", Value: o.ManagementAccountEmail},
			{Type: "ORGANIZATION_FEATURE_SET", Value: o.FeatureSet},
		}},
		{Type: h.TargetType, Value: h.TargetID},
	}
	if h.Notes != "" {
		res = append(res, HandshakeResource{Type: "NOTES", Value: h.Notes})
	}
	return Handshake{
		Id:  h.ID,
		Arn: o.HandshakeARN(strings.ToLower(h.Action), h.ID),
		Parties: []HandshakeParty{
			{Id: o.ID, Type: idc.PartyOrganization},
			{Id: h.TargetID, Type: h.TargetType},
		},
		State:               h.State,
		RequestedTimestamp:  awsproto.TimePtr(h.RequestedAt),
		ExpirationTimestamp: awsproto.TimePtr(h.ExpiresAt),
		Action:              h.Action,
		Resources:           res,
	}
}

// CreateOrganization implements API.
func (a *api) CreateOrganization(ctx context.Context, in *CreateOrganizationRequest) (*CreateOrganizationResponse, error) {
	o, err := a.svc.CreateOrganization(ctx, in.FeatureSet)
	if err != nil {
		return nil, err
	}
	return &CreateOrganizationResponse{Organization: organizationOut(o)}, nil
}

// DescribeOrganization implements API.
func (a *api) DescribeOrganization(ctx context.Context, _ *DescribeOrganizationInput) (*DescribeOrganizationResponse, error) {
	o, err := a.svc.DescribeOrganization(ctx)
	if err != nil {
		return nil, err
	}
	return &DescribeOrganizationResponse{Organization: organizationOut(o)}, nil
}

// DeleteOrganization implements API.
func (a *api) DeleteOrganization(ctx context.Context, _ *DeleteOrganizationInput) (*DeleteOrganizationOutput, error) {
	if err := a.svc.DeleteOrganization(ctx); err != nil {
		return nil, err
	}
	return &DeleteOrganizationOutput{}, nil
}

// ListRoots implements API.
func (a *api) ListRoots(ctx context.Context, in *ListRootsRequest) (*ListRootsResponse, error) {
	sc := scope("ListRoots")
	after, err := a.after(sc, in.NextToken)
	if err != nil {
		return nil, err
	}
	l, err := a.svc.ListRoots(ctx, after, limit(in.MaxResults))
	if err != nil {
		return nil, err
	}
	out := &ListRootsResponse{Roots: make([]Root, len(l.Items)), NextToken: a.next(sc, l.Next)}
	for i, r := range l.Items {
		out.Roots[i] = Root{Id: r.ID, Arn: l.Org.RootARN(r.ID), Name: r.Name}
	}
	return out, nil
}

// CreateAccount implements API. RoleName and IamUserAccessToBilling are
// accepted and ignored: idcenter does not create IAM roles or bill.
func (a *api) CreateAccount(ctx context.Context, in *CreateAccountRequest) (*CreateAccountResponse, error) {
	st, err := a.svc.CreateAccount(ctx, org.CreateAccountInput{Email: in.Email, AccountName: in.AccountName, Tags: tagsIn(in.Tags)})
	if err != nil {
		return nil, err
	}
	s := statusOut(st)
	return &CreateAccountResponse{CreateAccountStatus: &s}, nil
}

// DescribeCreateAccountStatus implements API.
func (a *api) DescribeCreateAccountStatus(ctx context.Context, in *DescribeCreateAccountStatusRequest) (*DescribeCreateAccountStatusResponse, error) {
	st, err := a.svc.DescribeCreateAccountStatus(ctx, in.CreateAccountRequestId)
	if err != nil {
		return nil, err
	}
	s := statusOut(st)
	return &DescribeCreateAccountStatusResponse{CreateAccountStatus: &s}, nil
}

// ListCreateAccountStatus implements API.
func (a *api) ListCreateAccountStatus(ctx context.Context, in *ListCreateAccountStatusRequest) (*ListCreateAccountStatusResponse, error) {
	states := slices.Clone(in.States)
	slices.Sort(states)
	states = slices.Compact(states)
	sc := scope("ListCreateAccountStatus", strings.Join(states, ","))
	after, err := a.after(sc, in.NextToken)
	if err != nil {
		return nil, err
	}
	l, err := a.svc.ListCreateAccountStatus(ctx, states, after, limit(in.MaxResults))
	if err != nil {
		return nil, err
	}
	out := &ListCreateAccountStatusResponse{CreateAccountStatuses: make([]CreateAccountStatus, len(l.Items)), NextToken: a.next(sc, l.Next)}
	for i, s := range l.Items {
		out.CreateAccountStatuses[i] = statusOut(s)
	}
	return out, nil
}

// DescribeAccount implements API.
func (a *api) DescribeAccount(ctx context.Context, in *DescribeAccountRequest) (*DescribeAccountResponse, error) {
	o, ac, err := a.svc.DescribeAccount(ctx, in.AccountId)
	if err != nil {
		return nil, err
	}
	out := accountOut(o, ac)
	return &DescribeAccountResponse{Account: &out}, nil
}

// ListAccounts implements API.
func (a *api) ListAccounts(ctx context.Context, in *ListAccountsRequest) (*ListAccountsResponse, error) {
	sc := scope("ListAccounts")
	after, err := a.after(sc, in.NextToken)
	if err != nil {
		return nil, err
	}
	l, err := a.svc.ListAccounts(ctx, after, limit(in.MaxResults))
	if err != nil {
		return nil, err
	}
	out := &ListAccountsResponse{Accounts: make([]Account, len(l.Items)), NextToken: a.next(sc, l.Next)}
	for i, ac := range l.Items {
		out.Accounts[i] = accountOut(l.Org, ac)
	}
	return out, nil
}

// ListAccountsForParent implements API.
func (a *api) ListAccountsForParent(ctx context.Context, in *ListAccountsForParentRequest) (*ListAccountsForParentResponse, error) {
	sc := scope("ListAccountsForParent", in.ParentId)
	after, err := a.after(sc, in.NextToken)
	if err != nil {
		return nil, err
	}
	l, err := a.svc.ListAccountsForParent(ctx, in.ParentId, after, limit(in.MaxResults))
	if err != nil {
		return nil, err
	}
	out := &ListAccountsForParentResponse{Accounts: make([]Account, len(l.Items)), NextToken: a.next(sc, l.Next)}
	for i, ac := range l.Items {
		out.Accounts[i] = accountOut(l.Org, ac)
	}
	return out, nil
}

// MoveAccount implements API.
func (a *api) MoveAccount(ctx context.Context, in *MoveAccountRequest) (*MoveAccountOutput, error) {
	if err := a.svc.MoveAccount(ctx, in.AccountId, in.SourceParentId, in.DestinationParentId); err != nil {
		return nil, err
	}
	return &MoveAccountOutput{}, nil
}

// RemoveAccountFromOrganization implements API.
func (a *api) RemoveAccountFromOrganization(ctx context.Context, in *RemoveAccountFromOrganizationRequest) (*RemoveAccountFromOrganizationOutput, error) {
	if err := a.svc.RemoveAccountFromOrganization(ctx, in.AccountId); err != nil {
		return nil, err
	}
	return &RemoveAccountFromOrganizationOutput{}, nil
}

// CloseAccount implements API.
func (a *api) CloseAccount(ctx context.Context, in *CloseAccountRequest) (*CloseAccountOutput, error) {
	if err := a.svc.CloseAccount(ctx, in.AccountId); err != nil {
		return nil, err
	}
	return &CloseAccountOutput{}, nil
}

// CreateOrganizationalUnit implements API.
func (a *api) CreateOrganizationalUnit(ctx context.Context, in *CreateOrganizationalUnitRequest) (*CreateOrganizationalUnitResponse, error) {
	o, u, err := a.svc.CreateOrganizationalUnit(ctx, in.ParentId, in.Name, tagsIn(in.Tags))
	if err != nil {
		return nil, err
	}
	out := ouOut(o, u)
	return &CreateOrganizationalUnitResponse{OrganizationalUnit: &out}, nil
}

// DescribeOrganizationalUnit implements API.
func (a *api) DescribeOrganizationalUnit(ctx context.Context, in *DescribeOrganizationalUnitRequest) (*DescribeOrganizationalUnitResponse, error) {
	o, u, err := a.svc.DescribeOrganizationalUnit(ctx, in.OrganizationalUnitId)
	if err != nil {
		return nil, err
	}
	out := ouOut(o, u)
	return &DescribeOrganizationalUnitResponse{OrganizationalUnit: &out}, nil
}

// UpdateOrganizationalUnit implements API.
func (a *api) UpdateOrganizationalUnit(ctx context.Context, in *UpdateOrganizationalUnitRequest) (*UpdateOrganizationalUnitResponse, error) {
	o, u, err := a.svc.UpdateOrganizationalUnit(ctx, in.OrganizationalUnitId, in.Name)
	if err != nil {
		return nil, err
	}
	out := ouOut(o, u)
	return &UpdateOrganizationalUnitResponse{OrganizationalUnit: &out}, nil
}

// DeleteOrganizationalUnit implements API.
func (a *api) DeleteOrganizationalUnit(ctx context.Context, in *DeleteOrganizationalUnitRequest) (*DeleteOrganizationalUnitOutput, error) {
	if err := a.svc.DeleteOrganizationalUnit(ctx, in.OrganizationalUnitId); err != nil {
		return nil, err
	}
	return &DeleteOrganizationalUnitOutput{}, nil
}

// ListOrganizationalUnitsForParent implements API.
func (a *api) ListOrganizationalUnitsForParent(ctx context.Context, in *ListOrganizationalUnitsForParentRequest) (*ListOrganizationalUnitsForParentResponse, error) {
	sc := scope("ListOrganizationalUnitsForParent", in.ParentId)
	after, err := a.after(sc, in.NextToken)
	if err != nil {
		return nil, err
	}
	l, err := a.svc.ListOrganizationalUnitsForParent(ctx, in.ParentId, after, limit(in.MaxResults))
	if err != nil {
		return nil, err
	}
	out := &ListOrganizationalUnitsForParentResponse{OrganizationalUnits: make([]OrganizationalUnit, len(l.Items)), NextToken: a.next(sc, l.Next)}
	for i, u := range l.Items {
		out.OrganizationalUnits[i] = ouOut(l.Org, u)
	}
	return out, nil
}

// ListParents implements API. A child has one parent, so there is never a
// second page, and no NextToken opens.
func (a *api) ListParents(ctx context.Context, in *ListParentsRequest) (*ListParentsResponse, error) {
	if _, err := a.after(scope("ListParents", in.ChildId), in.NextToken); err != nil {
		return nil, err
	}
	l, err := a.svc.ListParents(ctx, in.ChildId)
	if err != nil {
		return nil, err
	}
	out := &ListParentsResponse{Parents: make([]Parent, len(l.Items))}
	for i, p := range l.Items {
		out.Parents[i] = Parent{Id: p.ID, Type: p.Type()}
	}
	return out, nil
}

// ListChildren implements API.
func (a *api) ListChildren(ctx context.Context, in *ListChildrenRequest) (*ListChildrenResponse, error) {
	sc := scope("ListChildren", in.ParentId, in.ChildType)
	after, err := a.after(sc, in.NextToken)
	if err != nil {
		return nil, err
	}
	l, err := a.svc.ListChildren(ctx, in.ParentId, in.ChildType, after, limit(in.MaxResults))
	if err != nil {
		return nil, err
	}
	out := &ListChildrenResponse{Children: make([]Child, len(l.Items)), NextToken: a.next(sc, l.Next)}
	for i, id := range l.Items {
		out.Children[i] = Child{Id: id, Type: in.ChildType}
	}
	return out, nil
}

// TagResource implements API.
func (a *api) TagResource(ctx context.Context, in *TagResourceRequest) (*TagResourceOutput, error) {
	if err := a.svc.TagResource(ctx, in.ResourceId, tagsIn(in.Tags)); err != nil {
		return nil, err
	}
	return &TagResourceOutput{}, nil
}

// UntagResource implements API.
func (a *api) UntagResource(ctx context.Context, in *UntagResourceRequest) (*UntagResourceOutput, error) {
	if err := a.svc.UntagResource(ctx, in.ResourceId, in.TagKeys); err != nil {
		return nil, err
	}
	return &UntagResourceOutput{}, nil
}

// ListTagsForResource implements API. The model has no MaxResults here;
// pages hold org.DefaultPageSize tags.
func (a *api) ListTagsForResource(ctx context.Context, in *ListTagsForResourceRequest) (*ListTagsForResourceResponse, error) {
	sc := scope("ListTagsForResource", in.ResourceId)
	after, err := a.after(sc, in.NextToken)
	if err != nil {
		return nil, err
	}
	l, err := a.svc.ListTagsForResource(ctx, in.ResourceId, after, 0)
	if err != nil {
		return nil, err
	}
	out := &ListTagsForResourceResponse{Tags: make([]Tag, len(l.Items)), NextToken: a.next(sc, l.Next)}
	for i, t := range l.Items {
		out.Tags[i] = Tag{Key: t.Key, Value: t.Value}
	}
	return out, nil
}

// InviteAccountToOrganization implements API: it registers an existing
// account under its own id, accepted at once (see package org).
func (a *api) InviteAccountToOrganization(ctx context.Context, in *InviteAccountToOrganizationRequest) (*InviteAccountToOrganizationResponse, error) {
	o, h, err := a.svc.InviteAccount(ctx, org.InviteInput{
		TargetType: in.Target.Type, TargetID: in.Target.Id, Notes: in.Notes, Tags: tagsIn(in.Tags),
	})
	if err != nil {
		return nil, err
	}
	out := handshakeOut(o, h)
	return &InviteAccountToOrganizationResponse{Handshake: &out}, nil
}

// DescribeHandshake implements API.
func (a *api) DescribeHandshake(ctx context.Context, in *DescribeHandshakeRequest) (*DescribeHandshakeResponse, error) {
	o, h, err := a.svc.DescribeHandshake(ctx, in.HandshakeId)
	if err != nil {
		return nil, err
	}
	out := handshakeOut(o, h)
	return &DescribeHandshakeResponse{Handshake: &out}, nil
}

// ListHandshakesForOrganization implements API.
func (a *api) ListHandshakesForOrganization(ctx context.Context, in *ListHandshakesForOrganizationRequest) (*ListHandshakesForOrganizationResponse, error) {
	var action, parent string
	if in.Filter != nil {
		action, parent = in.Filter.ActionType, in.Filter.ParentHandshakeId
	}
	sc := scope("ListHandshakesForOrganization", action, parent)
	after, err := a.after(sc, in.NextToken)
	if err != nil {
		return nil, err
	}
	l, err := a.svc.ListHandshakes(ctx, action, parent, after, limit(in.MaxResults))
	if err != nil {
		return nil, err
	}
	out := &ListHandshakesForOrganizationResponse{Handshakes: make([]Handshake, len(l.Items)), NextToken: a.next(sc, l.Next)}
	for i, h := range l.Items {
		out.Handshakes[i] = handshakeOut(l.Org, h)
	}
	return out, nil
}
