package awsproto

import (
	"context"
	"encoding/json"
	"reflect"
)

// Op runs one operation: it decodes an already validated JSON body, calls
// the handler and returns the output value to encode (nil encodes as {}).
type Op func(ctx context.Context, body []byte) (any, error)

// Handle adapts a typed handler method to an Op. The body is decoded with
// encoding/json into a fresh *I; an empty body decodes as {}. A decode
// failure is a SerializationException.
//
// When the protocol passes the input it parsed and validated, the input is
// filled from that value if the type's plan covers it (see inputdecode.go),
// with the same outcome as decoding the body.
func Handle[I, O any](f func(context.Context, *I) (*O, error)) Op {
	plan := newInputPlan(reflect.TypeFor[I]())
	return func(ctx context.Context, body []byte) (any, error) {
		in := new(I)
		decoded := false
		if pc, ok := ctx.(*parsedCtx); ok {
			ctx = pc.Context
			if plan != nil {
				if decoded = plan.decode(pc.in, reflect.ValueOf(in).Elem()); !decoded {
					*in = *new(I)
				}
			}
		}
		if !decoded && len(body) > 0 {
			if err := json.Unmarshal(body, in); err != nil {
				return nil, SerializationError("The request body could not be deserialized.")
			}
		}
		out, err := f(ctx, in)
		if err != nil {
			return nil, err
		}
		if out == nil {
			return nil, nil
		}
		return out, nil
	}
}

// JSONService is one AWS JSON 1.1 service as served by a Router: its model,
// the dispatch table by operation name, and its error hooks. Fields may be
// changed after NewJSONService and before the Router is built; after that it
// must not be modified.
type JSONService struct {
	// Model is the service model; it drives validation and error statuses.
	Model *Service
	// Ops maps operation names to implementations.
	Ops map[string]Op
	// MapError turns a handler error that is not an *Error into one; nil or a
	// nil result gives a 500 InternalServerException.
	MapError func(error) *Error
	// ValidationError turns a failed input validation into the service's wire
	// error. Nil means a 400 ValidationException carrying err.Error().
	ValidationError func(err *InputError) *Error
}

// NewJSONService returns a JSONService with the default validation error.
func NewJSONService(model *Service, ops map[string]Op, mapErr func(error) *Error) *JSONService {
	return &JSONService{Model: model, Ops: ops, MapError: mapErr}
}

func (s *JSONService) validationError(err *InputError) *Error {
	if s.ValidationError != nil {
		if e := s.ValidationError(err); e != nil {
			return e
		}
	}
	return &Error{Code: CodeValidation, Message: err.Error(), Status: 400}
}

// status returns the HTTP status for e: its own, else the model's, else 500
// for faults, else 400.
func (s *JSONService) status(e *Error) int {
	var m *Service
	if s != nil {
		m = s.Model
	}
	return modelStatus(m, e)
}

// modelStatus returns the HTTP status for e in model m (which may be nil):
// e's own, else the model's for the exception named e.Code, else 500 for
// faults, else 400.
func modelStatus(m *Service, e *Error) int {
	if e.Status != 0 {
		return e.Status
	}
	if m != nil {
		if sh := m.Shapes[e.Code]; sh != nil && sh.Exception {
			if sh.HTTPStatus != 0 {
				return sh.HTTPStatus
			}
			if sh.Fault {
				return 500
			}
		}
	}
	return 400
}
