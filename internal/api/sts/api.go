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
	parts := strings.SplitN(p.ARN, ":", 6)
	if len(parts) == 6 {
		out.Account = parts[4]
		switch res := strings.Split(parts[5], "/"); {
		case len(res) == 3 && res[0] == "assumed-role":
			out.UserId = creds.RoleID(out.Account, res[1]) + ":" + res[2]
		case len(res) >= 2 && res[0] == "user":
			out.UserId = creds.UserID(out.Account, res[len(res)-1])
		}
	}
	return out, nil
}
