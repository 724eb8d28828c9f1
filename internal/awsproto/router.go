package awsproto

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"
)

// MaxBodyBytes caps AWS JSON request bodies; a larger body is answered with
// 413 and a SerializationException.
const MaxBodyBytes = 1 << 20

// ContentTypeJSON11 is the content type of AWS JSON 1.1 requests and
// responses.
const ContentTypeJSON11 = "application/x-amz-json-1.1"

// Authenticator authenticates a request whose body has been read. It returns
// the context to serve the request with (carrying the caller), or an error:
// an *Error is written as is, any other error becomes a 500.
type Authenticator interface {
	Authenticate(ctx context.Context, r *http.Request, body []byte) (context.Context, error)
}

// Router serves the AWS JSON 1.1 services on POST / and dispatches by
// X-Amz-Target "<targetPrefix>.<Operation>". It is safe for concurrent use
// once built; its fields must not be changed while it serves.
type Router struct {
	auth     Authenticator
	services map[string]*JSONService

	// OnInternalError, when set, is told about every request that ends in a
	// 500 (a handler panic, an unmapped handler error, an authenticator
	// failure that is not an *Error), with the cause, so that the caller can
	// log it once. The client only ever sees a generic message.
	OnInternalError func(ctx context.Context, op string, err error)

	// bufs holds *[]byte response buffers for JSONAppender outputs: a
	// ListUsers page is tens of kilobytes, which would otherwise be grown
	// from scratch for every response.
	bufs sync.Pool
}

// maxPooledBuf is the largest response buffer kept for reuse.
const maxPooledBuf = 256 << 10

// NewRouter returns a Router for services, authenticating every request with
// auth (nil disables authentication: only for tests). It panics if two
// services share a target prefix, a programmer error at start-up.
func NewRouter(auth Authenticator, services ...*JSONService) *Router {
	rt := &Router{auth: auth, services: make(map[string]*JSONService, len(services))}
	for _, s := range services {
		p := s.Model.TargetPrefix
		if _, dup := rt.services[p]; dup {
			panic(fmt.Sprintf("awsproto: two services with target prefix %q", p))
		}
		rt.services[p] = s
	}
	return rt
}

type ctxKey int

const (
	requestIDKey ctxKey = iota
	callerKey
)

// RequestID returns the request ID of the request ctx serves, or "".
func RequestID(ctx context.Context) string {
	id, _ := ctx.Value(requestIDKey).(string)
	return id
}

// ContextWithRequestID returns ctx carrying id as the request ID. The Router
// keeps an ID already present in the request context (set by an outer
// middleware) and otherwise makes one.
func ContextWithRequestID(ctx context.Context, id string) context.Context {
	return context.WithValue(ctx, requestIDKey, id)
}

// NewRequestID returns a random (version 4) UUID from crypto/rand.
func NewRequestID() string {
	var b [16]byte
	rand.Read(b[:])
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	var s [36]byte
	hex.Encode(s[0:8], b[0:4])
	s[8] = '-'
	hex.Encode(s[9:13], b[4:6])
	s[13] = '-'
	hex.Encode(s[14:18], b[6:8])
	s[18] = '-'
	hex.Encode(s[19:23], b[8:10])
	s[23] = '-'
	hex.Encode(s[24:], b[10:])
	return string(s[:])
}

// ServeHTTP serves one AWS JSON 1.1 request. Every response carries
// x-amzn-RequestId; errors are written as {"__type": code, "Message": msg}
// with X-Amzn-ErrorType.
func (rt *Router) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	id := RequestID(ctx)
	if id == "" {
		id = NewRequestID()
		ctx = ContextWithRequestID(ctx, id)
	}
	w.Header().Set("x-amzn-RequestId", id)

	var svc *JSONService
	op := ""
	defer func() {
		if p := recover(); p != nil {
			if p == http.ErrAbortHandler {
				panic(p)
			}
			rt.internal(ctx, op, fmt.Errorf("panic: %v", p))
			writeError(w, svc, InternalError())
		}
	}()

	if r.Method != http.MethodPost {
		writeError(w, nil, &Error{Code: CodeUnknownOperation, Message: "AWS JSON requests use POST.", Status: 400})
		return
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, MaxBodyBytes))
	if err != nil {
		if _, ok := errors.AsType[*http.MaxBytesError](err); ok {
			writeError(w, nil, &Error{Code: CodeSerialization, Message: fmt.Sprintf("The request body exceeds %d bytes.", MaxBodyBytes), Status: http.StatusRequestEntityTooLarge})
			return
		}
		writeError(w, nil, SerializationError("The request body could not be read."))
		return
	}

	target := r.Header.Get("X-Amz-Target")
	prefix, opName, ok := strings.Cut(target, ".")
	svc = rt.services[prefix]
	if !ok || svc == nil || svc.Model.Operations[opName] == nil || svc.Ops[opName] == nil {
		writeError(w, svc, &Error{Code: CodeUnknownOperation, Status: 400})
		return
	}
	op = opName

	if rt.auth != nil {
		actx, err := rt.auth.Authenticate(ctx, r, body)
		if err != nil {
			if e, ok := errors.AsType[*Error](err); ok {
				writeError(w, svc, e)
				return
			}
			rt.internal(ctx, op, err)
			writeError(w, svc, InternalError())
			return
		}
		ctx = actx
	}

	in, err := svc.Model.validateInput(op, body)
	if err != nil {
		if ie, ok := err.(*InputError); ok {
			writeError(w, svc, svc.validationError(ie))
			return
		}
		if e, ok := err.(*Error); ok {
			writeError(w, svc, e)
			return
		}
		rt.internal(ctx, op, err)
		writeError(w, svc, InternalError())
		return
	}

	// Handle fills the typed input from the parsed body when it can.
	out, err := rt.invoke(&parsedCtx{Context: ctx, in: in}, svc.Ops[op], body)
	if err != nil {
		if e, ok := errors.AsType[*Error](err); ok {
			writeError(w, svc, e)
			return
		}
		var mapped *Error
		if svc.MapError != nil {
			mapped = svc.MapError(err)
		}
		if mapped == nil {
			rt.internal(ctx, op, err)
			mapped = InternalError()
		}
		writeError(w, svc, mapped)
		return
	}
	b := []byte("{}")
	if out != nil {
		if a, ok := out.(JSONAppender); ok {
			bp, _ := rt.bufs.Get().(*[]byte)
			if bp == nil {
				bp = new([]byte)
			}
			if b, err = a.AppendJSON((*bp)[:0]); err == nil && cap(b) <= maxPooledBuf {
				// Returned after w.Write below, which keeps no reference.
				defer func() { *bp = b[:0]; rt.bufs.Put(bp) }()
			}
		} else {
			b, err = json.Marshal(out)
		}
		if err != nil {
			rt.internal(ctx, op, fmt.Errorf("encode %s output: %w", op, err))
			writeError(w, svc, InternalError())
			return
		}
	}
	w.Header().Set("Content-Type", ContentTypeJSON11)
	w.WriteHeader(http.StatusOK)
	w.Write(b)
}

// invoke runs op, turning a panic into an internal error.
func (rt *Router) invoke(ctx context.Context, op Op, body []byte) (out any, err error) {
	defer func() {
		if p := recover(); p != nil {
			if p == http.ErrAbortHandler {
				panic(p)
			}
			out, err = nil, fmt.Errorf("panic: %v", p)
		}
	}()
	return op(ctx, body)
}

func (rt *Router) internal(ctx context.Context, op string, err error) {
	if rt.OnInternalError != nil {
		rt.OnInternalError(ctx, op, err)
	}
}

// WriteError writes e as an AWS JSON 1.1 error response. svc may be nil; it
// supplies modelled statuses when e.Status is 0.
func WriteError(w http.ResponseWriter, svc *JSONService, e *Error) { writeError(w, svc, e) }

func writeError(w http.ResponseWriter, svc *JSONService, e *Error) {
	body := make(map[string]any, len(e.Fields)+2)
	for k, v := range e.Fields {
		body[k] = v
	}
	body["__type"] = e.Code
	if e.Message != "" {
		body["Message"] = e.Message
	}
	b, err := json.Marshal(body)
	if err != nil {
		b = []byte(`{"__type":"` + CodeInternalServer + `"}`)
		e = InternalError()
	}
	h := w.Header()
	h.Set("Content-Type", ContentTypeJSON11)
	h.Set("X-Amzn-ErrorType", e.Code)
	e.retryAfterHeader(h)
	w.WriteHeader(svc.status(e))
	w.Write(b)
}
