package awsproto

import (
	"bytes"
	"errors"
	"fmt"
	"unicode/utf16"
	"unicode/utf8"
)

// Request parsing.
//
// parseJSON is a single-pass recursive-descent parser written for request
// bodies. It replaced a walk over encoding/json.Decoder.Token, which cost a
// reflective Decode per scalar and a map per object, and it is held to that
// walk's outcomes byte for byte by the differential tests
// (jsonparse_test.go): the same values (strings unquoted as encoding/json
// does, invalid UTF-8 and unpaired surrogates becoming U+FFFD, numbers kept
// as their literal text) and, for a bad body, the same one error of
// errMalformed, errUnexpectedEnd, errTooDeep, errTrailing or a duplicate
// key, reported at the same point of a left-to-right reading. In
// particular:
//   - a body that ends inside a token or a structure is errUnexpectedEnd,
//     any other syntax error errMalformed;
//   - a key is checked for duplicates as soon as it is read, before its
//     colon, and the nesting limit is checked before the value that would
//     exceed it is read (so a key at the limit is read, an array element is
//     not);
//   - after a complete top-level value only JSON whitespace may follow.
//
// Strings without escapes are substrings of one copy of the body, and the
// values of a body come from one slab, so a small body costs a handful of
// allocations.

var (
	errMalformed     = errors.New("malformed JSON")
	errUnexpectedEnd = errors.New("unexpected end of JSON input")
	errTooDeep       = errors.New("JSON nesting is too deep")
	errTrailing      = errors.New("unexpected data after the JSON value")
)

// dupMapAt is the member count from which an object's keys are checked for
// duplicates with a map rather than by scanning the members read so far.
const dupMapAt = 16

// parseJSON parses one JSON value and rejects trailing data, duplicate
// object keys and excessive nesting. An empty (or blank) body is {}.
func parseJSON(body []byte) (*jvalue, error) {
	if len(bytes.TrimSpace(body)) == 0 {
		return &jvalue{kind: jobject}, nil
	}
	p := jparser{src: string(body)}
	v, err := p.value(0)
	if err != nil {
		return nil, err
	}
	p.skipSpace()
	if p.i < len(p.src) {
		return nil, errTrailing
	}
	return v, nil
}

// jparser is the state of one parse: the body, the read offset and the
// slab the values are allocated from.
type jparser struct {
	src  string
	i    int
	slab []jvalue
}

// alloc returns a zero value of the given kind from the slab.
func (p *jparser) alloc(kind jkind) *jvalue {
	if len(p.slab) == cap(p.slab) {
		// A new slab; values already handed out stay in the old one.
		p.slab = make([]jvalue, 0, min(max(2*cap(p.slab), 8), 256))
	}
	p.slab = p.slab[:len(p.slab)+1]
	v := &p.slab[len(p.slab)-1]
	v.kind = kind
	return v
}

func (p *jparser) skipSpace() {
	for p.i < len(p.src) {
		switch p.src[p.i] {
		case ' ', '\t', '\r', '\n':
			p.i++
		default:
			return
		}
	}
}

// value parses the value at depth (the top-level value is at 0).
func (p *jparser) value(depth int) (*jvalue, error) {
	if depth > maxJSONDepth {
		return nil, errTooDeep
	}
	p.skipSpace()
	if p.i >= len(p.src) {
		return nil, errUnexpectedEnd
	}
	switch c := p.src[p.i]; {
	case c == '{':
		p.i++
		return p.object(depth)
	case c == '[':
		p.i++
		return p.array(depth)
	case c == '"':
		s, err := p.str()
		if err != nil {
			return nil, err
		}
		v := p.alloc(jstring)
		v.text = s
		return v, nil
	case c == 't':
		return p.literal("true", jbool, true)
	case c == 'f':
		return p.literal("false", jbool, false)
	case c == 'n':
		return p.literal("null", jnull, false)
	case c == '-' || c >= '0' && c <= '9':
		return p.number()
	}
	return nil, errMalformed
}

// object parses the members of an object whose '{' has been read.
func (p *jparser) object(depth int) (*jvalue, error) {
	v := p.alloc(jobject)
	var seen map[string]bool
	for {
		p.skipSpace()
		if p.i >= len(p.src) {
			return nil, errUnexpectedEnd
		}
		c := p.src[p.i]
		if c == '}' {
			p.i++
			return v, nil
		}
		if len(v.obj) > 0 {
			if c != ',' {
				return nil, errMalformed
			}
			p.i++
			p.skipSpace()
			if p.i >= len(p.src) {
				return nil, errUnexpectedEnd
			}
			c = p.src[p.i]
		}
		if c != '"' {
			return nil, errMalformed
		}
		key, err := p.str()
		if err != nil {
			return nil, err
		}
		if seen, err = checkDuplicate(v.obj, seen, key); err != nil {
			return nil, err
		}
		if depth+1 > maxJSONDepth {
			return nil, errTooDeep
		}
		p.skipSpace()
		if p.i >= len(p.src) {
			return nil, errUnexpectedEnd
		}
		if p.src[p.i] != ':' {
			return nil, errMalformed
		}
		p.i++
		e, err := p.value(depth + 1)
		if err != nil {
			return nil, err
		}
		v.obj = append(v.obj, jmember{key, e})
	}
}

// checkDuplicate reports a key already among members; from dupMapAt
// members on it keeps (and returns) a set of the keys.
func checkDuplicate(members []jmember, seen map[string]bool, key string) (map[string]bool, error) {
	if seen == nil && len(members) >= dupMapAt {
		seen = make(map[string]bool, 2*len(members))
		for _, m := range members {
			seen[m.key] = true
		}
	}
	dup := false
	if seen != nil {
		dup = seen[key]
		seen[key] = true
	} else {
		for _, m := range members {
			if m.key == key {
				dup = true
				break
			}
		}
	}
	if dup {
		return nil, fmt.Errorf("duplicate field %q", key)
	}
	return seen, nil
}

// array parses the elements of an array whose '[' has been read.
func (p *jparser) array(depth int) (*jvalue, error) {
	v := p.alloc(jarray)
	for {
		p.skipSpace()
		if p.i >= len(p.src) {
			return nil, errUnexpectedEnd
		}
		switch c := p.src[p.i]; {
		case c == ']':
			p.i++
			return v, nil
		case c == '}':
			return nil, errMalformed
		case len(v.arr) > 0:
			if c != ',' {
				return nil, errMalformed
			}
			p.i++
		}
		e, err := p.value(depth + 1)
		if err != nil {
			return nil, err
		}
		v.arr = append(v.arr, e)
	}
}

// literal parses true, false or null.
func (p *jparser) literal(word string, kind jkind, b bool) (*jvalue, error) {
	for k := 0; k < len(word); k++ {
		if p.i+k >= len(p.src) {
			return nil, errUnexpectedEnd
		}
		if p.src[p.i+k] != word[k] {
			return nil, errMalformed
		}
	}
	p.i += len(word)
	v := p.alloc(kind)
	v.b = b
	return v, nil
}

func isDigit(c byte) bool { return c >= '0' && c <= '9' }

// number parses a number, keeping its literal text. It stops at the first
// byte that cannot continue the number; the caller judges that byte.
func (p *jparser) number() (*jvalue, error) {
	s, i := p.src, p.i
	start := i
	if s[i] == '-' {
		i++
	}
	digits := func() {
		for i < len(s) && isDigit(s[i]) {
			i++
		}
	}
	// need requires a digit at i.
	need := func() error {
		if i >= len(s) {
			return errUnexpectedEnd
		}
		if !isDigit(s[i]) {
			return errMalformed
		}
		return nil
	}
	if err := need(); err != nil {
		return nil, err
	}
	if s[i] == '0' {
		i++
	} else {
		digits()
	}
	if i < len(s) && s[i] == '.' {
		i++
		if err := need(); err != nil {
			return nil, err
		}
		digits()
	}
	if i < len(s) && (s[i] == 'e' || s[i] == 'E') {
		i++
		if i < len(s) && (s[i] == '+' || s[i] == '-') {
			i++
		}
		if err := need(); err != nil {
			return nil, err
		}
		digits()
	}
	p.i = i
	v := p.alloc(jnumber)
	v.text = s[start:i]
	return v, nil
}

// str parses the string at p.i (its opening quote) and returns it
// unquoted. A string without escapes or invalid UTF-8 is a substring of
// the body.
func (p *jparser) str() (string, error) {
	s := p.src
	ascii := true
	for i := p.i + 1; i < len(s); i++ {
		switch c := s[i]; {
		case c == '"':
			text := s[p.i+1 : i]
			if !ascii && !utf8.ValidString(text) {
				return p.strSlow()
			}
			p.i = i + 1
			return text, nil
		case c == '\\':
			return p.strSlow()
		case c < 0x20:
			return "", errMalformed
		case c >= utf8.RuneSelf:
			ascii = false
		}
	}
	return "", errUnexpectedEnd
}

// strSlow unquotes the string at p.i as encoding/json does: escapes
// decoded, a surrogate pair combined, an unpaired surrogate and each byte
// of invalid UTF-8 replaced by U+FFFD.
func (p *jparser) strSlow() (string, error) {
	s := p.src
	i := p.i + 1
	b := make([]byte, 0, len(s)-i)
	for i < len(s) {
		c := s[i]
		switch {
		case c == '"':
			p.i = i + 1
			return string(b), nil
		case c < 0x20:
			return "", errMalformed
		case c < utf8.RuneSelf && c != '\\':
			b = append(b, c)
			i++
		case c >= utf8.RuneSelf:
			r, size := utf8.DecodeRuneInString(s[i:])
			b = utf8.AppendRune(b, r) // RuneError for an invalid byte
			i += size
		default:
			var err error
			if b, i, err = unescape(b, s, i); err != nil {
				return "", err
			}
		}
	}
	return "", errUnexpectedEnd
}

// unescape appends the escape sequence at s[i] (a backslash) to b and
// returns the offset after it.
func unescape(b []byte, s string, i int) ([]byte, int, error) {
	if i+1 >= len(s) {
		return nil, 0, errUnexpectedEnd
	}
	switch s[i+1] {
	case '"', '\\', '/':
		return append(b, s[i+1]), i + 2, nil
	case 'b':
		return append(b, '\b'), i + 2, nil
	case 'f':
		return append(b, '\f'), i + 2, nil
	case 'n':
		return append(b, '\n'), i + 2, nil
	case 'r':
		return append(b, '\r'), i + 2, nil
	case 't':
		return append(b, '\t'), i + 2, nil
	case 'u':
		r, err := hex4(s, i+2)
		if err != nil {
			return nil, 0, err
		}
		i += 6
		if utf16.IsSurrogate(r) {
			// Combine with a following \uXXXX when the two make a pair;
			// otherwise the lone surrogate is U+FFFD and what follows is
			// read on its own.
			if i+1 < len(s) && s[i] == '\\' && s[i+1] == 'u' {
				if r2, err := hex4(s, i+2); err == nil {
					if pair := utf16.DecodeRune(r, r2); pair != utf8.RuneError {
						return utf8.AppendRune(b, pair), i + 6, nil
					}
				}
			}
			r = utf8.RuneError
		}
		return utf8.AppendRune(b, r), i, nil
	}
	return nil, 0, errMalformed
}

// hex4 decodes the four hex digits at s[i:]: errUnexpectedEnd if the body
// ends first, errMalformed at a byte that is not a hex digit.
func hex4(s string, i int) (rune, error) {
	var r rune
	for k := range 4 {
		if i+k >= len(s) {
			return 0, errUnexpectedEnd
		}
		c := s[i+k]
		var d byte
		switch {
		case c >= '0' && c <= '9':
			d = c - '0'
		case c >= 'a' && c <= 'f':
			d = c - 'a' + 10
		case c >= 'A' && c <= 'F':
			d = c - 'A' + 10
		default:
			return 0, errMalformed
		}
		r = r<<4 | rune(d)
	}
	return r, nil
}
