package awsproto

import (
	"context"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"net/url"
	"sort"
	"strconv"
	"strings"
)

// ContentTypeForm is the content type of query protocol request bodies.
const ContentTypeForm = "application/x-www-form-urlencoded"

// Query protocol error codes that are not part of the service models (AWS's
// common errors of query APIs).
const (
	CodeQueryValidation     = "ValidationError"
	CodeInvalidAction       = "InvalidAction"
	CodeMissingAction       = "MissingAction"
	CodeMalformedQuery      = "MalformedQueryString"
	CodeInvalidParameter    = "InvalidParameterValue"
	CodeInternalFailure     = "InternalFailure"
	maxQueryListIndex       = 1 << 16
	maxQueryNesting         = 32
	queryTimestampFormat    = "2006-01-02T15:04:05Z"
	queryTimestampFormatMil = "2006-01-02T15:04:05.000Z"
)

// QueryService serves one AWS query protocol service (STS): form-encoded
// requests (POST with Content-Type application/x-www-form-urlencoded, or GET
// with the form in the URL query) carrying Action and Version, answered in
// XML. Fields may be changed after NewQueryService and before the service
// serves its first request; after that it must not be modified. It is safe
// for concurrent use.
//
// Form fields are decoded into the input by the query serialization rules:
// "Member" for a scalar, "Member.Sub" for a nested structure, lists as
// "List.member.N" (1-based; "List.N" when flattened; an empty list as
// "List="), maps as "Map.entry.N.key" / "Map.entry.N.value", booleans
// "true"/"false", timestamps ISO 8601. Unknown fields are ignored.
//
// A response is <{Op}Response xmlns="{model namespace}"><{Op}Result>
// members in model order</{Op}Result><ResponseMetadata><RequestId>...
// </RequestId></ResponseMetadata></{Op}Response>, Content-Type text/xml; an
// error is <ErrorResponse><Error><Type>Sender|Receiver</Type><Code>
// <Message></Error><RequestId></ErrorResponse>. Every response carries
// x-amzn-RequestId.
type QueryService struct {
	// Model is the service model (Protocol "query"); it drives decoding,
	// validation, encoding and error codes and statuses.
	Model *Service
	// Ops maps operation (Action) names to implementations.
	Ops map[string]Op
	// MapError turns a handler error that is not an *Error into one; nil or a
	// nil result gives a 500 InternalFailure.
	MapError func(error) *Error
	// ValidationError turns a failed input validation into the service's
	// wire error. Nil means a 400 ValidationError (Type Sender) carrying
	// err.Error(), as STS answers.
	ValidationError func(err *InputError) *Error
	// Auth, when set, authenticates requests of operations the model does
	// not mark NoAuth. Use a SigV4QueryAuthenticator, whose refusals carry
	// the query protocol's codes.
	Auth Authenticator
	// OnInternalError, when set, is told about every request that ends in a
	// 500, with the cause (see Router.OnInternalError).
	OnInternalError func(ctx context.Context, op string, err error)
}

// NewQueryService returns a QueryService for model, which must be a query
// protocol model, with the default validation error and no authenticator.
func NewQueryService(model *Service, ops map[string]Op, mapErr func(error) *Error) *QueryService {
	return &QueryService{Model: model, Ops: ops, MapError: mapErr}
}

// IsFormRequest reports whether r carries a query protocol form: a POST
// whose media type is application/x-www-form-urlencoded, or a GET or HEAD
// whose URL query has an Action.
func IsFormRequest(r *http.Request) bool {
	switch r.Method {
	case http.MethodPost:
		ct := r.Header.Get("Content-Type")
		if strings.EqualFold(ct, ContentTypeForm) || strings.EqualFold(ct, ContentTypeForm+"; charset=utf-8") {
			return true // what the SDKs send, without parsing
		}
		mt, _, err := mime.ParseMediaType(ct)
		return err == nil && mt == ContentTypeForm
	case http.MethodGet, http.MethodHead:
		return strings.Contains(r.URL.RawQuery, "Action=") && r.URL.Query().Has("Action")
	}
	return false
}

// ServeHTTP serves one query protocol request (see QueryService).
func (s *QueryService) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	ctx, id := s.start(w, r)
	if !IsFormRequest(r) {
		s.writeError(w, id, &Error{Code: CodeMissingAction, Message: "The request must contain the parameter Action.", Status: 400})
		return
	}
	body, form, e := readForm(w, r)
	if e != nil {
		s.writeError(w, id, e)
		return
	}
	s.serve(ctx, w, r, id, body, form)
}

// start sets up the request ID of a request.
func (s *QueryService) start(w http.ResponseWriter, r *http.Request) (context.Context, string) {
	ctx := r.Context()
	id := RequestID(ctx)
	if id == "" {
		id = NewRequestID()
		ctx = ContextWithRequestID(ctx, id)
	}
	// The canonical form of x-amzn-RequestId, set without Header.Set's
	// canonicalization (an allocation per request).
	w.Header()["X-Amzn-Requestid"] = []string{id}
	return ctx, id
}

// readForm reads the form of a query request: the capped body of a POST,
// the URL query of a GET.
func readForm(w http.ResponseWriter, r *http.Request) ([]byte, url.Values, *Error) {
	var body []byte
	raw := r.URL.RawQuery
	if r.Method == http.MethodPost {
		var err error
		if n := r.ContentLength; n >= 0 && n <= MaxBodyBytes {
			// net/http holds the body to its declared length: read it
			// into a buffer of that size.
			body = make([]byte, n)
			_, err = io.ReadFull(r.Body, body)
		} else {
			body, err = io.ReadAll(http.MaxBytesReader(w, r.Body, MaxBodyBytes))
		}
		if err != nil {
			if _, ok := errors.AsType[*http.MaxBytesError](err); ok {
				return nil, nil, &Error{Code: CodeMalformedQuery, Message: fmt.Sprintf("The request body exceeds %d bytes.", MaxBodyBytes), Status: http.StatusRequestEntityTooLarge}
			}
			return nil, nil, &Error{Code: CodeMalformedQuery, Message: "The request body could not be read.", Status: 400}
		}
		raw = string(body)
	}
	form, err := url.ParseQuery(raw)
	if err != nil {
		return body, nil, &Error{Code: CodeMalformedQuery, Message: "The request is not a valid percent-encoded form.", Status: 400}
	}
	return body, form, nil
}

// serve dispatches a read form.
func (s *QueryService) serve(ctx context.Context, w http.ResponseWriter, r *http.Request, id string, body []byte, form url.Values) {
	op := ""
	defer func() {
		if p := recover(); p != nil {
			if p == http.ErrAbortHandler {
				panic(p)
			}
			s.internal(ctx, op, fmt.Errorf("panic: %v", p))
			s.writeError(w, id, InternalError())
		}
	}()

	action := form.Get("Action")
	if action == "" {
		s.writeError(w, id, &Error{Code: CodeMissingAction, Message: "The request must contain the parameter Action.", Status: 400})
		return
	}
	o := s.Model.Operations[action]
	if version := form.Get("Version"); o == nil || s.Ops[action] == nil || version != s.Model.APIVersion {
		s.writeError(w, id, &Error{Code: CodeInvalidAction, Message: fmt.Sprintf("Could not find operation %s for version %s", action, form.Get("Version")), Status: 400})
		return
	}
	op = action

	if s.Auth != nil && !o.NoAuth {
		actx, err := s.Auth.Authenticate(ctx, r, body)
		if err != nil {
			if e, ok := errors.AsType[*Error](err); ok {
				s.writeError(w, id, e)
				return
			}
			s.internal(ctx, op, err)
			s.writeError(w, id, InternalError())
			return
		}
		ctx = actx
	}

	in, e := s.Model.decodeForm(o, form)
	if e != nil {
		s.writeError(w, id, e)
		return
	}
	x := exchange{model: s.Model, mapErr: s.MapError, validationError: s.validationError, internal: s.internal}
	out, e := x.run(ctx, o, s.Ops[op], in)
	if e != nil {
		s.writeError(w, id, e)
		return
	}
	b, err := s.Model.encodeQueryResponse(o, out, id)
	if err != nil {
		s.internal(ctx, op, fmt.Errorf("encode %s output: %w", op, err))
		s.writeError(w, id, InternalError())
		return
	}
	w.Header().Set("Content-Type", ContentTypeXML)
	w.WriteHeader(http.StatusOK)
	w.Write(b)
}

func (s *QueryService) internal(ctx context.Context, op string, err error) {
	if s.OnInternalError != nil {
		s.OnInternalError(ctx, op, err)
	}
}

func (s *QueryService) validationError(err *InputError) *Error {
	if s.ValidationError != nil {
		if e := s.ValidationError(err); e != nil {
			return e
		}
	}
	return &Error{Code: CodeQueryValidation, Message: err.Error(), Status: 400}
}

func (s *QueryService) writeError(w http.ResponseWriter, id string, e *Error) {
	WriteQueryError(w, s.Model, id, e)
}

// decodeForm builds the canonical input of op from a query form.
func (s *Service) decodeForm(o *Operation, form url.Values) (*jvalue, *Error) {
	v := &jvalue{kind: jobject}
	if o.Input == "" {
		return v, nil
	}
	d := formDecoder{svc: s, form: form}
	got, err := d.structure(s.Shapes[o.Input], "", 0)
	if err != nil {
		return nil, err
	}
	if got != nil {
		v = got
	}
	return v, nil
}

// formDecoder decodes query protocol form fields by walking the model.
type formDecoder struct {
	svc  *Service
	form url.Values
	keys []string // sorted form keys, built on first use
}

// withPrefix returns the form keys that start with prefix, sorted.
func (d *formDecoder) withPrefix(prefix string) []string {
	if d.keys == nil {
		d.keys = make([]string, 0, len(d.form))
		for k := range d.form {
			d.keys = append(d.keys, k)
		}
		sort.Strings(d.keys)
	}
	i := sort.SearchStrings(d.keys, prefix)
	j := i
	for j < len(d.keys) && strings.HasPrefix(d.keys[j], prefix) {
		j++
	}
	return d.keys[i:j]
}

// hasPrefix reports whether some form key starts with prefix.
func (d *formDecoder) hasPrefix(prefix string) bool { return len(d.withPrefix(prefix)) > 0 }

func memberKey(prefix string, mb Member) string {
	name := mb.Name
	if mb.LocationName != "" {
		name = mb.LocationName
	}
	if prefix == "" {
		return name
	}
	return prefix + "." + name
}

// value decodes the value of sh at key; nil means absent.
func (d *formDecoder) value(sh *Shape, key string, depth int) (*jvalue, *Error) {
	if depth > maxQueryNesting {
		return nil, &Error{Code: CodeMalformedQuery, Message: "The request nests too deeply.", Status: 400}
	}
	switch sh.Type {
	case TypeStructure:
		if sh.Document {
			return nil, nil
		}
		if !d.hasPrefix(key + ".") {
			return nil, nil
		}
		return d.structure(sh, key, depth)
	case TypeList:
		return d.list(sh, key, depth)
	case TypeMap:
		return d.mapValue(sh, key, depth)
	}
	texts, ok := d.form[key]
	if !ok {
		return nil, nil
	}
	v, err := scalarValue(sh, texts[0], false)
	if err != nil {
		return nil, &Error{Code: CodeInvalidParameter, Message: fmt.Sprintf("Value (%s) for parameter %s is invalid.", renderParam(sh, texts[0]), key), Status: 400}
	}
	return v, nil
}

// renderParam echoes a rejected parameter value unless it is sensitive.
func renderParam(sh *Shape, text string) string {
	if sh.Sensitive {
		return "***"
	}
	if len(text) > maxRender {
		text = text[:maxRender] + "..."
	}
	return strconv.QuoteToASCII(text)
}

func (d *formDecoder) structure(sh *Shape, prefix string, depth int) (*jvalue, *Error) {
	v := &jvalue{kind: jobject}
	for _, mb := range sh.Members {
		mv, err := d.value(d.svc.Shapes[mb.Shape], memberKey(prefix, mb), depth+1)
		if err != nil {
			return nil, err
		}
		if mv != nil {
			v.obj = append(v.obj, jmember{mb.Name, mv})
		}
	}
	return v, nil
}

// indices returns the sorted distinct list indices N of keys "prefix" N
// ("." rest), refusing an index that is not a positive integer.
func (d *formDecoder) indices(prefix string) ([]int, *Error) {
	seen := map[int]bool{}
	var out []int
	for _, k := range d.withPrefix(prefix) {
		rest := k[len(prefix):]
		num, _, _ := strings.Cut(rest, ".")
		n, err := strconv.Atoi(num)
		if err != nil || n < 1 || n > maxQueryListIndex || strconv.Itoa(n) != num {
			return nil, &Error{Code: CodeMalformedQuery, Message: fmt.Sprintf("The parameter %s has an invalid index.", k), Status: 400}
		}
		if !seen[n] {
			seen[n] = true
			out = append(out, n)
		}
	}
	sort.Ints(out)
	return out, nil
}

func (d *formDecoder) list(sh *Shape, key string, depth int) (*jvalue, *Error) {
	prefix := key + ".member."
	if sh.Flattened {
		prefix = key + "."
	}
	idx, err := d.indices(prefix)
	if err != nil {
		return nil, err
	}
	if len(idx) == 0 {
		// "List=" is an empty list.
		if texts, ok := d.form[key]; ok && len(texts) > 0 && texts[0] == "" {
			return &jvalue{kind: jarray}, nil
		}
		return nil, nil
	}
	elem := d.svc.Shapes[sh.Member]
	v := &jvalue{kind: jarray}
	for _, n := range idx {
		ev, err := d.value(elem, prefix+strconv.Itoa(n), depth+1)
		if err != nil {
			return nil, err
		}
		if ev == nil {
			ev = &jvalue{kind: jnull}
		}
		v.arr = append(v.arr, ev)
	}
	return v, nil
}

func (d *formDecoder) mapValue(sh *Shape, key string, depth int) (*jvalue, *Error) {
	prefix := key + ".entry."
	if sh.Flattened {
		prefix = key + "."
	}
	idx, err := d.indices(prefix)
	if err != nil {
		return nil, err
	}
	if len(idx) == 0 {
		return nil, nil
	}
	ks, vs := d.svc.Shapes[sh.Key], d.svc.Shapes[sh.Value]
	v := &jvalue{kind: jobject}
	for _, n := range idx {
		p := prefix + strconv.Itoa(n)
		kv, err := d.value(ks, p+".key", depth+1)
		if err != nil {
			return nil, err
		}
		if kv == nil || kv.kind != jstring {
			return nil, &Error{Code: CodeMalformedQuery, Message: fmt.Sprintf("The map entry %s has no key.", p), Status: 400}
		}
		vv, err := d.value(vs, p+".value", depth+1)
		if err != nil {
			return nil, err
		}
		if vv == nil {
			vv = &jvalue{kind: jnull}
		}
		if v.get(kv.text) != nil {
			return nil, &Error{Code: CodeMalformedQuery, Message: fmt.Sprintf("The map %s has the key %q twice.", key, kv.text), Status: 400}
		}
		v.obj = append(v.obj, jmember{kv.text, vv})
	}
	return v, nil
}
