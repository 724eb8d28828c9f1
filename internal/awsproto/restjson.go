package awsproto

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"slices"
	"sort"
	"strings"
	"sync"
)

// ContentTypeJSON is the content type of rest-json responses.
const ContentTypeJSON = "application/json"

// RESTService serves one rest-json service (sso-oidc, the sso portal): it
// routes by method and path as the model's http bindings say, binds
// headers, query parameters, URI labels and the JSON body to the input
// members, validates the input against the model and calls the operation.
// Fields may be changed after NewRESTService and before the service serves
// its first request; after that it must not be modified. It is safe for
// concurrent use.
//
// Responses are 200 with a JSON body (Content-Type application/json), or an
// empty body for an operation without an output shape; output members bound
// to headers are written as headers. Errors carry X-Amzn-ErrorType and a
// JSON body with the exception's members (see WriteRESTError). Every
// response carries x-amzn-RequestId.
type RESTService struct {
	// Model is the service model; it drives routing, binding, validation
	// and error statuses.
	Model *Service
	// Ops maps operation names to implementations.
	Ops map[string]Op
	// MapError turns a handler error that is not an *Error into one; nil or a
	// nil result gives a 500 InternalServerException.
	MapError func(error) *Error
	// ValidationError turns a failed input validation into the service's
	// wire error. Nil means the model's ValidationException if it has one,
	// else its InvalidRequestException (sso-oidc, sso), else a
	// ValidationException, all 400 with err.Error() as the message.
	ValidationError func(err *InputError) *Error
	// MalformedError, when set, turns the SerializationException of a
	// request the protocol cannot read as the operation's input (malformed
	// JSON, trailing data, a duplicate key or one that differs from a member
	// only by case, nesting past the limit, a body over MaxBodyBytes, a value
	// of the wrong JSON type) into the service's wire error. Nil keeps the
	// SerializationException, status 400 (413 for an oversized body), which
	// is Smithy's restJson1 convention for services that model nothing
	// better. A nil result keeps it too.
	MalformedError func(e *Error) *Error
	// Auth, when set, authenticates requests of operations the model does
	// not mark NoAuth. sso-oidc and sso need none: sso's bearer token is a
	// modelled header member that handlers see.
	Auth Authenticator
	// OnInternalError, when set, is told about every request that ends in a
	// 500, with the cause (see Router.OnInternalError).
	OnInternalError func(ctx context.Context, op string, err error)

	routes []restRoute
	// bufs holds *[]byte response buffers for JSONAppender outputs (see
	// Router.bufs).
	bufs sync.Pool
}

// restRoute is one operation's http binding, parsed.
type restRoute struct {
	op     string
	method string
	// segments of the path; a label is "{Name}" or, greedy, "{Name+}".
	segments []string
	// query holds the literal query of the request URI ("?aws_iam=t"): each
	// key must be present with this value ("" for a bare key).
	query map[string]string
}

// NewRESTService returns a RESTService for model, which must be a
// rest-json model. It panics if an operation's http binding is malformed,
// a programmer error at start-up.
func NewRESTService(model *Service, ops map[string]Op, mapErr func(error) *Error) *RESTService {
	s := &RESTService{Model: model, Ops: ops, MapError: mapErr}
	names := make([]string, 0, len(model.Operations))
	for name := range model.Operations {
		names = append(names, name)
	}
	sort.Strings(names)
	for _, name := range names {
		o := model.Operations[name]
		rt, err := parseRoute(o)
		if err != nil {
			panic(fmt.Sprintf("awsproto: %s: %v", model.Name, err))
		}
		s.routes = append(s.routes, rt)
	}
	// Routes with more literal query keys are more specific: POST
	// /token?aws_iam=t before POST /token.
	sort.SliceStable(s.routes, func(i, j int) bool { return len(s.routes[i].query) > len(s.routes[j].query) })
	return s
}

func parseRoute(o *Operation) (restRoute, error) {
	if o.HTTPMethod == "" || !strings.HasPrefix(o.RequestURI, "/") {
		return restRoute{}, fmt.Errorf("operation %s has no http binding", o.Name)
	}
	path, rawQuery, _ := strings.Cut(o.RequestURI, "?")
	rt := restRoute{op: o.Name, method: o.HTTPMethod, segments: strings.Split(path[1:], "/")}
	for i, seg := range rt.segments {
		if strings.HasSuffix(seg, "+}") && i != len(rt.segments)-1 {
			return restRoute{}, fmt.Errorf("operation %s: greedy label %s is not last", o.Name, seg)
		}
	}
	if rawQuery != "" {
		rt.query = map[string]string{}
		for kv := range strings.SplitSeq(rawQuery, "&") {
			k, v, _ := strings.Cut(kv, "=")
			rt.query[k] = v
		}
	}
	return rt, nil
}

// Routes returns the net/http ServeMux patterns that reach the service's
// operations, e.g. "POST /token" and "GET /federation/credentials", sorted
// and without duplicates (two operations may differ only by a query
// literal). URI labels become wildcards ("{Label}", greedy "{Label...}").
// Mount the service on each: mux.Handle(p, svc).
func (s *RESTService) Routes() []string {
	var out []string
	for _, rt := range s.routes {
		segs := make([]string, len(rt.segments))
		for i, seg := range rt.segments {
			if name, ok := strings.CutSuffix(seg, "+}"); ok {
				seg = name + "...}"
			}
			segs[i] = seg
		}
		p := rt.method + " /" + strings.Join(segs, "/")
		if rt.segments[len(rt.segments)-1] == "" {
			p += "{$}"
		}
		out = append(out, p)
	}
	sort.Strings(out)
	return slices.Compact(out)
}

// match returns the route of r and its URI label values; pathKnown reports
// whether some route has r's path (under any method).
func (s *RESTService) match(r *http.Request) (rt *restRoute, labels map[string]string, pathKnown bool) {
	segs := strings.Split(strings.TrimPrefix(r.URL.EscapedPath(), "/"), "/")
	query := r.URL.Query()
	for i := range s.routes {
		cand := &s.routes[i]
		lv, ok := matchSegments(cand.segments, segs)
		if !ok {
			continue
		}
		queryOK := true
		for k, v := range cand.query {
			if !query.Has(k) || query.Get(k) != v {
				queryOK = false
				break
			}
		}
		if !queryOK {
			continue
		}
		pathKnown = true
		if cand.method == r.Method {
			return cand, lv, true
		}
	}
	return nil, nil, pathKnown
}

// matchSegments matches escaped request path segments against a route.
func matchSegments(route, req []string) (map[string]string, bool) {
	var labels map[string]string
	for i, seg := range route {
		if strings.HasPrefix(seg, "{") && strings.HasSuffix(seg, "}") {
			name := seg[1 : len(seg)-1]
			if labels == nil {
				labels = map[string]string{}
			}
			if greedy, ok := strings.CutSuffix(name, "+"); ok {
				if i >= len(req) {
					return nil, false
				}
				v, err := url.PathUnescape(strings.Join(req[i:], "/"))
				if err != nil || v == "" {
					return nil, false
				}
				labels[greedy] = v
				return labels, true
			}
			if i >= len(req) {
				return nil, false
			}
			v, err := url.PathUnescape(req[i])
			if err != nil || v == "" {
				return nil, false
			}
			labels[name] = v
			continue
		}
		if i >= len(req) || req[i] != seg {
			return nil, false
		}
	}
	return labels, len(req) == len(route)
}

// ServeHTTP serves one rest-json request (see RESTService).
func (s *RESTService) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	id := RequestID(ctx)
	if id == "" {
		id = NewRequestID()
		ctx = ContextWithRequestID(ctx, id)
	}
	w.Header().Set("x-amzn-RequestId", id)

	op := ""
	defer func() {
		if p := recover(); p != nil {
			if p == http.ErrAbortHandler {
				panic(p)
			}
			s.internal(ctx, op, fmt.Errorf("panic: %v", p))
			s.writeError(w, InternalError())
		}
	}()

	rt, labels, pathKnown := s.match(r)
	if rt == nil || s.Ops[rt.op] == nil {
		if pathKnown {
			s.writeError(w, &Error{Code: CodeUnknownOperation, Message: fmt.Sprintf("The method %s is not allowed for %s.", r.Method, r.URL.Path), Status: http.StatusMethodNotAllowed})
			return
		}
		s.writeError(w, &Error{Code: CodeUnknownOperation, Message: fmt.Sprintf("No operation matches %s %s.", r.Method, r.URL.Path), Status: http.StatusNotFound})
		return
	}
	op = rt.op
	o := s.Model.Operations[op]

	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, MaxBodyBytes))
	if err != nil {
		if _, ok := errors.AsType[*http.MaxBytesError](err); ok {
			s.writeError(w, &Error{Code: CodeSerialization, Message: fmt.Sprintf("The request body exceeds %d bytes.", MaxBodyBytes), Status: http.StatusRequestEntityTooLarge})
			return
		}
		s.writeError(w, SerializationError("The request body could not be read."))
		return
	}

	if s.Auth != nil && !o.NoAuth {
		actx, err := s.Auth.Authenticate(ctx, r, body)
		if err != nil {
			if e, ok := errors.AsType[*Error](err); ok {
				s.writeError(w, e)
				return
			}
			s.internal(ctx, op, err)
			s.writeError(w, InternalError())
			return
		}
		ctx = actx
	}

	in, e := s.Model.bindREST(op, r, labels, body)
	if e != nil {
		s.writeError(w, e)
		return
	}
	x := exchange{model: s.Model, mapErr: s.MapError, validationError: s.validationError, internal: s.internal}
	out, e := x.run(ctx, o, s.Ops[op], in)
	if e != nil {
		s.writeError(w, e)
		return
	}
	if o.Output == "" {
		w.WriteHeader(http.StatusOK)
		return
	}
	if a, ok := out.(JSONAppender); ok && !hasBoundMembers(s.Model.Shapes[o.Output]) {
		s.writeAppended(ctx, w, op, a)
		return
	}
	ov, err := outputValue(out)
	if err != nil {
		s.internal(ctx, op, fmt.Errorf("encode %s output: %w", op, err))
		s.writeError(w, InternalError())
		return
	}
	h := w.Header()
	bodyVal := &jvalue{kind: jobject}
	outShape := s.Model.Shapes[o.Output]
	for _, m := range ov.obj {
		mb, ok := outShape.member(m.key)
		if !ok || mb.Location == "" {
			bodyVal.obj = append(bodyVal.obj, m)
			continue
		}
		if mb.Location == LocationHeader && m.val.kind != jnull {
			for _, v := range headerText(s.Model.Shapes[mb.Shape], m.val) {
				h.Add(mb.LocationName, v)
			}
		}
	}
	h.Set("Content-Type", ContentTypeJSON)
	w.WriteHeader(http.StatusOK)
	w.Write(bodyVal.appendJSON(nil))
}

// writeAppended writes the output of op, all of it in the body, with its
// generated encoder: the JSON the general path (encode, parse, split off
// header members, encode) writes for such an output, byte for byte but for
// invalid UTF-8 in a string (written as the escape \ufffd, not as the
// raw U+FFFD), without the reflection and the round trip.
func (s *RESTService) writeAppended(ctx context.Context, w http.ResponseWriter, op string, a JSONAppender) {
	bp, _ := s.bufs.Get().(*[]byte)
	if bp == nil {
		bp = new([]byte)
	}
	b, err := a.AppendJSON((*bp)[:0])
	if err != nil {
		s.internal(ctx, op, fmt.Errorf("encode %s output: %w", op, err))
		WriteRESTError(w, s.Model, InternalError())
		return
	}
	w.Header().Set("Content-Type", ContentTypeJSON)
	w.WriteHeader(http.StatusOK)
	w.Write(b)
	if cap(b) <= maxPooledBuf {
		// w.Write keeps no reference to b.
		*bp = b[:0]
		s.bufs.Put(bp)
	}
}

// hasBoundMembers reports whether structure sh has members bound to
// headers, query parameters or the URI.
func hasBoundMembers(sh *Shape) bool {
	for _, m := range sh.Members {
		if m.Location != "" {
			return true
		}
	}
	return false
}

// writeError writes e, mapped through MalformedError when it is a
// SerializationException.
func (s *RESTService) writeError(w http.ResponseWriter, e *Error) {
	if e.Code == CodeSerialization && s.MalformedError != nil {
		if m := s.MalformedError(e); m != nil {
			e = m
		}
	}
	WriteRESTError(w, s.Model, e)
}

func (s *RESTService) internal(ctx context.Context, op string, err error) {
	if s.OnInternalError != nil {
		s.OnInternalError(ctx, op, err)
	}
}

func (s *RESTService) validationError(err *InputError) *Error {
	if s.ValidationError != nil {
		if e := s.ValidationError(err); e != nil {
			return e
		}
	}
	code := CodeValidation
	if sh := s.Model.Shapes[CodeValidation]; sh == nil || !sh.Exception {
		if sh := s.Model.Shapes["InvalidRequestException"]; sh != nil && sh.Exception {
			code = "InvalidRequestException"
		}
	}
	return &Error{Code: code, Message: err.Error(), Status: 400}
}

// member returns the member of a structure named name.
func (sh *Shape) member(name string) (Member, bool) {
	i, ok := sh.memberIndex[name]
	if !ok {
		return Member{}, false
	}
	return sh.Members[i], true
}

// bindREST builds the canonical input of a rest-json request for op: the
// JSON body's members, with members bound to headers, query parameters and
// URI labels (labels, as matched from the path) taken from there instead.
// It returns a 400 SerializationException for a malformed body or a bound
// value of the wrong type. The caller validates and decodes the result.
func (s *Service) bindREST(op string, r *http.Request, labels map[string]string, body []byte) (*jvalue, *Error) {
	o := s.Operations[op]
	if o == nil {
		return nil, &Error{Code: CodeUnknownOperation, Status: 400}
	}
	if !s.hasBodyMembers(o) {
		// Nothing is read from the body (sso's GET operations): ignore it,
		// as AWS does.
		body = nil
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
	if o.Input == "" {
		return v, nil
	}
	in := s.Shapes[o.Input]
	// Bound members never come from the body.
	kept := v.obj[:0]
	for _, m := range v.obj {
		if mb, ok := in.member(m.key); ok && mb.Location != "" {
			continue
		}
		kept = append(kept, m)
	}
	v.obj = kept
	var query url.Values
	for _, mb := range in.Members {
		var texts []string
		switch mb.Location {
		case "":
			continue
		case LocationHeader:
			texts = r.Header.Values(mb.LocationName)
		case LocationQueryString:
			if query == nil {
				query = r.URL.Query()
			}
			texts = query[mb.LocationName]
		case LocationURI:
			if l, ok := labels[mb.LocationName]; ok {
				texts = []string{l}
			}
		}
		if len(texts) == 0 {
			continue
		}
		val, err := boundValue(s, s.Shapes[mb.Shape], texts, mb.Location == LocationHeader)
		if err != nil {
			return nil, SerializationError(fmt.Sprintf("Value at '%s' is not a valid %s.", lowerFirst(mb.Name), s.Shapes[mb.Shape].Type))
		}
		v.set(mb.Name, val)
	}
	return v, nil
}

// hasBodyMembers reports whether o's input has members that travel in the
// body. An operation without input shape reads its body as {}.
func (s *Service) hasBodyMembers(o *Operation) bool {
	if o.Input == "" {
		return true
	}
	for _, mb := range s.Shapes[o.Input].Members {
		if mb.Location == "" {
			return true
		}
	}
	return false
}

// boundValue converts the texts of a header, query parameter or label to
// the canonical value of sh: a list takes every value (a header's values
// also split at commas), a scalar the first.
func boundValue(s *Service, sh *Shape, texts []string, header bool) (*jvalue, error) {
	if sh.Type == TypeList {
		elem := s.Shapes[sh.Member]
		if !isScalar(elem) {
			return nil, errBadScalar
		}
		lv := &jvalue{kind: jarray}
		for _, t := range texts {
			parts := []string{t}
			if header {
				parts = strings.Split(t, ",")
			}
			for _, p := range parts {
				if header {
					p = strings.TrimSpace(p)
				}
				ev, err := scalarValue(elem, p, header)
				if err != nil {
					return nil, err
				}
				lv.arr = append(lv.arr, ev)
			}
		}
		return lv, nil
	}
	if !isScalar(sh) {
		return nil, errBadScalar
	}
	return scalarValue(sh, texts[0], header)
}

// headerText renders an output member bound to a header.
func headerText(sh *Shape, v *jvalue) []string {
	switch v.kind {
	case jarray:
		var out []string
		for _, e := range v.arr {
			out = append(out, headerText(sh, e)...)
		}
		return []string{strings.Join(out, ",")}
	case jbool:
		if v.b {
			return []string{"true"}
		}
		return []string{"false"}
	case jnumber:
		if sh != nil && sh.Type == TypeTimestamp {
			var t Time
			if t.UnmarshalJSON([]byte(v.text)) == nil {
				return []string{t.UTC().Format(http.TimeFormat)}
			}
		}
		return []string{v.text}
	case jstring:
		return []string{v.text}
	}
	return nil
}

// oauthCodes are the RFC 6749 (§5.2) and RFC 8628 (§3.5) error codes that
// sso-oidc sends in the "error" member of its exceptions.
var oauthCodes = map[string]string{
	"AccessDeniedException":          "access_denied",
	"AuthorizationPendingException":  "authorization_pending",
	"ExpiredTokenException":          "expired_token",
	"InternalServerException":        "server_error",
	"InvalidClientException":         "invalid_client",
	"InvalidClientMetadataException": "invalid_client_metadata",
	"InvalidGrantException":          "invalid_grant",
	"InvalidRedirectUriException":    "invalid_redirect_uri",
	"InvalidRequestException":        "invalid_request",
	"InvalidRequestRegionException":  "invalid_request",
	"InvalidScopeException":          "invalid_scope",
	"SlowDownException":              "slow_down",
	"UnauthorizedClientException":    "unauthorized_client",
	"UnsupportedGrantTypeException":  "unsupported_grant_type",
}

// OAuthErrorCode returns the OAuth error code ("authorization_pending",
// "invalid_grant", ...) that sso-oidc sends for its exception code, or "".
func OAuthErrorCode(code string) string { return oauthCodes[code] }

// WriteRESTError writes e as a rest-json error response of model m (which
// may be nil): the status (e.Status, else the model's for the exception,
// else 500 for faults, else 400), X-Amzn-ErrorType: e.Code, and a JSON body
// with the exception's members in model order. Its "message" (or
// "Message") member, or else its "error_description" member, carries
// e.Message; an "error" member carries e.Fields["error"] or, by default,
// OAuthErrorCode(e.Code) (sso-oidc's exceptions, as the real service sends
// them: {"error":"invalid_grant","error_description":"..."}); other
// members come from e.Fields. A code the model does not define gets
// {"message": e.Message}. The AWS SDK for Go v2 and botocore take the code
// from X-Amzn-ErrorType.
func WriteRESTError(w http.ResponseWriter, m *Service, e *Error) {
	body := &jvalue{kind: jobject}
	var sh *Shape
	if m != nil {
		if x := m.Shapes[e.Code]; x != nil && x.Exception {
			sh = x
		}
	}
	str := func(s string) *jvalue { return &jvalue{kind: jstring, text: s} }
	var extra []string
	if sh == nil {
		if e.Message != "" {
			body.set("message", str(e.Message))
		}
		extra = sortedFieldKeys(e.Fields)
	} else {
		msgMember := ""
		for _, name := range []string{"message", "Message", "error_description"} {
			if _, ok := sh.member(name); ok {
				msgMember = name
				break
			}
		}
		for _, mb := range sh.Members {
			switch {
			case mb.Name == msgMember:
				if e.Message != "" {
					body.set(mb.Name, str(e.Message))
				}
			case e.Fields[mb.Name] != nil:
				extra = append(extra, mb.Name)
			case mb.Name == "error" && OAuthErrorCode(e.Code) != "":
				body.set(mb.Name, str(OAuthErrorCode(e.Code)))
			}
		}
	}
	for _, k := range extra {
		if body.get(k) != nil || e.Fields[k] == nil {
			continue
		}
		fv, err := outputValue(e.Fields[k])
		if err != nil {
			continue
		}
		body.set(k, fv)
	}
	h := w.Header()
	h.Set("Content-Type", ContentTypeJSON)
	h.Set("X-Amzn-ErrorType", e.Code)
	e.retryAfterHeader(h)
	w.WriteHeader(modelStatus(m, e))
	w.Write(body.appendJSON(make([]byte, 0, 256)))
}

func sortedFieldKeys(f map[string]any) []string {
	keys := make([]string, 0, len(f))
	for k := range f {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
