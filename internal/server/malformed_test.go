package server_test

import (
	"errors"
	"net/http"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/identitystore"
	istypes "github.com/aws/aws-sdk-go-v2/service/identitystore/types"
	"github.com/aws/aws-sdk-go-v2/service/ssoadmin"
	"github.com/aws/smithy-go"

	"github.com/idcenter/idcenter/internal/testenv"
)

// TestMalformedJSONBodies (SECURITY.md TK-17, for the JSON 1.1 services
// that share awsproto's parser with sso-oidc): identitystore CreateUser and
// sso-admin CreatePermissionSet bodies with a duplicate key, a key in other
// cases, trailing data, nesting 1000 deep or 10 MB are refused with
// SerializationException (400; 413 for the oversized body), signed
// correctly and read through the SDK's error deserializer, and create
// nothing.
func TestMalformedJSONBodies(t *testing.T) {
	testenv.Backends(t, func(t *testing.T, env *testenv.Env) {
		ctx := t.Context()
		store := `"IdentityStoreId":"` + env.IdentityStoreID + `"`
		instance := `"InstanceArn":"` + env.InstanceARN + `"`
		mutations := func(head, key, value, tail string) map[string]string {
			return map[string]string{
				"duplicate key":  "{" + head + `,"` + key + `":` + value + `,"` + key + `":"mallory"` + tail + "}",
				"upper case key": "{" + head + `,"` + strings.ToUpper(key) + `":` + value + tail + "}",
				"lower case key": "{" + head + `,"` + strings.ToLower(key[:1]) + key[1:] + `":` + value + tail + "}",
				"trailing data":  "{" + head + `,"` + key + `":` + value + tail + "} garbage",
				"depth 1000":     "{" + head + `,"` + key + `":` + strings.Repeat("[", 1000) + strings.Repeat("]", 1000) + tail + "}",
				"10 MB body":     "{" + head + `,"` + key + `":"` + strings.Repeat("a", 10<<20) + `"` + tail + "}",
			}
		}
		check := func(op, name string, err error) {
			t.Helper()
			var ae smithy.APIError
			var re interface{ HTTPStatusCode() int }
			want := http.StatusBadRequest
			if name == "10 MB body" {
				want = http.StatusRequestEntityTooLarge
			}
			if !errors.As(err, &ae) || ae.ErrorCode() != "SerializationException" || !errors.As(err, &re) || re.HTTPStatusCode() != want {
				t.Errorf("%s(%s) = %v, want %d SerializationException", op, name, err, want)
			}
		}
		is, sa := env.IdentityStore(), env.SSOAdmin()
		for name, body := range mutations(store, "UserName", `"alice"`, `,"DisplayName":"A","Name":{"GivenName":"A","FamilyName":"B"}`) {
			_, err := is.CreateUser(ctx, &identitystore.CreateUserInput{IdentityStoreId: aws.String(env.IdentityStoreID), UserName: aws.String("alice"),
				DisplayName: aws.String("A"), Name: &istypes.Name{GivenName: aws.String("A"), FamilyName: aws.String("B")}},
				func(o *identitystore.Options) { o.APIOptions = append(o.APIOptions, testenv.ReplaceBody([]byte(body))) })
			check("CreateUser", name, err)
		}
		for name, body := range mutations(instance, "Name", `"ps"`, "") {
			_, err := sa.CreatePermissionSet(ctx, &ssoadmin.CreatePermissionSetInput{InstanceArn: aws.String(env.InstanceARN), Name: aws.String("ps")},
				func(o *ssoadmin.Options) { o.APIOptions = append(o.APIOptions, testenv.ReplaceBody([]byte(body))) })
			check("CreatePermissionSet", name, err)
		}
		users, err := is.ListUsers(ctx, &identitystore.ListUsersInput{IdentityStoreId: aws.String(env.IdentityStoreID)})
		if err != nil {
			t.Fatalf("ListUsers: %v", err)
		}
		if len(users.Users) != 0 {
			t.Errorf("ListUsers = %d users, want none", len(users.Users))
		}
		sets, err := sa.ListPermissionSets(ctx, &ssoadmin.ListPermissionSetsInput{InstanceArn: aws.String(env.InstanceARN)})
		if err != nil {
			t.Fatalf("ListPermissionSets: %v", err)
		}
		if len(sets.PermissionSets) != 0 {
			t.Errorf("ListPermissionSets = %v, want none", sets.PermissionSets)
		}
	})
}
