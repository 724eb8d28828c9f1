package idc

import "context"

// Principal is the authenticated caller of a request.
type Principal struct {
	// AccessKeyID is the key the request was signed with.
	AccessKeyID string
	// ARN identifies the caller (for the bootstrap admin key:
	// arn:aws:iam::<management account>:user/idcenter-admin).
	ARN string
	// Admin is true for long-term administrator keys.
	Admin bool
}

type principalKey struct{}

// WithPrincipal returns a context carrying p.
func WithPrincipal(ctx context.Context, p *Principal) context.Context {
	return context.WithValue(ctx, principalKey{}, p)
}

// PrincipalFrom returns the principal in ctx, or nil.
func PrincipalFrom(ctx context.Context) *Principal {
	p, _ := ctx.Value(principalKey{}).(*Principal)
	return p
}

// ActorName returns a short name for audit fields such as CreatedBy: the
// principal's ARN, or "idcenter" for internal work.
func ActorName(ctx context.Context) string {
	if p := PrincipalFrom(ctx); p != nil && p.ARN != "" {
		return p.ARN
	}
	return "idcenter"
}
