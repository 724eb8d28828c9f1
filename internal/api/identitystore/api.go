// Package identitystore serves the AWS identitystore 2020-06-15 JSON 1.1 API
// (https://docs.aws.amazon.com/singlesignon/latest/IdentityStoreAPIReference/)
// on top of the directory service. zz_generated.go holds the model, the
// shapes and the dispatch table (tools/awsgen); the handlers here only
// translate between shapes and directory calls, seal pagination tokens and
// map directory errors to identitystore exceptions (mapErr).
//
// The package imports awsproto, directory and idc; never a store, a backend
// or another edge.
package identitystore

import (
	"errors"

	"github.com/idcenter/idcenter/internal/awsproto"
	"github.com/idcenter/idcenter/internal/directory"
	"github.com/idcenter/idcenter/internal/idc"
)

// New returns the identitystore JSON service backed by the directory.
// tokens seals the NextToken of the list operations.
func New(dir *directory.Service, tokens *awsproto.Tokens) *awsproto.JSONService {
	return NewService(&handler{dir: dir, tokens: tokens}, mapErr)
}

// handler implements API.
type handler struct {
	UnimplementedAPI
	dir    *directory.Service
	tokens *awsproto.Tokens
}

var _ API = (*handler)(nil)

// Exception codes of the identitystore model.
const (
	codeNotFound   = "ResourceNotFoundException"
	codeConflict   = "ConflictException"
	codeValidation = "ValidationException"
	codeQuota      = "ServiceQuotaExceededException"
	codeThrottling = "ThrottlingException"
	codeDenied     = "AccessDeniedException"
)

// mapErr is the one mapping from directory errors to identitystore
// exceptions. Errors that are not *idc.Error, and internal ones, map to nil:
// the router answers InternalServerException with a generic message.
func mapErr(err error) *awsproto.Error {
	var e *idc.Error
	if !errors.As(err, &e) {
		return nil
	}
	switch e.Kind {
	case idc.KindNotFound:
		f := map[string]any{}
		if e.Resource != "" {
			f["ResourceType"] = e.Resource
		}
		if e.ID != "" {
			f["ResourceId"] = e.ID
		}
		return &awsproto.Error{Code: codeNotFound, Message: e.Msg, Fields: f}
	case idc.KindConflict:
		var f map[string]any
		if e.Reason != "" {
			f = map[string]any{"Reason": e.Reason}
		}
		return &awsproto.Error{Code: codeConflict, Message: e.Msg, Fields: f}
	case idc.KindInvalid:
		return &awsproto.Error{Code: codeValidation, Message: e.Msg}
	case idc.KindQuotaExceeded:
		return &awsproto.Error{Code: codeQuota, Message: e.Msg}
	case idc.KindThrottled:
		return &awsproto.Error{Code: codeThrottling, Message: e.Msg}
	case idc.KindDenied:
		return &awsproto.Error{Code: codeDenied, Message: e.Msg}
	}
	return nil
}

// Pagination: a NextToken seals the cursor of the next page under a scope
// naming the operation and everything the listing is bound to, so a token
// is refused by any other operation, identity store, group or member.

func scope(op string, parts ...string) string {
	s := op
	for _, p := range parts {
		s += "/" + p
	}
	return s
}

func (h *handler) page(scope, token string, max *int32) (directory.Page, error) {
	var p directory.Page
	if max != nil {
		p.Limit = int(*max)
	}
	if token == "" {
		return p, nil
	}
	cursor, err := h.tokens.Open(scope, token)
	if err != nil || len(cursor) == 0 {
		return p, &awsproto.Error{Code: codeValidation, Message: "The NextToken is invalid or expired."}
	}
	p.After = string(cursor)
	return p, nil
}

func (h *handler) next(scope, cursor string) string {
	if cursor == "" {
		return ""
	}
	return h.tokens.Seal(scope, []byte(cursor))
}

func convert[S, D any](in []S, f func(S) D) []D {
	if len(in) == 0 {
		return nil
	}
	out := make([]D, len(in))
	for i, v := range in {
		out[i] = f(v)
	}
	return out
}

func externalIDs(ids []idc.ExternalID) []ExternalId {
	return convert(ids, func(e idc.ExternalID) ExternalId { return ExternalId{Issuer: e.Issuer, Id: e.ID} })
}

func memberID(userID string) *MemberId { return &MemberId{UserId: userID} }

func userIDOf(m *MemberId) string {
	if m == nil {
		return ""
	}
	return m.UserId
}

func alternate(a *AlternateIdentifier) directory.AlternateIdentifier {
	var out directory.AlternateIdentifier
	if a == nil {
		return out
	}
	if a.ExternalId != nil {
		out.ExternalID = &idc.ExternalID{Issuer: a.ExternalId.Issuer, ID: a.ExternalId.Id}
	}
	if a.UniqueAttribute != nil {
		out.UniqueAttribute = &directory.UniqueAttribute{Path: a.UniqueAttribute.AttributePath, Value: a.UniqueAttribute.AttributeValue}
	}
	return out
}

func operations(ops []AttributeOperation) []directory.Operation {
	return convert(ops, func(o AttributeOperation) directory.Operation {
		return directory.Operation{Path: o.AttributePath, Value: o.AttributeValue}
	})
}

func filters(fs []Filter) []directory.Filter {
	return convert(fs, func(f Filter) directory.Filter {
		return directory.Filter{AttributePath: f.AttributePath, AttributeValue: f.AttributeValue}
	})
}
