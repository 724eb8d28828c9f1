package awsproto

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
