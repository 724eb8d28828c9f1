package sigv4

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"net/http"
	"strings"
	"sync"
	"time"
)

// Names of the presigned query parameters and of the special payload hash.
const (
	paramAlgorithm     = "X-Amz-Algorithm"
	paramCredential    = "X-Amz-Credential"
	paramDate          = "X-Amz-Date"
	paramExpires       = "X-Amz-Expires"
	paramSignedHeaders = "X-Amz-SignedHeaders"
	paramSignature     = "X-Amz-Signature"
	paramSecurityToken = "X-Amz-Security-Token"

	unsignedPayload = "UNSIGNED-PAYLOAD"

	// dummySecret signs requests of unknown keys, so that they cost the
	// same work as known ones.
	dummySecret = "sigv4-dummy-secret-for-unknown-access-keys"
)

// Key is what a Resolver returns for an access key ID.
type Key struct {
	// Secret is the secret access key, in plaintext and in memory only.
	Secret []byte
	// Principal is opaque to sigv4 and returned in Result.
	Principal any
}

// Resolver looks up the secret of an access key. sessionToken is the
// X-Amz-Security-Token value ("" if none). ResolveKey returns ErrUnknownKey
// (or an error wrapping it) for unknown keys and invalid tokens, and
// ErrTokenExpired for expired session tokens; any other error is an internal
// failure, which Verify returns unchanged. It may be called concurrently.
type Resolver interface {
	ResolveKey(ctx context.Context, accessKeyID, sessionToken string) (Key, error)
}

// Verifier checks SigV4 signatures. It is safe for concurrent use once
// configured, and must not be copied after first use: it holds a small
// cache of derived signing keys.
type Verifier struct {
	// Resolver finds the secret of an access key. It must not be nil.
	Resolver Resolver
	// Now is the clock; nil means time.Now.
	Now func() time.Time
	// MaxSkew is how far the request time may be from Now; 0 means 5
	// minutes, what AWS's JSON services allow.
	MaxSkew time.Duration

	keys keyCache
	pool sync.Pool // of *scratch
}

// NewVerifier returns a Verifier that resolves keys with r, reads time.Now
// and allows 5 minutes of clock skew.
func NewVerifier(r Resolver) *Verifier {
	return &Verifier{Resolver: r}
}

// Result describes a verified request.
type Result struct {
	AccessKeyID  string
	Region       string // region of the credential scope
	Service      string // service of the credential scope
	SessionToken string // X-Amz-Security-Token, "" if none
	SignedAt     time.Time
	Principal    any // Key.Principal
}

// signed is what Verify learns from the signature parameters of a request.
type signed struct {
	form     form
	auth     authParams
	amzDate  string // the request time exactly as signed
	signedAt time.Time
	expires  int // seconds; presigned only
	token    string
}

// Verify checks the SigV4 signature of r, whose full body the caller has
// already read into body (Verify does not read r.Body). It accepts any
// region and service in the credential scope; the caller checks
// Result.Service if it cares. A refused request yields an *Error; an error
// of the Resolver other than ErrUnknownKey or ErrTokenExpired is returned
// unchanged.
func (v *Verifier) Verify(ctx context.Context, r *http.Request, body []byte) (*Result, error) {
	c := v.getScratch()
	defer v.putScratch(c)
	params, queryOK := parseQuery(r.URL.RawQuery, c.params[:0])
	c.params = params
	s, e := parseSigned(r, params)
	if e != nil {
		return nil, e
	}
	if !queryOK {
		return nil, refuse(ReasonBadSignature, msgBadQuery)
	}
	if s.auth.cred.date != s.amzDate[:8] {
		return nil, refuse(ReasonBadSignature, msgScopeDate(s.auth.cred.date, s.amzDate[:8], s.amzDate))
	}
	if e := v.checkTime(&s); e != nil {
		return nil, e
	}

	// The payload hash is always computed here (SigV4 reference, step 1.6);
	// a declared X-Amz-Content-Sha256 must agree with it.
	sum := sha256.Sum256(body)
	var hexSum [64]byte
	hex.Encode(hexSum[:], sum[:])
	payload := hexSum[:]
	tryUnsigned := false
	if decl, ok := r.Header["X-Amz-Content-Sha256"]; ok {
		switch got, isHex := decodeHex32(first(decl)); {
		case len(decl) != 1:
			return nil, refuse(ReasonBadSignature, msgHashBad)
		case decl[0] == unsignedPayload:
			if s.form != formQuery {
				return nil, refuse(ReasonBadSignature, msgUnsigned)
			}
			payload = []byte(unsignedPayload)
		case !isHex || !hmac.Equal(got[:], sum[:]):
			return nil, refuse(ReasonBadSignature, msgHashBad)
		}
	} else if s.form == formQuery {
		// Presigned URLs may carry UNSIGNED-PAYLOAD in their canonical
		// request without saying so (S3-style presigning).
		tryUnsigned = true
	}

	// Canonical request (SigV4 reference, step 1): method, canonical URI,
	// canonical query, canonical headers, signed headers, payload hash. All
	// but the URI and the payload hash are the same for every variant tried.
	c.method = r.Method
	if c.method == "" {
		c.method = http.MethodGet
	}
	path := canonicalPath(r)
	mid := append(c.mid[:0], '\n')
	mid = appendCanonicalQuery(mid, params, s.form == formQuery)
	mid = append(mid, '\n')
	mid = appendCanonicalHeaders(mid, r, s.auth.signedHeaders)
	mid = append(mid, '\n')
	mid = append(mid, s.auth.signedHeaders...)
	c.mid = append(mid, '\n')

	prefix := append(c.prefix[:0], algorithm+"\n"...)
	prefix = append(prefix, s.amzDate...)
	prefix = append(prefix, '\n')
	prefix = append(prefix, s.auth.cred.scope...)
	c.prefix = append(prefix, '\n')
	c.stringToSign(path, payload)

	key, err := v.Resolver.ResolveKey(ctx, s.auth.cred.accessKeyID, s.token)
	unknown := false
	if err != nil {
		switch {
		case errors.Is(err, ErrUnknownKey):
			unknown = true
			key.Secret = []byte(dummySecret)
		case errors.Is(err, ErrTokenExpired):
			return nil, refuse(ReasonTokenExpired, msgExpired)
		default:
			return nil, err
		}
	}
	cred := &s.auth.cred
	sk := v.keys.signingKey(key.Secret, cred.date, cred.region, cred.service)
	ok := c.matches(&sk, &s.auth.signature)
	if unknown {
		return nil, refuse(ReasonUnknownKey, msgUnknown)
	}
	if !ok {
		// Other canonical forms real clients produce: botocore's normalized
		// path, and UNSIGNED-PAYLOAD for presigned URLs.
		paths := []string{path}
		if np := normalizePath(path); np != path {
			paths = append(paths, np)
		}
		payloads := [][]byte{payload}
		if tryUnsigned {
			payloads = append(payloads, []byte(unsignedPayload))
		}
		for i, p := range paths {
			for j, pl := range payloads {
				if i+j > 0 {
					c.stringToSign(p, pl)
					ok = c.matches(&sk, &s.auth.signature) || ok
				}
			}
		}
	}
	if !ok {
		return nil, refuse(ReasonBadSignature, msgBadSig)
	}
	return &Result{
		AccessKeyID:  cred.accessKeyID,
		Region:       cred.region,
		Service:      cred.service,
		SessionToken: s.token,
		SignedAt:     s.signedAt,
		Principal:    key.Principal,
	}, nil
}

// scratch holds the buffers of one verification. A Verifier pools them, so
// that verifying a request allocates little more than its Result.
type scratch struct {
	params []queryParam
	method string
	mid    []byte // "\n" query "\n" headers "\n" signed headers "\n"
	prefix []byte // algorithm "\n" date "\n" scope "\n"
	// buf holds the canonical request, then HMAC's inner pad (blockSize
	// bytes) followed by the string to sign.
	buf []byte
}

// maxPooled is the largest scratch buffer returned to the pool; requests
// with huge headers or queries get a fresh one.
const maxPooled = 16 << 10

func (v *Verifier) getScratch() *scratch {
	if c, ok := v.pool.Get().(*scratch); ok {
		return c
	}
	return &scratch{
		params: make([]queryParam, 0, 8),
		mid:    make([]byte, 0, 1024),
		prefix: make([]byte, 0, 128),
		buf:    make([]byte, 0, 1024),
	}
}

// putScratch wipes c (it held header values such as session tokens) and
// returns it to the pool.
func (v *Verifier) putScratch(c *scratch) {
	if cap(c.mid) > maxPooled || cap(c.buf) > maxPooled || cap(c.params) > 256 {
		return
	}
	clear(c.params[:cap(c.params)])
	clear(c.mid[:cap(c.mid)])
	clear(c.buf[:cap(c.buf)])
	c.params, c.mid, c.buf, c.method = c.params[:0], c.mid[:0], c.buf[:0], ""
	v.pool.Put(c)
}

// blockSize is the SHA-256 block size, HMAC's B (RFC 2104 §2).
const blockSize = 64

// stringToSign puts into c.buf, after blockSize bytes of room for HMAC's
// inner pad, the string to sign (SigV4 reference, step 2) for the canonical
// request with the given escaped path and payload hash.
func (c *scratch) stringToSign(path string, payload []byte) {
	b := append(c.buf[:0], c.method...)
	b = append(b, '\n')
	b = appendEncoded(b, path, true)
	b = append(b, c.mid...)
	b = append(b, payload...)
	sum := sha256.Sum256(b)
	var pad [blockSize]byte
	b = append(b[:0], pad[:]...)
	b = append(b, c.prefix...)
	c.buf = hex.AppendEncode(b, sum[:])
}

// matches reports whether HMAC-SHA256 under key of the string to sign in
// c.buf equals want, compared in constant time (SigV4 reference, step 4).
// The HMAC is RFC 2104's H(K^opad || H(K^ipad || text)) computed in place,
// without the allocations of crypto/hmac; the key is shorter than a block.
func (c *scratch) matches(key, want *[32]byte) bool {
	in := c.buf
	var out [blockSize + sha256.Size]byte
	for i := range blockSize {
		var k byte
		if i < len(key) {
			k = key[i]
		}
		in[i] = k ^ 0x36
		out[i] = k ^ 0x5c
	}
	inner := sha256.Sum256(in)
	copy(out[blockSize:], inner[:])
	got := sha256.Sum256(out[:])
	return hmac.Equal(got[:], want[:])
}

// parseSigned reads and validates the signature parameters of either form.
func parseSigned(r *http.Request, params []queryParam) (signed, *Error) {
	var s signed
	authz, hasHeader := r.Header["Authorization"]
	// idx holds, for each presign parameter, 1 + its index in params, 0
	// when absent and -1 when repeated.
	const (
		iAlgorithm = iota
		iCredential
		iDate
		iExpires
		iSignedHeaders
		iSignature
		iSecurityToken
	)
	names := [...]string{paramAlgorithm, paramCredential, paramDate, paramExpires,
		paramSignedHeaders, paramSignature, paramSecurityToken}
	var idx [len(names)]int
	for i, p := range params {
		for j, n := range names {
			if p.key == n {
				if idx[j] != 0 {
					idx[j] = -1
				} else {
					idx[j] = i + 1
				}
			}
		}
	}
	if idx[iAlgorithm] == -1 {
		return s, refuse(ReasonIncomplete, formQuery.duplicate("Algorithm"))
	}
	hasQuery := idx[iAlgorithm] != 0
	switch {
	case !hasHeader && !hasQuery:
		return s, refuse(ReasonMissing, msgMissing)
	case hasHeader && hasQuery:
		return s, refuse(ReasonIncomplete, msgBothAuth)
	}

	var e *Error
	dateHeader := "x-amz-date"
	if hasHeader {
		s.form = formHeader
		if len(authz) != 1 {
			return s, refuse(ReasonIncomplete, msgTwoAuth)
		}
		if s.auth, e = parseAuthorization(authz[0]); e != nil {
			return s, e
		}
		if d, ok := r.Header["X-Amz-Date"]; ok {
			if len(d) != 1 {
				return s, refuse(ReasonBadSignature, msgTwoDates)
			}
			if s.signedAt, ok = parseAmzDate(d[0]); !ok {
				return s, refuse(ReasonIncomplete, msgBadDate)
			}
			s.amzDate = d[0]
		} else if d, ok := r.Header["Date"]; ok {
			t, err := time.Parse(http.TimeFormat, first(d))
			if len(d) != 1 || err != nil {
				return s, refuse(ReasonIncomplete, msgNoDate)
			}
			s.signedAt = t.UTC()
			s.amzDate = string(appendAmzDate(nil, s.signedAt))
			dateHeader = "date"
		} else {
			return s, refuse(ReasonIncomplete, msgNoDate)
		}
	} else {
		// Presigned URL (SigV4 reference, "Authentication information in
		// the query string").
		s.form = formQuery
		var vals [len(names)]string
		for j, n := range names {
			switch idx[j] {
			case -1:
				return s, refuse(ReasonIncomplete, formQuery.duplicate(strings.TrimPrefix(n, "X-Amz-")))
			case 0:
				if j != iExpires && j != iSecurityToken {
					return s, refuse(ReasonIncomplete, formQuery.requires(strings.TrimPrefix(n, "X-Amz-")))
				}
			default:
				vals[j] = params[idx[j]-1].value
			}
		}
		if vals[iAlgorithm] != algorithm {
			return s, refuse(ReasonIncomplete, formQuery.unsupportedAlgorithm())
		}
		if e = s.auth.fill(formQuery, vals[iCredential], vals[iSignedHeaders], vals[iSignature]); e != nil {
			return s, e
		}
		var ok bool
		if s.signedAt, ok = parseAmzDate(vals[iDate]); !ok {
			return s, refuse(ReasonIncomplete, msgBadDate)
		}
		s.amzDate = vals[iDate]
		s.expires = defaultExpires
		if idx[iExpires] != 0 {
			if s.expires, e = parseExpires(vals[iExpires]); e != nil {
				return s, e
			}
		}
		s.token = vals[iSecurityToken]
		dateHeader = "" // the date is in the query, which is signed
	}

	// Headers that must be signed: host always (SigV4 reference), the date
	// header in header form, and X-Amz-Target and X-Amz-Security-Token when
	// present, so that a captured request cannot be retargeted to another
	// operation or session.
	tokenHeader, hasToken := r.Header["X-Amz-Security-Token"]
	_, hasTarget := r.Header["X-Amz-Target"]
	var sawHost, sawDate, sawTarget, sawToken bool
	for rest := s.auth.signedHeaders; rest != ""; {
		var name string
		name, rest, _ = strings.Cut(rest, ";")
		switch name {
		case "host":
			sawHost = true
		case "x-amz-target":
			sawTarget = true
		case "x-amz-security-token":
			sawToken = true
		}
		if name == dateHeader {
			sawDate = true
		}
	}
	switch {
	case !sawHost:
		return s, refuse(ReasonIncomplete, msgHostUnsigned)
	case dateHeader == "x-amz-date" && !sawDate:
		return s, refuse(ReasonIncomplete, mustSign("X-Amz-Date"))
	case dateHeader == "date" && !sawDate:
		return s, refuse(ReasonIncomplete, mustSign("Date"))
	case hasTarget && !sawTarget:
		return s, refuse(ReasonIncomplete, mustSign("X-Amz-Target"))
	case hasToken && !sawToken:
		return s, refuse(ReasonIncomplete, mustSign("X-Amz-Security-Token"))
	}
	if hasToken {
		if len(tokenHeader) != 1 || (s.token != "" && s.token != tokenHeader[0]) {
			return s, refuse(ReasonIncomplete, msgTwoTokens)
		}
		s.token = tokenHeader[0]
	} else if s.form == formHeader {
		// A token in the query of a header-signed request is covered by
		// the canonical query.
		for _, p := range params {
			if p.key == paramSecurityToken {
				if s.token != "" {
					return s, refuse(ReasonIncomplete, formQuery.duplicate("Security-Token"))
				}
				s.token = p.value
			}
		}
	}
	return s, nil
}

// checkTime applies the clock rules: header signatures must be within
// ±MaxSkew of now; presigned URLs must not be dated later than now+MaxSkew
// and must be used within X-Amz-Expires seconds of their date.
func (v *Verifier) checkTime(s *signed) *Error {
	now := time.Now
	if v.Now != nil {
		now = v.Now
	}
	t := now().UTC()
	skew := v.MaxSkew
	if skew <= 0 {
		skew = 5 * time.Minute
	}
	if s.signedAt.After(t.Add(skew)) {
		return refuse(ReasonSkewed, msgSkew(s.signedAt, t, skew, false))
	}
	if s.form == formQuery {
		if t.After(s.signedAt.Add(time.Duration(s.expires) * time.Second)) {
			return refuse(ReasonExpired, msgPresignExpired)
		}
		return nil
	}
	if s.signedAt.Before(t.Add(-skew)) {
		return refuse(ReasonSkewed, msgSkew(s.signedAt, t, skew, true))
	}
	return nil
}

func first(vals []string) string {
	if len(vals) == 0 {
		return ""
	}
	return vals[0]
}
