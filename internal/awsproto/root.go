package awsproto

import (
	"bytes"
	"io"
	"net/http"
	"net/url"
)

// Root is the one handler of POST / and GET / on the shared listener, where
// AWS JSON 1.1 and query protocol services meet. It dispatches:
//   - a request with X-Amz-Target to the JSON 1.1 Router;
//   - a query form (POST application/x-www-form-urlencoded, or GET with
//     ?Action=) to the query service whose model has the Action for the
//     form's Version; failing that, to one whose APIVersion is the Version
//     or whose model has the Action, which answers InvalidAction;
//   - a POST form that no query service claims, and every other POST, to
//     the Router, which answers UnknownOperationException as before;
//   - any other GET or HEAD with a 404 UnknownOperationException.
//
// Mount it on both patterns: mux.Handle("POST /{$}", root) and
// mux.Handle("GET /{$}", root). Fields must not change once it serves; it
// is safe for concurrent use.
type Root struct {
	// JSON serves AWS JSON 1.1 requests; nil answers them with 404.
	JSON *Router
	// Query are the query protocol services, tried in order.
	Query []*QueryService
}

// ServeHTTP dispatches one request (see Root).
func (rt *Root) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Header.Get("X-Amz-Target") == "" && IsFormRequest(r) && len(rt.Query) > 0 {
		rt.serveForm(w, r)
		return
	}
	if r.Method != http.MethodPost || rt.JSON == nil {
		rt.notFound(w, r)
		return
	}
	rt.JSON.ServeHTTP(w, r)
}

func (rt *Root) notFound(w http.ResponseWriter, r *http.Request) {
	id := RequestID(r.Context())
	if id == "" {
		id = NewRequestID()
	}
	w.Header().Set("x-amzn-RequestId", id)
	WriteError(w, nil, &Error{Code: CodeUnknownOperation, Message: "No operation matches " + r.Method + " " + r.URL.Path + ".", Status: http.StatusNotFound})
}

func (rt *Root) serveForm(w http.ResponseWriter, r *http.Request) {
	first := rt.Query[0]
	ctx, id := first.start(w, r)
	r = r.WithContext(ctx)
	body, form, e := readForm(w, r)
	if e != nil {
		WriteQueryError(w, first.Model, id, e)
		return
	}
	if svc := rt.pick(form); svc != nil {
		svc.serve(ctx, w, r, id, body, form)
		return
	}
	if r.Method != http.MethodPost || rt.JSON == nil {
		WriteQueryError(w, first.Model, id, &Error{Code: CodeInvalidAction, Message: "Could not find operation " + form.Get("Action") + " for version " + form.Get("Version"), Status: 400})
		return
	}
	r.Body = io.NopCloser(bytes.NewReader(body))
	rt.JSON.ServeHTTP(w, r)
}

// pick returns the query service for a form, or nil.
func (rt *Root) pick(form url.Values) *QueryService {
	action, version := form.Get("Action"), form.Get("Version")
	for _, s := range rt.Query {
		if s.Model.Operations[action] != nil && s.Model.APIVersion == version {
			return s
		}
	}
	for _, s := range rt.Query {
		if s.Model.APIVersion == version || s.Model.Operations[action] != nil {
			return s
		}
	}
	return nil
}
