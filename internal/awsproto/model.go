package awsproto

import (
	"fmt"
	"regexp"
	"sort"
	"strings"
)

// Shape types as they appear in botocore models.
const (
	TypeStructure = "structure"
	TypeList      = "list"
	TypeMap       = "map"
	TypeString    = "string"
	TypeInteger   = "integer"
	TypeLong      = "long"
	TypeBoolean   = "boolean"
	TypeFloat     = "float"
	TypeDouble    = "double"
	TypeTimestamp = "timestamp"
	TypeBlob      = "blob"
)

// Protocols of botocore models (metadata.protocol).
const (
	ProtocolJSON     = "json"
	ProtocolRESTJSON = "rest-json"
	ProtocolQuery    = "query"
)

// Member locations of rest-json models (member "location"). A member
// without a location travels in the body.
const (
	LocationHeader      = "header"
	LocationQueryString = "querystring"
	LocationURI         = "uri"
)

// Service is the runtime form of one botocore service model, without
// documentation. Build it with NewService or NewModel; a built Service is
// immutable and safe for concurrent use.
type Service struct {
	// Name is the botocore service name, e.g. "sso-admin".
	Name string
	// TargetPrefix is the X-Amz-Target prefix, e.g. "SWBExternalService";
	// empty for rest-json and query services.
	TargetPrefix string
	// APIVersion is the model's apiVersion, e.g. "2020-07-20".
	APIVersion string
	// Protocol is the wire protocol: ProtocolJSON, ProtocolRESTJSON or
	// ProtocolQuery.
	Protocol string
	// XMLNamespace is the namespace of query protocol responses, e.g.
	// "https://sts.amazonaws.com/doc/2011-06-15/".
	XMLNamespace string
	// Operations maps operation names to operations.
	Operations map[string]*Operation
	// Shapes maps shape names to shapes.
	Shapes map[string]*Shape
}

// Operation is one modelled operation. Input and Output are shape names and
// may be empty when the model has no such shape.
type Operation struct {
	Name   string
	Input  string
	Output string
	// Errors lists the exception shapes the operation may return.
	Errors []string
	// HTTPMethod and RequestURI are the model's http binding (rest-json):
	// e.g. "POST" and "/token?aws_iam=t". Unset for JSON 1.1 models.
	HTTPMethod, RequestURI string
	// ResultWrapper is the element that wraps a query protocol result,
	// e.g. "GetCallerIdentityResult".
	ResultWrapper string
	// NoAuth marks operations the model declares unauthenticated
	// ("authtype": "none").
	NoAuth bool
}

// Member is one member of a structure shape.
type Member struct {
	// Name is the member name exactly as in the model (also the JSON key
	// and, without LocationName, the query and XML name).
	Name string
	// Shape is the target shape name.
	Shape string
	// Location binds a rest-json member to a LocationHeader,
	// LocationQueryString or LocationURI; "" means the body.
	Location string
	// LocationName is the header, query parameter or URI label name of a
	// bound member, or the query/XML name of a query protocol member.
	LocationName string
}

// Shape is one modelled shape. Only the fields relevant to Type are set.
type Shape struct {
	Name string
	Type string
	// Required lists required member names (structures).
	Required []string
	// Members lists structure members in model order; the order is the order
	// of validation messages.
	Members []Member
	// Member is the element shape of a list.
	Member string
	// Key and Value are the key and value shapes of a map.
	Key, Value string
	// Min and Max bound string length (in runes), list and map sizes, and
	// integer values. Nil means unbounded.
	Min, Max *int64
	// Pattern is the model's regular expression, matched against the whole
	// string value.
	Pattern string
	// Enum lists the allowed values of a string, in model order.
	Enum []string
	// Union marks a structure of which exactly one member must be set.
	Union bool
	// Document marks a structure that carries a free-form JSON document.
	Document bool
	// Sensitive marks values that must never be echoed in messages.
	Sensitive bool
	// Exception marks error shapes; Fault marks server faults among them.
	Exception, Fault bool
	// HTTPStatus is the exception's modelled status code, 0 if none.
	HTTPStatus int
	// ErrorCode is the wire code of a query protocol exception when it
	// differs from the shape name (error.code, e.g. "MalformedPolicyDocument").
	ErrorCode string
	// Flattened marks a query protocol list or map serialized without the
	// member/entry wrapper.
	Flattened bool

	re          *regexp.Regexp
	patternErr  error
	memberIndex map[string]int
	required    map[string]bool
}

// Int64 returns a pointer to v; generated models use it for Min and Max.
func Int64(v int64) *int64 { return &v }

// NewService indexes ops and shapes, compiles every pattern and checks that
// every referenced shape exists. It returns an error for a malformed model;
// patterns that the RE2 engine cannot compile are not an error: they are
// skipped during validation (see Shape.PatternError).
func NewService(name, targetPrefix, apiVersion string, ops []*Operation, shapes []*Shape) (*Service, error) {
	return NewModel(Metadata{Name: name, TargetPrefix: targetPrefix, APIVersion: apiVersion, Protocol: ProtocolJSON}, ops, shapes)
}

// Metadata is the service-level part of a model, for NewModel.
type Metadata struct {
	Name, TargetPrefix, APIVersion, Protocol, XMLNamespace string
}

// NewModel is NewService for any protocol: it builds a Service described by
// md. It returns an error for a malformed model.
func NewModel(md Metadata, ops []*Operation, shapes []*Shape) (*Service, error) {
	name := md.Name
	s := &Service{
		Name:         md.Name,
		TargetPrefix: md.TargetPrefix,
		APIVersion:   md.APIVersion,
		Protocol:     md.Protocol,
		XMLNamespace: md.XMLNamespace,
		Operations:   make(map[string]*Operation, len(ops)),
		Shapes:       make(map[string]*Shape, len(shapes)),
	}
	for _, sh := range shapes {
		if _, dup := s.Shapes[sh.Name]; dup {
			return nil, fmt.Errorf("shape %q defined twice", sh.Name)
		}
		s.Shapes[sh.Name] = sh
		sh.index()
	}
	var problems []string
	ref := func(from, to string) {
		if to != "" && s.Shapes[to] == nil {
			problems = append(problems, fmt.Sprintf("%s refers to unknown shape %q", from, to))
		}
	}
	for _, op := range ops {
		s.Operations[op.Name] = op
		ref("operation "+op.Name, op.Input)
		ref("operation "+op.Name, op.Output)
		for _, e := range op.Errors {
			ref("operation "+op.Name, e)
		}
	}
	for _, sh := range shapes {
		for _, m := range sh.Members {
			ref("shape "+sh.Name, m.Shape)
		}
		ref("shape "+sh.Name, sh.Member)
		ref("shape "+sh.Name, sh.Key)
		ref("shape "+sh.Name, sh.Value)
	}
	if len(problems) > 0 {
		sort.Strings(problems)
		return nil, fmt.Errorf("model %s: %s", name, strings.Join(problems, "; "))
	}
	return s, nil
}

// MustNewService is NewService for generated code: it panics on a malformed
// model, which is a programmer error caught at start-up.
func MustNewService(name, targetPrefix, apiVersion string, ops []*Operation, shapes []*Shape) *Service {
	s, err := NewService(name, targetPrefix, apiVersion, ops, shapes)
	if err != nil {
		panic(err)
	}
	return s
}

// MustNewModel is NewModel for generated code: it panics on a malformed
// model, which is a programmer error caught at start-up.
func MustNewModel(md Metadata, ops []*Operation, shapes []*Shape) *Service {
	s, err := NewModel(md, ops, shapes)
	if err != nil {
		panic(err)
	}
	return s
}

func (sh *Shape) index() {
	if sh.Pattern != "" {
		sh.re, sh.patternErr = compilePattern(sh.Pattern)
	}
	if len(sh.Members) > 0 {
		sh.memberIndex = make(map[string]int, len(sh.Members))
		for i, m := range sh.Members {
			sh.memberIndex[m.Name] = i
		}
	}
	if len(sh.Required) > 0 {
		sh.required = make(map[string]bool, len(sh.Required))
		for _, r := range sh.Required {
			sh.required[r] = true
		}
	}
}

// PatternError reports why the shape's pattern is not enforced: nil when it
// compiled (or there is none), else the RE2 compile error. botocore patterns
// are Java regular expressions; a few (look-arounds) have no RE2 equivalent.
func (sh *Shape) PatternError() error { return sh.patternErr }

// MatchPattern reports whether v fully matches the shape's pattern. It
// returns true when there is no pattern or it could not be compiled.
func (sh *Shape) MatchPattern(v string) bool {
	if sh.re == nil {
		return true
	}
	return sh.re.MatchString(v)
}

// compilePattern compiles a Java-flavoured model pattern for a full match.
// Java's \uXXXX escapes become RE2's \x{XXXX}.
func compilePattern(p string) (*regexp.Regexp, error) {
	var b strings.Builder
	for i := 0; i < len(p); i++ {
		if p[i] != '\\' || i+1 >= len(p) {
			b.WriteByte(p[i])
			continue
		}
		if p[i+1] == 'u' && i+6 <= len(p) && isHex(p[i+2:i+6]) {
			b.WriteString(`\x{` + p[i+2:i+6] + `}`)
			i += 5
			continue
		}
		b.WriteString(p[i : i+2])
		i++
	}
	return regexp.Compile(`^(?:` + b.String() + `)$`)
}

func isHex(s string) bool {
	for _, c := range s {
		if !strings.ContainsRune("0123456789abcdefABCDEF", c) {
			return false
		}
	}
	return true
}
