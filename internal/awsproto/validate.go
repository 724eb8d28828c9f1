package awsproto

import (
	"encoding/base64"
	"fmt"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
)

// ViolationKind names the constraint a Violation failed; services that
// report validation with their own codes (organizations'
// InvalidInputException Reason) map it.
type ViolationKind string

// Violation kinds.
const (
	ViolationRequired   ViolationKind = "required"   // null or missing required member
	ViolationMinLength  ViolationKind = "min-length" // string length or list/map size
	ViolationMaxLength  ViolationKind = "max-length"
	ViolationMinValue   ViolationKind = "min-value" // integer, long, float, double
	ViolationMaxValue   ViolationKind = "max-value"
	ViolationPattern    ViolationKind = "pattern"
	ViolationEnum       ViolationKind = "enum"
	ViolationUnion      ViolationKind = "union"       // not exactly one union member set
	ViolationListMember ViolationKind = "list-member" // a scalar list element or map key/value
)

// Violation is one failed constraint.
type Violation struct {
	// Path is the AWS-style path: lowerCamelCase member names joined by dots,
	// list elements as "filters.1.member" (1-based).
	Path string
	// Kind is the failed constraint.
	Kind ViolationKind
	// Message is the complete AWS-style sentence, e.g. "Value null at
	// 'identityStoreId' failed to satisfy constraint: Member must not be null".
	Message string
}

// InputError is a request that failed model validation. Its Error text is
// the AWS message: "1 validation error detected: ..." or "N validation errors
// detected: a; b".
type InputError struct {
	Violations []Violation
}

// Error implements error with the AWS message.
func (e *InputError) Error() string {
	msgs := make([]string, len(e.Violations))
	for i, v := range e.Violations {
		msgs[i] = v.Message
	}
	noun := "errors"
	if len(msgs) == 1 {
		noun = "error"
	}
	return fmt.Sprintf("%d validation %s detected: %s", len(msgs), noun, strings.Join(msgs, "; "))
}

// ValidateInput checks body against the input shape of op. It returns nil
// for a valid body; an *InputError listing every violated constraint; or a
// 400 *Error: SerializationException for malformed JSON, trailing data,
// duplicate keys, a key that differs from a member name only by case, or a
// JSON type that does not fit the shape, and UnknownOperationException for an
// unknown op. Unknown members are ignored, as AWS does. An empty body is {}.
// ValidateInput is safe for concurrent use.
func (s *Service) ValidateInput(op string, body []byte) error {
	_, err := s.validateInput(op, body)
	return err
}

// validateInput is ValidateInput that also returns the parsed body of a
// valid request.
func (s *Service) validateInput(op string, body []byte) (*jvalue, error) {
	o := s.Operations[op]
	if o == nil {
		return nil, &Error{Code: CodeUnknownOperation, Status: 400}
	}
	v, err := parseJSON(body)
	if err != nil {
		return nil, SerializationError(err.Error())
	}
	if v.kind == jnull {
		v = &jvalue{kind: jobject}
	}
	if v.kind != jobject {
		return nil, SerializationError("The request body must be a JSON object.")
	}
	if err := s.validateValue(o, v); err != nil {
		return nil, err
	}
	return v, nil
}

// validateValue checks a parsed input object against the input shape of o:
// nil, an *InputError or a 400 *Error (a value of the wrong type).
func (s *Service) validateValue(o *Operation, v *jvalue) error {
	if o.Input == "" {
		return nil
	}
	vd := validator{svc: s}
	if err := vd.value(s.Shapes[o.Input], v, ""); err != nil {
		return err
	}
	if len(vd.violations) > 0 {
		return &InputError{Violations: vd.violations}
	}
	return nil
}

type validator struct {
	svc        *Service
	violations []Violation
}

func (vd *validator) add(path string, kind ViolationKind, value string, constraint string) {
	var msg string
	if path == "" {
		path = "input"
	}
	msg = fmt.Sprintf("Value %s at '%s' failed to satisfy constraint: %s", value, path, constraint)
	if value == "" {
		msg = fmt.Sprintf("Value at '%s' failed to satisfy constraint: %s", path, constraint)
	}
	vd.violations = append(vd.violations, Violation{Path: path, Kind: kind, Message: msg})
}

func typeError(path string, sh *Shape, v *jvalue) *Error {
	if path == "" {
		path = "input"
	}
	want := sh.Type
	if sh.Type == TypeStructure || sh.Type == TypeMap {
		want = "structure or map"
	}
	return SerializationError(fmt.Sprintf("Unexpected %s at '%s', expected %s.", v.kind, path, want))
}

// value validates a non-null v against sh; it returns an *Error for a
// serialization problem and records constraint violations.
func (vd *validator) value(sh *Shape, v *jvalue, path string) error {
	switch sh.Type {
	case TypeStructure:
		if sh.Document {
			return nil
		}
		if v.kind != jobject {
			return typeError(path, sh, v)
		}
		return vd.structure(sh, v, path)
	case TypeList:
		if v.kind != jarray {
			return typeError(path, sh, v)
		}
		vd.size(sh, v, len(v.arr), path)
		elem := vd.svc.Shapes[sh.Member]
		if isScalar(elem) {
			return vd.scalarElements(sh, elem, v, v.arr, path, "Member must satisfy constraint: ")
		}
		for i, e := range v.arr {
			p := path + "." + strconv.Itoa(i+1) + ".member"
			if e.kind == jnull {
				vd.add(p, ViolationRequired, "null", "Member must not be null")
				continue
			}
			if err := vd.value(elem, e, p); err != nil {
				return err
			}
		}
		return nil
	case TypeMap:
		if v.kind != jobject {
			return typeError(path, sh, v)
		}
		vd.size(sh, v, len(v.obj), path)
		keys := make([]*jvalue, len(v.obj))
		vals := make([]*jvalue, len(v.obj))
		for i, m := range v.obj {
			keys[i] = &jvalue{kind: jstring, text: m.key}
			vals[i] = m.val
		}
		if err := vd.scalarElements(sh, vd.svc.Shapes[sh.Key], v, keys, path, "Map keys must satisfy constraint: "); err != nil {
			return err
		}
		val := vd.svc.Shapes[sh.Value]
		if isScalar(val) {
			return vd.scalarElements(sh, val, v, vals, path, "Map value must satisfy constraint: ")
		}
		for i, e := range vals {
			p := path + "." + keys[i].text
			if e.kind == jnull {
				vd.add(p, ViolationRequired, "null", "Member must not be null")
				continue
			}
			if err := vd.value(val, e, p); err != nil {
				return err
			}
		}
		return nil
	default:
		if err := checkScalarType(sh, v, path); err != nil {
			return err
		}
		for _, c := range scalarViolations(sh, v) {
			vd.add(path, c.kind, vd.render(sh, v), c.text)
		}
		return nil
	}
}

func (vd *validator) structure(sh *Shape, v *jvalue, path string) error {
	// encoding/json matches keys case-insensitively; a key that differs
	// from a member only by case must not reach the typed decode.
	for _, m := range v.obj {
		if _, ok := sh.memberIndex[m.key]; ok {
			continue
		}
		for _, mb := range sh.Members {
			if strings.EqualFold(mb.Name, m.key) {
				return SerializationError(fmt.Sprintf("Unrecognized field %q at '%s' (did you mean %q?).", m.key, pathOr(path), mb.Name))
			}
		}
	}
	set := 0
	for _, mb := range sh.Members {
		mv := v.get(mb.Name)
		absent := mv == nil || mv.kind == jnull
		if absent && !sh.required[mb.Name] {
			continue
		}
		p := lowerFirst(mb.Name)
		if path != "" {
			p = path + "." + p
		}
		if absent {
			vd.add(p, ViolationRequired, "null", "Member must not be null")
			continue
		}
		set++
		if err := vd.value(vd.svc.Shapes[mb.Shape], mv, p); err != nil {
			return err
		}
	}
	if sh.Union && set != 1 {
		vd.add(path, ViolationUnion, vd.render(sh, v), "Member must have exactly one member set")
	}
	return nil
}

// size checks list and map sizes; AWS words these as lengths too.
func (vd *validator) size(sh *Shape, v *jvalue, n int, path string) {
	if sh.Min != nil && int64(n) < *sh.Min {
		vd.add(path, ViolationMinLength, vd.render(sh, v), fmt.Sprintf("Member must have length greater than or equal to %d", *sh.Min))
	}
	if sh.Max != nil && int64(n) > *sh.Max {
		vd.add(path, ViolationMaxLength, vd.render(sh, v), fmt.Sprintf("Member must have length less than or equal to %d", *sh.Max))
	}
}

// scalarElements checks scalar list elements (or map keys or values) the way
// AWS does: one violation for the collection that lists all constraints of
// the element shape, e.g. "Member must satisfy constraint: [Member must have
// length less than or equal to 128, Member must have length greater than or
// equal to 1]".
func (vd *validator) scalarElements(coll, elem *Shape, cv *jvalue, elems []*jvalue, path, prefix string) error {
	failed := false
	for _, e := range elems {
		if e.kind == jnull {
			failed = true
			continue
		}
		if err := checkScalarType(elem, e, path); err != nil {
			return err
		}
		if len(scalarViolations(elem, e)) > 0 {
			failed = true
		}
	}
	if !failed {
		return nil
	}
	texts := allConstraints(elem)
	vd.add(path, ViolationListMember, vd.render(coll, cv), prefix+"["+strings.Join(texts, ", ")+"]")
	return nil
}

func isScalar(sh *Shape) bool {
	switch sh.Type {
	case TypeStructure, TypeList, TypeMap:
		return false
	}
	return true
}

// checkScalarType reports JSON type mismatches and values that cannot be
// decoded into the generated Go type as SerializationException.
func checkScalarType(sh *Shape, v *jvalue, path string) error {
	switch sh.Type {
	case TypeString:
		if v.kind == jstring {
			return nil
		}
	case TypeBoolean:
		if v.kind == jbool {
			return nil
		}
	case TypeInteger, TypeLong:
		if v.kind == jnumber {
			bits := 32
			if sh.Type == TypeLong {
				bits = 64
			}
			if _, err := strconv.ParseInt(v.text, 10, bits); err != nil {
				return SerializationError(fmt.Sprintf("Value at '%s' is not a valid %s.", pathOr(path), sh.Type))
			}
			return nil
		}
	case TypeFloat, TypeDouble:
		if v.kind == jnumber {
			bits := 64
			if sh.Type == TypeFloat {
				bits = 32
			}
			if _, err := strconv.ParseFloat(v.text, bits); err != nil {
				return SerializationError(fmt.Sprintf("Value at '%s' is not a valid %s.", pathOr(path), sh.Type))
			}
			return nil
		}
	case TypeTimestamp:
		if v.kind == jnumber || v.kind == jstring {
			raw := v.text
			if v.kind == jstring {
				raw = strconv.Quote(v.text)
			}
			var t Time
			if err := t.UnmarshalJSON([]byte(raw)); err != nil {
				return SerializationError(fmt.Sprintf("Value at '%s' is not a valid timestamp.", pathOr(path)))
			}
			return nil
		}
	case TypeBlob:
		if v.kind == jstring {
			if _, err := base64.StdEncoding.DecodeString(v.text); err != nil {
				return SerializationError(fmt.Sprintf("Value at '%s' is not valid base64.", pathOr(path)))
			}
			return nil
		}
	default:
		return nil
	}
	return typeError(path, sh, v)
}

type constraint struct {
	kind ViolationKind
	text string
}

// scalarViolations returns the constraints a type-checked scalar fails, in
// AWS order: length, range, pattern, enum.
func scalarViolations(sh *Shape, v *jvalue) []constraint {
	var out []constraint
	switch sh.Type {
	case TypeString:
		n := int64(utf8.RuneCountInString(v.text))
		if sh.Min != nil && n < *sh.Min {
			out = append(out, constraint{ViolationMinLength, minLengthText(*sh.Min)})
		}
		if sh.Max != nil && n > *sh.Max {
			out = append(out, constraint{ViolationMaxLength, maxLengthText(*sh.Max)})
		}
		if !sh.MatchPattern(v.text) {
			out = append(out, constraint{ViolationPattern, "Member must satisfy regular expression pattern: " + sh.Pattern})
		}
		if len(sh.Enum) > 0 && !contains(sh.Enum, v.text) {
			out = append(out, constraint{ViolationEnum, enumText(sh.Enum)})
		}
	case TypeInteger, TypeLong, TypeFloat, TypeDouble:
		f, _ := strconv.ParseFloat(v.text, 64)
		if sh.Min != nil && f < float64(*sh.Min) {
			out = append(out, constraint{ViolationMinValue, fmt.Sprintf("Member must have value greater than or equal to %d", *sh.Min)})
		}
		if sh.Max != nil && f > float64(*sh.Max) {
			out = append(out, constraint{ViolationMaxValue, fmt.Sprintf("Member must have value less than or equal to %d", *sh.Max)})
		}
	}
	return out
}

// allConstraints lists every constraint of a scalar shape, in the order AWS
// prints nested constraint sets (maximum first).
func allConstraints(sh *Shape) []string {
	out := []string{"Member must not be null"}
	switch sh.Type {
	case TypeString:
		if sh.Max != nil {
			out = append(out, maxLengthText(*sh.Max))
		}
		if sh.Min != nil {
			out = append(out, minLengthText(*sh.Min))
		}
		if sh.Pattern != "" {
			out = append(out, "Member must satisfy regular expression pattern: "+sh.Pattern)
		}
		if len(sh.Enum) > 0 {
			out = append(out, enumText(sh.Enum))
		}
	case TypeInteger, TypeLong, TypeFloat, TypeDouble:
		if sh.Max != nil {
			out = append(out, fmt.Sprintf("Member must have value less than or equal to %d", *sh.Max))
		}
		if sh.Min != nil {
			out = append(out, fmt.Sprintf("Member must have value greater than or equal to %d", *sh.Min))
		}
	}
	if len(out) > 1 {
		return out[1:]
	}
	return out
}

func minLengthText(n int64) string {
	return fmt.Sprintf("Member must have length greater than or equal to %d", n)
}

func maxLengthText(n int64) string {
	return fmt.Sprintf("Member must have length less than or equal to %d", n)
}

func enumText(enum []string) string {
	return "Member must satisfy enum value set: [" + strings.Join(enum, ", ") + "]"
}

// render formats v for a message the way AWS (Java toString) does, quoted:
// 'text', '[a, b]', '{k=v}'. It returns "" when v must not be echoed, which
// makes the message read "Value at 'x' failed ...".
func (vd *validator) render(sh *Shape, v *jvalue) string {
	var b strings.Builder
	if !vd.renderTo(&b, sh, v, 0) {
		return ""
	}
	return "'" + b.String() + "'"
}

// maxRender bounds how much of a large value a message echoes.
const maxRender = 256

func (vd *validator) renderTo(b *strings.Builder, sh *Shape, v *jvalue, depth int) bool {
	if sh != nil && sh.Sensitive {
		return false
	}
	if b.Len() > maxRender || depth > 8 {
		b.WriteString("...")
		return true
	}
	switch v.kind {
	case jnull:
		b.WriteString("null")
	case jbool:
		b.WriteString(strconv.FormatBool(v.b))
	case jnumber, jstring:
		b.WriteString(v.text)
	case jarray:
		var elem *Shape
		if sh != nil && sh.Type == TypeList {
			elem = vd.svc.Shapes[sh.Member]
		}
		b.WriteByte('[')
		for i, e := range v.arr {
			if i > 0 {
				b.WriteString(", ")
			}
			if !vd.renderTo(b, elem, e, depth+1) {
				return false
			}
		}
		b.WriteByte(']')
	case jobject:
		b.WriteByte('{')
		n := 0
		for _, m := range v.obj {
			var ms *Shape
			switch {
			case sh == nil:
			case sh.Type == TypeMap:
				if ks := vd.svc.Shapes[sh.Key]; ks != nil && ks.Sensitive {
					return false
				}
				ms = vd.svc.Shapes[sh.Value]
			case sh.Type == TypeStructure && !sh.Document:
				idx, ok := sh.memberIndex[m.key]
				if !ok {
					continue
				}
				ms = vd.svc.Shapes[sh.Members[idx].Shape]
			}
			if n > 0 {
				b.WriteString(", ")
			}
			n++
			b.WriteString(m.key)
			b.WriteByte('=')
			if !vd.renderTo(b, ms, m.val, depth+1) {
				b.WriteString("***")
			}
		}
		b.WriteByte('}')
	}
	return true
}

func lowerFirst(s string) string {
	if s != "" && s[0] >= 'a' && s[0] <= 'z' {
		return s // already lowerCamelCase (rest-json members): no copy
	}
	r, n := utf8.DecodeRuneInString(s)
	return string(unicode.ToLower(r)) + s[n:]
}

func pathOr(p string) string {
	if p == "" {
		return "input"
	}
	return p
}

func contains(ss []string, s string) bool {
	for _, x := range ss {
		if x == s {
			return true
		}
	}
	return false
}
