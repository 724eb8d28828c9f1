package policy_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/idcenter/idcenter/internal/policy"
)

func TestParse(t *testing.T) {
	doc := `{
	  "Version": "2012-10-17",
	  "Id": "p1",
	  "Statement": [
	    {"Sid": "S3Read", "Effect": "Allow", "Action": ["s3:GetObject", "s3:List*"], "Resource": "arn:aws:s3:::bucket/*",
	     "Condition": {"StringEquals": {"aws:PrincipalTag/team": ["ops", "dev"]}, "Bool": {"aws:SecureTransport": true},
	                   "NumericLessThanEquals": {"s3:max-keys": 10}, "ForAnyValue:StringLikeIfExists": {"aws:TagKeys": "env*"}}},
	    {"Effect": "Deny", "NotAction": "iam:*", "NotResource": ["arn:aws:iam::*:role/${aws:username}"]}
	  ]
	}`
	got, err := policy.Parse(doc, policy.MaxPermissionSetInlinePolicy)
	if err != nil {
		t.Fatalf("Parse: %v", err)
	}
	want := &policy.Document{
		Version: "2012-10-17", ID: "p1",
		Statements: []policy.Statement{
			{Sid: "S3Read", Effect: "Allow", Actions: []string{"s3:GetObject", "s3:List*"}, Resources: []string{"arn:aws:s3:::bucket/*"},
				Conditions: []policy.Condition{
					{Operator: "StringEquals", Key: "aws:PrincipalTag/team", Values: []string{"ops", "dev"}},
					{Operator: "Bool", Key: "aws:SecureTransport", Values: []string{"true"}},
					{Operator: "NumericLessThanEquals", Key: "s3:max-keys", Values: []string{"10"}},
					{Operator: "ForAnyValue:StringLikeIfExists", Key: "aws:TagKeys", Values: []string{"env*"}},
				}},
			{Effect: "Deny", Actions: []string{"iam:*"}, NotAction: true, Resources: []string{"arn:aws:iam::*:role/${aws:username}"}, NotResource: true},
		},
	}
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("Parse (-want +got):\n%s", d)
	}
	// A single statement object and a missing Version are accepted.
	if _, err := policy.Parse(`{"Statement":{"Effect":"Allow","Action":"*","Resource":"*"}}`, 0); err != nil {
		t.Errorf("Parse(statement object) = %v", err)
	}
}

func TestParseErrors(t *testing.T) {
	stmt := func(s string) string { return `{"Version":"2012-10-17","Statement":[` + s + `]}` }
	cases := map[string]string{
		"empty":            ``,
		"not json":         `{"Version":`,
		"trailing":         stmt(`{"Effect":"Allow","Action":"*","Resource":"*"}`) + `{}`,
		"array":            `[]`,
		"string":           `"x"`,
		"no statement":     `{"Version":"2012-10-17"}`,
		"empty statement":  stmt(``),
		"statement string": `{"Statement":"x"}`,
		"bad version":      `{"Version":"2012-10-18","Statement":[]}`,
		"numeric version":  `{"Version":2012,"Statement":[]}`,
		"unknown top key":  `{"Version":"2012-10-17","Statements":[]}`,
		"lowercase key":    `{"version":"2012-10-17","Statement":[]}`,
		"duplicate key":    `{"Statement":[],"Statement":[]}`,
		"duplicate inner":  stmt(`{"Effect":"Allow","Effect":"Deny","Action":"*","Resource":"*"}`),
		"no effect":        stmt(`{"Action":"*","Resource":"*"}`),
		"bad effect":       stmt(`{"Effect":"Permit","Action":"*","Resource":"*"}`),
		"no action":        stmt(`{"Effect":"Allow","Resource":"*"}`),
		"both actions":     stmt(`{"Effect":"Allow","Action":"*","NotAction":"*","Resource":"*"}`),
		"empty action":     stmt(`{"Effect":"Allow","Action":[],"Resource":"*"}`),
		"empty action str": stmt(`{"Effect":"Allow","Action":"","Resource":"*"}`),
		"numeric action":   stmt(`{"Effect":"Allow","Action":[1],"Resource":"*"}`),
		"bad action":       stmt(`{"Effect":"Allow","Action":"s3","Resource":"*"}`),
		"no resource":      stmt(`{"Effect":"Allow","Action":"*"}`),
		"both resources":   stmt(`{"Effect":"Allow","Action":"*","Resource":"*","NotResource":"*"}`),
		"bad resource":     stmt(`{"Effect":"Allow","Action":"*","Resource":"bucket"}`),
		"short arn":        stmt(`{"Effect":"Allow","Action":"*","Resource":"arn:aws:s3"}`),
		"principal":        stmt(`{"Effect":"Allow","Principal":{"AWS":"*"},"Action":"*","Resource":"*"}`),
		"not principal":    stmt(`{"Effect":"Allow","NotPrincipal":"*","Action":"*","Resource":"*"}`),
		"unknown element":  stmt(`{"Effect":"Allow","Action":"*","Resource":"*","Extra":1}`),
		"bad sid":          stmt(`{"Sid":"a b","Effect":"Allow","Action":"*","Resource":"*"}`),
		"duplicate sid":    stmt(`{"Sid":"A","Effect":"Allow","Action":"*","Resource":"*"},{"Sid":"A","Effect":"Deny","Action":"*","Resource":"*"}`),
		"statement number": stmt(`1`),
		"condition string": stmt(`{"Effect":"Allow","Action":"*","Resource":"*","Condition":"x"}`),
		"unknown operator": stmt(`{"Effect":"Allow","Action":"*","Resource":"*","Condition":{"StringEqualz":{"a":"b"}}}`),
		"bad prefix":       stmt(`{"Effect":"Allow","Action":"*","Resource":"*","Condition":{"ForSome:StringEquals":{"a":"b"}}}`),
		"null ifexists":    stmt(`{"Effect":"Allow","Action":"*","Resource":"*","Condition":{"NullIfExists":{"a":"true"}}}`),
		"operator not map": stmt(`{"Effect":"Allow","Action":"*","Resource":"*","Condition":{"StringEquals":"b"}}`),
		"operator empty":   stmt(`{"Effect":"Allow","Action":"*","Resource":"*","Condition":{"StringEquals":{}}}`),
		"empty values":     stmt(`{"Effect":"Allow","Action":"*","Resource":"*","Condition":{"StringEquals":{"a":[]}}}`),
		"object value":     stmt(`{"Effect":"Allow","Action":"*","Resource":"*","Condition":{"StringEquals":{"a":{}}}}`),
		"null value":       stmt(`{"Effect":"Allow","Action":"*","Resource":"*","Condition":{"StringEquals":{"a":null}}}`),
		"empty key":        stmt(`{"Effect":"Allow","Action":"*","Resource":"*","Condition":{"StringEquals":{"":"b"}}}`),
		"deep":             strings.Repeat("[", 40) + strings.Repeat("]", 40),
		"too large":        stmt(`{"Effect":"Allow","Action":"*","Resource":"arn:aws:s3:::` + strings.Repeat("x", 10240) + `"}`),
		"invalid utf8":     "{\"Statement\":\"\xff\"}",
	}
	for name, doc := range cases {
		t.Run(name, func(t *testing.T) {
			_, err := policy.Parse(doc, policy.MaxPermissionSetInlinePolicy)
			var pe *policy.Error
			if !errors.As(err, &pe) || pe.Msg == "" {
				t.Errorf("Parse(%.60q) = %v, want a *policy.Error", doc, err)
			}
		})
	}
}

func TestValidOperator(t *testing.T) {
	for op, want := range map[string]bool{
		"StringEquals": true, "StringLikeIfExists": true, "ForAllValues:StringEquals": true, "ForAnyValue:ArnLike": true,
		"Null": true, "NullIfExists": false, "IfExists": false, "ForAllValues:": false, "stringequals": false,
	} {
		if got := policy.ValidOperator(op); got != want {
			t.Errorf("ValidOperator(%q) = %v, want %v", op, got, want)
		}
	}
}

func TestAWSManagedDocument(t *testing.T) {
	for arn, want := range map[string]bool{
		"arn:aws:iam::aws:policy/AdministratorAccess":              true,
		"arn:aws:iam::aws:policy/PowerUserAccess":                  true,
		"arn:aws:iam::aws:policy/job-function/AdministratorAccess": false,
		"arn:aws:iam::aws:policy/ReadOnlyAccess":                   false,
		"arn:aws:iam::123456789012:policy/AdministratorAccess":     false,
	} {
		doc, ok := policy.AWSManagedDocument(arn)
		if ok != want {
			t.Errorf("AWSManagedDocument(%s) ok = %v, want %v", arn, ok, want)
		}
		if ok {
			if _, err := policy.Parse(doc, 0); err != nil {
				t.Errorf("catalogue document of %s does not parse: %v", arn, err)
			}
		}
	}
	if got := policy.ManagedPolicyName("arn:aws:iam::aws:policy/job-function/ViewOnlyAccess"); got != "ViewOnlyAccess" {
		t.Errorf("ManagedPolicyName = %q", got)
	}
}

func FuzzParse(f *testing.F) {
	for _, s := range []string{
		`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]}`,
		`{"Statement":{"Sid":"A","Effect":"Deny","NotAction":["s3:*"],"NotResource":"arn:aws:s3:::b","Condition":{"Bool":{"aws:x":[true,1,"s"]}}}}`,
		`{"Statement":[],"Statement":[]}`,
		`[[[[`,
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		d, err := policy.Parse(s, policy.MaxPermissionSetInlinePolicy)
		if err != nil {
			var pe *policy.Error
			if !errors.As(err, &pe) {
				t.Fatalf("Parse error %T %v is not a *policy.Error", err, err)
			}
			return
		}
		if len(d.Statements) == 0 {
			t.Fatalf("Parse(%q) accepted a policy without statements", s)
		}
		for _, st := range d.Statements {
			if (st.Effect != "Allow" && st.Effect != "Deny") || len(st.Actions) == 0 || len(st.Resources) == 0 {
				t.Fatalf("Parse(%q) accepted an incomplete statement %+v", s, st)
			}
		}
	})
}
