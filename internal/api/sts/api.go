package sts

import (
	"context"
	"strings"

	"github.com/idcenter/idcenter/internal/awsproto"
	"github.com/idcenter/idcenter/internal/awsproto/sigv4"
	"github.com/idcenter/idcenter/internal/creds"
	"github.com/idcenter/idcenter/internal/idc"
)

// Handler implements STS operations. GetCallerIdentity is the one that
// needs no state: the SigV4 verification (with creds as the resolver)
// already established who is calling.
type Handler struct {
	UnimplementedAPI
}

var _ API = (*Handler)(nil)

// New returns the STS query service, authenticating requests with v (whose
// resolver must know both administrator and temporary keys: creds.Service).
// Mount it on an awsproto.Root.
func New(v *sigv4.Verifier) *awsproto.QueryService {
	svc := NewQueryService(&Handler{}, nil)
	svc.Auth = awsproto.NewSigV4QueryAuthenticator(v)
	return svc
}

// GetCallerIdentity implements API (sts GetCallerIdentity): for temporary
// credentials of a role session the assumed-role ARN
// arn:aws:sts::<account>:assumed-role/<role>/<user>, the account and the
// user id "<role id>:<user>"; for an administrator key the IAM user ARN,
// its account and the user's unique id.
func (h *Handler) GetCallerIdentity(ctx context.Context, in *GetCallerIdentityRequest) (*GetCallerIdentityResponse, error) {
	res := awsproto.Caller(ctx)
	if res == nil {
		return nil, &awsproto.Error{Code: awsproto.CodeQueryMissingAuthToken, Message: "Request is missing Authentication Token", Status: 403}
	}
	p, ok := res.Principal.(*idc.Principal)
	if !ok {
		return nil, awsproto.InternalError()
	}
	out := &GetCallerIdentityResponse{Arn: p.ARN}
	// arn:aws:sts::<account>:assumed-role/<role>/<session> or
	// arn:aws:iam::<account>:user/<name>.
	account, resource, ok := arnAccount(p.ARN)
	if !ok {
		return out, nil
	}
	out.Account = account
	if rest, ok := strings.CutPrefix(resource, "assumed-role/"); ok {
		if role, session, ok := strings.Cut(rest, "/"); ok && !strings.Contains(session, "/") {
			out.UserId = creds.RoleID(account, role) + ":" + session
		}
	} else if rest, ok := strings.CutPrefix(resource, "user/"); ok {
		out.UserId = creds.UserID(account, rest[strings.LastIndexByte(rest, '/')+1:])
	}
	return out, nil
}

// arnAccount splits arn:partition:service:region:account:resource into its
// account and resource; ok is false for fewer than six parts.
func arnAccount(arn string) (account, resource string, ok bool) {
	rest := arn
	for range 4 {
		if _, rest, ok = strings.Cut(rest, ":"); !ok {
			return "", "", false
		}
	}
	return strings.Cut(rest, ":")
}
