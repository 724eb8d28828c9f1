package sigv4

import (
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
)

// queryParam is one name=value pair of the query string, decoded.
type queryParam struct {
	key, value string
}

// parseQuery splits a raw query on "&" and decodes each name and value
// ("+" is a space, as url.ParseQuery and the SDKs' signers read it). Unlike
// url.ParseQuery it keeps ";" as an ordinary character and does not drop
// pairs: a pair that does not decode makes ok false. Empty segments ("a&&b")
// are skipped, as every parser does.
func parseQuery(raw string, dst []queryParam) (params []queryParam, ok bool) {
	ok = true
	for raw != "" {
		var seg string
		seg, raw, _ = strings.Cut(raw, "&")
		if seg == "" {
			continue
		}
		k, v, _ := strings.Cut(seg, "=")
		dk, err1 := url.QueryUnescape(k)
		dv, err2 := url.QueryUnescape(v)
		if err1 != nil || err2 != nil {
			ok = false
			dk, dv = k, v
		}
		dst = append(dst, queryParam{dk, dv})
	}
	return dst, ok
}

// unreserved reports whether c is in the RFC 3986 unreserved set, the only
// bytes SigV4 leaves unencoded.
func unreserved(c byte) bool {
	return 'A' <= c && c <= 'Z' || 'a' <= c && c <= 'z' || '0' <= c && c <= '9' ||
		c == '-' || c == '.' || c == '_' || c == '~'
}

const upperHex = "0123456789ABCDEF"

// appendEncoded appends s with every byte outside the unreserved set (and
// other than "/" when keepSlash is set) percent-encoded with uppercase hex.
func appendEncoded(b []byte, s string, keepSlash bool) []byte {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if unreserved(c) || (keepSlash && c == '/') {
			b = append(b, c)
		} else {
			b = append(b, '%', upperHex[c>>4], upperHex[c&15])
		}
	}
	return b
}

// encodeComponent returns s encoded for the canonical query string; it
// returns s itself when nothing needs encoding.
func encodeComponent(s string) string {
	for i := 0; i < len(s); i++ {
		if !unreserved(s[i]) {
			return string(appendEncoded(make([]byte, 0, len(s)+16), s, false))
		}
	}
	return s
}

// appendCanonicalQuery appends the canonical query string: every pair
// (except X-Amz-Signature when skipSignature is set) with name and value
// URI-encoded, sorted by encoded name and then encoded value, joined by "&".
// The SigV4 reference sorts after encoding, which the SDKs follow.
func appendCanonicalQuery(b []byte, params []queryParam, skipSignature bool) []byte {
	enc := make([]queryParam, 0, len(params))
	for _, p := range params {
		if skipSignature && p.key == paramSignature {
			continue
		}
		enc = append(enc, queryParam{encodeComponent(p.key), encodeComponent(p.value)})
	}
	slices.SortFunc(enc, func(x, y queryParam) int {
		if c := strings.Compare(x.key, y.key); c != 0 {
			return c
		}
		return strings.Compare(x.value, y.value)
	})
	for i, p := range enc {
		if i > 0 {
			b = append(b, '&')
		}
		b = append(b, p.key...)
		b = append(b, '=')
		b = append(b, p.value...)
	}
	return b
}

// appendCanonicalHeaders appends "name:value\n" for every name of signed (a
// validated SignedHeaders list). Values are trimmed, internal runs of spaces
// and tabs collapse to one space, and several values of one header are joined
// with ",". host comes from r.Host, which net/http fills from the Host header
// (HTTP/1) or :authority (HTTP/2).
func appendCanonicalHeaders(b []byte, r *http.Request, signed string) []byte {
	for rest := signed; rest != ""; {
		var name string
		name, rest, _ = strings.Cut(rest, ";")
		b = append(b, name...)
		b = append(b, ':')
		switch name {
		case "host":
			host := r.Host
			if host == "" {
				host = r.URL.Host
			}
			b = appendHeaderValue(b, host)
		default:
			vals := headerValues(r.Header, name)
			if vals == nil && name == "content-length" && r.ContentLength >= 0 {
				// net/http may hold the length only in r.ContentLength.
				b = strconv.AppendInt(b, r.ContentLength, 10)
			}
			for i, v := range vals {
				if i > 0 {
					b = append(b, ',')
				}
				b = appendHeaderValue(b, v)
			}
		}
		b = append(b, '\n')
	}
	return b
}

// headerValues returns the values of the header with lowercase name. net/http
// stores names in canonical MIME form, so that form is looked up first
// without allocating; names net/http could not canonicalize are found by a
// case-insensitive scan.
func headerValues(h http.Header, name string) []string {
	var buf [64]byte
	if len(name) <= len(buf) {
		k := buf[:len(name)]
		upper := true
		for i := 0; i < len(name); i++ {
			c := name[i]
			if upper && 'a' <= c && c <= 'z' {
				c -= 'a' - 'A'
			}
			k[i] = c
			upper = c == '-'
		}
		if v, ok := h[string(k)]; ok {
			return v
		}
	}
	var vals []string
	for k, v := range h {
		if strings.EqualFold(k, name) {
			vals = append(vals, v...)
		}
	}
	return vals
}

// appendHeaderValue appends v trimmed of spaces and tabs, with internal runs
// of them collapsed to one space (the Trimall function of the SigV4
// reference, as botocore applies it).
func appendHeaderValue(b []byte, v string) []byte {
	v = trimSpace(v)
	// Copy the runs between blanks whole: values such as session tokens
	// are long and have none.
	for {
		i := indexBlank(v)
		if i < 0 {
			return append(b, v...)
		}
		b = append(b, v[:i]...)
		b = append(b, ' ')
		v = trimSpace(v[i:]) // v was trimmed, so a non-blank follows
	}
}

// indexBlank returns the index of the first space or tab in s, or -1.
func indexBlank(s string) int {
	i := strings.IndexByte(s, ' ')
	if t := strings.IndexByte(s, '\t'); t >= 0 && (i < 0 || t < i) {
		return t
	}
	return i
}

// canonicalPath returns the escaped path of the request as the client sent
// it ("/" when empty). net/http's EscapedPath gives the path as it appeared
// on the wire whenever that is a valid encoding.
func canonicalPath(r *http.Request) string {
	p := r.URL.EscapedPath()
	if p == "" {
		return "/"
	}
	return p
}

// normalizePath removes empty, "." and ".." segments from an escaped path
// the way botocore does before signing for services other than S3 (RFC 3986
// §5.2.4 plus collapsing "//"), keeping a leading and a trailing "/". It
// returns p unchanged when there is nothing to remove.
func normalizePath(p string) string {
	if !strings.Contains(p, "//") && !strings.Contains(p, "/./") && !strings.Contains(p, "/../") &&
		!strings.HasSuffix(p, "/.") && !strings.HasSuffix(p, "/..") &&
		!strings.HasPrefix(p, "./") && !strings.HasPrefix(p, "../") && p != "." && p != ".." {
		return p
	}
	var out []string
	for seg := range strings.SplitSeq(p, "/") {
		switch seg {
		case "", ".":
		case "..":
			if len(out) > 0 {
				out = out[:len(out)-1]
			}
		default:
			out = append(out, seg)
		}
	}
	var b strings.Builder
	if strings.HasPrefix(p, "/") {
		b.WriteByte('/')
	}
	b.WriteString(strings.Join(out, "/"))
	if strings.HasSuffix(p, "/") && len(out) > 0 {
		b.WriteByte('/')
	}
	if b.Len() == 0 {
		return "/"
	}
	return b.String()
}
