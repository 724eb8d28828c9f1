package awsproto_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/idcenter/idcenter/internal/api/identitystore"
	"github.com/idcenter/idcenter/internal/api/organizations"
	"github.com/idcenter/idcenter/internal/api/ssoadmin"
	"github.com/idcenter/idcenter/internal/awsproto"
)

const (
	storeID = "d-1234567890"
	userID  = "abcdef0123-12345678-1234-1234-1234-123456789012"

	identityStoreIDPattern = "d-[0-9a-f]{10}$|^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}"
	attributePathPattern   = `(?:\p{L}+:\p{L}+:\p{L}+(?:\.\p{L}+){0,3}|\p{L}+(?:\.\p{L}+){0,2})`
)

// outcome flattens a ValidateInput result for comparison.
type outcome struct {
	Code    string
	Message string
	Kinds   []awsproto.ViolationKind
}

func validate(t *testing.T, svc *awsproto.Service, op, body string) outcome {
	t.Helper()
	err := svc.ValidateInput(op, []byte(body))
	if err == nil {
		return outcome{}
	}
	if ie, ok := errors.AsType[*awsproto.InputError](err); ok {
		o := outcome{Code: "ValidationException", Message: ie.Error()}
		for _, v := range ie.Violations {
			o.Kinds = append(o.Kinds, v.Kind)
		}
		return o
	}
	if e, ok := errors.AsType[*awsproto.Error](err); ok {
		return outcome{Code: e.Code, Message: e.Message}
	}
	t.Fatalf("ValidateInput(%s) returned %T %v", op, err, err)
	return outcome{}
}

func TestValidateInputIdentityStore(t *testing.T) {
	t.Parallel()
	svc := identitystore.Model()
	long := strings.Repeat("a", 129)
	tests := []struct {
		name, op, body string
		want           outcome
	}{
		{"valid", "DescribeUser", `{"IdentityStoreId":"` + storeID + `","UserId":"` + userID + `"}`, outcome{}},
		{"valid uuid store id", "DescribeUser", `{"IdentityStoreId":"12345678-1234-1234-1234-123456789012","UserId":"` + userID + `"}`, outcome{}},
		{"unknown members ignored", "DescribeUser", `{"IdentityStoreId":"` + storeID + `","UserId":"` + userID + `","Foo":[1,{"a":null}]}`, outcome{}},
		{"missing required", "DescribeUser", `{}`, outcome{
			Code: "ValidationException",
			Message: "2 validation errors detected: " +
				"Value null at 'identityStoreId' failed to satisfy constraint: Member must not be null; " +
				"Value null at 'userId' failed to satisfy constraint: Member must not be null",
			Kinds: []awsproto.ViolationKind{awsproto.ViolationRequired, awsproto.ViolationRequired},
		}},
		{"empty body is {}", "DescribeUser", ``, outcome{
			Code: "ValidationException",
			Message: "2 validation errors detected: " +
				"Value null at 'identityStoreId' failed to satisfy constraint: Member must not be null; " +
				"Value null at 'userId' failed to satisfy constraint: Member must not be null",
			Kinds: []awsproto.ViolationKind{awsproto.ViolationRequired, awsproto.ViolationRequired},
		}},
		{"explicit null is missing", "DescribeUser", `{"IdentityStoreId":null,"UserId":"` + userID + `"}`, outcome{
			Code:    "ValidationException",
			Message: "1 validation error detected: Value null at 'identityStoreId' failed to satisfy constraint: Member must not be null",
			Kinds:   []awsproto.ViolationKind{awsproto.ViolationRequired},
		}},
		{"pattern", "DescribeUser", `{"IdentityStoreId":"bad","UserId":"` + userID + `"}`, outcome{
			Code:    "ValidationException",
			Message: "1 validation error detected: Value 'bad' at 'identityStoreId' failed to satisfy constraint: Member must satisfy regular expression pattern: " + identityStoreIDPattern,
			Kinds:   []awsproto.ViolationKind{awsproto.ViolationPattern},
		}},
		{"pattern is a full match", "DescribeUser", `{"IdentityStoreId":"xd-1234567890","UserId":"` + userID + `"}`, outcome{
			Code:    "ValidationException",
			Message: "1 validation error detected: Value 'xd-1234567890' at 'identityStoreId' failed to satisfy constraint: Member must satisfy regular expression pattern: " + identityStoreIDPattern,
			Kinds:   []awsproto.ViolationKind{awsproto.ViolationPattern},
		}},
		{"max length and pattern", "DescribeUser", `{"IdentityStoreId":"` + strings.Repeat("d", 37) + `","UserId":"` + userID + `"}`, outcome{
			Code: "ValidationException",
			Message: "2 validation errors detected: " +
				"Value '" + strings.Repeat("d", 37) + "' at 'identityStoreId' failed to satisfy constraint: Member must have length less than or equal to 36; " +
				"Value '" + strings.Repeat("d", 37) + "' at 'identityStoreId' failed to satisfy constraint: Member must satisfy regular expression pattern: " + identityStoreIDPattern,
			Kinds: []awsproto.ViolationKind{awsproto.ViolationMaxLength, awsproto.ViolationPattern},
		}},
		{"sensitive value not echoed", "CreateUser", `{"IdentityStoreId":"` + storeID + `","UserName":"` + long + `"}`, outcome{
			Code:    "ValidationException",
			Message: "1 validation error detected: Value at 'userName' failed to satisfy constraint: Member must have length less than or equal to 128",
			Kinds:   []awsproto.ViolationKind{awsproto.ViolationMaxLength},
		}},
		{"length counts runes", "CreateUser", `{"IdentityStoreId":"` + storeID + `","UserName":"` + strings.Repeat("é", 128) + `"}`, outcome{}},
		{"min length", "CreateUser", `{"IdentityStoreId":"` + storeID + `","UserName":"ok","DisplayName":""}`, outcome{
			Code: "ValidationException",
			Message: "2 validation errors detected: " +
				"Value at 'displayName' failed to satisfy constraint: Member must have length greater than or equal to 1; " +
				"Value at 'displayName' failed to satisfy constraint: Member must satisfy regular expression pattern: [\\p{L}\\p{M}\\p{S}\\p{N}\\p{P}\\t\\n\\r \u00a0\u3000]+",
			Kinds: []awsproto.ViolationKind{awsproto.ViolationMinLength, awsproto.ViolationPattern},
		}},
		{"integer min", "ListUsers", `{"IdentityStoreId":"` + storeID + `","MaxResults":0}`, outcome{
			Code:    "ValidationException",
			Message: "1 validation error detected: Value '0' at 'maxResults' failed to satisfy constraint: Member must have value greater than or equal to 1",
			Kinds:   []awsproto.ViolationKind{awsproto.ViolationMinValue},
		}},
		{"integer max", "ListUsers", `{"IdentityStoreId":"` + storeID + `","MaxResults":101}`, outcome{
			Code:    "ValidationException",
			Message: "1 validation error detected: Value '101' at 'maxResults' failed to satisfy constraint: Member must have value less than or equal to 100",
			Kinds:   []awsproto.ViolationKind{awsproto.ViolationMaxValue},
		}},
		{"nested list path", "ListUsers", `{"IdentityStoreId":"` + storeID + `","Filters":[{"AttributePath":"1","AttributeValue":"x"}]}`, outcome{
			Code:    "ValidationException",
			Message: "1 validation error detected: Value '1' at 'filters.1.member.attributePath' failed to satisfy constraint: Member must satisfy regular expression pattern: " + attributePathPattern,
			Kinds:   []awsproto.ViolationKind{awsproto.ViolationPattern},
		}},
		{"nested required", "ListUsers", `{"IdentityStoreId":"` + storeID + `","Filters":[{"AttributePath":"UserName"}]}`, outcome{
			Code:    "ValidationException",
			Message: "1 validation error detected: Value null at 'filters.1.member.attributeValue' failed to satisfy constraint: Member must not be null",
			Kinds:   []awsproto.ViolationKind{awsproto.ViolationRequired},
		}},
		{"list max size with sensitive members masked", "ListUsers", `{"IdentityStoreId":"` + storeID + `","Filters":[{"AttributePath":"UserName","AttributeValue":"secret"},{"AttributePath":"UserName","AttributeValue":"secret"}]}`, outcome{
			Code:    "ValidationException",
			Message: "1 validation error detected: Value '[{AttributePath=UserName, AttributeValue=***}, {AttributePath=UserName, AttributeValue=***}]' at 'filters' failed to satisfy constraint: Member must have length less than or equal to 1",
			Kinds:   []awsproto.ViolationKind{awsproto.ViolationMaxLength},
		}},
		{"list min size", "IsMemberInGroups", `{"IdentityStoreId":"` + storeID + `","MemberId":{"UserId":"` + userID + `"},"GroupIds":[]}`, outcome{
			Code:    "ValidationException",
			Message: "1 validation error detected: Value '[]' at 'groupIds' failed to satisfy constraint: Member must have length greater than or equal to 1",
			Kinds:   []awsproto.ViolationKind{awsproto.ViolationMinLength},
		}},
		{"scalar list member", "IsMemberInGroups", `{"IdentityStoreId":"` + storeID + `","MemberId":{"UserId":"` + userID + `"},"GroupIds":["` + userID + `","nope"]}`, outcome{
			Code: "ValidationException",
			Message: "1 validation error detected: Value '[" + userID + ", nope]' at 'groupIds' failed to satisfy constraint: Member must satisfy constraint: " +
				"[Member must have length less than or equal to 47, Member must have length greater than or equal to 1, " +
				"Member must satisfy regular expression pattern: ([0-9a-f]{10}-|)[A-Fa-f0-9]{8}-[A-Fa-f0-9]{4}-[A-Fa-f0-9]{4}-[A-Fa-f0-9]{4}-[A-Fa-f0-9]{12}]",
			Kinds: []awsproto.ViolationKind{awsproto.ViolationListMember},
		}},
		{"union none set", "GetUserId", `{"IdentityStoreId":"` + storeID + `","AlternateIdentifier":{}}`, outcome{
			Code:    "ValidationException",
			Message: "1 validation error detected: Value '{}' at 'alternateIdentifier' failed to satisfy constraint: Member must have exactly one member set",
			Kinds:   []awsproto.ViolationKind{awsproto.ViolationUnion},
		}},
		{"union two set", "GetUserId", `{"IdentityStoreId":"` + storeID + `","AlternateIdentifier":{"ExternalId":{"Issuer":"i","Id":"x"},"UniqueAttribute":{"AttributePath":"UserName","AttributeValue":"bob"}}}`, outcome{
			Code:    "ValidationException",
			Message: "1 validation error detected: Value '{ExternalId={Issuer=***, Id=***}, UniqueAttribute={AttributePath=UserName, AttributeValue=bob}}' at 'alternateIdentifier' failed to satisfy constraint: Member must have exactly one member set",
			Kinds:   []awsproto.ViolationKind{awsproto.ViolationUnion},
		}},
		{"union one set with document", "GetUserId", `{"IdentityStoreId":"` + storeID + `","AlternateIdentifier":{"UniqueAttribute":{"AttributePath":"UserName","AttributeValue":{"any":["json",1,true,null]}}}}`, outcome{}},
		{"map key constraint", "CreateUser", `{"IdentityStoreId":"` + storeID + `","Extensions":{"bad":{}}}`, outcome{
			Code: "ValidationException",
			Message: "1 validation error detected: Value '{bad={}}' at 'extensions' failed to satisfy constraint: Map keys must satisfy constraint: " +
				"[Member must have length less than or equal to 50, Member must have length greater than or equal to 1, Member must satisfy regular expression pattern: aws:identitystore:[a-z]{1,20}]",
			Kinds: []awsproto.ViolationKind{awsproto.ViolationListMember},
		}},
		{"map valid", "CreateUser", `{"IdentityStoreId":"` + storeID + `","Extensions":{"aws:identitystore:enterprise":{"employeeNumber":"1"}}}`, outcome{}},
		{"map min size", "CreateUser", `{"IdentityStoreId":"` + storeID + `","Extensions":{}}`, outcome{
			Code:    "ValidationException",
			Message: "1 validation error detected: Value '{}' at 'extensions' failed to satisfy constraint: Member must have length greater than or equal to 1",
			Kinds:   []awsproto.ViolationKind{awsproto.ViolationMinLength},
		}},
		{"many errors in member order", "CreateGroupMembership", `{"GroupId":"x","MemberId":{"UserId":"y"}}`, outcome{
			Code: "ValidationException",
			Message: "3 validation errors detected: " +
				"Value null at 'identityStoreId' failed to satisfy constraint: Member must not be null; " +
				"Value 'x' at 'groupId' failed to satisfy constraint: Member must satisfy regular expression pattern: ([0-9a-f]{10}-|)[A-Fa-f0-9]{8}-[A-Fa-f0-9]{4}-[A-Fa-f0-9]{4}-[A-Fa-f0-9]{4}-[A-Fa-f0-9]{12}; " +
				"Value 'y' at 'memberId.userId' failed to satisfy constraint: Member must satisfy regular expression pattern: ([0-9a-f]{10}-|)[A-Fa-f0-9]{8}-[A-Fa-f0-9]{4}-[A-Fa-f0-9]{4}-[A-Fa-f0-9]{4}-[A-Fa-f0-9]{12}",
			Kinds: []awsproto.ViolationKind{awsproto.ViolationRequired, awsproto.ViolationPattern, awsproto.ViolationPattern},
		}},

		{"wrong type string", "DescribeUser", `{"IdentityStoreId":5,"UserId":"` + userID + `"}`, outcome{Code: "SerializationException", Message: "Unexpected number at 'identityStoreId', expected string."}},
		{"wrong type structure", "GetUserId", `{"IdentityStoreId":"` + storeID + `","AlternateIdentifier":[]}`, outcome{Code: "SerializationException", Message: "Unexpected list at 'alternateIdentifier', expected structure or map."}},
		{"wrong type list", "ListUsers", `{"IdentityStoreId":"` + storeID + `","Filters":{}}`, outcome{Code: "SerializationException", Message: "Unexpected structure or map at 'filters', expected list."}},
		{"wrong type integer", "ListUsers", `{"IdentityStoreId":"` + storeID + `","MaxResults":"5"}`, outcome{Code: "SerializationException", Message: "Unexpected string at 'maxResults', expected integer."}},
		{"fractional integer", "ListUsers", `{"IdentityStoreId":"` + storeID + `","MaxResults":1.5}`, outcome{Code: "SerializationException", Message: "Value at 'maxResults' is not a valid integer."}},
		{"int32 overflow", "ListUsers", `{"IdentityStoreId":"` + storeID + `","MaxResults":2147483648}`, outcome{Code: "SerializationException", Message: "Value at 'maxResults' is not a valid integer."}},
		{"wrong type list member", "IsMemberInGroups", `{"IdentityStoreId":"` + storeID + `","MemberId":{"UserId":"` + userID + `"},"GroupIds":[1]}`, outcome{Code: "SerializationException", Message: "Unexpected number at 'groupIds', expected string."}},
		{"top level not an object", "DescribeUser", `[]`, outcome{Code: "SerializationException", Message: "The request body must be a JSON object."}},
		{"malformed", "DescribeUser", `{"IdentityStoreId":`, outcome{Code: "SerializationException", Message: "unexpected end of JSON input"}},
		{"malformed token", "DescribeUser", `{"IdentityStoreId" "x"}`, outcome{Code: "SerializationException", Message: "malformed JSON"}},
		{"trailing garbage", "DescribeUser", `{"IdentityStoreId":"` + storeID + `","UserId":"` + userID + `"} x`, outcome{Code: "SerializationException", Message: "unexpected data after the JSON value"}},
		{"two values", "DescribeUser", `{} {}`, outcome{Code: "SerializationException", Message: "unexpected data after the JSON value"}},
		{"duplicate key", "DescribeUser", `{"IdentityStoreId":"` + storeID + `","IdentityStoreId":"d-0000000000","UserId":"` + userID + `"}`, outcome{Code: "SerializationException", Message: `duplicate field "IdentityStoreId"`}},
		{"duplicate nested key", "GetUserId", `{"IdentityStoreId":"` + storeID + `","AlternateIdentifier":{"UniqueAttribute":{"AttributePath":"a","AttributePath":"b","AttributeValue":"x"}}}`, outcome{Code: "SerializationException", Message: `duplicate field "AttributePath"`}},
		{"wrong case key", "DescribeUser", `{"identityStoreId":"` + storeID + `","UserId":"` + userID + `"}`, outcome{Code: "SerializationException", Message: `Unrecognized field "identityStoreId" at 'input' (did you mean "IdentityStoreId"?).`}},
		{"wrong case key beside the right one", "DescribeUser", `{"IdentityStoreId":"` + storeID + `","IDENTITYSTOREID":"x","UserId":"` + userID + `"}`, outcome{Code: "SerializationException", Message: `Unrecognized field "IDENTITYSTOREID" at 'input' (did you mean "IdentityStoreId"?).`}},
		{"unicode case folding key", "DescribeUser", `{"IdentityStoreId":"` + storeID + `","UserId":"` + userID + `","Extenſions":["aws:identitystore:enterprise"]}`, outcome{Code: "SerializationException", Message: `Unrecognized field "Extenſions" at 'input' (did you mean "Extensions"?).`}},
		{"wrong case nested key", "ListUsers", `{"IdentityStoreId":"` + storeID + `","Filters":[{"attributePath":"UserName","AttributeValue":"x"}]}`, outcome{Code: "SerializationException", Message: `Unrecognized field "attributePath" at 'filters.1.member' (did you mean "AttributePath"?).`}},
		{"unknown operation", "Nope", `{}`, outcome{Code: "UnknownOperationException"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got := validate(t, svc, tt.op, tt.body)
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("ValidateInput(%s, %s) mismatch (-want +got):\n%s", tt.op, tt.body, diff)
			}
		})
	}
}

func TestValidateInputOrganizations(t *testing.T) {
	t.Parallel()
	svc := organizations.Model()
	tagKeyPattern := `^([\p{L}\p{Z}\p{N}_.:/=+\-@]*)$`
	tests := []struct {
		name, op, body string
		want           outcome
	}{
		{"no input shape, empty body", "DescribeOrganization", ``, outcome{}},
		{"no input shape, members ignored", "DescribeOrganization", `{"x":1}`, outcome{}},
		{"no input shape, malformed", "DescribeOrganization", `{`, outcome{Code: "SerializationException", Message: "unexpected end of JSON input"}},
		{"account id pattern", "DescribeAccount", `{"AccountId":"12345"}`, outcome{
			Code:    "ValidationException",
			Message: `1 validation error detected: Value '12345' at 'accountId' failed to satisfy constraint: Member must satisfy regular expression pattern: ^\d{12}$`,
			Kinds:   []awsproto.ViolationKind{awsproto.ViolationPattern},
		}},
		{"enum", "ListPolicies", `{"Filter":"NOPE"}`, outcome{
			Code: "ValidationException",
			Message: "1 validation error detected: Value 'NOPE' at 'filter' failed to satisfy constraint: Member must satisfy enum value set: [" +
				strings.Join(svc.Shapes["PolicyType"].Enum, ", ") + "]",
			Kinds: []awsproto.ViolationKind{awsproto.ViolationEnum},
		}},
		{"enum valid", "ListPolicies", `{"Filter":"SERVICE_CONTROL_POLICY"}`, outcome{}},
		{"sensitive email", "CreateAccount", `{"Email":"a@b","AccountName":"acct"}`, outcome{
			Code: "ValidationException",
			Message: "2 validation errors detected: " +
				"Value at 'email' failed to satisfy constraint: Member must have length greater than or equal to 6; " +
				`Value at 'email' failed to satisfy constraint: Member must satisfy regular expression pattern: [^\s@]+@[^\s@]+\.[^\s@]+`,
			Kinds: []awsproto.ViolationKind{awsproto.ViolationMinLength, awsproto.ViolationPattern},
		}},
		{"java unicode escapes", "CreateAccount", `{"Email":"someone@example.com","AccountName":"caf\u00e9"}`, outcome{
			Code:    "ValidationException",
			Message: `1 validation error detected: Value at 'accountName' failed to satisfy constraint: Member must satisfy regular expression pattern: [\u0020-\u007E]+`,
			Kinds:   []awsproto.ViolationKind{awsproto.ViolationPattern},
		}},
		{"java unicode escapes valid", "CreateAccount", `{"Email":"someone@example.com","AccountName":"Prod account ~1"}`, outcome{}},
		{"scalar list too long member", "UntagResource", `{"ResourceId":"123456789012","TagKeys":["` + strings.Repeat("k", 129) + `"]}`, outcome{
			Code: "ValidationException",
			Message: "1 validation error detected: Value '[" + strings.Repeat("k", 129) + "]' at 'tagKeys' failed to satisfy constraint: Member must satisfy constraint: " +
				"[Member must have length less than or equal to 128, Member must have length greater than or equal to 1, Member must satisfy regular expression pattern: " + tagKeyPattern + "]",
			Kinds: []awsproto.ViolationKind{awsproto.ViolationListMember},
		}},
		{"null list member", "UntagResource", `{"ResourceId":"123456789012","TagKeys":[null]}`, outcome{
			Code: "ValidationException",
			Message: "1 validation error detected: Value '[null]' at 'tagKeys' failed to satisfy constraint: Member must satisfy constraint: " +
				"[Member must have length less than or equal to 128, Member must have length greater than or equal to 1, Member must satisfy regular expression pattern: " + tagKeyPattern + "]",
			Kinds: []awsproto.ViolationKind{awsproto.ViolationListMember},
		}},
		{"nested list of structures", "TagResource", `{"ResourceId":"123456789012","Tags":[{"Key":"a","Value":"b"},{"Key":"c"}]}`, outcome{
			Code:    "ValidationException",
			Message: "1 validation error detected: Value null at 'tags.2.member.value' failed to satisfy constraint: Member must not be null",
			Kinds:   []awsproto.ViolationKind{awsproto.ViolationRequired},
		}},
		{"boolean type", "CreateAccount", `{"Email":"someone@example.com","AccountName":"a","IamUserAccessToBilling":true}`, outcome{Code: "SerializationException", Message: "Unexpected boolean at 'iamUserAccessToBilling', expected string."}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got := validate(t, svc, tt.op, tt.body)
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("ValidateInput(%s, %s) mismatch (-want +got):\n%s", tt.op, tt.body, diff)
			}
		})
	}
}

// TestPatternsCompile lists the model patterns RE2 cannot compile; they are
// skipped at validation. A new entry means a new botocore pattern needs a
// look.
func TestPatternsCompile(t *testing.T) {
	t.Parallel()
	var got []string
	for _, svc := range []*awsproto.Service{identitystore.Model(), organizations.Model(), ssoadmin.Model()} {
		for name, sh := range svc.Shapes {
			if sh.PatternError() != nil {
				got = append(got, svc.Name+"/"+name)
			}
		}
	}
	want := []string{"sso-admin/Duration"}
	if diff := cmp.Diff(want, got, cmpSortStrings()); diff != "" {
		t.Errorf("uncompilable patterns (-want +got):\n%s", diff)
	}
}
