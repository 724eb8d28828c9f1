package main

import (
	"bytes"
	"compress/gzip"
	"encoding/json"
	"fmt"
	"go/format"
	"go/token"
	"io"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strconv"
	"strings"
	"unicode"
)

// model is the subset of a botocore service-2.json that awsgen reads. JSON
// object order matters for members, so shapes keep their raw members.
type model struct {
	Metadata struct {
		APIVersion   string `json:"apiVersion"`
		TargetPrefix string `json:"targetPrefix"`
		Protocol     string `json:"protocol"`
		XMLNamespace string `json:"xmlNamespace"`
	} `json:"metadata"`
	Operations map[string]struct {
		Name string `json:"name"`
		HTTP struct {
			Method     string `json:"method"`
			RequestURI string `json:"requestUri"`
		} `json:"http"`
		Input    *ref   `json:"input"`
		Output   *ref   `json:"output"`
		Errors   []ref  `json:"errors"`
		AuthType string `json:"authtype"`
	} `json:"operations"`
	Shapes map[string]*shape `json:"shapes"`
}

type ref struct {
	Shape         string `json:"shape"`
	Location      string `json:"location"`
	LocationName  string `json:"locationName"`
	ResultWrapper string `json:"resultWrapper"`
	Flattened     bool   `json:"flattened"`
}

type shape struct {
	Type      string          `json:"type"`
	Required  []string        `json:"required"`
	RawMember json.RawMessage `json:"members"`
	Member    *ref            `json:"member"`
	Key       *ref            `json:"key"`
	Value     *ref            `json:"value"`
	Min       *float64        `json:"min"`
	Max       *float64        `json:"max"`
	Pattern   string          `json:"pattern"`
	Enum      []string        `json:"enum"`
	Union     bool            `json:"union"`
	Document  bool            `json:"document"`
	Sensitive bool            `json:"sensitive"`
	Exception bool            `json:"exception"`
	Fault     bool            `json:"fault"`
	Flattened bool            `json:"flattened"`
	Error     *struct {
		Code           string `json:"code"`
		HTTPStatusCode int    `json:"httpStatusCode"`
	} `json:"error"`

	members []member // in model order
}

type member struct{ name, shape, location, locationName string }

// readModel loads botocore/data/<service>/<version>/service-2.json(.gz).
func readModel(botocore string, t target) (*model, error) {
	base := filepath.Join(botocore, "data", t.service, t.apiVersion, "service-2.json")
	var r io.Reader
	f, err := os.Open(base + ".gz")
	if err == nil {
		defer f.Close()
		zr, err := gzip.NewReader(f)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", base, err)
		}
		r = zr
	} else {
		f, err := os.Open(base)
		if err != nil {
			return nil, fmt.Errorf("model %s/%s: %w", t.service, t.apiVersion, err)
		}
		defer f.Close()
		r = f
	}
	raw, err := io.ReadAll(r)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", base, err)
	}
	m := new(model)
	if err := json.Unmarshal(raw, m); err != nil {
		return nil, fmt.Errorf("%s: %w", base, err)
	}
	for name, s := range m.Shapes {
		if s.members, err = orderedMembers(s.RawMember); err != nil {
			return nil, fmt.Errorf("shape %s: %w", name, err)
		}
	}
	return m, nil
}

// orderedMembers decodes a members object keeping the key order.
func orderedMembers(raw json.RawMessage) ([]member, error) {
	if len(raw) == 0 {
		return nil, nil
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	if _, err := dec.Token(); err != nil {
		return nil, err
	}
	var out []member
	for dec.More() {
		k, err := dec.Token()
		if err != nil {
			return nil, err
		}
		var r ref
		if err := dec.Decode(&r); err != nil {
			return nil, err
		}
		if r.Flattened {
			return nil, fmt.Errorf("member %s: member-level flattened is not supported", k)
		}
		out = append(out, member{k.(string), r.Shape, r.Location, r.LocationName})
	}
	return out, nil
}

// generateFile returns zz_generated.go and zz_generated_json_test.go for t.
func generateFile(botocore, version string, t target) (src, test []byte, err error) {
	m, err := readModel(botocore, t)
	if err != nil {
		return nil, nil, err
	}
	if src, err = generate(m, version, t); err != nil {
		return nil, nil, err
	}
	test, err = generateJSONTest(m, version, t)
	return src, test, err
}

// reserved are identifiers the generated file declares itself.
var reserved = map[string]bool{"API": true, "UnimplementedAPI": true, "Model": true, "NewService": true,
	"NewRESTService": true, "NewQueryService": true}

type gen struct {
	m     *model
	t     target
	b     bytes.Buffer
	names map[string]string // shape name -> Go type name

	usesJSON bool // a document shape maps to json.RawMessage
}

func (g *gen) p(format string, args ...any) { fmt.Fprintf(&g.b, format, args...) }

// generate renders and gofmts the Go file for one service model.
func generate(m *model, version string, t target) ([]byte, error) {
	proto := m.Metadata.Protocol
	switch proto {
	case "json", "rest-json", "query":
	default:
		return nil, fmt.Errorf("%s: protocol %q is not json, rest-json or query", t.service, proto)
	}
	if err := checkBindings(m); err != nil {
		return nil, fmt.Errorf("%s: %w", t.service, err)
	}
	g := &gen{m: m, t: t, names: map[string]string{}}
	shapeNames := sortedKeys(m.Shapes)
	opNames := sortedKeys(m.Operations)
	byType := map[string]string{}
	for _, n := range shapeNames {
		tn := typeName(n)
		g.names[n] = tn
		// Only structures become Go types; an exception and its
		// lowerCamelCase message shape (sts) may share a Go name.
		if s := m.Shapes[n]; s.Type != "structure" || s.Exception || s.Document {
			continue
		}
		if other, dup := byType[tn]; dup {
			return nil, fmt.Errorf("%s: shapes %s and %s both map to Go type %s", t.service, other, n, tn)
		}
		byType[tn] = n
	}
	for _, op := range opNames {
		for _, n := range []string{op + "Input", op + "Output"} {
			if _, dup := m.Shapes[n]; dup {
				return nil, fmt.Errorf("%s: generated type %s collides with a shape", t.service, n)
			}
		}
	}

	// Model.
	g.p("// Model returns the %s %s model (without documentation). It builds a\n", t.service, m.Metadata.APIVersion)
	g.p("// fresh value on every call; call it once at start-up.\n")
	g.p("func Model() *awsproto.Service {\n")
	if proto == "json" {
		g.p("return awsproto.MustNewService(%q, %q, %q,\n", t.service, m.Metadata.TargetPrefix, m.Metadata.APIVersion)
	} else {
		g.p("return awsproto.MustNewModel(awsproto.Metadata{Name: %q, APIVersion: %q, Protocol: %q", t.service, m.Metadata.APIVersion, proto)
		if m.Metadata.XMLNamespace != "" {
			g.p(", XMLNamespace: %q", m.Metadata.XMLNamespace)
		}
		g.p("},\n")
	}
	g.p("[]*awsproto.Operation{\n")
	for _, name := range opNames {
		op := m.Operations[name]
		g.p("{Name: %q", name)
		if op.Input != nil {
			g.p(", Input: %q", op.Input.Shape)
		}
		if op.Output != nil {
			g.p(", Output: %q", op.Output.Shape)
		}
		if len(op.Errors) > 0 {
			g.p(", Errors: []string{")
			for i, e := range op.Errors {
				if i > 0 {
					g.p(", ")
				}
				g.p("%q", e.Shape)
			}
			g.p("}")
		}
		if proto != "json" {
			g.p(", HTTPMethod: %q, RequestURI: %q", op.HTTP.Method, op.HTTP.RequestURI)
			if op.Output != nil && op.Output.ResultWrapper != "" {
				g.p(", ResultWrapper: %q", op.Output.ResultWrapper)
			}
			if op.AuthType == "none" {
				g.p(", NoAuth: true")
			}
		}
		g.p("},\n")
	}
	g.p("},\n[]*awsproto.Shape{\n")
	for _, name := range shapeNames {
		if err := g.modelShape(name, m.Shapes[name], proto); err != nil {
			return nil, err
		}
	}
	g.p("})\n}\n\n")

	// Types.
	for _, name := range shapeNames {
		s := m.Shapes[name]
		if s.Type != "structure" || s.Exception || s.Document {
			continue
		}
		if err := g.structType(name, s); err != nil {
			return nil, err
		}
		if err := g.structJSON(name, s); err != nil {
			return nil, err
		}
	}
	for _, name := range opNames {
		op := m.Operations[name]
		if op.Input == nil {
			g.p("// %sInput is the empty input of %s, which has no input shape.\ntype %sInput struct{}\n\n", name, name, name)
		}
		if op.Output == nil {
			g.p("// %sOutput is the empty output of %s, which has no output shape.\ntype %sOutput struct{}\n\n", name, name, name)
		}
	}

	// API.
	g.p("// API is the %s service. Implementations embed UnimplementedAPI and\n", t.service)
	g.p("// override the operations they implement. Methods may be called\n// concurrently.\n")
	g.p("type API interface {\n")
	for _, name := range opNames {
		in, out := g.opTypes(name)
		g.p("%s(ctx context.Context, in *%s) (*%s, error)\n", name, in, out)
	}
	g.p("}\n\n")
	g.p("// UnimplementedAPI implements every operation of API with\n// awsproto.NotImplemented.\n")
	g.p("type UnimplementedAPI struct{}\n\n")
	g.p("var _ API = UnimplementedAPI{}\n\n")
	for _, name := range opNames {
		in, out := g.opTypes(name)
		g.p("// %s returns awsproto.NotImplemented.\n", name)
		g.p("func (UnimplementedAPI) %s(context.Context, *%s) (*%s, error) {\nreturn nil, awsproto.NotImplemented(%q)\n}\n\n", name, in, out, name)
	}

	// Dispatch.
	switch proto {
	case "json":
		g.p("// NewService returns the JSON 1.1 service that validates requests against\n")
		g.p("// Model and dispatches them to api. mapErr maps handler errors that are\n")
		g.p("// not *awsproto.Error; it may be nil.\n")
		g.p("func NewService(api API, mapErr func(error) *awsproto.Error) *awsproto.JSONService {\n")
		g.p("return awsproto.NewJSONService(Model(), map[string]awsproto.Op{\n")
	case "rest-json":
		g.p("// NewRESTService returns the rest-json service that routes requests by\n")
		g.p("// method and path, binds and validates them against Model and dispatches\n")
		g.p("// them to api. mapErr maps handler errors that are not *awsproto.Error;\n")
		g.p("// it may be nil.\n")
		g.p("func NewRESTService(api API, mapErr func(error) *awsproto.Error) *awsproto.RESTService {\n")
		g.p("return awsproto.NewRESTService(Model(), map[string]awsproto.Op{\n")
	case "query":
		g.p("// NewQueryService returns the query protocol service that decodes form\n")
		g.p("// requests by Action, validates them against Model and dispatches them to\n")
		g.p("// api. mapErr maps handler errors that are not *awsproto.Error; it may be\n")
		g.p("// nil.\n")
		g.p("func NewQueryService(api API, mapErr func(error) *awsproto.Error) *awsproto.QueryService {\n")
		g.p("return awsproto.NewQueryService(Model(), map[string]awsproto.Op{\n")
	}
	for _, name := range opNames {
		g.p("%q: awsproto.Handle(api.%s),\n", name, name)
	}
	g.p("}, mapErr)\n}\n")

	var head bytes.Buffer
	fmt.Fprintf(&head, "// Code generated by tools/awsgen from botocore %s %s/%s; DO NOT EDIT.\n\n", version, t.service, m.Metadata.APIVersion)
	fmt.Fprintf(&head, "package %s\n\nimport (\n\"context\"\n", t.pkg)
	if g.usesJSON {
		head.WriteString("\"encoding/json\"\n")
	}
	head.WriteString("\n\"github.com/idcenter/idcenter/internal/awsproto\"\n)\n\n")
	src, err := format.Source(append(head.Bytes(), g.b.Bytes()...))
	if err != nil {
		return nil, fmt.Errorf("%s: gofmt generated code: %w", t.service, err)
	}
	return src, nil
}

func (g *gen) opTypes(op string) (in, out string) {
	o := g.m.Operations[op]
	in, out = op+"Input", op+"Output"
	if o.Input != nil {
		in = g.names[o.Input.Shape]
	}
	if o.Output != nil {
		out = g.names[o.Output.Shape]
	}
	return in, out
}

func (g *gen) modelShape(name string, s *shape, proto string) error {
	g.p("{Name: %q, Type: %q", name, s.Type)
	if len(s.Required) > 0 {
		g.p(", Required: %s", stringSlice(s.Required))
	}
	if len(s.members) > 0 {
		g.p(", Members: []awsproto.Member{")
		for i, mb := range s.members {
			if i > 0 {
				g.p(", ")
			}
			g.p("{Name: %q, Shape: %q", mb.name, mb.shape)
			if mb.location != "" {
				g.p(", Location: %q", mb.location)
			}
			if mb.locationName != "" {
				g.p(", LocationName: %q", mb.locationName)
			}
			g.p("}")
		}
		g.p("}")
	}
	if s.Member != nil {
		g.p(", Member: %q", s.Member.Shape)
	}
	if s.Key != nil {
		g.p(", Key: %q", s.Key.Shape)
	}
	if s.Value != nil {
		g.p(", Value: %q", s.Value.Shape)
	}
	for _, b := range []struct {
		field string
		v     *float64
	}{{"Min", s.Min}, {"Max", s.Max}} {
		if b.v == nil {
			continue
		}
		if *b.v != float64(int64(*b.v)) {
			return fmt.Errorf("shape %s: non-integral %s %v", name, b.field, *b.v)
		}
		g.p(", %s: awsproto.Int64(%d)", b.field, int64(*b.v))
	}
	if s.Pattern != "" {
		g.p(", Pattern: %s", goString(s.Pattern))
	}
	if len(s.Enum) > 0 {
		g.p(", Enum: %s", stringSlice(s.Enum))
	}
	for _, f := range []struct {
		field string
		on    bool
	}{{"Union", s.Union}, {"Document", s.Document}, {"Sensitive", s.Sensitive}, {"Exception", s.Exception}, {"Fault", s.Fault}} {
		if f.on {
			g.p(", %s: true", f.field)
		}
	}
	if s.Error != nil && s.Error.HTTPStatusCode != 0 {
		g.p(", HTTPStatus: %d", s.Error.HTTPStatusCode)
	}
	if proto != "json" {
		if s.Error != nil && s.Error.Code != "" && s.Error.Code != name {
			g.p(", ErrorCode: %q", s.Error.Code)
		}
		if s.Flattened {
			g.p(", Flattened: true")
		}
	}
	g.p("},\n")
	return nil
}

func (g *gen) structType(name string, s *shape) error {
	tn := g.names[name]
	g.p("// %s is the %s shape %s.\n", tn, g.t.service, name)
	if s.Union {
		g.p("// It is a union: exactly one member is set.\n")
	}
	g.p("type %s struct {\n", tn)
	required := map[string]bool{}
	for _, r := range s.Required {
		required[r] = true
	}
	seen := map[string]bool{}
	for _, mb := range s.members {
		ft, err := g.goType(mb.shape, true)
		if err != nil {
			return fmt.Errorf("shape %s member %s: %w", name, mb.name, err)
		}
		fn := fieldName(mb.name)
		if seen[fn] {
			return fmt.Errorf("shape %s: member %s collides as field %s", name, mb.name, fn)
		}
		seen[fn] = true
		tag := mb.name + ",omitempty"
		// Required lists and maps are always written, so that clients see []
		// rather than a missing key; handlers must set them non-nil.
		if t := g.m.Shapes[mb.shape].Type; required[mb.name] && (t == "list" || t == "map") {
			tag = mb.name
		}
		g.p("%s %s `json:%s`\n", fn, ft, strconv.Quote(tag))
	}
	g.p("}\n\n")
	return nil
}

// goType maps a shape to its Go type; field types of scalars are pointers
// when optional (inField), element types are values.
func (g *gen) goType(name string, inField bool) (string, error) {
	s := g.m.Shapes[name]
	if s == nil {
		return "", fmt.Errorf("unknown shape %q", name)
	}
	ptr := ""
	if inField {
		ptr = "*"
	}
	switch s.Type {
	case "string":
		return "string", nil
	case "integer":
		return ptr + "int32", nil
	case "long":
		return ptr + "int64", nil
	case "boolean":
		return ptr + "bool", nil
	case "float":
		return ptr + "float32", nil
	case "double":
		return ptr + "float64", nil
	case "timestamp":
		return ptr + "awsproto.Time", nil
	case "blob":
		return "[]byte", nil
	case "structure":
		if s.Document {
			g.usesJSON = true
			return "json.RawMessage", nil
		}
		if s.Exception {
			return "", fmt.Errorf("exception shape %s used as a value", name)
		}
		return ptr + g.names[name], nil
	case "list":
		et, err := g.goType(s.Member.Shape, false)
		return "[]" + et, err
	case "map":
		if kt := g.m.Shapes[s.Key.Shape]; kt == nil || kt.Type != "string" {
			return "", fmt.Errorf("map %s has a non-string key", name)
		}
		vt, err := g.goType(s.Value.Shape, false)
		return "map[string]" + vt, err
	}
	return "", fmt.Errorf("shape %s has unsupported type %q", name, s.Type)
}

// typeName makes a shape name a safe exported Go identifier. Exported
// names never collide with keywords or predeclared identifiers; the check
// stays for safety.
func typeName(n string) string {
	id := fieldName(n)
	if token.IsKeyword(id) || predeclared[id] || reserved[id] {
		id += "_"
	}
	return id
}

// fieldName makes a member name an exported Go identifier.
func fieldName(n string) string {
	id := ident(n)
	r := []rune(id)
	r[0] = unicode.ToUpper(r[0])
	return string(r)
}

func ident(n string) string {
	var b strings.Builder
	for i, r := range n {
		switch {
		case r == '_' || unicode.IsLetter(r) || (i > 0 && unicode.IsDigit(r)):
			b.WriteRune(r)
		case unicode.IsDigit(r):
			b.WriteString("X")
			b.WriteRune(r)
		default:
			b.WriteRune('_')
		}
	}
	if b.Len() == 0 {
		return "X"
	}
	return b.String()
}

var predeclared = map[string]bool{
	"any": true, "bool": true, "byte": true, "comparable": true, "complex64": true, "complex128": true,
	"error": true, "float32": true, "float64": true, "int": true, "int8": true, "int16": true, "int32": true,
	"int64": true, "rune": true, "string": true, "uint": true, "uint8": true, "uint16": true, "uint32": true,
	"uint64": true, "uintptr": true, "true": true, "false": true, "iota": true, "nil": true, "append": true,
	"cap": true, "clear": true, "close": true, "complex": true, "copy": true, "delete": true, "imag": true,
	"len": true, "make": true, "max": true, "min": true, "new": true, "panic": true, "print": true,
	"println": true, "real": true, "recover": true, "context": true, "json": true, "awsproto": true,
}

// goString quotes s, as a raw string when that is possible and clearer.
func goString(s string) string {
	if strings.Contains(s, "\\") && !strings.Contains(s, "`") && strconv.CanBackquote(s) {
		return "`" + s + "`"
	}
	return strconv.Quote(s)
}

func stringSlice(ss []string) string {
	q := make([]string, len(ss))
	for i, s := range ss {
		q[i] = strconv.Quote(s)
	}
	return "[]string{" + strings.Join(q, ", ") + "}"
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return slices.Clip(keys)
}

// checkBindings refuses model features the awsproto runtime does not
// implement, so that a new model fails here rather than misbehaving on the
// wire: rest-json locations other than header, querystring and uri, a
// renamed rest-json body member, query list elements with their own name,
// and HTTP bindings of JSON 1.1 operations other than POST /.
func checkBindings(m *model) error {
	proto := m.Metadata.Protocol
	for _, name := range sortedKeys(m.Shapes) {
		s := m.Shapes[name]
		for _, mb := range s.members {
			switch mb.location {
			case "":
				if mb.locationName != "" && proto != "query" {
					return fmt.Errorf("shape %s member %s: renamed body member (locationName %q) is not supported", name, mb.name, mb.locationName)
				}
			case "header", "querystring", "uri":
				if proto != "rest-json" {
					return fmt.Errorf("shape %s member %s: location %q in a %s model", name, mb.name, mb.location, proto)
				}
				if mb.locationName == "" {
					return fmt.Errorf("shape %s member %s: location %q without locationName", name, mb.name, mb.location)
				}
			default:
				return fmt.Errorf("shape %s member %s: location %q is not supported", name, mb.name, mb.location)
			}
		}
		if s.Member != nil && s.Member.LocationName != "" && proto != "json" {
			return fmt.Errorf("shape %s: named list member (locationName %q) is not supported", name, s.Member.LocationName)
		}
		if (s.Key != nil && s.Key.LocationName != "") || (s.Value != nil && s.Value.LocationName != "") {
			if proto != "json" {
				return fmt.Errorf("shape %s: named map key or value is not supported", name)
			}
		}
	}
	if proto == "rest-json" {
		for _, name := range sortedKeys(m.Operations) {
			op := m.Operations[name]
			if op.HTTP.Method == "" || !strings.HasPrefix(op.HTTP.RequestURI, "/") {
				return fmt.Errorf("operation %s: http binding %q %q is not supported", name, op.HTTP.Method, op.HTTP.RequestURI)
			}
		}
	}
	return nil
}
