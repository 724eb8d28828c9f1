// Package creds issues and resolves the credentials that sign AWS requests:
// the long-term administrator access keys, and the temporary (ASIA…)
// credentials of role sessions that the portal API issues
// (GetRoleCredentials). It satisfies the sigv4 Resolver contract.
//
// Long-term secrets are stored sealed by the keyring; resolved keys are
// cached in memory for a short time so the signature check of a hot request
// needs no database round trip. Temporary credentials are not stored at
// all: their session token is a sealed, self-describing blob (key id,
// secret, account, role, user, issue and expiry time, session tags), so
// verifying a request signed with them needs only the keyring. A tampered
// or foreign token is an unknown key; an expired one is ErrTokenExpired.
// As in IAM Identity Center, signing out does not revoke role credentials
// already issued: they last until they expire.
//
// creds imports idc, store, keys and the sigv4 contract; never net/http or
// an edge.
package creds

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/idcenter/idcenter/internal/awsproto/sigv4"
	"github.com/idcenter/idcenter/internal/idc"
	"github.com/idcenter/idcenter/internal/keys"
	"github.com/idcenter/idcenter/internal/store"
)

// PurposeAccessKey is the keyring purpose access-key secrets are sealed for.
const PurposeAccessKey = "access-key"

// cacheTTL bounds how long a resolved key (or a known-unknown key) is served
// from memory.
const cacheTTL = 30 * time.Second

// maxCache bounds the cache; beyond it the cache is cleared.
const maxCache = 10000

// Service resolves access keys. It is safe for concurrent use.
type Service struct {
	st        store.Store
	keys      *keys.Keyring
	accountID string
	now       func() time.Time
	ents      Entitlements
	mu        sync.Mutex
	// identities caches user names and session tags (see identity).
	identities map[string]*identity
	cache      map[string]cached
}

type cached struct {
	key     sigv4.Key
	unknown bool
	until   time.Time
}

// New returns a resolver over st. accountID is the management account that
// administrator principals belong to.
func New(st store.Store, kr *keys.Keyring, accountID string, opts ...Option) *Service {
	s := &Service{st: st, keys: kr, accountID: accountID, now: time.Now, cache: map[string]cached{}}
	for _, o := range opts {
		o(s)
	}
	return s
}

var _ sigv4.Resolver = (*Service)(nil)

// ResolveKey implements sigv4.Resolver. The Principal of a returned key is
// an *idc.Principal: Admin for administrator keys, the assumed-role ARN for
// temporary keys (which are resolved from their session token alone).
func (s *Service) ResolveKey(ctx context.Context, accessKeyID, sessionToken string) (sigv4.Key, error) {
	if isTemporaryKey(accessKeyID) {
		return s.resolveTemporary(accessKeyID, sessionToken)
	}
	if sessionToken != "" {
		// A token on a long-term key is refused like AWS refuses a
		// mismatched pair.
		return sigv4.Key{}, sigv4.ErrUnknownKey
	}
	now := s.now()
	s.mu.Lock()
	c, ok := s.cache[accessKeyID]
	s.mu.Unlock()
	if ok && now.Before(c.until) {
		if c.unknown {
			return sigv4.Key{}, sigv4.ErrUnknownKey
		}
		return c.key, nil
	}
	key, err := s.load(ctx, accessKeyID)
	switch {
	case errors.Is(err, sigv4.ErrUnknownKey):
		s.put(accessKeyID, cached{unknown: true, until: now.Add(cacheTTL)})
		return sigv4.Key{}, err
	case err != nil:
		return sigv4.Key{}, err
	}
	s.put(accessKeyID, cached{key: key, until: now.Add(cacheTTL)})
	return key, nil
}

func (s *Service) put(id string, c cached) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(s.cache) >= maxCache {
		clear(s.cache)
	}
	s.cache[id] = c
}

func (s *Service) load(ctx context.Context, id string) (sigv4.Key, error) {
	k, err := s.st.GetAccessKey(ctx, id)
	if errors.Is(err, store.ErrNotFound) {
		return sigv4.Key{}, sigv4.ErrUnknownKey
	}
	if err != nil {
		return sigv4.Key{}, fmt.Errorf("resolve access key: %w", err)
	}
	if k.Status != "Active" {
		return sigv4.Key{}, sigv4.ErrUnknownKey
	}
	secret, err := s.keys.Open(PurposeAccessKey, k.SecretCiphertext)
	if err != nil {
		return sigv4.Key{}, fmt.Errorf("open access key %s: %w", id, err)
	}
	return sigv4.Key{
		Secret: secret,
		Principal: &idc.Principal{
			AccessKeyID: id,
			ARN:         "arn:aws:iam::" + s.accountID + ":user/" + k.UserName,
			Admin:       true,
		},
	}, nil
}

// Secret returns the plaintext secret of an access key (for writing the
// bootstrap credentials file).
func (s *Service) Secret(ctx context.Context, id string) (string, error) {
	k, err := s.load(ctx, id)
	if err != nil {
		return "", err
	}
	return string(k.Secret), nil
}

// NewAccessKey seals secret with kr and returns the record to store.
func NewAccessKey(kr *keys.Keyring, id, secret, userName string, now time.Time) *idc.AccessKey {
	return &idc.AccessKey{
		AccessKeyID:      id,
		SecretCiphertext: kr.Seal(PurposeAccessKey, []byte(secret)),
		UserName:         userName,
		Status:           "Active",
		CreatedAt:        now,
	}
}
