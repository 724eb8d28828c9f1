package awsproto_test

import (
	"errors"
	"testing"

	"github.com/idcenter/idcenter/internal/api/identitystore"
	"github.com/idcenter/idcenter/internal/awsproto"
)

// FuzzValidate feeds random bodies to every identitystore operation: the
// validator must never panic, must return only its documented error types,
// and a body it accepts must decode into the generated input type.
func FuzzValidate(f *testing.F) {
	seeds := []string{
		``, `{}`, `null`, `[]`, `{"IdentityStoreId":"d-1234567890","UserId":"x"}`,
		`{"IdentityStoreId":"d-1234567890","Filters":[{"AttributePath":"UserName","AttributeValue":"bob"}],"MaxResults":5}`,
		`{"IdentityStoreId":"d-1234567890","AlternateIdentifier":{"UniqueAttribute":{"AttributePath":"a","AttributeValue":{"x":[1,2,{"y":null}]}}}}`,
		`{"IdentityStoreId":"d-1234567890","Extensions":{"aws:identitystore:enterprise":{}}}`,
		`{"a":1,"a":2}`, `{"identitystoreid":1}`, `{"MaxResults":1e400}`, `[[[[[[[[[[`, `{"x":"\ud800"}`,
	}
	for _, s := range seeds {
		f.Add(s)
	}
	svc := identitystore.Model()
	ops := identitystore.NewService(identitystore.UnimplementedAPI{}, nil)
	var names []string
	for name := range svc.Operations {
		names = append(names, name)
	}
	f.Fuzz(func(t *testing.T, body string) {
		for _, op := range names {
			err := svc.ValidateInput(op, []byte(body))
			if err == nil {
				if _, err := ops.Ops[op](t.Context(), []byte(body)); err != nil {
					var e *awsproto.Error
					if !errors.As(err, &e) || e.Code != awsproto.CodeUnknownOperation {
						t.Fatalf("%s: valid body %q fails to decode: %v", op, body, err)
					}
				}
				continue
			}
			var ie *awsproto.InputError
			var e *awsproto.Error
			switch {
			case errors.As(err, &ie):
				if len(ie.Violations) == 0 {
					t.Fatalf("%s: InputError without violations", op)
				}
			case errors.As(err, &e):
				if e.Code != awsproto.CodeSerialization {
					t.Fatalf("%s: unexpected error %v", op, err)
				}
			default:
				t.Fatalf("%s: unexpected error type %T", op, err)
			}
		}
	})
}
