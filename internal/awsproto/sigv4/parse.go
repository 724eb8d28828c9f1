package sigv4

import (
	"strings"
	"time"
)

const (
	algorithm  = "AWS4-HMAC-SHA256"
	terminator = "aws4_request"
	// amzDateLayout is ISO 8601 basic format, as in X-Amz-Date.
	amzDateLayout = "20060102T150405Z"
	// maxExpires is the longest X-Amz-Expires AWS accepts: seven days.
	maxExpires = 604800
	// defaultExpires applies to presigned URLs without X-Amz-Expires. STS
	// treats such URLs (for example from the SDKs' PresignGetCallerIdentity)
	// as valid for 15 minutes.
	defaultExpires = 900
)

// credential is a parsed Credential value:
// AKID/YYYYMMDD/region/service/aws4_request.
type credential struct {
	accessKeyID string
	scope       string // "YYYYMMDD/region/service/aws4_request"
	date        string
	region      string
	service     string
}

// authParams are the signature parameters of either form.
type authParams struct {
	cred          credential
	signedHeaders string
	signature     [32]byte
}

// parseAuthorization parses an Authorization header value of the form
// "AWS4-HMAC-SHA256 Credential=…, SignedHeaders=…, Signature=…", tolerating
// any number of spaces around the commas (§ "Authorization header" of the
// SigV4 reference).
func parseAuthorization(h string) (authParams, *Error) {
	var p authParams
	rest, ok := strings.CutPrefix(h, algorithm)
	if !ok || (rest != "" && rest[0] != ' ') {
		return p, refuse(ReasonIncomplete, formHeader.unsupportedAlgorithm())
	}
	rest = trimSpace(rest)
	var cred, signed, sig string
	var haveCred, haveSigned, haveSig bool
	for more := rest != ""; more; {
		var part string
		part, rest, more = strings.Cut(rest, ",")
		part = trimSpace(part)
		name, value, ok := strings.Cut(part, "=")
		if !ok {
			return p, refuse(ReasonIncomplete, "The Authorization header has a malformed parameter; "+
				"expected 'Credential=…, SignedHeaders=…, Signature=…'.")
		}
		var dst *string
		var have *bool
		switch name {
		case "Credential":
			dst, have = &cred, &haveCred
		case "SignedHeaders":
			dst, have = &signed, &haveSigned
		case "Signature":
			dst, have = &sig, &haveSig
		default:
			return p, refuse(ReasonIncomplete, "The Authorization header has an unknown parameter; "+
				"expected 'Credential=…, SignedHeaders=…, Signature=…'.")
		}
		if *have {
			return p, refuse(ReasonIncomplete, formHeader.duplicate(name))
		}
		*dst, *have = value, true
	}
	if !haveCred || !haveSigned || !haveSig {
		var msg []string
		if !haveCred {
			msg = append(msg, formHeader.requires("Credential"))
		}
		if !haveSig {
			msg = append(msg, formHeader.requires("Signature"))
		}
		if !haveSigned {
			msg = append(msg, formHeader.requires("SignedHeaders"))
		}
		return p, refuse(ReasonIncomplete, strings.Join(msg, " "))
	}
	return p, p.fill(formHeader, cred, signed, sig)
}

// fill validates and stores the three signature parameters.
func (p *authParams) fill(f form, cred, signed, sig string) *Error {
	var ok bool
	if p.cred, ok = parseCredential(cred); !ok {
		return refuse(ReasonIncomplete, f.malformedCredential())
	}
	if !validSignedHeaders(signed) {
		return refuse(ReasonIncomplete, f.malformedSignedHeaders())
	}
	p.signedHeaders = signed
	if p.signature, ok = decodeHex32(sig); !ok {
		return refuse(ReasonIncomplete, f.malformedSignature())
	}
	return nil
}

// parseCredential splits AKID/YYYYMMDD/region/service/aws4_request and checks
// the shape of every part.
func parseCredential(s string) (credential, bool) {
	var c credential
	akid, scope, ok := strings.Cut(s, "/")
	if !ok || !validName(akid, 128, false) {
		return c, false
	}
	date, rest, ok := strings.Cut(scope, "/")
	if !ok || len(date) != 8 || !allDigits(date) {
		return c, false
	}
	region, rest, ok := strings.Cut(rest, "/")
	if !ok || !validName(region, 64, true) {
		return c, false
	}
	service, term, ok := strings.Cut(rest, "/")
	if !ok || !validName(service, 64, true) || term != terminator {
		return c, false
	}
	return credential{accessKeyID: akid, scope: scope, date: date, region: region, service: service}, true
}

// validName reports whether s has 1..max characters from [A-Za-z0-9] (plus
// "-", "_" and "." when punct is set).
func validName(s string, max int, punct bool) bool {
	if s == "" || len(s) > max {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9':
		case punct && (c == '-' || c == '_' || c == '.'):
		default:
			return false
		}
	}
	return true
}

func allDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// validSignedHeaders reports whether s is a non-empty list of lowercase
// header names separated by ";", in strictly ascending order (so without
// duplicates), as every AWS SDK writes it.
func validSignedHeaders(s string) bool {
	if s == "" {
		return false
	}
	prev := ""
	for rest := s; rest != ""; {
		var name string
		name, rest, _ = strings.Cut(rest, ";")
		if name == "" || name <= prev {
			return false
		}
		for i := 0; i < len(name); i++ {
			if !lowerTokenChar(name[i]) {
				return false
			}
		}
		prev = name
	}
	return !strings.HasSuffix(s, ";")
}

// lowerTokenChar reports whether c is an RFC 9110 token character other than
// an uppercase letter.
func lowerTokenChar(c byte) bool {
	switch {
	case 'a' <= c && c <= 'z', '0' <= c && c <= '9', c == '-':
		return true
	}
	switch c {
	case '!', '#', '$', '%', '&', '\'', '*', '+', '.', '^', '_', '`', '|', '~':
		return true
	}
	return false
}

// decodeHex32 decodes 64 hexadecimal digits (either case).
func decodeHex32(s string) (out [32]byte, ok bool) {
	if len(s) != 64 {
		return out, false
	}
	for i := 0; i < 32; i++ {
		hi, ok1 := fromHex(s[2*i])
		lo, ok2 := fromHex(s[2*i+1])
		if !ok1 || !ok2 {
			return out, false
		}
		out[i] = hi<<4 | lo
	}
	return out, true
}

func fromHex(c byte) (byte, bool) {
	switch {
	case '0' <= c && c <= '9':
		return c - '0', true
	case 'a' <= c && c <= 'f':
		return c - 'a' + 10, true
	case 'A' <= c && c <= 'F':
		return c - 'A' + 10, true
	}
	return 0, false
}

// parseAmzDate parses ISO 8601 basic format (20060102T150405Z) strictly.
func parseAmzDate(s string) (time.Time, bool) {
	if len(s) != len(amzDateLayout) || s[8] != 'T' || s[15] != 'Z' ||
		!allDigits(s[:8]) || !allDigits(s[9:15]) {
		return time.Time{}, false
	}
	n := func(i, j int) int {
		v := 0
		for k := i; k < j; k++ {
			v = v*10 + int(s[k]-'0')
		}
		return v
	}
	year, month, day := n(0, 4), n(4, 6), n(6, 8)
	hour, minute, sec := n(9, 11), n(11, 13), n(13, 15)
	t := time.Date(year, time.Month(month), day, hour, minute, sec, 0, time.UTC)
	// time.Date normalizes out-of-range fields (month 13, hour 25); refuse them.
	if t.Year() != year || int(t.Month()) != month || t.Day() != day ||
		t.Hour() != hour || t.Minute() != minute || t.Second() != sec {
		return time.Time{}, false
	}
	return t, true
}

// appendAmzDate appends t in ISO 8601 basic format.
func appendAmzDate(b []byte, t time.Time) []byte {
	return t.UTC().AppendFormat(b, amzDateLayout)
}

// parseExpires parses X-Amz-Expires: 1..604800 seconds.
func parseExpires(s string) (int, *Error) {
	if s == "" || !allDigits(s) {
		return 0, refuse(ReasonIncomplete, msgExpiresMalformed)
	}
	if len(s) > 7 {
		return 0, refuse(ReasonExpired, msgExpiresTooLong)
	}
	v := 0
	for i := 0; i < len(s); i++ {
		v = v*10 + int(s[i]-'0')
	}
	switch {
	case v < 1:
		return 0, refuse(ReasonIncomplete, msgExpiresMalformed)
	case v > maxExpires:
		return 0, refuse(ReasonExpired, msgExpiresTooLong)
	}
	return v, nil
}

// trimSpace trims spaces and horizontal tabs, the HTTP optional whitespace.
func trimSpace(s string) string {
	i, j := 0, len(s)
	for i < j && (s[i] == ' ' || s[i] == '\t') {
		i++
	}
	for j > i && (s[j-1] == ' ' || s[j-1] == '\t') {
		j--
	}
	return s[i:j]
}
