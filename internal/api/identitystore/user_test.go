package identitystore_test

import (
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/identitystore"
	"github.com/aws/aws-sdk-go-v2/service/identitystore/document"
	"github.com/aws/aws-sdk-go-v2/service/identitystore/types"
	"github.com/google/go-cmp/cmp"

	"github.com/idcenter/idcenter/internal/directory"
	"github.com/idcenter/idcenter/internal/idc"
	"github.com/idcenter/idcenter/internal/store"
	"github.com/idcenter/idcenter/internal/testenv"
)

func TestUserLifecycle(t *testing.T) {
	testenv.Backends(t, func(t *testing.T, env *testenv.Env) {
		f := newFixture(t, env)
		start := time.Now().Add(-time.Second)
		in := userInput(f.id, "Jane.Doe")
		in.Name = &types.Name{
			GivenName: aws.String("Jane"), FamilyName: aws.String("Doe"), MiddleName: aws.String("Q"),
			Formatted: aws.String("Dr. Jane Q Doe"), HonorificPrefix: aws.String("Dr."), HonorificSuffix: aws.String("PhD"),
		}
		in.DisplayName = aws.String("Jane Doe")
		in.NickName = aws.String("JD")
		in.ProfileUrl = aws.String("https://example.com/jane")
		in.Addresses = []types.Address{{StreetAddress: aws.String("1 Main St"), Locality: aws.String("Town"), Region: aws.String("WA"),
			PostalCode: aws.String("98101"), Country: aws.String("US"), Formatted: aws.String("1 Main St, Town"), Type: aws.String("work"), Primary: true}}
		in.PhoneNumbers = []types.PhoneNumber{{Value: aws.String("+1 555 0100"), Type: aws.String("mobile"), Primary: true}}
		in.UserType = aws.String("Employee")
		in.Title = aws.String("Engineer")
		in.PreferredLanguage = aws.String("en-US")
		in.Locale = aws.String("en_US")
		in.Timezone = aws.String("America/Los_Angeles")
		in.Photos = []types.Photo{{Value: aws.String("https://example.com/1.png"), Type: aws.String("photo"), Display: aws.String("me"), Primary: true},
			{Value: aws.String("https://example.com/2.png")}}
		in.Website = aws.String("https://jane.example")
		in.Birthdate = aws.String("1990-01-02")
		in.Roles = []types.Role{{Value: aws.String("dev"), Type: aws.String("job"), Primary: true}}
		in.Extensions = map[string]document.Interface{"aws:identitystore:enterprise": doc(map[string]any{
			"employeeNumber": "701", "costCenter": "CC1", "organization": "Org", "division": "Div", "department": "Dept",
			"manager": map[string]any{"value": "boss"},
		})}
		id := f.createUser(in)
		if !strings.HasPrefix(id, strings.TrimPrefix(f.id, "d-")+"-") {
			t.Errorf("UserId = %q, want the identity store's prefix", id)
		}

		got := f.describeUser(id)
		if aws.ToString(got.UserId) != id || aws.ToString(got.IdentityStoreId) != f.id || aws.ToString(got.UserName) != "Jane.Doe" {
			t.Errorf("DescribeUser ids = %q %q %q", aws.ToString(got.UserId), aws.ToString(got.IdentityStoreId), aws.ToString(got.UserName))
		}
		if got.UserStatus != types.UserStatusEnabled {
			t.Errorf("UserStatus = %q, want ENABLED", got.UserStatus)
		}
		for _, c := range []struct {
			name      string
			got, want any
		}{
			{"Name", got.Name, in.Name}, {"DisplayName", got.DisplayName, in.DisplayName}, {"NickName", got.NickName, in.NickName},
			{"ProfileUrl", got.ProfileUrl, in.ProfileUrl}, {"Emails", got.Emails, in.Emails}, {"Addresses", got.Addresses, in.Addresses},
			{"PhoneNumbers", got.PhoneNumbers, in.PhoneNumbers}, {"UserType", got.UserType, in.UserType}, {"Title", got.Title, in.Title},
			{"PreferredLanguage", got.PreferredLanguage, in.PreferredLanguage}, {"Locale", got.Locale, in.Locale},
			{"Timezone", got.Timezone, in.Timezone}, {"Photos", got.Photos, in.Photos}, {"Website", got.Website, in.Website},
			{"Birthdate", got.Birthdate, in.Birthdate}, {"Roles", got.Roles, in.Roles},
		} {
			if d := cmp.Diff(c.want, c.got, exportAll); d != "" {
				t.Errorf("DescribeUser %s diff (-want +got):\n%s", c.name, d)
			}
		}
		wantExt := map[string]any{"employeeNumber": "701", "costCenter": "CC1", "organization": "Org", "division": "Div", "department": "Dept",
			"manager": map[string]any{"value": "boss"}}
		if d := cmp.Diff(wantExt, docValue(t, got.Extensions["aws:identitystore:enterprise"])); d != "" {
			t.Errorf("enterprise extension diff (-want +got):\n%s", d)
		}
		if got.CreatedAt == nil || got.CreatedAt.Before(start) || got.CreatedAt.After(time.Now().Add(time.Second)) || !got.UpdatedAt.Equal(*got.CreatedAt) {
			t.Errorf("CreatedAt, UpdatedAt = %v, %v; want now, equal", got.CreatedAt, got.UpdatedAt)
		}
		if aws.ToString(got.CreatedBy) == "" || aws.ToString(got.CreatedBy) != aws.ToString(got.UpdatedBy) {
			t.Errorf("CreatedBy, UpdatedBy = %q, %q; want the caller", aws.ToString(got.CreatedBy), aws.ToString(got.UpdatedBy))
		}

		// Extensions are returned only when asked for.
		plain, err := f.c.DescribeUser(f.ctx, &identitystore.DescribeUserInput{IdentityStoreId: aws.String(f.id), UserId: aws.String(id)})
		if err != nil {
			t.Fatalf("DescribeUser: %v", err)
		}
		if plain.Extensions != nil {
			t.Errorf("DescribeUser without Extensions returned %v", plain.Extensions)
		}
		list, err := f.c.ListUsers(f.ctx, &identitystore.ListUsersInput{IdentityStoreId: aws.String(f.id)})
		if err != nil || len(list.Users) != 1 || list.Users[0].Extensions != nil || list.NextToken != nil {
			t.Errorf("ListUsers = %+v, %v; want the user without extensions, no token", list, err)
		}

		// Lookups: GetUserId by user name (any case), by primary email, and
		// the deprecated filter.
		for _, ua := range []types.UniqueAttribute{
			{AttributePath: aws.String("userName"), AttributeValue: doc("jane.DOE")},
			{AttributePath: aws.String("emails.value"), AttributeValue: doc("JANE.doe@example.com")},
		} {
			out, err := f.c.GetUserId(f.ctx, &identitystore.GetUserIdInput{IdentityStoreId: aws.String(f.id),
				AlternateIdentifier: &types.AlternateIdentifierMemberUniqueAttribute{Value: ua}})
			if err != nil || aws.ToString(out.UserId) != id {
				t.Errorf("GetUserId(%s) = %v, %v; want %s", aws.ToString(ua.AttributePath), out, err, id)
			}
		}
		filtered, err := f.c.ListUsers(f.ctx, &identitystore.ListUsersInput{IdentityStoreId: aws.String(f.id),
			Filters: []types.Filter{{AttributePath: aws.String("UserName"), AttributeValue: aws.String("JANE.DOE")}}})
		if err != nil || len(filtered.Users) != 1 || aws.ToString(filtered.Users[0].UserId) != id {
			t.Errorf("ListUsers(filter UserName) = %+v, %v", filtered, err)
		}
		filtered, err = f.c.ListUsers(f.ctx, &identitystore.ListUsersInput{IdentityStoreId: aws.String(f.id),
			Filters: []types.Filter{{AttributePath: aws.String("UserName"), AttributeValue: aws.String("nobody")}}})
		if err != nil || len(filtered.Users) != 0 {
			t.Errorf("ListUsers(filter no match) = %+v, %v; want no users", filtered, err)
		}

		if _, err := f.c.DeleteUser(f.ctx, &identitystore.DeleteUserInput{IdentityStoreId: aws.String(f.id), UserId: aws.String(id)}); err != nil {
			t.Fatalf("DeleteUser: %v", err)
		}
		_, err = f.c.DescribeUser(f.ctx, &identitystore.DescribeUserInput{IdentityStoreId: aws.String(f.id), UserId: aws.String(id)})
		wantNotFound(t, "DescribeUser(deleted)", err, types.ResourceTypeUser)
		_, err = f.c.DeleteUser(f.ctx, &identitystore.DeleteUserInput{IdentityStoreId: aws.String(f.id), UserId: aws.String(id)})
		wantNotFound(t, "DeleteUser(deleted)", err, types.ResourceTypeUser)
		// The name is free again.
		f.user("jane.doe")
	})
}

func TestCreateUserErrors(t *testing.T) {
	testenv.Backends(t, func(t *testing.T, env *testenv.Env) {
		f := newFixture(t, env)
		f.user("taken")
		tests := []struct {
			name  string
			edit  func(in *identitystore.CreateUserInput)
			check func(t *testing.T, err error)
		}{
			{"unknownIdentityStore", func(in *identitystore.CreateUserInput) { in.IdentityStoreId = aws.String(unknownStore) },
				func(t *testing.T, err error) {
					wantNotFound(t, "CreateUser", err, types.ResourceTypeIdentityStore)
				}},
			{"duplicateNameOtherCase", func(in *identitystore.CreateUserInput) { in.UserName = aws.String("TAKEN") },
				func(t *testing.T, err error) {
					e := wantErr[*types.ConflictException](t, "CreateUser", err)
					if e.Reason != types.ConflictExceptionReasonUniquenessConstraintViolation {
						t.Errorf("Reason = %q, want UNIQUENESS_CONSTRAINT_VIOLATION", e.Reason)
					}
				}},
			{"missingUserName", func(in *identitystore.CreateUserInput) { in.UserName = nil }, validation},
			{"missingDisplayName", func(in *identitystore.CreateUserInput) { in.DisplayName = nil }, validation},
			{"missingName", func(in *identitystore.CreateUserInput) { in.Name = nil }, validation},
			{"missingGivenName", func(in *identitystore.CreateUserInput) { in.Name.GivenName = nil }, validation},
			{"missingFamilyName", func(in *identitystore.CreateUserInput) { in.Name.FamilyName = nil }, validation},
			{"reservedAdministrator", func(in *identitystore.CreateUserInput) { in.UserName = aws.String("administrator") }, validation},
			{"reservedAWSAdministrators", func(in *identitystore.CreateUserInput) { in.UserName = aws.String("AWSAdministrators") }, validation},
			{"twoPrimaryPhotos", func(in *identitystore.CreateUserInput) {
				in.Photos = []types.Photo{{Value: aws.String("a"), Primary: true}, {Value: aws.String("b"), Primary: true}}
			}, validation},
			{"unsupportedExtension", func(in *identitystore.CreateUserInput) {
				in.Extensions = map[string]document.Interface{"aws:identitystore:custom": doc(map[string]any{"a": "b"})}
			}, validation},
			{"unknownEnterpriseAttribute", func(in *identitystore.CreateUserInput) {
				in.Extensions = map[string]document.Interface{"aws:identitystore:enterprise": doc(map[string]any{"shoeSize": "44"})}
			}, validation},
			{"enterpriseNotAnObject", func(in *identitystore.CreateUserInput) {
				in.Extensions = map[string]document.Interface{"aws:identitystore:enterprise": doc("x")}
			}, validation},
			{"modelUserNameTooLong", func(in *identitystore.CreateUserInput) { in.UserName = aws.String(strings.Repeat("x", 129)) }, validation},
			{"modelTwoEmails", func(in *identitystore.CreateUserInput) {
				in.Emails = append(in.Emails, types.Email{Value: aws.String("second@example.com")})
			}, validation},
		}
		for _, tc := range tests {
			t.Run(tc.name, func(t *testing.T) {
				f := newFixture(t, env)
				before := f.state()
				in := userInput(f.id, "newcomer")
				tc.edit(in)
				_, err := f.c.CreateUser(f.ctx, in)
				tc.check(t, err)
				f.unchanged("CreateUser("+tc.name+")", before)
			})
		}
	})
}

func validation(t *testing.T, err error) {
	t.Helper()
	wantErr[*types.ValidationException](t, "call", err)
}

func TestUpdateUser(t *testing.T) {
	testenv.Backends(t, func(t *testing.T, env *testenv.Env) {
		f := newFixture(t, env)
		f.user("other")
		id := f.user("subject")
		op := func(path string, v any) types.AttributeOperation {
			o := types.AttributeOperation{AttributePath: aws.String(path)}
			if v != nil {
				o.AttributeValue = doc(v)
			}
			return o
		}

		t.Run("applies", func(t *testing.T) {
			before := f.describeUser(id)
			_, err := f.c.UpdateUser(f.ctx, &identitystore.UpdateUserInput{IdentityStoreId: aws.String(f.id), UserId: aws.String(id),
				Operations: []types.AttributeOperation{
					op("displayName", "New Display"),
					op("name.givenName", "Newgiven"),
					op("title", "Boss"),
					op("nickName", "Nick"),
					op("nickName", nil), // later operations win
					op("emails", []any{map[string]any{"value": "NEW@example.com", "type": "home", "primary": true}}),
					op("addresses", []any{map[string]any{"Locality": "Paris", "Country": "FR"}}),
					op("aws:identitystore:enterprise.costCenter", "CC9"),
					op("aws:identitystore:enterprise.manager.value", "mgr"),
					op("userName", "Subject2"),
				}})
			if err != nil {
				t.Fatalf("UpdateUser: %v", err)
			}
			got := f.describeUser(id)
			if aws.ToString(got.DisplayName) != "New Display" || aws.ToString(got.Name.GivenName) != "Newgiven" ||
				aws.ToString(got.Name.FamilyName) != "Family subject" || aws.ToString(got.Title) != "Boss" || got.NickName != nil ||
				aws.ToString(got.UserName) != "Subject2" {
				t.Errorf("after UpdateUser: %+v", got)
			}
			wantEmails := []types.Email{{Value: aws.String("NEW@example.com"), Type: aws.String("home"), Primary: true}}
			if d := cmp.Diff(wantEmails, got.Emails, exportAll); d != "" {
				t.Errorf("Emails diff:\n%s", d)
			}
			if len(got.Addresses) != 1 || aws.ToString(got.Addresses[0].Locality) != "Paris" || aws.ToString(got.Addresses[0].Country) != "FR" {
				t.Errorf("Addresses = %+v", got.Addresses)
			}
			wantExt := map[string]any{"costCenter": "CC9", "manager": map[string]any{"value": "mgr"}}
			if d := cmp.Diff(wantExt, docValue(t, got.Extensions["aws:identitystore:enterprise"])); d != "" {
				t.Errorf("extension diff:\n%s", d)
			}
			if !got.CreatedAt.Equal(*before.CreatedAt) || got.UpdatedAt.Before(*before.UpdatedAt) {
				t.Errorf("CreatedAt %v -> %v, UpdatedAt %v -> %v", before.CreatedAt, got.CreatedAt, before.UpdatedAt, got.UpdatedAt)
			}
			out, err := f.c.GetUserId(f.ctx, &identitystore.GetUserIdInput{IdentityStoreId: aws.String(f.id),
				AlternateIdentifier: &types.AlternateIdentifierMemberUniqueAttribute{Value: types.UniqueAttribute{
					AttributePath: aws.String("emails.value"), AttributeValue: doc("new@EXAMPLE.com")}}})
			if err != nil || aws.ToString(out.UserId) != id {
				t.Errorf("GetUserId(new email) = %v, %v", out, err)
			}
			// Removing the whole extension.
			if _, err := f.c.UpdateUser(f.ctx, &identitystore.UpdateUserInput{IdentityStoreId: aws.String(f.id), UserId: aws.String(id),
				Operations: []types.AttributeOperation{op("aws:identitystore:enterprise", nil), op("addresses", nil)}}); err != nil {
				t.Fatalf("UpdateUser(remove extension): %v", err)
			}
			if got := f.describeUser(id); got.Extensions != nil || got.Addresses != nil {
				t.Errorf("after removal: Extensions %v, Addresses %v", got.Extensions, got.Addresses)
			}
		})

		good := op("title", "Changed")
		tests := []struct {
			name   string
			store  string
			userID string
			ops    []types.AttributeOperation
			check  func(t *testing.T, err error)
		}{
			{"unknownPath", "", "", []types.AttributeOperation{good, op("shoeSize", "44")}, validation},
			{"readOnlyPath", "", "", []types.AttributeOperation{good, op("userId", "x")}, validation},
			{"removeUserName", "", "", []types.AttributeOperation{good, op("userName", nil)}, validation},
			{"removeDisplayName", "", "", []types.AttributeOperation{good, op("displayName", nil)}, validation},
			{"removeFamilyName", "", "", []types.AttributeOperation{good, op("name.familyName", nil)}, validation},
			{"removeName", "", "", []types.AttributeOperation{good, op("name", nil)}, validation},
			{"nameWithoutGivenName", "", "", []types.AttributeOperation{good, op("name", map[string]any{"familyName": "X"})}, validation},
			{"wrongType", "", "", []types.AttributeOperation{good, op("title", 42)}, validation},
			{"emptyString", "", "", []types.AttributeOperation{good, op("title", "")}, validation},
			{"tooLong", "", "", []types.AttributeOperation{good, op("title", strings.Repeat("t", 1025))}, validation},
			{"badCharacters", "", "", []types.AttributeOperation{good, op("title", "\x00")}, validation},
			{"emailsNotAList", "", "", []types.AttributeOperation{good, op("emails", map[string]any{"value": "a@b"})}, validation},
			{"twoEmails", "", "", []types.AttributeOperation{good, op("emails", []any{map[string]any{"value": "a@b"}, map[string]any{"value": "c@d"}})}, validation},
			{"unknownEmailMember", "", "", []types.AttributeOperation{good, op("emails", []any{map[string]any{"value": "a@b", "weird": 1}})}, validation},
			{"twoPrimaryPhotos", "", "", []types.AttributeOperation{good, op("photos", []any{map[string]any{"value": "a", "primary": true}, map[string]any{"value": "b", "primary": true}})}, validation},
			{"reservedUserName", "", "", []types.AttributeOperation{good, op("userName", "Administrator")}, validation},
			{"unknownExtension", "", "", []types.AttributeOperation{good, op("aws:identitystore:custom", map[string]any{"a": "b"})}, validation},
			{"unknownEnterpriseAttribute", "", "", []types.AttributeOperation{good, op("aws:identitystore:enterprise.shoeSize", "44")}, validation},
			{"duplicateUserName", "", "", []types.AttributeOperation{good, op("userName", "OTHER")}, func(t *testing.T, err error) {
				e := wantErr[*types.ConflictException](t, "UpdateUser", err)
				if e.Reason != types.ConflictExceptionReasonUniquenessConstraintViolation {
					t.Errorf("Reason = %q", e.Reason)
				}
			}},
			{"unknownUser", "", "12345678-1234-1234-1234-123456789012", []types.AttributeOperation{good}, func(t *testing.T, err error) {
				wantNotFound(t, "UpdateUser", err, types.ResourceTypeUser)
			}},
			{"unknownIdentityStore", unknownStore, "", []types.AttributeOperation{good}, func(t *testing.T, err error) {
				wantNotFound(t, "UpdateUser", err, types.ResourceTypeIdentityStore)
			}},
		}
		for _, tc := range tests {
			t.Run(tc.name, func(t *testing.T) {
				before := f.state()
				st, uid := f.id, id
				if tc.store != "" {
					st = tc.store
				}
				if tc.userID != "" {
					uid = tc.userID
				}
				_, err := f.c.UpdateUser(f.ctx, &identitystore.UpdateUserInput{IdentityStoreId: aws.String(st), UserId: aws.String(uid), Operations: tc.ops})
				tc.check(t, err)
				f.unchanged("UpdateUser("+tc.name+")", before)
			})
		}
	})
}

func TestGetUserIdErrors(t *testing.T) {
	testenv.Backends(t, func(t *testing.T, env *testenv.Env) {
		f := newFixture(t, env)
		f.user("known")
		unique := func(path string, v any) types.AlternateIdentifier {
			return &types.AlternateIdentifierMemberUniqueAttribute{Value: types.UniqueAttribute{AttributePath: aws.String(path), AttributeValue: doc(v)}}
		}
		tests := []struct {
			name  string
			store string
			alt   types.AlternateIdentifier
			check func(t *testing.T, err error)
		}{
			{"unsupportedPath", f.id, unique("displayName", "known"), validation},
			{"notAString", f.id, unique("userName", 7), validation},
			{"unknownName", f.id, unique("userName", "unknown"), func(t *testing.T, err error) {
				wantNotFound(t, "GetUserId", err, types.ResourceTypeUser)
			}},
			{"unknownEmail", f.id, unique("emails.value", "unknown@example.com"), func(t *testing.T, err error) {
				wantNotFound(t, "GetUserId", err, types.ResourceTypeUser)
			}},
			{"unknownExternalId", f.id, &types.AlternateIdentifierMemberExternalId{Value: types.ExternalId{Issuer: aws.String("okta"), Id: aws.String("1")}},
				func(t *testing.T, err error) { wantNotFound(t, "GetUserId", err, types.ResourceTypeUser) }},
			{"unknownIdentityStore", unknownStore, unique("userName", "known"), func(t *testing.T, err error) {
				wantNotFound(t, "GetUserId", err, types.ResourceTypeIdentityStore)
			}},
		}
		for _, tc := range tests {
			t.Run(tc.name, func(t *testing.T) {
				_, err := f.c.GetUserId(f.ctx, &identitystore.GetUserIdInput{IdentityStoreId: aws.String(tc.store), AlternateIdentifier: tc.alt})
				tc.check(t, err)
			})
		}
	})
}

func TestListUsersPagination(t *testing.T) {
	testenv.Backends(t, func(t *testing.T, env *testenv.Env) {
		f := newFixture(t, env)
		const n = 23
		var want []string
		for i := range n {
			want = append(want, f.user(fmt.Sprintf("page%02d", i)))
		}
		slices.Sort(want)
		for _, size := range []int32{1, 7, 100} {
			var got []string
			pages := 0
			p := identitystore.NewListUsersPaginator(f.c, &identitystore.ListUsersInput{IdentityStoreId: aws.String(f.id), MaxResults: aws.Int32(size)})
			for p.HasMorePages() {
				page, err := p.NextPage(f.ctx)
				if err != nil {
					t.Fatalf("ListUsers(MaxResults %d): %v", size, err)
				}
				if len(page.Users) > int(size) {
					t.Fatalf("ListUsers(MaxResults %d) returned %d users", size, len(page.Users))
				}
				pages++
				for _, u := range page.Users {
					got = append(got, aws.ToString(u.UserId))
				}
			}
			if d := cmp.Diff(want, got); d != "" {
				t.Errorf("ListUsers(MaxResults %d) ids diff (-want +got):\n%s", size, d)
			}
			if wantPages := (n + int(size) - 1) / int(size); pages != wantPages {
				t.Errorf("ListUsers(MaxResults %d) took %d pages, want %d", size, pages, wantPages)
			}
		}

		first, err := f.c.ListUsers(f.ctx, &identitystore.ListUsersInput{IdentityStoreId: aws.String(f.id), MaxResults: aws.Int32(2)})
		if err != nil || first.NextToken == nil {
			t.Fatalf("ListUsers = %v, %v; want a NextToken", first, err)
		}
		other := f.otherStore()
		tests := []struct {
			name string
			call func() error
		}{
			{"garbage", func() error {
				_, err := f.c.ListUsers(f.ctx, &identitystore.ListUsersInput{IdentityStoreId: aws.String(f.id), NextToken: aws.String("garbage")})
				return err
			}},
			{"tampered", func() error {
				tok := []byte(*first.NextToken)
				tok[0] ^= 1
				if tok[0] == '+' || tok[0] == '/' {
					tok[0] = 'A'
				}
				_, err := f.c.ListUsers(f.ctx, &identitystore.ListUsersInput{IdentityStoreId: aws.String(f.id), NextToken: aws.String(string(tok))})
				return err
			}},
			{"otherIdentityStore", func() error {
				_, err := f.c.ListUsers(f.ctx, &identitystore.ListUsersInput{IdentityStoreId: aws.String(other), NextToken: first.NextToken})
				return err
			}},
			{"otherOperation", func() error {
				_, err := f.c.ListGroups(f.ctx, &identitystore.ListGroupsInput{IdentityStoreId: aws.String(f.id), NextToken: first.NextToken})
				return err
			}},
		}
		for _, tc := range tests {
			t.Run(tc.name, func(t *testing.T) {
				wantErr[*types.ValidationException](t, "ListUsers("+tc.name+" token)", tc.call())
			})
		}
		// An unsupported filter or extension is refused.
		_, err = f.c.ListUsers(f.ctx, &identitystore.ListUsersInput{IdentityStoreId: aws.String(f.id),
			Filters: []types.Filter{{AttributePath: aws.String("Title"), AttributeValue: aws.String("x")}}})
		wantErr[*types.ValidationException](t, "ListUsers(filter Title)", err)
		_, err = f.c.ListUsers(f.ctx, &identitystore.ListUsersInput{IdentityStoreId: aws.String(f.id), Extensions: []string{"aws:identitystore:other"}})
		wantErr[*types.ValidationException](t, "ListUsers(extension other)", err)
		_, err = f.c.ListUsers(f.ctx, &identitystore.ListUsersInput{IdentityStoreId: aws.String(unknownStore)})
		wantNotFound(t, "ListUsers(unknown store)", err, types.ResourceTypeIdentityStore)
		// The other store is empty and its own.
		out, err := f.c.ListUsers(f.ctx, &identitystore.ListUsersInput{IdentityStoreId: aws.String(other)})
		if err != nil || len(out.Users) != 0 {
			t.Errorf("ListUsers(other store) = %v, %v; want empty", out, err)
		}
		_, err = f.c.DescribeUser(f.ctx, &identitystore.DescribeUserInput{IdentityStoreId: aws.String(other), UserId: aws.String(want[0])})
		wantNotFound(t, "DescribeUser(user of another store)", err, types.ResourceTypeUser)
	})
}

func TestListUsersDefaultPageSize(t *testing.T) {
	testenv.Backends(t, func(t *testing.T, env *testenv.Env) {
		f := newFixture(t, env)
		const n = directory.DefaultPageSize + 1
		// Bulk-load through the store: the API is not what is under test here.
		now := time.UnixMilli(time.Now().UnixMilli()).UTC()
		if err := env.Store.Tx(f.ctx, func(q store.Queries) error {
			for i := range n {
				name := fmt.Sprintf("bulk%03d", i)
				u := &idc.User{IdentityStoreID: f.id, UserID: idc.NewResourceID(f.id), UserName: name, Status: idc.UserEnabled,
					Attrs:     idc.UserAttrs{DisplayName: name, Name: &idc.Name{GivenName: "G", FamilyName: "F"}},
					CreatedAt: now, UpdatedAt: now, CreatedBy: "test", UpdatedBy: "test"}
				if err := q.CreateUser(f.ctx, u, 0); err != nil {
					return err
				}
			}
			return nil
		}); err != nil {
			t.Fatalf("bulk CreateUser: %v", err)
		}
		first, err := f.c.ListUsers(f.ctx, &identitystore.ListUsersInput{IdentityStoreId: aws.String(f.id)})
		if err != nil || len(first.Users) != directory.DefaultPageSize || first.NextToken == nil {
			t.Fatalf("ListUsers = %d users, token %v, %v; want %d and a token", len(first.Users), first.NextToken, err, directory.DefaultPageSize)
		}
		second, err := f.c.ListUsers(f.ctx, &identitystore.ListUsersInput{IdentityStoreId: aws.String(f.id), NextToken: first.NextToken})
		if err != nil || len(second.Users) != 1 || second.NextToken != nil {
			t.Fatalf("ListUsers(page 2) = %d users, token %v, %v; want 1 and no token", len(second.Users), second.NextToken, err)
		}
	})
}

// TestUnknownIdentityStore checks that every operation refuses an identity
// store id that names no store, with ResourceType IDENTITY_STORE.
func TestUnknownIdentityStore(t *testing.T) {
	testenv.Backends(t, func(t *testing.T, env *testenv.Env) {
		f := newFixture(t, env)
		uid, gid := f.user("u"), f.group("g")
		mid := f.member(gid, uid)
		s := aws.String(unknownStore)
		m := &types.MemberIdMemberUserId{Value: uid}
		ops := []types.AttributeOperation{{AttributePath: aws.String("title"), AttributeValue: doc("x")}}
		byName := &types.AlternateIdentifierMemberUniqueAttribute{Value: types.UniqueAttribute{AttributePath: aws.String("userName"), AttributeValue: doc("u")}}
		c, ctx := f.c, f.ctx
		calls := map[string]func() error{
			"CreateUser": func() error { _, err := c.CreateUser(ctx, userInput(unknownStore, "v")); return err },
			"DescribeUser": func() error {
				_, err := c.DescribeUser(ctx, &identitystore.DescribeUserInput{IdentityStoreId: s, UserId: &uid})
				return err
			},
			"UpdateUser": func() error {
				_, err := c.UpdateUser(ctx, &identitystore.UpdateUserInput{IdentityStoreId: s, UserId: &uid, Operations: ops})
				return err
			},
			"DeleteUser": func() error {
				_, err := c.DeleteUser(ctx, &identitystore.DeleteUserInput{IdentityStoreId: s, UserId: &uid})
				return err
			},
			"ListUsers": func() error {
				_, err := c.ListUsers(ctx, &identitystore.ListUsersInput{IdentityStoreId: s})
				return err
			},
			"GetUserId": func() error {
				_, err := c.GetUserId(ctx, &identitystore.GetUserIdInput{IdentityStoreId: s, AlternateIdentifier: byName})
				return err
			},
			"CreateGroup": func() error {
				_, err := c.CreateGroup(ctx, &identitystore.CreateGroupInput{IdentityStoreId: s, DisplayName: aws.String("h")})
				return err
			},
			"DescribeGroup": func() error {
				_, err := c.DescribeGroup(ctx, &identitystore.DescribeGroupInput{IdentityStoreId: s, GroupId: &gid})
				return err
			},
			"UpdateGroup": func() error {
				_, err := c.UpdateGroup(ctx, &identitystore.UpdateGroupInput{IdentityStoreId: s, GroupId: &gid, Operations: ops})
				return err
			},
			"DeleteGroup": func() error {
				_, err := c.DeleteGroup(ctx, &identitystore.DeleteGroupInput{IdentityStoreId: s, GroupId: &gid})
				return err
			},
			"ListGroups": func() error {
				_, err := c.ListGroups(ctx, &identitystore.ListGroupsInput{IdentityStoreId: s})
				return err
			},
			"GetGroupId": func() error {
				_, err := c.GetGroupId(ctx, &identitystore.GetGroupIdInput{IdentityStoreId: s, AlternateIdentifier: byName})
				return err
			},
			"CreateGroupMembership": func() error {
				_, err := c.CreateGroupMembership(ctx, &identitystore.CreateGroupMembershipInput{IdentityStoreId: s, GroupId: &gid, MemberId: m})
				return err
			},
			"DescribeGroupMembership": func() error {
				_, err := c.DescribeGroupMembership(ctx, &identitystore.DescribeGroupMembershipInput{IdentityStoreId: s, MembershipId: &mid})
				return err
			},
			"DeleteGroupMembership": func() error {
				_, err := c.DeleteGroupMembership(ctx, &identitystore.DeleteGroupMembershipInput{IdentityStoreId: s, MembershipId: &mid})
				return err
			},
			"GetGroupMembershipId": func() error {
				_, err := c.GetGroupMembershipId(ctx, &identitystore.GetGroupMembershipIdInput{IdentityStoreId: s, GroupId: &gid, MemberId: m})
				return err
			},
			"ListGroupMemberships": func() error {
				_, err := c.ListGroupMemberships(ctx, &identitystore.ListGroupMembershipsInput{IdentityStoreId: s, GroupId: &gid})
				return err
			},
			"ListGroupMembershipsForMember": func() error {
				_, err := c.ListGroupMembershipsForMember(ctx, &identitystore.ListGroupMembershipsForMemberInput{IdentityStoreId: s, MemberId: m})
				return err
			},
			"IsMemberInGroups": func() error {
				_, err := c.IsMemberInGroups(ctx, &identitystore.IsMemberInGroupsInput{IdentityStoreId: s, MemberId: m, GroupIds: []string{gid}})
				return err
			},
		}
		if len(calls) != 19 {
			t.Fatalf("table covers %d operations, want all 19", len(calls))
		}
		before := f.state()
		for name, call := range calls {
			t.Run(name, func(t *testing.T) {
				wantNotFound(t, name, call(), types.ResourceTypeIdentityStore)
			})
		}
		f.unchanged("calls on an unknown identity store", before)
	})
}
