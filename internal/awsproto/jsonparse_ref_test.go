package awsproto

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
)

// The reference parser: the encoding/json.Decoder token walk that parseJSON
// replaced. The differential tests hold parseJSON to its outcomes (value or
// error message) on every input.

// parseJSON parses one JSON value and rejects trailing data, duplicate
// object keys and excessive nesting. An empty (or blank) body is {}.
func parseJSONReference(body []byte) (*jvalue, error) {
	if len(bytes.TrimSpace(body)) == 0 {
		return &jvalue{kind: jobject}, nil
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	v, err := refParseValue(dec, 0)
	if err != nil {
		return nil, err
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, errors.New("unexpected data after the JSON value")
	}
	return v, nil
}

func refParseValue(dec *json.Decoder, depth int) (*jvalue, error) {
	if depth > maxJSONDepth {
		return nil, errors.New("JSON nesting is too deep")
	}
	tok, err := dec.Token()
	if err != nil {
		return nil, refSyntaxError(err)
	}
	switch t := tok.(type) {
	case nil:
		return &jvalue{kind: jnull}, nil
	case bool:
		return &jvalue{kind: jbool, b: t}, nil
	case json.Number:
		return &jvalue{kind: jnumber, text: string(t)}, nil
	case string:
		return &jvalue{kind: jstring, text: t}, nil
	case json.Delim:
		switch t {
		case '[':
			v := &jvalue{kind: jarray}
			for dec.More() {
				e, err := refParseValue(dec, depth+1)
				if err != nil {
					return nil, err
				}
				v.arr = append(v.arr, e)
			}
			if _, err := dec.Token(); err != nil {
				return nil, refSyntaxError(err)
			}
			return v, nil
		case '{':
			v := &jvalue{kind: jobject}
			seen := map[string]bool{}
			for dec.More() {
				kt, err := dec.Token()
				if err != nil {
					return nil, refSyntaxError(err)
				}
				k, ok := kt.(string)
				if !ok {
					return nil, errors.New("malformed JSON")
				}
				if seen[k] {
					return nil, fmt.Errorf("duplicate field %q", k)
				}
				seen[k] = true
				e, err := refParseValue(dec, depth+1)
				if err != nil {
					return nil, err
				}
				v.obj = append(v.obj, jmember{k, e})
			}
			if _, err := dec.Token(); err != nil {
				return nil, refSyntaxError(err)
			}
			return v, nil
		}
	}
	return nil, errors.New("malformed JSON")
}

// syntaxError hides decoder internals (offsets, Go type names) from clients.
func refSyntaxError(err error) error {
	if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
		return errors.New("unexpected end of JSON input")
	}
	return errors.New("malformed JSON")
}
