package creds

import (
	"context"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base32"
	"encoding/base64"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/idcenter/idcenter/internal/awsproto/sigv4"
	"github.com/idcenter/idcenter/internal/idc"
	"github.com/idcenter/idcenter/internal/store"
)

// PurposeSessionToken is the keyring purpose session tokens are sealed for.
const PurposeSessionToken = "sts-session-token"

// DefaultSessionDuration is the role session length of a permission set
// that does not say (sso-admin's default, PT1H).
const DefaultSessionDuration = time.Hour

// maxSessionToken bounds the session token a request may present.
const maxSessionToken = 8192

// Entitlements says which roles a user may use now; internal/access
// implements it. Each entitlement names the account, the permission set
// (whose name is the portal's roleName), the provisioned IAM role
// (AWSReservedSSO_…) and the permission set's session duration. MayUse is
// the check of one assignment that Issue makes last. Both are current as
// of the call (internal/access applies every committed change first).
type Entitlements interface {
	Entitlements(ctx context.Context, identityStoreID, userID string) ([]idc.Entitlement, error)
	MayUse(ctx context.Context, userID, accountID, permissionSetARN string) (bool, error)
}

// Option adjusts a Service.
type Option func(*Service)

// WithEntitlements lets the Service issue role credentials (Issue,
// IssueRoleCredentials); without it they are refused with KindDenied.
func WithEntitlements(e Entitlements) Option { return func(s *Service) { s.ents = e } }

// WithClock sets the clock (default time.Now).
func WithClock(now func() time.Time) Option { return func(s *Service) { s.now = now } }

// SessionTag is a tag a role session carries (an access-control attribute
// of the user, sts:TagSession).
type SessionTag struct {
	Key   string
	Value string
}

// Session is what a session token says about a role session (see
// SessionOf); ResolveKey's principal carries only its ARN.
type Session struct {
	AccessKeyID     string
	AccountID       string
	RoleName        string // AWSReservedSSO_<permission set>_<16 hex>
	UserName        string
	UserID          string
	IdentityStoreID string
	IssuedAt        time.Time
	Expiration      time.Time
	Tags            []SessionTag
}

// ARN is the assumed-role ARN of the session:
// arn:aws:sts::<account>:assumed-role/<role>/<user name>.
func (s *Session) ARN() string {
	return "arn:aws:sts::" + s.AccountID + ":assumed-role/" + s.RoleName + "/" + s.UserName
}

// RoleID returns an IAM unique id of the form AWS gives roles (AROA + 17
// characters), derived from the account and role name so that every
// replica agrees.
func RoleID(accountID, roleName string) string {
	return uniqueID("AROA", accountID+"/role/"+roleName)
}

// UserID returns an IAM unique id of the form AWS gives users (AIDA + 17
// characters), derived from the account and user name.
func UserID(accountID, userName string) string {
	return uniqueID("AIDA", accountID+"/user/"+userName)
}

func uniqueID(prefix, seed string) string {
	sum := sha256.Sum256([]byte(seed))
	var enc [56]byte // base32 of 32 bytes
	base32.StdEncoding.Encode(enc[:], sum[:])
	return prefix + string(enc[:17])
}

// Issue issues temporary credentials for the role roleName (a permission
// set name, as the portal lists it) in an account, to a user of an identity
// store (sso GetRoleCredentials). KindDenied ("No access") when the user is
// not entitled to it now, or the account does not exist: the two are not
// told apart. The credentials last the permission set's session duration
// and carry the instance's access-control attributes as session tags.
func (s *Service) Issue(ctx context.Context, identityStoreID, userID, accountID, roleName string) (*idc.RoleCredentials, error) {
	if s.ents == nil {
		return nil, noAccess()
	}
	es, err := s.ents.Entitlements(ctx, identityStoreID, userID)
	if err != nil {
		return nil, fmt.Errorf("entitlements: %w", err)
	}
	var ent *idc.Entitlement
	for i := range es {
		if es[i].AccountID == accountID && es[i].PermissionSetName == roleName {
			ent = &es[i]
			break
		}
	}
	if ent == nil {
		return nil, noAccess()
	}
	ok, err := s.ents.MayUse(ctx, userID, accountID, ent.PermissionSetARN)
	if err != nil {
		return nil, fmt.Errorf("check assignment: %w", err)
	}
	if !ok {
		return nil, noAccess()
	}
	who, err := s.identity(ctx, identityStoreID, userID)
	if err != nil {
		return nil, err
	}
	d := ent.SessionDuration
	if d <= 0 {
		d = DefaultSessionDuration
	}
	now := s.now().Truncate(time.Second)
	sess := &Session{
		AccessKeyID: newTemporaryKeyID(), AccountID: accountID, RoleName: ent.RoleName, UserName: who.userName,
		UserID: userID, IdentityStoreID: identityStoreID, IssuedAt: now, Expiration: now.Add(d), Tags: who.tags,
	}
	secret := idc.NewSecretAccessKey()
	return &idc.RoleCredentials{
		AccessKeyID:     sess.AccessKeyID,
		SecretAccessKey: secret,
		SessionToken:    s.sealSession(sess, secret),
		Expiration:      sess.Expiration,
	}, nil
}

// IssueRoleCredentials is Issue for a signed-in portal session (the
// portal's "command line or programmatic access"): KindUnauthenticated if
// the session is not active, KindDenied if the user is not entitled.
func (s *Service) IssueRoleCredentials(ctx context.Context, sess *idc.Session, accountID, roleName string) (*idc.RoleCredentials, error) {
	if sess == nil || !sess.Active(s.now()) {
		return nil, &idc.Error{Kind: idc.KindUnauthenticated, Msg: "Sign in again."}
	}
	return s.Issue(ctx, sess.IdentityStoreID, sess.UserID, accountID, roleName)
}

func noAccess() *idc.Error { return &idc.Error{Kind: idc.KindDenied, Msg: "No access"} }

// newTemporaryKeyID returns "ASIA" + 16 characters, the form of temporary
// access key ids.
func newTemporaryKeyID() string {
	id := idc.NewAccessKeyID()
	return "ASIA" + id[4:]
}

// isTemporaryKey reports whether an access key id is a temporary one.
func isTemporaryKey(id string) bool { return strings.HasPrefix(id, "ASIA") }

// The session token is the keyring seal (AES-256-GCM) of version 1 of:
// access key id, secret, account, role, user name, user id, identity store
// (each length-prefixed), issued and expiry (Unix seconds, varint) and the
// tags. It is self-describing, so SigV4 verification of temporary
// credentials needs no database.
func (s *Service) sealSession(sess *Session, secret string) string {
	b := make([]byte, 0, 256)
	b = append(b, 1)
	str := func(v string) { b = binary.AppendUvarint(b, uint64(len(v))); b = append(b, v...) }
	for _, v := range []string{sess.AccessKeyID, secret, sess.AccountID, sess.RoleName, sess.UserName, sess.UserID, sess.IdentityStoreID} {
		str(v)
	}
	b = binary.AppendVarint(b, sess.IssuedAt.Unix())
	b = binary.AppendVarint(b, sess.Expiration.Unix())
	b = binary.AppendUvarint(b, uint64(len(sess.Tags)))
	for _, t := range sess.Tags {
		str(t.Key)
		str(t.Value)
	}
	return base64.StdEncoding.EncodeToString(s.keys.Seal(PurposeSessionToken, b))
}

var errToken = errors.New("invalid session token")

// openSession opens a session token: errToken unless it was sealed by this
// keyring.
func (s *Service) openSession(token string) (*Session, string, error) {
	if len(token) > maxSessionToken {
		return nil, "", errToken
	}
	sealed, err := base64.StdEncoding.Strict().DecodeString(token)
	if err != nil {
		return nil, "", errToken
	}
	b, err := s.keys.Open(PurposeSessionToken, sealed)
	if err != nil || len(b) == 0 || b[0] != 1 {
		return nil, "", errToken
	}
	// The fields are substrings of one copy of the plaintext, and the
	// varints are read from b at the same offsets.
	plain := string(b)
	off := 1
	str := func() (string, bool) {
		n, k := binary.Uvarint(b[off:])
		if k <= 0 || n > uint64(len(b)-off-k) {
			return "", false
		}
		off += k
		v := plain[off : off+int(n)]
		off += int(n)
		return v, true
	}
	varint := func() (int64, bool) {
		v, k := binary.Varint(b[off:])
		off += max(k, 0)
		return v, k > 0
	}
	sess := &Session{}
	var secret string
	for _, p := range [...]*string{&sess.AccessKeyID, &secret, &sess.AccountID, &sess.RoleName, &sess.UserName, &sess.UserID, &sess.IdentityStoreID} {
		var ok bool
		if *p, ok = str(); !ok {
			return nil, "", errToken
		}
	}
	iat, ok1 := varint()
	exp, ok2 := varint()
	n, k := binary.Uvarint(b[off:])
	if !ok1 || !ok2 || k <= 0 || n > 50 {
		return nil, "", errToken
	}
	off += k
	sess.IssuedAt, sess.Expiration = time.Unix(iat, 0).UTC(), time.Unix(exp, 0).UTC()
	if n > 0 {
		sess.Tags = make([]SessionTag, 0, n)
	}
	for range n {
		k, ok1 := str()
		v, ok2 := str()
		if !ok1 || !ok2 {
			return nil, "", errToken
		}
		sess.Tags = append(sess.Tags, SessionTag{Key: k, Value: v})
	}
	return sess, secret, nil
}

// resolveTemporary resolves a temporary key from its session token alone:
// ErrUnknownKey if the token is missing, forged, sealed under another
// master key or names another key; ErrTokenExpired after its expiry.
func (s *Service) resolveTemporary(accessKeyID, token string) (sigv4.Key, error) {
	if token == "" {
		return sigv4.Key{}, sigv4.ErrUnknownKey
	}
	sess, secret, err := s.openSession(token)
	if err != nil || subtle.ConstantTimeCompare([]byte(sess.AccessKeyID), []byte(accessKeyID)) != 1 {
		return sigv4.Key{}, sigv4.ErrUnknownKey
	}
	if !s.now().Before(sess.Expiration) {
		return sigv4.Key{}, sigv4.ErrTokenExpired
	}
	return sigv4.Key{
		Secret:    []byte(secret),
		Principal: &idc.Principal{AccessKeyID: accessKeyID, ARN: sess.ARN()},
	}, nil
}

// SessionOf returns what a valid, unexpired session token says (for
// consumers that need the tags or the user, such as the policy engine):
// ErrUnknownKey or ErrTokenExpired as ResolveKey.
func (s *Service) SessionOf(accessKeyID, token string) (*Session, error) {
	if _, err := s.resolveTemporary(accessKeyID, token); err != nil {
		return nil, err
	}
	sess, _, err := s.openSession(token)
	return sess, err
}

// identityTTL bounds how long a user's name and session tags are served
// from memory: a renamed user or a changed attribute shows in credentials
// issued IdentityTTL later at most.
const identityTTL = 10 * time.Second

// maxIdentities bounds the identity cache; it is cleared beyond it.
const maxIdentities = 20000

type identity struct {
	userName string
	tags     []SessionTag
	until    time.Time
}

// identity returns the user name and session tags of a user (KindDenied if
// the user does not exist), from memory when fresh.
func (s *Service) identity(ctx context.Context, identityStoreID, userID string) (*identity, error) {
	key := identityStoreID + "/" + userID
	now := s.now()
	s.mu.Lock()
	id, ok := s.identities[key]
	s.mu.Unlock()
	if ok && now.Before(id.until) {
		return id, nil
	}
	u, err := s.st.GetUser(ctx, identityStoreID, userID)
	if errors.Is(err, store.ErrNotFound) {
		return nil, noAccess()
	}
	if err != nil {
		return nil, fmt.Errorf("find user: %w", err)
	}
	tags, err := s.sessionTags(ctx, u)
	if err != nil {
		return nil, err
	}
	id = &identity{userName: u.UserName, tags: tags, until: now.Add(identityTTL)}
	s.mu.Lock()
	if s.identities == nil || len(s.identities) >= maxIdentities {
		s.identities = map[string]*identity{}
	}
	s.identities[key] = id
	s.mu.Unlock()
	return id, nil
}

// sessionTags returns the session tags of a user's role sessions: the
// instance's access-control attributes, each resolved against the user
// (a tag whose attribute is empty is left out, as AWS does).
func (s *Service) sessionTags(ctx context.Context, u *idc.User) ([]SessionTag, error) {
	in, err := s.st.GetInstanceByIdentityStore(ctx, u.IdentityStoreID)
	if errors.Is(err, store.ErrNotFound) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("find instance: %w", err)
	}
	attrs, err := s.st.GetAccessControlAttributes(ctx, in.InstanceARN)
	if errors.Is(err, store.ErrNotFound) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("access control attributes: %w", err)
	}
	var tags []SessionTag
	for _, a := range attrs {
		if v := attributeValue(u, a.Source); v != "" {
			tags = append(tags, SessionTag{Key: a.Key, Value: v})
		}
	}
	return tags, nil
}

// attributeValue resolves an access-control attribute source of the form
// ${path:<attribute>} against a user: userName, displayName, nickName,
// title, userType, locale, preferredLanguage, timezone, profileUrl,
// name.<part>, emails / phoneNumbers [primary eq true].value,
// addresses[primary eq true].<part> and enterprise.<attribute> (the
// enterprise extension, enterprise.manager.value included). Other sources
// (SAML assertion attributes) resolve to "".
func attributeValue(u *idc.User, source string) string {
	path, ok := strings.CutPrefix(source, "${path:")
	if !ok {
		return ""
	}
	path, ok = strings.CutSuffix(path, "}")
	if !ok {
		return ""
	}
	a := &u.Attrs
	switch strings.ToLower(path) {
	case "username":
		return u.UserName
	case "displayname":
		return a.DisplayName
	case "nickname":
		return a.NickName
	case "title":
		return a.Title
	case "usertype":
		return a.UserType
	case "locale":
		return a.Locale
	case "preferredlanguage":
		return a.PreferredLanguage
	case "timezone":
		return a.Timezone
	case "profileurl":
		return a.ProfileURL
	case "emails[primary eq true].value", "emails.value":
		return u.PrimaryEmail()
	case "phonenumbers[primary eq true].value", "phonenumbers.value":
		for _, p := range a.PhoneNumbers {
			if p.Primary != nil && *p.Primary || len(a.PhoneNumbers) == 1 {
				return p.Value
			}
		}
		return ""
	}
	if part, ok := strings.CutPrefix(strings.ToLower(path), "name."); ok && a.Name != nil {
		return map[string]string{"givenname": a.Name.GivenName, "familyname": a.Name.FamilyName, "middlename": a.Name.MiddleName,
			"formatted": a.Name.Formatted, "honorificprefix": a.Name.HonorificPrefix, "honorificsuffix": a.Name.HonorificSuffix}[part]
	}
	if part, ok := strings.CutPrefix(strings.ToLower(path), "addresses[primary eq true]."); ok {
		for _, ad := range a.Addresses {
			if ad.Primary != nil && *ad.Primary || len(a.Addresses) == 1 {
				return map[string]string{"streetaddress": ad.StreetAddress, "locality": ad.Locality, "region": ad.Region,
					"postalcode": ad.PostalCode, "country": ad.Country, "formatted": ad.Formatted}[part]
			}
		}
		return ""
	}
	if part, ok := strings.CutPrefix(path, "enterprise."); ok {
		raw := a.Extensions["aws:identitystore:enterprise"]
		if len(raw) == 0 {
			return ""
		}
		var ext map[string]json.RawMessage
		if json.Unmarshal(raw, &ext) != nil {
			return ""
		}
		key, sub, nested := strings.Cut(part, ".")
		v := ext[key]
		if nested {
			var m map[string]json.RawMessage
			if json.Unmarshal(v, &m) != nil {
				return ""
			}
			v = m[sub]
		}
		var out string
		if json.Unmarshal(v, &out) != nil {
			return ""
		}
		return out
	}
	return ""
}
