package awsproto

import (
	"context"
	"reflect"
	"strconv"
	"strings"
)

// Typed input without a second parse.
//
// Every protocol validates a request as a parsed value (jvalue) and hands
// the operation a JSON body (the request's for JSON 1.1, the parsed
// value's encoding for rest-json and query), which Handle decoded with
// encoding/json: a second parse, by reflection. For flat inputs (sso-oidc's
// CreateToken and StartDeviceAuthorization, the sso portal's, many JSON
// 1.1 ones) Handle instead fills the input from the parsed value directly,
// by a per-type plan built once. The
// plan covers only fields whose encoding/json decoding it reproduces
// exactly: string, *string, []string, bool, *bool and the integer types
// (and pointers to them), with tags "name" or "name,omitempty". Any other
// input type, and any value the plan does not cover (a key that is not
// exactly a field's name, a JSON type other than the field's, a number
// that is not an integer of the field's size), goes to encoding/json,
// which then decides, so the outcome is encoding/json's either way.

// parsedCtx carries the parsed input from exchange.run and Router to a
// Handle op. It embeds the request context, so an Op that does not look
// for it sees the request context unchanged, and Handle passes the
// embedded one on to the handler.
type parsedCtx struct {
	context.Context
	in *jvalue
}

// inputPlan fills one struct type from a parsed object.
type inputPlan struct {
	fields map[string]planField // by JSON name
}

type planField struct {
	index int
	typ   reflect.Type // the field's type
}

// newInputPlan returns the plan for struct type t, or nil if a field of t
// is outside what a plan covers.
func newInputPlan(t reflect.Type) *inputPlan {
	if t.Kind() != reflect.Struct {
		return nil
	}
	p := &inputPlan{fields: make(map[string]planField, t.NumField())}
	for i := range t.NumField() {
		f := t.Field(i)
		if f.Anonymous || !f.IsExported() {
			return nil
		}
		tag, ok := f.Tag.Lookup("json")
		name, opts, _ := strings.Cut(tag, ",")
		if !ok || name == "" || name == "-" || (opts != "" && opts != "omitempty") || !plannable(f.Type) {
			return nil
		}
		if _, dup := p.fields[name]; dup {
			return nil
		}
		p.fields[name] = planField{index: i, typ: f.Type}
	}
	return p
}

// plannable reports whether a plan decodes type t.
func plannable(t reflect.Type) bool {
	if t.Kind() == reflect.Pointer {
		t = t.Elem()
	} else if t.Kind() == reflect.Slice {
		return t.Elem().Kind() == reflect.String && t.Elem().PkgPath() == "" && t.Elem().Name() == "string"
	}
	if t.PkgPath() != "" {
		return false // a named type: it may have its own UnmarshalJSON
	}
	switch t.Kind() {
	case reflect.String, reflect.Bool, reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		return true
	}
	return false
}

// decode fills dst (a settable struct of the plan's type) from object v and
// reports whether it covered all of v; when it did not, dst is partly
// filled and must be discarded.
func (p *inputPlan) decode(v *jvalue, dst reflect.Value) bool {
	if v.kind != jobject {
		return false
	}
	for _, m := range v.obj {
		f, ok := p.fields[m.key]
		if !ok || !setField(dst.Field(f.index), f.typ, m.val) {
			return false
		}
	}
	return true
}

// setField sets field fv of type t to v as encoding/json would, or reports
// false.
func setField(fv reflect.Value, t reflect.Type, v *jvalue) bool {
	if v.kind == jnull {
		// encoding/json sets a pointer or a slice to nil and leaves other
		// kinds alone; a fresh input's fields are zero already.
		return true
	}
	switch t.Kind() {
	case reflect.Pointer:
		e := reflect.New(t.Elem())
		if !setField(e.Elem(), t.Elem(), v) {
			return false
		}
		fv.Set(e)
		return true
	case reflect.Slice:
		if v.kind != jarray {
			return false
		}
		s := make([]string, len(v.arr))
		for i, e := range v.arr {
			if e.kind != jstring {
				return false
			}
			s[i] = e.text
		}
		fv.Set(reflect.ValueOf(s))
		return true
	case reflect.String:
		if v.kind != jstring {
			return false
		}
		fv.SetString(v.text)
		return true
	case reflect.Bool:
		if v.kind != jbool {
			return false
		}
		fv.SetBool(v.b)
		return true
	default: // the integer kinds
		if v.kind != jnumber {
			return false
		}
		n, err := strconv.ParseInt(v.text, 10, t.Bits())
		if err != nil {
			return false
		}
		fv.SetInt(n)
		return true
	}
}
