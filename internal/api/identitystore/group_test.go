package identitystore_test

import (
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/identitystore"
	"github.com/aws/aws-sdk-go-v2/service/identitystore/types"
	"github.com/google/go-cmp/cmp"

	"github.com/idcenter/idcenter/internal/testenv"
)

func TestGroupLifecycle(t *testing.T) {
	testenv.Backends(t, func(t *testing.T, env *testenv.Env) {
		f := newFixture(t, env)
		id := f.group("Engineers")
		got, err := f.c.DescribeGroup(f.ctx, &identitystore.DescribeGroupInput{IdentityStoreId: aws.String(f.id), GroupId: aws.String(id)})
		if err != nil {
			t.Fatalf("DescribeGroup: %v", err)
		}
		if aws.ToString(got.GroupId) != id || aws.ToString(got.DisplayName) != "Engineers" || aws.ToString(got.Description) != "about Engineers" ||
			aws.ToString(got.IdentityStoreId) != f.id || got.CreatedAt == nil || !got.CreatedAt.Equal(*got.UpdatedAt) || aws.ToString(got.CreatedBy) == "" {
			t.Errorf("DescribeGroup = %+v", got)
		}
		gid, err := f.c.GetGroupId(f.ctx, &identitystore.GetGroupIdInput{IdentityStoreId: aws.String(f.id),
			AlternateIdentifier: &types.AlternateIdentifierMemberUniqueAttribute{Value: types.UniqueAttribute{
				AttributePath: aws.String("displayName"), AttributeValue: doc("ENGINEERS")}}})
		if err != nil || aws.ToString(gid.GroupId) != id {
			t.Errorf("GetGroupId(displayName) = %v, %v", gid, err)
		}
		list, err := f.c.ListGroups(f.ctx, &identitystore.ListGroupsInput{IdentityStoreId: aws.String(f.id),
			Filters: []types.Filter{{AttributePath: aws.String("DisplayName"), AttributeValue: aws.String("engineers")}}})
		if err != nil || len(list.Groups) != 1 || aws.ToString(list.Groups[0].GroupId) != id {
			t.Errorf("ListGroups(filter) = %+v, %v", list, err)
		}

		_, err = f.c.UpdateGroup(f.ctx, &identitystore.UpdateGroupInput{IdentityStoreId: aws.String(f.id), GroupId: aws.String(id),
			Operations: []types.AttributeOperation{
				{AttributePath: aws.String("displayName"), AttributeValue: doc("Builders")},
				{AttributePath: aws.String("description")},
			}})
		if err != nil {
			t.Fatalf("UpdateGroup: %v", err)
		}
		upd, err := f.c.DescribeGroup(f.ctx, &identitystore.DescribeGroupInput{IdentityStoreId: aws.String(f.id), GroupId: aws.String(id)})
		if err != nil || aws.ToString(upd.DisplayName) != "Builders" || upd.Description != nil || upd.UpdatedAt.Before(*got.UpdatedAt) ||
			!upd.CreatedAt.Equal(*got.CreatedAt) {
			t.Errorf("DescribeGroup after update = %+v, %v", upd, err)
		}
		// The old name is free again.
		f.group("engineers")

		// Deleting a group deletes its memberships.
		uid := f.user("member")
		mid := f.member(id, uid)
		if _, err := f.c.DeleteGroup(f.ctx, &identitystore.DeleteGroupInput{IdentityStoreId: aws.String(f.id), GroupId: aws.String(id)}); err != nil {
			t.Fatalf("DeleteGroup: %v", err)
		}
		_, err = f.c.DescribeGroup(f.ctx, &identitystore.DescribeGroupInput{IdentityStoreId: aws.String(f.id), GroupId: aws.String(id)})
		wantNotFound(t, "DescribeGroup(deleted)", err, types.ResourceTypeGroup)
		_, err = f.c.DescribeGroupMembership(f.ctx, &identitystore.DescribeGroupMembershipInput{IdentityStoreId: aws.String(f.id), MembershipId: aws.String(mid)})
		wantNotFound(t, "DescribeGroupMembership(of deleted group)", err, types.ResourceTypeGroupMembership)
		_, err = f.c.DeleteGroup(f.ctx, &identitystore.DeleteGroupInput{IdentityStoreId: aws.String(f.id), GroupId: aws.String(id)})
		wantNotFound(t, "DeleteGroup(deleted)", err, types.ResourceTypeGroup)
	})
}

func TestGroupErrors(t *testing.T) {
	testenv.Backends(t, func(t *testing.T, env *testenv.Env) {
		f := newFixture(t, env)
		f.group("Taken")
		id := f.group("Subject")
		conflict := func(t *testing.T, err error) {
			e := wantErr[*types.ConflictException](t, "call", err)
			if e.Reason != types.ConflictExceptionReasonUniquenessConstraintViolation {
				t.Errorf("Reason = %q, want UNIQUENESS_CONSTRAINT_VIOLATION", e.Reason)
			}
		}
		create := func(store string, name *string) func() error {
			return func() error {
				_, err := f.c.CreateGroup(f.ctx, &identitystore.CreateGroupInput{IdentityStoreId: aws.String(store), DisplayName: name})
				return err
			}
		}
		update := func(groupID string, ops ...types.AttributeOperation) func() error {
			return func() error {
				_, err := f.c.UpdateGroup(f.ctx, &identitystore.UpdateGroupInput{IdentityStoreId: aws.String(f.id), GroupId: aws.String(groupID), Operations: ops})
				return err
			}
		}
		op := func(path string, v any) types.AttributeOperation {
			o := types.AttributeOperation{AttributePath: aws.String(path)}
			if v != nil {
				o.AttributeValue = doc(v)
			}
			return o
		}
		good := op("description", "changed")
		unique := func(path string, v any) func() error {
			return func() error {
				_, err := f.c.GetGroupId(f.ctx, &identitystore.GetGroupIdInput{IdentityStoreId: aws.String(f.id),
					AlternateIdentifier: &types.AlternateIdentifierMemberUniqueAttribute{Value: types.UniqueAttribute{AttributePath: aws.String(path), AttributeValue: doc(v)}}})
				return err
			}
		}
		missing := "12345678-1234-1234-1234-123456789012"
		tests := []struct {
			name  string
			call  func() error
			check func(t *testing.T, err error)
		}{
			{"createDuplicateOtherCase", create(f.id, aws.String("TAKEN")), conflict},
			{"createReserved", create(f.id, aws.String("administrator")), validation},
			{"createReservedAWSAdministrators", create(f.id, aws.String("awsadministrators")), validation},
			{"createNoDisplayName", create(f.id, nil), validation},
			{"createUnknownStore", create(unknownStore, aws.String("x")), func(t *testing.T, err error) {
				wantNotFound(t, "CreateGroup", err, types.ResourceTypeIdentityStore)
			}},
			{"updateRenameOntoTaken", update(id, good, op("displayName", "taken")), conflict},
			{"updateReserved", update(id, good, op("displayName", "Administrator")), validation},
			{"updateRemoveDisplayName", update(id, good, op("displayName", nil)), validation},
			{"updateUnknownPath", update(id, good, op("members", "x")), validation},
			{"updateWrongType", update(id, good, op("description", []any{"x"})), validation},
			{"updateTooLong", update(id, good, op("description", strings.Repeat("d", 1025))), validation},
			{"updateUnknownGroup", update(missing, good), func(t *testing.T, err error) {
				wantNotFound(t, "UpdateGroup", err, types.ResourceTypeGroup)
			}},
			{"describeUnknownGroup", func() error {
				_, err := f.c.DescribeGroup(f.ctx, &identitystore.DescribeGroupInput{IdentityStoreId: aws.String(f.id), GroupId: aws.String(missing)})
				return err
			}, func(t *testing.T, err error) { wantNotFound(t, "DescribeGroup", err, types.ResourceTypeGroup) }},
			{"getGroupIdUnsupportedPath", unique("userName", "Taken"), validation},
			{"getGroupIdNotAString", unique("displayName", map[string]any{"a": "b"}), validation},
			{"getGroupIdUnknown", unique("displayName", "nobody"), func(t *testing.T, err error) {
				wantNotFound(t, "GetGroupId", err, types.ResourceTypeGroup)
			}},
			{"getGroupIdUnknownExternalId", func() error {
				_, err := f.c.GetGroupId(f.ctx, &identitystore.GetGroupIdInput{IdentityStoreId: aws.String(f.id),
					AlternateIdentifier: &types.AlternateIdentifierMemberExternalId{Value: types.ExternalId{Issuer: aws.String("i"), Id: aws.String("1")}}})
				return err
			}, func(t *testing.T, err error) { wantNotFound(t, "GetGroupId", err, types.ResourceTypeGroup) }},
			{"listGroupsFilterUnsupported", func() error {
				_, err := f.c.ListGroups(f.ctx, &identitystore.ListGroupsInput{IdentityStoreId: aws.String(f.id),
					Filters: []types.Filter{{AttributePath: aws.String("Description"), AttributeValue: aws.String("x")}}})
				return err
			}, validation},
		}
		for _, tc := range tests {
			t.Run(tc.name, func(t *testing.T) {
				before := f.state()
				tc.check(t, tc.call())
				f.unchanged(tc.name, before)
			})
		}
	})
}

func TestListGroupsPagination(t *testing.T) {
	testenv.Backends(t, func(t *testing.T, env *testenv.Env) {
		f := newFixture(t, env)
		const n = 12
		var want []string
		for i := range n {
			want = append(want, f.group(fmt.Sprintf("group %02d", i)))
		}
		slices.Sort(want)
		var got []string
		p := identitystore.NewListGroupsPaginator(f.c, &identitystore.ListGroupsInput{IdentityStoreId: aws.String(f.id), MaxResults: aws.Int32(1)})
		for p.HasMorePages() {
			page, err := p.NextPage(f.ctx)
			if err != nil {
				t.Fatalf("ListGroups: %v", err)
			}
			if len(page.Groups) > 1 {
				t.Fatalf("ListGroups(MaxResults 1) returned %d groups", len(page.Groups))
			}
			for _, g := range page.Groups {
				got = append(got, aws.ToString(g.GroupId))
			}
		}
		if d := cmp.Diff(want, got); d != "" {
			t.Errorf("ListGroups ids diff (-want +got):\n%s", d)
		}
		first, err := f.c.ListGroups(f.ctx, &identitystore.ListGroupsInput{IdentityStoreId: aws.String(f.id), MaxResults: aws.Int32(5)})
		if err != nil || first.NextToken == nil || len(first.Groups) != 5 {
			t.Fatalf("ListGroups = %+v, %v", first, err)
		}
		_, err = f.c.ListUsers(f.ctx, &identitystore.ListUsersInput{IdentityStoreId: aws.String(f.id), NextToken: first.NextToken})
		wantErr[*types.ValidationException](t, "ListUsers(ListGroups token)", err)
		_, err = f.c.ListGroups(f.ctx, &identitystore.ListGroupsInput{IdentityStoreId: aws.String(f.otherStore()), NextToken: first.NextToken})
		wantErr[*types.ValidationException](t, "ListGroups(token of another store)", err)
	})
}
