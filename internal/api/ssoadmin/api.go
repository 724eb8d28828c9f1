// Package ssoadmin serves the AWS sso-admin 2020-07-20 JSON 1.1 API
// (https://docs.aws.amazon.com/singlesignon/latest/APIReference/) on top of
// the access service: instances and their settings, permission sets and
// their policies, account assignments, provisioning and tags.
// zz_generated.go holds the model, the shapes and the dispatch table
// (tools/awsgen); the handlers here only translate between shapes and
// access calls, seal pagination tokens and map access errors to sso-admin
// exceptions (mapError). Application and trusted-token-issuer operations
// stay on UnimplementedAPI, which answers UnknownOperationException.
//
// The package imports awsproto, access and idc; never a store backend or
// another edge.
package ssoadmin

import (
	"errors"

	"github.com/idcenter/idcenter/internal/access"
	"github.com/idcenter/idcenter/internal/awsproto"
	"github.com/idcenter/idcenter/internal/idc"
)

// New returns the sso-admin JSON service. tokens seals the NextToken of the
// list operations.
func New(svc *access.Service, tokens *awsproto.Tokens) *awsproto.JSONService {
	return NewService(&handlers{svc: svc, tokens: tokens}, mapError)
}

type handlers struct {
	UnimplementedAPI
	svc    *access.Service
	tokens *awsproto.Tokens
}

var _ API = (*handlers)(nil)

// mapError is the one mapping from domain errors to sso-admin wire errors.
func mapError(err error) *awsproto.Error {
	var e *idc.Error
	if !errors.As(err, &e) {
		return nil
	}
	code := ""
	switch e.Kind {
	case idc.KindNotFound:
		code = "ResourceNotFoundException"
	case idc.KindConflict:
		code = "ConflictException"
	case idc.KindInvalid:
		code = "ValidationException"
	case idc.KindDenied:
		code = "AccessDeniedException"
	case idc.KindThrottled:
		code = "ThrottlingException"
	case idc.KindQuotaExceeded:
		code = "ServiceQuotaExceededException"
	default:
		return nil
	}
	return &awsproto.Error{Code: code, Message: e.Msg}
}

// errBadToken is the answer to a NextToken this server did not issue for
// the same listing.
func errBadToken() error {
	return &awsproto.Error{Code: "ValidationException", Message: "The NextToken is invalid."}
}

// cursor opens a NextToken sealed for scope ("" for none).
func (h *handlers) cursor(scope, token string) (string, error) {
	if token == "" {
		return "", nil
	}
	c, err := h.tokens.Open(scope, token)
	if err != nil {
		return "", errBadToken()
	}
	return string(c), nil
}

// next seals the cursor of the following page ("" on the last page).
func (h *handlers) next(scope, cursor string) string {
	if cursor == "" {
		return ""
	}
	return h.tokens.Seal(scope, []byte(cursor))
}

// limit reads MaxResults (the model bounds it to 1..100).
func limit(n *int32) int {
	if n == nil {
		return access.DefaultPageSize
	}
	return int(*n)
}

func tagsIn(tags []Tag) []idc.Tag {
	out := make([]idc.Tag, 0, len(tags))
	for _, t := range tags {
		out = append(out, idc.Tag{Key: t.Key, Value: t.Value})
	}
	return out
}
