// Package jsoncheck tests the reflection-free JSON encoders that
// tools/awsgen generates (awsproto.JSONAppender) against encoding/json: for
// randomized values of each generated structure it compares AppendJSON and
// MarshalJSON with what encoding/json writes for a method-less mirror of
// the type (same fields and tags, built with reflect.StructOf). It is
// imported only by tests (the generated zz_generated_json_test.go files) and
// imports only awsproto and the standard library.
package jsoncheck

import (
	"bytes"
	"encoding/json"
	"math"
	"math/rand/v2"
	"reflect"
	"testing"
	"time"

	"github.com/idcenter/idcenter/internal/awsproto"
)

var (
	timeType = reflect.TypeFor[awsproto.Time]()
	rawType  = reflect.TypeFor[json.RawMessage]()
)

// Check runs n randomized comparisons for each value's type (a generated
// structure, passed as a value) as subtests of t.
func Check(t *testing.T, n int, values ...any) {
	for _, v := range values {
		typ := reflect.TypeOf(v)
		t.Run(typ.Name(), func(t *testing.T) {
			m := &mirror{types: map[reflect.Type]reflect.Type{}, busy: map[reflect.Type]bool{}}
			plain := m.typ(typ)
			r := rand.New(rand.NewPCG(uint64(n), uint64(len(typ.Name()))))
			for i := range n {
				val := reflect.New(typ)
				fill(r, val.Elem(), 0)
				want, wantErr := json.Marshal(convert(val.Elem(), plain).Interface())
				got, gotErr := val.Interface().(awsproto.JSONAppender).AppendJSON([]byte("prefix"))
				if (wantErr == nil) != (gotErr == nil) {
					t.Fatalf("value %d: AppendJSON error = %v, encoding/json error = %v", i, gotErr, wantErr)
				}
				if wantErr != nil {
					continue
				}
				if !bytes.HasPrefix(got, []byte("prefix")) || !bytes.Equal(got[len("prefix"):], want) {
					t.Fatalf("value %d: AppendJSON wrote\n%s\nencoding/json wrote\n%s", i, got, want)
				}
				viaMarshaler, err := json.Marshal(val.Elem().Interface())
				if err != nil || !bytes.Equal(viaMarshaler, want) {
					t.Fatalf("value %d: json.Marshal via MarshalJSON wrote\n%s (%v)\nencoding/json wrote\n%s", i, viaMarshaler, err, want)
				}
			}
		})
	}
}

// mirror builds method-less copies of generated types.
type mirror struct {
	types map[reflect.Type]reflect.Type
	busy  map[reflect.Type]bool
}

func (m *mirror) typ(t reflect.Type) reflect.Type {
	if p, ok := m.types[t]; ok {
		return p
	}
	var p reflect.Type
	switch t.Kind() {
	case reflect.Pointer:
		p = reflect.PointerTo(m.typ(t.Elem()))
	case reflect.Slice:
		if t == rawType || t.Elem().Kind() == reflect.Uint8 {
			return t
		}
		p = reflect.SliceOf(m.typ(t.Elem()))
	case reflect.Map:
		p = reflect.MapOf(t.Key(), m.typ(t.Elem()))
	case reflect.Struct:
		if t == timeType || m.busy[t] {
			// A recursive shape keeps its generated encoder below the
			// first level; that encoder is checked on its own.
			return t
		}
		m.busy[t] = true
		fields := make([]reflect.StructField, t.NumField())
		for i := range fields {
			f := t.Field(i)
			fields[i] = reflect.StructField{Name: f.Name, Type: m.typ(f.Type), Tag: f.Tag}
		}
		delete(m.busy, t)
		p = reflect.StructOf(fields)
	default:
		return t
	}
	m.types[t] = p
	return p
}

// convert copies v into a value of type to (its mirror or itself).
func convert(v reflect.Value, to reflect.Type) reflect.Value {
	if v.Type() == to {
		return v
	}
	out := reflect.New(to).Elem()
	switch v.Kind() {
	case reflect.Pointer:
		if !v.IsNil() {
			out.Set(convert(v.Elem(), to.Elem()).Addr())
		}
	case reflect.Slice:
		if !v.IsNil() {
			s := reflect.MakeSlice(to, v.Len(), v.Len())
			for i := range v.Len() {
				s.Index(i).Set(convert(v.Index(i), to.Elem()))
			}
			out.Set(s)
		}
	case reflect.Map:
		if !v.IsNil() {
			mp := reflect.MakeMapWithSize(to, v.Len())
			for it := v.MapRange(); it.Next(); {
				mp.SetMapIndex(it.Key(), convert(it.Value(), to.Elem()))
			}
			out.Set(mp)
		}
	case reflect.Struct:
		for i := range v.NumField() {
			out.Field(i).Set(convert(v.Field(i), to.Field(i).Type))
		}
	default:
		out.Set(v)
	}
	return out
}

var strs = []string{
	"", "a", "Jane Doe", `<script>&"quoted"\ </script>`, "\u2028\u2029", "\x00\x01\x08\x0c\x1f\x7f\t\n\r",
	"é 日本 😀", "\xff\xfe bad utf8 \xc3", "d-1234567890/9a5f4e3c-1111-2222-3333-444455556666", "{\"json\":[1]}",
}

var raws = []json.RawMessage{
	nil, {}, json.RawMessage(`{}`), json.RawMessage(` { "a" : "<&>\u2028" , "b" : [ 1 , 2.5e3 , null , true ] } `),
	json.RawMessage(`"x"`), json.RawMessage(`{`), json.RawMessage(`12`),
}

func randString(r *rand.Rand) string {
	if r.IntN(3) > 0 {
		return strs[r.IntN(len(strs))]
	}
	b := make([]byte, r.IntN(12))
	for i := range b {
		b[i] = byte(r.IntN(256))
	}
	return string(b)
}

func randFloat(r *rand.Rand) float64 {
	switch r.IntN(12) {
	case 0:
		return 0
	case 1:
		return math.Copysign(0, -1)
	case 2:
		return 1e-7 * (r.Float64() + 0.1)
	case 3:
		return 1e21 * (r.Float64() + 1)
	case 4:
		return math.NaN()
	case 5:
		return math.Inf(1 - 2*r.IntN(2))
	case 6:
		return float64(r.Int64N(1000) - 500)
	}
	return (r.Float64() - 0.5) * math.Pow(10, float64(r.IntN(40)-20))
}

// fill sets v (addressable) to a random value; depth bounds nesting.
func fill(r *rand.Rand, v reflect.Value, depth int) {
	switch {
	case v.Type() == timeType:
		ms := r.Int64N(4e12) - 1e12
		if r.IntN(3) == 0 {
			ms -= ms % 1000
		}
		v.Set(reflect.ValueOf(awsproto.Time{Time: time.UnixMilli(ms)}))
		return
	case v.Type() == rawType:
		v.Set(reflect.ValueOf(raws[r.IntN(len(raws))]))
		return
	}
	switch v.Kind() {
	case reflect.String:
		v.SetString(randString(r))
	case reflect.Bool:
		v.SetBool(r.IntN(2) == 0)
	case reflect.Int32, reflect.Int64:
		switch r.IntN(4) {
		case 0:
			v.SetInt(0)
		case 1:
			v.SetInt(-r.Int64N(1 << 31))
		default:
			v.SetInt(r.Int64N(1 << 31))
		}
	case reflect.Float32, reflect.Float64:
		f := randFloat(r)
		if v.Kind() == reflect.Float32 {
			f = float64(float32(f))
		}
		v.SetFloat(f)
	case reflect.Pointer:
		if r.IntN(3) == 0 || depth > 4 {
			return
		}
		p := reflect.New(v.Type().Elem())
		fill(r, p.Elem(), depth+1)
		v.Set(p)
	case reflect.Slice:
		switch k := r.IntN(4); {
		case k == 0 || depth > 4:
		case k == 1:
			v.Set(reflect.MakeSlice(v.Type(), 0, 0))
		default:
			n := 1 + r.IntN(3)
			s := reflect.MakeSlice(v.Type(), n, n)
			for i := range n {
				fill(r, s.Index(i), depth+1)
			}
			v.Set(s)
		}
	case reflect.Map:
		switch k := r.IntN(4); {
		case k == 0 || depth > 4:
		case k == 1:
			v.Set(reflect.MakeMap(v.Type()))
		default:
			m := reflect.MakeMap(v.Type())
			for range 1 + r.IntN(4) {
				e := reflect.New(v.Type().Elem()).Elem()
				fill(r, e, depth+1)
				m.SetMapIndex(reflect.ValueOf(randString(r)), e)
			}
			v.Set(m)
		}
	case reflect.Struct:
		for i := range v.NumField() {
			if r.IntN(4) > 0 {
				fill(r, v.Field(i), depth+1)
			}
		}
	}
}
