package identitystore_test

import (
	"fmt"
	"slices"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/identitystore"
	"github.com/aws/aws-sdk-go-v2/service/identitystore/types"
	"github.com/google/go-cmp/cmp"

	"github.com/idcenter/idcenter/internal/testenv"
)

func TestMemberships(t *testing.T) {
	testenv.Backends(t, func(t *testing.T, env *testenv.Env) {
		f := newFixture(t, env)
		var users, groups []string
		for i := range 6 {
			users = append(users, f.user(fmt.Sprint("m", i)))
		}
		for i := range 4 {
			groups = append(groups, f.group(fmt.Sprint("g", i)))
		}
		// Every user is in group 0; user 0 is in every group.
		mids := map[[2]string]string{}
		for _, u := range users {
			mids[[2]string{groups[0], u}] = f.member(groups[0], u)
		}
		for _, g := range groups[1:] {
			mids[[2]string{g, users[0]}] = f.member(g, users[0])
		}
		mid := mids[[2]string{groups[0], users[1]}]

		got, err := f.c.DescribeGroupMembership(f.ctx, &identitystore.DescribeGroupMembershipInput{IdentityStoreId: aws.String(f.id), MembershipId: aws.String(mid)})
		if err != nil {
			t.Fatalf("DescribeGroupMembership: %v", err)
		}
		if aws.ToString(got.MembershipId) != mid || aws.ToString(got.GroupId) != groups[0] || aws.ToString(got.IdentityStoreId) != f.id ||
			got.CreatedAt == nil || aws.ToString(got.CreatedBy) == "" {
			t.Errorf("DescribeGroupMembership = %+v", got)
		}
		if m, ok := got.MemberId.(*types.MemberIdMemberUserId); !ok || m.Value != users[1] {
			t.Errorf("MemberId = %#v, want user %s", got.MemberId, users[1])
		}
		gm, err := f.c.GetGroupMembershipId(f.ctx, &identitystore.GetGroupMembershipIdInput{IdentityStoreId: aws.String(f.id),
			GroupId: aws.String(groups[0]), MemberId: &types.MemberIdMemberUserId{Value: users[1]}})
		if err != nil || aws.ToString(gm.MembershipId) != mid {
			t.Errorf("GetGroupMembershipId = %v, %v; want %s", gm, err, mid)
		}

		// ListGroupMemberships, one per page.
		var want, gotIDs []string
		for _, u := range users {
			want = append(want, mids[[2]string{groups[0], u}])
		}
		p := identitystore.NewListGroupMembershipsPaginator(f.c, &identitystore.ListGroupMembershipsInput{IdentityStoreId: aws.String(f.id),
			GroupId: aws.String(groups[0]), MaxResults: aws.Int32(1)})
		for p.HasMorePages() {
			page, err := p.NextPage(f.ctx)
			if err != nil {
				t.Fatalf("ListGroupMemberships: %v", err)
			}
			if len(page.GroupMemberships) > 1 {
				t.Fatalf("ListGroupMemberships(MaxResults 1) = %d", len(page.GroupMemberships))
			}
			for _, m := range page.GroupMemberships {
				gotIDs = append(gotIDs, aws.ToString(m.MembershipId))
			}
		}
		slices.Sort(want)
		slices.Sort(gotIDs)
		if d := cmp.Diff(want, gotIDs); d != "" {
			t.Errorf("ListGroupMemberships diff (-want +got):\n%s", d)
		}

		// ListGroupMembershipsForMember, two per page.
		want, gotIDs = nil, nil
		want = append(want, groups...)
		fp := identitystore.NewListGroupMembershipsForMemberPaginator(f.c, &identitystore.ListGroupMembershipsForMemberInput{IdentityStoreId: aws.String(f.id),
			MemberId: &types.MemberIdMemberUserId{Value: users[0]}, MaxResults: aws.Int32(2)})
		pages := 0
		for fp.HasMorePages() {
			page, err := fp.NextPage(f.ctx)
			if err != nil {
				t.Fatalf("ListGroupMembershipsForMember: %v", err)
			}
			pages++
			for _, m := range page.GroupMemberships {
				gotIDs = append(gotIDs, aws.ToString(m.GroupId))
			}
		}
		slices.Sort(want)
		if d := cmp.Diff(want, gotIDs); d != "" {
			t.Errorf("ListGroupMembershipsForMember groups diff (-want +got):\n%s", d)
		}
		if pages != 2 {
			t.Errorf("ListGroupMembershipsForMember took %d pages, want 2", pages)
		}

		// IsMemberInGroups: mixed answers, in request order, unknown groups false.
		ask := []string{groups[1], groups[0], "12345678-1234-1234-1234-123456789012", groups[2]}
		res, err := f.c.IsMemberInGroups(f.ctx, &identitystore.IsMemberInGroupsInput{IdentityStoreId: aws.String(f.id),
			MemberId: &types.MemberIdMemberUserId{Value: users[3]}, GroupIds: ask})
		if err != nil {
			t.Fatalf("IsMemberInGroups: %v", err)
		}
		var gotRes []string
		for _, r := range res.Results {
			m, _ := r.MemberId.(*types.MemberIdMemberUserId)
			if m == nil || m.Value != users[3] {
				t.Errorf("IsMemberInGroups MemberId = %#v", r.MemberId)
			}
			gotRes = append(gotRes, fmt.Sprintf("%s=%v", aws.ToString(r.GroupId), r.MembershipExists))
		}
		wantRes := []string{groups[1] + "=false", groups[0] + "=true", ask[2] + "=false", groups[2] + "=false"}
		if d := cmp.Diff(wantRes, gotRes); d != "" {
			t.Errorf("IsMemberInGroups diff (-want +got):\n%s", d)
		}
		many := make([]string, 100)
		for i := range many {
			many[i] = groups[i%len(groups)]
		}
		res, err = f.c.IsMemberInGroups(f.ctx, &identitystore.IsMemberInGroupsInput{IdentityStoreId: aws.String(f.id),
			MemberId: &types.MemberIdMemberUserId{Value: users[0]}, GroupIds: many})
		if err != nil || len(res.Results) != 100 {
			t.Fatalf("IsMemberInGroups(100) = %v, %v", res, err)
		}
		for _, r := range res.Results {
			if !r.MembershipExists {
				t.Errorf("IsMemberInGroups(100): %s false, want true", aws.ToString(r.GroupId))
			}
		}

		// Deleting a membership, then a user, removes memberships.
		if _, err := f.c.DeleteGroupMembership(f.ctx, &identitystore.DeleteGroupMembershipInput{IdentityStoreId: aws.String(f.id), MembershipId: aws.String(mid)}); err != nil {
			t.Fatalf("DeleteGroupMembership: %v", err)
		}
		_, err = f.c.DeleteGroupMembership(f.ctx, &identitystore.DeleteGroupMembershipInput{IdentityStoreId: aws.String(f.id), MembershipId: aws.String(mid)})
		wantNotFound(t, "DeleteGroupMembership(deleted)", err, types.ResourceTypeGroupMembership)
		_, err = f.c.GetGroupMembershipId(f.ctx, &identitystore.GetGroupMembershipIdInput{IdentityStoreId: aws.String(f.id),
			GroupId: aws.String(groups[0]), MemberId: &types.MemberIdMemberUserId{Value: users[1]}})
		wantNotFound(t, "GetGroupMembershipId(deleted)", err, types.ResourceTypeGroupMembership)
		if _, err := f.c.DeleteUser(f.ctx, &identitystore.DeleteUserInput{IdentityStoreId: aws.String(f.id), UserId: aws.String(users[0])}); err != nil {
			t.Fatalf("DeleteUser: %v", err)
		}
		for _, g := range groups[1:] {
			out, err := f.c.ListGroupMemberships(f.ctx, &identitystore.ListGroupMembershipsInput{IdentityStoreId: aws.String(f.id), GroupId: aws.String(g)})
			if err != nil || len(out.GroupMemberships) != 0 || out.GroupMemberships == nil {
				t.Errorf("ListGroupMemberships(group of deleted user) = %+v, %v; want an empty list", out, err)
			}
		}
	})
}

func TestMembershipErrors(t *testing.T) {
	testenv.Backends(t, func(t *testing.T, env *testenv.Env) {
		f := newFixture(t, env)
		user := f.user("u")
		group := f.group("g")
		mid := f.member(group, user)
		loner := f.user("loner")
		missing := "12345678-1234-1234-1234-123456789012"
		member := func(id string) types.MemberId { return &types.MemberIdMemberUserId{Value: id} }
		create := func(groupID, userID string) func() error {
			return func() error {
				_, err := f.c.CreateGroupMembership(f.ctx, &identitystore.CreateGroupMembershipInput{IdentityStoreId: aws.String(f.id), GroupId: aws.String(groupID), MemberId: member(userID)})
				return err
			}
		}
		notFound := func(rt types.ResourceType) func(t *testing.T, err error) {
			return func(t *testing.T, err error) { wantNotFound(t, "call", err, rt) }
		}
		// A token for one group is refused for another.
		g2 := f.group("g2")
		for _, u := range []string{user, loner} {
			f.member(g2, u)
		}
		page, err := f.c.ListGroupMemberships(f.ctx, &identitystore.ListGroupMembershipsInput{IdentityStoreId: aws.String(f.id), GroupId: aws.String(g2), MaxResults: aws.Int32(1)})
		if err != nil || page.NextToken == nil {
			t.Fatalf("ListGroupMemberships(g2) = %v, %v; want a token", page, err)
		}
		tests := []struct {
			name  string
			call  func() error
			check func(t *testing.T, err error)
		}{
			{"createDuplicate", create(group, user), func(t *testing.T, err error) {
				e := wantErr[*types.ConflictException](t, "CreateGroupMembership", err)
				if e.Reason != types.ConflictExceptionReasonUniquenessConstraintViolation {
					t.Errorf("Reason = %q", e.Reason)
				}
			}},
			{"createUnknownUser", create(group, missing), notFound(types.ResourceTypeUser)},
			{"createUnknownGroup", create(missing, user), notFound(types.ResourceTypeGroup)},
			{"createUnknownStore", func() error {
				_, err := f.c.CreateGroupMembership(f.ctx, &identitystore.CreateGroupMembershipInput{IdentityStoreId: aws.String(unknownStore), GroupId: aws.String(group), MemberId: member(user)})
				return err
			}, notFound(types.ResourceTypeIdentityStore)},
			{"describeUnknown", func() error {
				_, err := f.c.DescribeGroupMembership(f.ctx, &identitystore.DescribeGroupMembershipInput{IdentityStoreId: aws.String(f.id), MembershipId: aws.String(missing)})
				return err
			}, notFound(types.ResourceTypeGroupMembership)},
			{"describeOtherStore", func() error {
				_, err := f.c.DescribeGroupMembership(f.ctx, &identitystore.DescribeGroupMembershipInput{IdentityStoreId: aws.String(f.otherStore()), MembershipId: aws.String(mid)})
				return err
			}, notFound(types.ResourceTypeGroupMembership)},
			{"deleteUnknown", func() error {
				_, err := f.c.DeleteGroupMembership(f.ctx, &identitystore.DeleteGroupMembershipInput{IdentityStoreId: aws.String(f.id), MembershipId: aws.String(missing)})
				return err
			}, notFound(types.ResourceTypeGroupMembership)},
			{"getIdNotAMember", func() error {
				_, err := f.c.GetGroupMembershipId(f.ctx, &identitystore.GetGroupMembershipIdInput{IdentityStoreId: aws.String(f.id), GroupId: aws.String(group), MemberId: member(loner)})
				return err
			}, notFound(types.ResourceTypeGroupMembership)},
			{"listUnknownGroup", func() error {
				_, err := f.c.ListGroupMemberships(f.ctx, &identitystore.ListGroupMembershipsInput{IdentityStoreId: aws.String(f.id), GroupId: aws.String(missing)})
				return err
			}, notFound(types.ResourceTypeGroup)},
			{"listForUnknownMember", func() error {
				_, err := f.c.ListGroupMembershipsForMember(f.ctx, &identitystore.ListGroupMembershipsForMemberInput{IdentityStoreId: aws.String(f.id), MemberId: member(missing)})
				return err
			}, notFound(types.ResourceTypeUser)},
			{"isMemberUnknownUser", func() error {
				_, err := f.c.IsMemberInGroups(f.ctx, &identitystore.IsMemberInGroupsInput{IdentityStoreId: aws.String(f.id), MemberId: member(missing), GroupIds: []string{group}})
				return err
			}, notFound(types.ResourceTypeUser)},
			{"listTokenOfOtherGroup", func() error {
				_, err := f.c.ListGroupMemberships(f.ctx, &identitystore.ListGroupMembershipsInput{IdentityStoreId: aws.String(f.id), GroupId: aws.String(group), NextToken: page.NextToken})
				return err
			}, validation},
			{"listForMemberWithGroupToken", func() error {
				_, err := f.c.ListGroupMembershipsForMember(f.ctx, &identitystore.ListGroupMembershipsForMemberInput{IdentityStoreId: aws.String(f.id), MemberId: member(user), NextToken: page.NextToken})
				return err
			}, validation},
			{"isMemberTooManyGroups", func() error {
				_, err := f.c.IsMemberInGroups(f.ctx, &identitystore.IsMemberInGroupsInput{IdentityStoreId: aws.String(f.id), MemberId: member(user), GroupIds: make101(group)})
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
		// A member without memberships lists none, without error.
		other := f.user("nobody-s-member")
		out, err := f.c.ListGroupMembershipsForMember(f.ctx, &identitystore.ListGroupMembershipsForMemberInput{IdentityStoreId: aws.String(f.id), MemberId: member(other)})
		if err != nil || len(out.GroupMemberships) != 0 {
			t.Errorf("ListGroupMembershipsForMember(no memberships) = %v, %v", out, err)
		}
	})
}

func make101(id string) []string {
	ids := make([]string, 101)
	for i := range ids {
		ids[i] = id
	}
	return ids
}
