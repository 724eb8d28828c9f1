package awsproto

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"net/http"
	"strconv"
	"time"
	"unicode/utf8"
)

// The rest-json and query protocols bind request parts (headers, query
// parameters, URI labels, form fields) to members. Both build the same
// canonical value that a JSON 1.1 body parses to, keyed by member name, so
// that one validator and one typed decoder (Handle) serve every protocol.

// errBadScalar is returned by scalarValue for text that is not a value of
// the shape's type.
var errBadScalar = errors.New("not a valid value of the member's type")

// scalarValue converts the text form of a scalar (a header, a query
// parameter, a form field) to its canonical JSON value. Timestamps become
// RFC 3339 strings; httpDate accepts the HTTP date format, as rest-json
// headers use. Invalid UTF-8 is refused.
func scalarValue(sh *Shape, text string, httpDate bool) (*jvalue, error) {
	if !utf8.ValidString(text) {
		return nil, errBadScalar
	}
	switch sh.Type {
	case TypeString:
		return &jvalue{kind: jstring, text: text}, nil
	case TypeInteger, TypeLong:
		bits := 32
		if sh.Type == TypeLong {
			bits = 64
		}
		n, err := strconv.ParseInt(text, 10, bits)
		if err != nil {
			return nil, errBadScalar
		}
		return &jvalue{kind: jnumber, text: strconv.FormatInt(n, 10)}, nil
	case TypeFloat, TypeDouble:
		bits := 64
		if sh.Type == TypeFloat {
			bits = 32
		}
		f, err := strconv.ParseFloat(text, bits)
		if err != nil || math.IsInf(f, 0) || math.IsNaN(f) {
			return nil, errBadScalar
		}
		return &jvalue{kind: jnumber, text: strconv.FormatFloat(f, 'g', -1, bits)}, nil
	case TypeBoolean:
		switch text {
		case "true":
			return &jvalue{kind: jbool, b: true}, nil
		case "false":
			return &jvalue{kind: jbool}, nil
		}
		return nil, errBadScalar
	case TypeTimestamp:
		t, err := parseTimestamp(text, httpDate)
		if err != nil {
			return nil, errBadScalar
		}
		return &jvalue{kind: jstring, text: t.UTC().Format(time.RFC3339Nano)}, nil
	case TypeBlob:
		if _, err := base64.StdEncoding.DecodeString(text); err != nil {
			return nil, errBadScalar
		}
		return &jvalue{kind: jstring, text: text}, nil
	}
	return nil, errBadScalar
}

// parseTimestamp accepts ISO 8601 (RFC 3339) and epoch seconds, and with
// httpDate also the HTTP date format.
func parseTimestamp(text string, httpDate bool) (time.Time, error) {
	if t, err := time.Parse(time.RFC3339Nano, text); err == nil {
		return t, nil
	}
	if httpDate {
		if t, err := http.ParseTime(text); err == nil {
			return t, nil
		}
	}
	var t Time
	if err := t.UnmarshalJSON([]byte(text)); err != nil || text == "" || text[0] == '"' {
		return time.Time{}, errBadScalar
	}
	return t.Time, nil
}

// appendJSON encodes v as JSON.
func (v *jvalue) appendJSON(b []byte) []byte {
	switch v.kind {
	case jnull:
		return append(b, "null"...)
	case jbool:
		return strconv.AppendBool(b, v.b)
	case jnumber:
		return append(b, v.text...)
	case jstring:
		return appendJSONString(b, v.text)
	case jarray:
		b = append(b, '[')
		for i, e := range v.arr {
			if i > 0 {
				b = append(b, ',')
			}
			b = e.appendJSON(b)
		}
		return append(b, ']')
	case jobject:
		b = append(b, '{')
		for i, m := range v.obj {
			if i > 0 {
				b = append(b, ',')
			}
			b = appendJSONString(b, m.key)
			b = append(b, ':')
			b = m.val.appendJSON(b)
		}
		return append(b, '}')
	}
	return b
}

func appendJSONString(b []byte, s string) []byte { return AppendJSONString(b, s) }

// set replaces or adds the member key of object v.
func (v *jvalue) set(key string, val *jvalue) {
	for i := range v.obj {
		if v.obj[i].key == key {
			v.obj[i].val = val
			return
		}
	}
	v.obj = append(v.obj, jmember{key, val})
}

// exchange is the protocol-independent middle of a rest-json or query
// request: validate the canonical input, decode it into the typed input and
// run the handler.
type exchange struct {
	model           *Service
	mapErr          func(error) *Error
	validationError func(*InputError) *Error
	internal        func(ctx context.Context, op string, err error)
}

// run validates in against o and calls op. It returns the handler's output
// (nil when it returned none) or the wire error to write.
func (x *exchange) run(ctx context.Context, o *Operation, op Op, in *jvalue) (any, *Error) {
	if err := x.model.validateValue(o, in); err != nil {
		if ie, ok := err.(*InputError); ok {
			return nil, x.validationError(ie)
		}
		if e, ok := err.(*Error); ok {
			return nil, e
		}
		x.internal(ctx, o.Name, err)
		return nil, InternalError()
	}
	out, err := callOp(&parsedCtx{Context: ctx, in: in}, op, in.appendJSON(make([]byte, 0, 512)))
	if err != nil {
		if e, ok := errors.AsType[*Error](err); ok {
			return nil, e
		}
		var mapped *Error
		if x.mapErr != nil {
			mapped = x.mapErr(err)
		}
		if mapped == nil {
			x.internal(ctx, o.Name, err)
			mapped = InternalError()
		}
		return nil, mapped
	}
	return out, nil
}

// callOp runs op, turning a panic into an error.
func callOp(ctx context.Context, op Op, body []byte) (out any, err error) {
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

// outputValue encodes a handler's output to its canonical JSON value; nil
// output is an empty object.
func outputValue(out any) (*jvalue, error) {
	if out == nil {
		return &jvalue{kind: jobject}, nil
	}
	var b []byte
	var err error
	if a, ok := out.(JSONAppender); ok {
		b, err = a.AppendJSON(nil)
	} else {
		b, err = json.Marshal(out)
	}
	if err != nil {
		return nil, err
	}
	return parseJSON(b)
}
