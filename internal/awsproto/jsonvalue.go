package awsproto

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
)

// maxJSONDepth bounds the nesting of request bodies; deeper bodies are a
// SerializationException rather than a deep recursion.
const maxJSONDepth = 64

// jvalue is a parsed JSON value that, unlike encoding/json's generic
// decoding, keeps object key order and exact number text.
type jvalue struct {
	kind jkind
	text string // string value, or number literal
	b    bool
	obj  []jmember
	arr  []*jvalue
}

type jkind uint8

const (
	jnull jkind = iota
	jbool
	jnumber
	jstring
	jarray
	jobject
)

func (k jkind) String() string {
	return [...]string{"null", "boolean", "number", "string", "list", "structure or map"}[k]
}

type jmember struct {
	key string
	val *jvalue
}

func (v *jvalue) get(key string) *jvalue {
	for _, m := range v.obj {
		if m.key == key {
			return m.val
		}
	}
	return nil
}

// parseJSON parses one JSON value and rejects trailing data, duplicate
// object keys and excessive nesting. An empty (or blank) body is {}.
func parseJSON(body []byte) (*jvalue, error) {
	if len(bytes.TrimSpace(body)) == 0 {
		return &jvalue{kind: jobject}, nil
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	v, err := parseValue(dec, 0)
	if err != nil {
		return nil, err
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, errors.New("unexpected data after the JSON value")
	}
	return v, nil
}

func parseValue(dec *json.Decoder, depth int) (*jvalue, error) {
	if depth > maxJSONDepth {
		return nil, errors.New("JSON nesting is too deep")
	}
	tok, err := dec.Token()
	if err != nil {
		return nil, syntaxError(err)
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
				e, err := parseValue(dec, depth+1)
				if err != nil {
					return nil, err
				}
				v.arr = append(v.arr, e)
			}
			if _, err := dec.Token(); err != nil {
				return nil, syntaxError(err)
			}
			return v, nil
		case '{':
			v := &jvalue{kind: jobject}
			seen := map[string]bool{}
			for dec.More() {
				kt, err := dec.Token()
				if err != nil {
					return nil, syntaxError(err)
				}
				k, ok := kt.(string)
				if !ok {
					return nil, errors.New("malformed JSON")
				}
				if seen[k] {
					return nil, fmt.Errorf("duplicate field %q", k)
				}
				seen[k] = true
				e, err := parseValue(dec, depth+1)
				if err != nil {
					return nil, err
				}
				v.obj = append(v.obj, jmember{k, e})
			}
			if _, err := dec.Token(); err != nil {
				return nil, syntaxError(err)
			}
			return v, nil
		}
	}
	return nil, errors.New("malformed JSON")
}

// syntaxError hides decoder internals (offsets, Go type names) from clients.
func syntaxError(err error) error {
	if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
		return errors.New("unexpected end of JSON input")
	}
	return errors.New("malformed JSON")
}
