// Package policy parses and validates IAM policy documents, the JSON
// language of AWS identity-based policies
// (https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_grammar.html).
//
// Parse checks the grammar strictly, as IAM does: known element names only
// (case-sensitive), no duplicate keys, Effect Allow or Deny, exactly one of
// Action/NotAction and of Resource/NotResource, no Principal in an identity
// policy, condition blocks shaped operator → key → values, unique Sids and
// a size limit. The parsed Document keeps every element in a form an
// evaluator can walk (see Statement); evaluation itself is a later addition.
//
// policy is pure: it imports only the standard library, does no I/O and
// never logs.
package policy

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"regexp"
	"strconv"
	"strings"
	"unicode/utf8"
)

// Versions of the policy language.
const (
	Version2012 = "2012-10-17"
	Version2008 = "2008-10-17"
)

// MaxPermissionSetInlinePolicy is the largest inline policy a permission
// set may carry, in characters (IAM Identity Center quotas: "inline policy
// per permission set", 10,240 characters).
const MaxPermissionSetInlinePolicy = 10240

// maxDepth bounds JSON nesting; a valid policy nests four levels deep.
const maxDepth = 16

// Document is a parsed policy.
type Document struct {
	// Version is the policy language version ("" when absent, which IAM
	// reads as 2008-10-17).
	Version string
	// ID is the optional Id element.
	ID         string
	Statements []Statement
}

// Statement is one statement. Exactly one of Action/NotAction is set (the
// Not flag tells which), and likewise for resources.
type Statement struct {
	Sid    string
	Effect string // "Allow" or "Deny"
	// Actions are the Action (or NotAction, when NotAction is true) values.
	Actions   []string
	NotAction bool
	// Resources are the Resource (or NotResource) values.
	Resources   []string
	NotResource bool
	// Conditions are the condition blocks in document order.
	Conditions []Condition
}

// Condition is one operator → key → values entry of a Condition block.
type Condition struct {
	// Operator is the condition operator as written, for example
	// "StringEquals" or "ForAnyValue:StringLikeIfExists".
	Operator string
	Key      string
	// Values are the values as strings (IAM compares booleans and numbers
	// by their text).
	Values []string
}

// Error is a validation failure. Msg says what is wrong in terms of the
// policy language and is safe to show a client.
type Error struct {
	Msg string
}

func (e *Error) Error() string { return e.Msg }

func errf(format string, args ...any) *Error { return &Error{Msg: fmt.Sprintf(format, args...)} }

// Parse parses and validates an identity policy of at most maxChars
// characters (maxChars <= 0: no limit). Every failure is an *Error.
func Parse(doc string, maxChars int) (*Document, error) {
	if maxChars > 0 && utf8.RuneCountInString(doc) > maxChars {
		return nil, errf("The policy document exceeds the maximum size of %d characters.", maxChars)
	}
	if !utf8.ValidString(doc) {
		return nil, errf("The policy document is not valid UTF-8.")
	}
	v, err := decode(doc)
	if err != nil {
		return nil, err
	}
	obj, ok := v.(object)
	if !ok {
		return nil, errf("The policy document must be a JSON object.")
	}
	d := &Document{}
	var stmts any
	haveStatement := false
	for _, m := range obj {
		switch m.key {
		case "Version":
			s, ok := m.val.(string)
			if !ok || (s != Version2012 && s != Version2008) {
				return nil, errf("The policy Version must be %q or %q.", Version2012, Version2008)
			}
			d.Version = s
		case "Id":
			s, ok := m.val.(string)
			if !ok {
				return nil, errf("The policy Id must be a string.")
			}
			d.ID = s
		case "Statement":
			stmts, haveStatement = m.val, true
		default:
			return nil, errf("The policy document has an unknown element %q.", m.key)
		}
	}
	if !haveStatement {
		return nil, errf("The policy document must contain a Statement.")
	}
	var list []any
	switch s := stmts.(type) {
	case object:
		list = []any{s}
	case []any:
		list = s
	default:
		return nil, errf("The policy Statement must be an object or an array of objects.")
	}
	if len(list) == 0 {
		return nil, errf("The policy Statement must not be empty.")
	}
	sids := map[string]bool{}
	for i, raw := range list {
		o, ok := raw.(object)
		if !ok {
			return nil, errf("Statement %d must be an object.", i+1)
		}
		st, err := statement(o, i+1)
		if err != nil {
			return nil, err
		}
		if st.Sid != "" {
			if sids[st.Sid] {
				return nil, errf("Statement IDs (SID) in a single policy must be unique: %q is repeated.", st.Sid)
			}
			sids[st.Sid] = true
		}
		d.Statements = append(d.Statements, st)
	}
	return d, nil
}

var (
	sidPattern    = regexp.MustCompile(`^[A-Za-z0-9]*$`)
	actionPattern = regexp.MustCompile(`^[A-Za-z0-9-]+:[A-Za-z0-9*?_-]*$`)
)

func statement(o object, n int) (Statement, error) {
	var st Statement
	var haveAction, haveResource bool
	for _, m := range o {
		switch m.key {
		case "Sid":
			s, ok := m.val.(string)
			if !ok || !sidPattern.MatchString(s) {
				return st, errf("Statement %d: Sid must be a string of ASCII letters and digits.", n)
			}
			st.Sid = s
		case "Effect":
			s, ok := m.val.(string)
			if !ok || (s != "Allow" && s != "Deny") {
				return st, errf("Statement %d: Effect must be \"Allow\" or \"Deny\".", n)
			}
			st.Effect = s
		case "Action", "NotAction":
			if haveAction {
				return st, errf("Statement %d must contain exactly one of Action or NotAction.", n)
			}
			haveAction = true
			vals, err := strings1(m.val, n, m.key)
			if err != nil {
				return st, err
			}
			for _, a := range vals {
				if a != "*" && !actionPattern.MatchString(a) {
					return st, errf("Statement %d: action %q must be \"*\" or of the form service:action.", n, a)
				}
			}
			st.Actions, st.NotAction = vals, m.key == "NotAction"
		case "Resource", "NotResource":
			if haveResource {
				return st, errf("Statement %d must contain exactly one of Resource or NotResource.", n)
			}
			haveResource = true
			vals, err := strings1(m.val, n, m.key)
			if err != nil {
				return st, err
			}
			for _, r := range vals {
				if !validResource(r) {
					return st, errf("Statement %d: resource %q must be \"*\" or an ARN.", n, r)
				}
			}
			st.Resources, st.NotResource = vals, m.key == "NotResource"
		case "Principal", "NotPrincipal":
			return st, errf("Statement %d: %s is not allowed in an identity-based policy.", n, m.key)
		case "Condition":
			c, err := conditions(m.val, n)
			if err != nil {
				return st, err
			}
			st.Conditions = c
		default:
			return st, errf("Statement %d has an unknown element %q.", n, m.key)
		}
	}
	if st.Effect == "" {
		return st, errf("Statement %d must contain an Effect.", n)
	}
	if !haveAction {
		return st, errf("Statement %d must contain an Action or NotAction.", n)
	}
	if !haveResource {
		return st, errf("Statement %d must contain a Resource or NotResource.", n)
	}
	return st, nil
}

// validResource accepts "*" and ARNs (arn:partition:service:region:account:
// resource, wildcards and policy variables allowed).
func validResource(r string) bool {
	if r == "*" {
		return true
	}
	if !strings.HasPrefix(r, "arn:") {
		return false
	}
	return strings.Count(r, ":") >= 5
}

// strings1 reads a string-or-array-of-strings element, which must not be
// empty.
func strings1(v any, n int, name string) ([]string, error) {
	switch x := v.(type) {
	case string:
		if x == "" {
			return nil, errf("Statement %d: %s must not be empty.", n, name)
		}
		return []string{x}, nil
	case []any:
		if len(x) == 0 {
			return nil, errf("Statement %d: %s must not be empty.", n, name)
		}
		out := make([]string, 0, len(x))
		for _, e := range x {
			s, ok := e.(string)
			if !ok || s == "" {
				return nil, errf("Statement %d: %s must be a string or an array of non-empty strings.", n, name)
			}
			out = append(out, s)
		}
		return out, nil
	}
	return nil, errf("Statement %d: %s must be a string or an array of strings.", n, name)
}

// conditionOperators are IAM's condition operators without the
// ForAllValues:/ForAnyValue: prefixes and the IfExists suffix
// (https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_condition_operators.html).
var conditionOperators = map[string]bool{
	"StringEquals": true, "StringNotEquals": true, "StringEqualsIgnoreCase": true, "StringNotEqualsIgnoreCase": true,
	"StringLike": true, "StringNotLike": true,
	"NumericEquals": true, "NumericNotEquals": true, "NumericLessThan": true, "NumericLessThanEquals": true,
	"NumericGreaterThan": true, "NumericGreaterThanEquals": true,
	"DateEquals": true, "DateNotEquals": true, "DateLessThan": true, "DateLessThanEquals": true,
	"DateGreaterThan": true, "DateGreaterThanEquals": true,
	"Bool": true, "BinaryEquals": true, "IpAddress": true, "NotIpAddress": true,
	"ArnEquals": true, "ArnLike": true, "ArnNotEquals": true, "ArnNotLike": true,
	"Null": true,
}

// ValidOperator reports whether op is an IAM condition operator, with an
// optional ForAllValues:/ForAnyValue: prefix and IfExists suffix (Null takes
// neither suffix).
func ValidOperator(op string) bool {
	base := op
	if p, rest, ok := strings.Cut(op, ":"); ok {
		if p != "ForAllValues" && p != "ForAnyValue" {
			return false
		}
		base = rest
	}
	if b, ok := strings.CutSuffix(base, "IfExists"); ok && b != "Null" {
		base = b
	}
	return conditionOperators[base]
}

func conditions(v any, n int) ([]Condition, error) {
	o, ok := v.(object)
	if !ok {
		return nil, errf("Statement %d: Condition must be an object.", n)
	}
	var out []Condition
	for _, op := range o {
		if !ValidOperator(op.key) {
			return nil, errf("Statement %d: unknown condition operator %q.", n, op.key)
		}
		keys, ok := op.val.(object)
		if !ok || len(keys) == 0 {
			return nil, errf("Statement %d: condition operator %q must map condition keys to values.", n, op.key)
		}
		for _, k := range keys {
			if k.key == "" {
				return nil, errf("Statement %d: a condition key must not be empty.", n)
			}
			vals, err := conditionValues(k.val)
			if err != nil {
				return nil, errf("Statement %d: condition %s %q: %s", n, op.key, k.key, err.Msg)
			}
			out = append(out, Condition{Operator: op.key, Key: k.key, Values: vals})
		}
	}
	return out, nil
}

func scalarText(v any) (string, bool) {
	switch x := v.(type) {
	case string:
		return x, true
	case bool:
		return strconv.FormatBool(x), true
	case json.Number:
		return x.String(), true
	}
	return "", false
}

func conditionValues(v any) ([]string, *Error) {
	if s, ok := scalarText(v); ok {
		return []string{s}, nil
	}
	arr, ok := v.([]any)
	if !ok {
		return nil, errf("values must be a string, number, boolean or an array of them.")
	}
	if len(arr) == 0 {
		return nil, errf("values must not be empty.")
	}
	out := make([]string, 0, len(arr))
	for _, e := range arr {
		s, ok := scalarText(e)
		if !ok {
			return nil, errf("values must be a string, number, boolean or an array of them.")
		}
		out = append(out, s)
	}
	return out, nil
}

// object is a JSON object with its members in document order.
type object []member

type member struct {
	key string
	val any
}

// decode parses JSON into object, []any, string, bool, json.Number and nil,
// refusing duplicate keys, trailing data and deep nesting.
func decode(doc string) (any, error) {
	dec := json.NewDecoder(strings.NewReader(doc))
	dec.UseNumber()
	v, err := value(dec, 0)
	if err != nil {
		return nil, err
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return nil, errf("The policy document has data after the end of the JSON value.")
	}
	return v, nil
}

func syntax(err error) *Error {
	var se *json.SyntaxError
	if errors.As(err, &se) {
		return errf("The policy document is not valid JSON: syntax error at offset %d.", se.Offset)
	}
	if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
		return errf("The policy document is not valid JSON: unexpected end of input.")
	}
	return errf("The policy document is not valid JSON.")
}

func value(dec *json.Decoder, depth int) (any, error) {
	if depth > maxDepth {
		return nil, errf("The policy document nests too deeply.")
	}
	tok, err := dec.Token()
	if err != nil {
		return nil, syntax(err)
	}
	switch t := tok.(type) {
	case json.Delim:
		switch t {
		case '{':
			var o object
			seen := map[string]bool{}
			for dec.More() {
				kt, err := dec.Token()
				if err != nil {
					return nil, syntax(err)
				}
				k, ok := kt.(string)
				if !ok {
					return nil, errf("The policy document is not valid JSON.")
				}
				if seen[k] {
					return nil, errf("The policy document has a duplicate key %q.", k)
				}
				seen[k] = true
				v, err := value(dec, depth+1)
				if err != nil {
					return nil, err
				}
				o = append(o, member{k, v})
			}
			if _, err := dec.Token(); err != nil {
				return nil, syntax(err)
			}
			if o == nil {
				o = object{}
			}
			return o, nil
		case '[':
			arr := []any{}
			for dec.More() {
				v, err := value(dec, depth+1)
				if err != nil {
					return nil, err
				}
				arr = append(arr, v)
			}
			if _, err := dec.Token(); err != nil {
				return nil, syntax(err)
			}
			return arr, nil
		}
		return nil, errf("The policy document is not valid JSON.")
	default:
		return t, nil
	}
}
