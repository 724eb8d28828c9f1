package awsproto

import (
	"context"
	"encoding/json"
	"math/rand/v2"
	"reflect"
	"strings"
	"testing"
)

// planInput has a field of every kind an input plan covers.
type planInput struct {
	S   string   `json:"s,omitempty"`
	PS  *string  `json:"ps,omitempty"`
	L   []string `json:"l,omitempty"`
	B   bool     `json:"b"`
	PB  *bool    `json:"pb,omitempty"`
	I32 *int32   `json:"i32,omitempty"`
	I64 *int64   `json:"i64,omitempty"`
	I   int      `json:"i,omitempty"`
	I8  int8     `json:"i8,omitempty"`
}

type namedString string

// TestInputPlanCoverage: a plan exists only for types whose every field
// it decodes as encoding/json does.
func TestInputPlanCoverage(t *testing.T) {
	if newInputPlan(reflect.TypeFor[planInput]()) == nil {
		t.Fatal("no plan for a type of plain fields")
	}
	for name, typ := range map[string]reflect.Type{
		"float": reflect.TypeFor[struct {
			F *float64 `json:"f"`
		}](),
		"nested": reflect.TypeFor[struct {
			N *planInput `json:"n"`
		}](),
		"map": reflect.TypeFor[struct {
			M map[string]string `json:"m"`
		}](),
		"named string": reflect.TypeFor[struct {
			N namedString `json:"n"`
		}](),
		"named in slice": reflect.TypeFor[struct {
			N []namedString `json:"n"`
		}](),
		"string option": reflect.TypeFor[struct {
			N int64 `json:"n,string"`
		}](),
		"no tag": reflect.TypeFor[struct{ N string }](),
		"bytes": reflect.TypeFor[struct {
			B []byte `json:"b"`
		}](),
		"raw": reflect.TypeFor[struct {
			R json.RawMessage `json:"r"`
		}](),
		"not a struct": reflect.TypeFor[string](),
	} {
		if newInputPlan(typ) != nil {
			t.Errorf("%s: a plan for %v", name, typ)
		}
	}
}

// randomObject returns a JSON object of up to four members drawn from keys
// and values that probe every field kind, its edges and its mismatches.
func randomObject(rng *rand.Rand) string {
	keys := []string{"s", "ps", "l", "b", "pb", "i32", "i64", "i", "i8", "S", "I32", "x", "ſ"}
	values := []string{`"a"`, `""`, `"\u00e9\ud800 \u003c"`, "\"\xff\"", `1`, `-0`, `1.0`, `1e2`, `-1`, `127`, `128`,
		`-129`, `2147483647`, `2147483648`, `-2147483649`, `9223372036854775807`, `9223372036854775808`, `true`,
		`false`, `null`, `[]`, `["a",null]`, `["a","b"]`, `[1]`, `{}`, `{"s":"a"}`, `"1"`}
	var b strings.Builder
	b.WriteByte('{')
	for i := range rng.IntN(5) {
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteString(`"` + keys[rng.IntN(len(keys))] + `":` + values[rng.IntN(len(values))])
	}
	b.WriteByte('}')
	return b.String()
}

// TestInputPlanMatchesEncodingJSON: wherever the plan decodes an object,
// encoding/json decodes the object's encoding without error to the same
// value; and a Handle op gives the same input (or the same error) with and
// without the parsed value.
func TestInputPlanMatchesEncodingJSON(t *testing.T) {
	plan := newInputPlan(reflect.TypeFor[planInput]())
	var got *planInput
	op := Handle(func(_ context.Context, in *planInput) (*struct{}, error) {
		got = in
		return nil, nil
	})
	rng := rand.New(rand.NewPCG(7, 7))
	covered := 0
	for range 50000 {
		body := randomObject(rng)
		v, err := parseJSON([]byte(body))
		if err != nil {
			continue // a duplicate key
		}
		enc := v.appendJSON(nil)
		var want planInput
		wantErr := json.Unmarshal(enc, &want)
		var fromPlan planInput
		if plan.decode(v, reflect.ValueOf(&fromPlan).Elem()) {
			covered++
			if wantErr != nil || !reflect.DeepEqual(fromPlan, want) {
				t.Fatalf("%s: plan gives %+v; encoding/json %+v, %v", body, fromPlan, want, wantErr)
			}
		}
		got = nil
		_, opErr := op(&parsedCtx{Context: t.Context(), in: v}, enc)
		if (opErr != nil) != (wantErr != nil) || (opErr == nil && !reflect.DeepEqual(*got, want)) {
			t.Fatalf("%s: op with the parsed value gives %+v, %v; encoding/json %+v, %v", body, got, opErr, want, wantErr)
		}
	}
	if covered < 10000 {
		t.Fatalf("the plan covered only %d objects", covered)
	}
}

// TestHandlePassesRequestContext: the handler gets the request's context,
// not the wrapper that carries the parsed input.
func TestHandlePassesRequestContext(t *testing.T) {
	type key struct{}
	ctx := context.WithValue(t.Context(), key{}, "v")
	var seen context.Context
	op := Handle(func(ctx context.Context, _ *planInput) (*struct{}, error) {
		seen = ctx
		return nil, nil
	})
	v, _ := parseJSON([]byte(`{"s":"a"}`))
	if _, err := op(&parsedCtx{Context: ctx, in: v}, v.appendJSON(nil)); err != nil {
		t.Fatal(err)
	}
	if seen != ctx {
		t.Fatalf("handler context %v, want the request's", seen)
	}
}
