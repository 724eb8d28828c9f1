package sqldb

import (
	"encoding/json"
	"unicode/utf16"
	"unicode/utf8"

	"github.com/idcenter/idcenter/internal/idc"
)

// decodeUserAttrs decodes the attrs column of a user row into a. Every
// ListUsers page decodes up to 100 of these, and encoding/json's reflection
// dominated that path, so the form that json.Marshal writes (known member
// names, strings, booleans, no nulls, no Extensions) is read by a small
// hand-written parser. Anything else — unknown or differently cased names,
// duplicates, null, invalid UTF-8, lone surrogates, Extensions — falls back
// to encoding/json, so the result is always that of json.Unmarshal
// (FuzzDecodeUserAttrs checks this).
func decodeUserAttrs(b []byte, a *idc.UserAttrs) error {
	p := attrsParser{s: b}
	if p.userAttrs(a) {
		return nil
	}
	*a = idc.UserAttrs{}
	return json.Unmarshal(b, a)
}

// attrsParser is the fast path of decodeUserAttrs. Its methods return false
// on anything outside the subset it reads; the caller then falls back.
type attrsParser struct {
	s []byte
	i int
}

func (p *attrsParser) ws() {
	for p.i < len(p.s) {
		switch p.s[p.i] {
		case ' ', '\t', '\n', '\r':
			p.i++
		default:
			return
		}
	}
}

// consume skips white space and then c.
func (p *attrsParser) consume(c byte) bool {
	p.ws()
	if p.i < len(p.s) && p.s[p.i] == c {
		p.i++
		return true
	}
	return false
}

// object parses an object whose members are each parsed by member, which
// gets the raw (unescaped) key and returns the member's bit (0: unknown)
// and whether its value parsed. A repeated member fails.
func (p *attrsParser) object(member func(key []byte) (uint32, bool)) bool {
	if !p.consume('{') {
		return false
	}
	if p.consume('}') {
		return true
	}
	var seen uint32
	for {
		if !p.consume('"') {
			return false
		}
		start := p.i
		for p.i < len(p.s) && p.s[p.i] != '"' {
			if c := p.s[p.i]; c == '\\' || c < 0x20 || c >= utf8.RuneSelf {
				return false
			}
			p.i++
		}
		if p.i >= len(p.s) {
			return false
		}
		key := p.s[start:p.i]
		p.i++
		if !p.consume(':') {
			return false
		}
		p.ws()
		bit, ok := member(key)
		if !ok || bit == 0 || seen&bit != 0 {
			return false
		}
		seen |= bit
		if p.consume(',') {
			continue
		}
		return p.consume('}')
	}
}

// array parses an array whose elements are each parsed by elem.
func (p *attrsParser) array(elem func() bool) bool {
	if !p.consume('[') {
		return false
	}
	if p.consume(']') {
		return true
	}
	for {
		p.ws()
		if !elem() {
			return false
		}
		if p.consume(',') {
			continue
		}
		return p.consume(']')
	}
}

// list parses an array into *dst, each element by elem. Like
// encoding/json, an empty array gives an empty, non-nil slice.
func list[T any](p *attrsParser, dst *[]T, elem func(*T) bool) bool {
	*dst = make([]T, 0, 1)
	return p.array(func() bool {
		var zero T
		*dst = append(*dst, zero)
		return elem(&(*dst)[len(*dst)-1])
	})
}

// str parses a string value at p.i.
func (p *attrsParser) str(dst *string) bool {
	if p.i >= len(p.s) || p.s[p.i] != '"' {
		return false
	}
	p.i++
	start := p.i
	ascii := true
	for p.i < len(p.s) {
		c := p.s[p.i]
		switch {
		case c == '"':
			if !ascii && !utf8.Valid(p.s[start:p.i]) {
				return false
			}
			*dst = string(p.s[start:p.i])
			p.i++
			return true
		case c == '\\':
			return p.escaped(dst, start)
		case c < 0x20:
			return false
		case c >= utf8.RuneSelf:
			ascii = false
		}
		p.i++
	}
	return false
}

// escaped finishes a string that started at start and has an escape at p.i.
func (p *attrsParser) escaped(dst *string, start int) bool {
	if !utf8.Valid(p.s[start:p.i]) {
		return false
	}
	buf := append(make([]byte, 0, p.i-start+16), p.s[start:p.i]...)
	for p.i < len(p.s) {
		c := p.s[p.i]
		switch {
		case c == '"':
			*dst = string(buf)
			p.i++
			return true
		case c < 0x20:
			return false
		case c >= utf8.RuneSelf:
			r, n := utf8.DecodeRune(p.s[p.i:])
			if r == utf8.RuneError && n == 1 {
				return false
			}
			buf = append(buf, p.s[p.i:p.i+n]...)
			p.i += n
			continue
		case c != '\\':
			buf = append(buf, c)
			p.i++
			continue
		}
		if p.i+1 >= len(p.s) {
			return false
		}
		e := p.s[p.i+1]
		p.i += 2
		switch e {
		case '"', '\\', '/':
			buf = append(buf, e)
		case 'b':
			buf = append(buf, '\b')
		case 'f':
			buf = append(buf, '\f')
		case 'n':
			buf = append(buf, '\n')
		case 'r':
			buf = append(buf, '\r')
		case 't':
			buf = append(buf, '\t')
		case 'u':
			r, ok := p.hex4()
			if !ok {
				return false
			}
			if utf16.IsSurrogate(r) {
				if p.i+1 >= len(p.s) || p.s[p.i] != '\\' || p.s[p.i+1] != 'u' {
					return false
				}
				p.i += 2
				r2, ok := p.hex4()
				if !ok {
					return false
				}
				if r = utf16.DecodeRune(r, r2); r == utf8.RuneError {
					return false
				}
			}
			buf = utf8.AppendRune(buf, r)
		default:
			return false
		}
	}
	return false
}

func (p *attrsParser) hex4() (rune, bool) {
	if p.i+4 > len(p.s) {
		return 0, false
	}
	var r rune
	for _, c := range p.s[p.i : p.i+4] {
		switch {
		case '0' <= c && c <= '9':
			c -= '0'
		case 'a' <= c && c <= 'f':
			c = c - 'a' + 10
		case 'A' <= c && c <= 'F':
			c = c - 'A' + 10
		default:
			return 0, false
		}
		r = r*16 + rune(c)
	}
	p.i += 4
	return r, true
}

// boolPtr parses true or false into a new *bool.
func (p *attrsParser) boolPtr(dst **bool) bool {
	rest := p.s[p.i:]
	switch {
	case len(rest) >= 4 && string(rest[:4]) == "true":
		v := true
		*dst = &v
		p.i += 4
	case len(rest) >= 5 && string(rest[:5]) == "false":
		v := false
		*dst = &v
		p.i += 5
	default:
		return false
	}
	return true
}

func (p *attrsParser) userAttrs(a *idc.UserAttrs) bool {
	ok := p.object(func(key []byte) (uint32, bool) {
		switch string(key) {
		case "Name":
			a.Name = new(idc.Name)
			return 1 << 0, p.name(a.Name)
		case "DisplayName":
			return 1 << 1, p.str(&a.DisplayName)
		case "NickName":
			return 1 << 2, p.str(&a.NickName)
		case "ProfileUrl":
			return 1 << 3, p.str(&a.ProfileURL)
		case "Emails":
			return 1 << 4, list(p, &a.Emails, func(e *idc.Email) bool { return p.valueTypePrimary(&e.Value, &e.Type, &e.Primary, nil) })
		case "Addresses":
			return 1 << 5, list(p, &a.Addresses, func(e *idc.Address) bool { return p.address(e) })
		case "PhoneNumbers":
			return 1 << 6, list(p, &a.PhoneNumbers, func(e *idc.PhoneNumber) bool { return p.valueTypePrimary(&e.Value, &e.Type, &e.Primary, nil) })
		case "UserType":
			return 1 << 7, p.str(&a.UserType)
		case "Title":
			return 1 << 8, p.str(&a.Title)
		case "PreferredLanguage":
			return 1 << 9, p.str(&a.PreferredLanguage)
		case "Locale":
			return 1 << 10, p.str(&a.Locale)
		case "Timezone":
			return 1 << 11, p.str(&a.Timezone)
		case "Photos":
			return 1 << 12, list(p, &a.Photos, func(e *idc.Photo) bool { return p.valueTypePrimary(&e.Value, &e.Type, &e.Primary, &e.Display) })
		case "Website":
			return 1 << 13, p.str(&a.Website)
		case "Birthdate":
			return 1 << 14, p.str(&a.Birthdate)
		case "Roles":
			return 1 << 15, list(p, &a.Roles, func(e *idc.Role) bool { return p.valueTypePrimary(&e.Value, &e.Type, &e.Primary, nil) })
		}
		return 0, false
	})
	if !ok {
		return false
	}
	p.ws()
	if p.i != len(p.s) {
		return false
	}
	return true
}

func (p *attrsParser) name(n *idc.Name) bool {
	return p.object(func(key []byte) (uint32, bool) {
		switch string(key) {
		case "Formatted":
			return 1 << 0, p.str(&n.Formatted)
		case "FamilyName":
			return 1 << 1, p.str(&n.FamilyName)
		case "GivenName":
			return 1 << 2, p.str(&n.GivenName)
		case "MiddleName":
			return 1 << 3, p.str(&n.MiddleName)
		case "HonorificPrefix":
			return 1 << 4, p.str(&n.HonorificPrefix)
		case "HonorificSuffix":
			return 1 << 5, p.str(&n.HonorificSuffix)
		}
		return 0, false
	})
}

// valueTypePrimary parses the {Value, Type, Primary[, Display]} objects of
// emails, phone numbers, photos (display non-nil) and roles.
func (p *attrsParser) valueTypePrimary(value, typ *string, primary **bool, display *string) bool {
	return p.object(func(key []byte) (uint32, bool) {
		switch string(key) {
		case "Value":
			return 1 << 0, p.str(value)
		case "Type":
			return 1 << 1, p.str(typ)
		case "Primary":
			return 1 << 2, p.boolPtr(primary)
		case "Display":
			if display != nil {
				return 1 << 3, p.str(display)
			}
		}
		return 0, false
	})
}

func (p *attrsParser) address(a *idc.Address) bool {
	return p.object(func(key []byte) (uint32, bool) {
		switch string(key) {
		case "StreetAddress":
			return 1 << 0, p.str(&a.StreetAddress)
		case "Locality":
			return 1 << 1, p.str(&a.Locality)
		case "Region":
			return 1 << 2, p.str(&a.Region)
		case "PostalCode":
			return 1 << 3, p.str(&a.PostalCode)
		case "Country":
			return 1 << 4, p.str(&a.Country)
		case "Formatted":
			return 1 << 5, p.str(&a.Formatted)
		case "Type":
			return 1 << 6, p.str(&a.Type)
		case "Primary":
			return 1 << 7, p.boolPtr(&a.Primary)
		}
		return 0, false
	})
}
