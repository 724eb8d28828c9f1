package identitystore_test

import (
	"context"
	"errors"
	"reflect"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/identitystore"
	"github.com/aws/aws-sdk-go-v2/service/identitystore/document"
	"github.com/aws/aws-sdk-go-v2/service/identitystore/types"
	"github.com/google/go-cmp/cmp"

	"github.com/idcenter/idcenter/internal/idc"
	"github.com/idcenter/idcenter/internal/store"
	"github.com/idcenter/idcenter/internal/testenv"
)

// unknownStore is a well-formed identity store id that names no store.
const unknownStore = "d-0000000000"

// fixture is one test's server, client and identity store.
type fixture struct {
	t   *testing.T
	env *testenv.Env
	c   *identitystore.Client
	ctx context.Context
	id  string // identity store id
}

func newFixture(t *testing.T, env *testenv.Env) *fixture {
	return &fixture{t: t, env: env, c: env.IdentityStore(), ctx: t.Context(), id: env.IdentityStoreID}
}

// otherStore adds a second identity store to the server's database.
func (f *fixture) otherStore() string {
	f.t.Helper()
	in := &idc.Instance{InstanceARN: idc.NewInstanceARN(), IdentityStoreID: idc.NewIdentityStoreID(), Status: "ACTIVE", CreatedAt: time.Now()}
	if err := f.env.Store.Tx(f.ctx, func(q store.Queries) error { return q.CreateInstance(f.ctx, in) }); err != nil {
		f.t.Fatalf("CreateInstance: %v", err)
	}
	return in.IdentityStoreID
}

// userInput is a valid CreateUser request: what IAM Identity Center
// requires, and a primary work email.
func userInput(storeID, name string) *identitystore.CreateUserInput {
	return &identitystore.CreateUserInput{
		IdentityStoreId: aws.String(storeID),
		UserName:        aws.String(name),
		DisplayName:     aws.String("Display " + name),
		Name:            &types.Name{GivenName: aws.String("Given"), FamilyName: aws.String("Family " + name)},
		Emails:          []types.Email{{Value: aws.String(name + "@example.com"), Type: aws.String("work"), Primary: true}},
	}
}

func (f *fixture) createUser(in *identitystore.CreateUserInput) string {
	f.t.Helper()
	out, err := f.c.CreateUser(f.ctx, in)
	if err != nil {
		f.t.Fatalf("CreateUser(%s): %v", aws.ToString(in.UserName), err)
	}
	if aws.ToString(out.IdentityStoreId) != aws.ToString(in.IdentityStoreId) {
		f.t.Errorf("CreateUser IdentityStoreId = %q, want %q", aws.ToString(out.IdentityStoreId), aws.ToString(in.IdentityStoreId))
	}
	return aws.ToString(out.UserId)
}

func (f *fixture) user(name string) string { return f.createUser(userInput(f.id, name)) }

func (f *fixture) group(name string) string {
	f.t.Helper()
	out, err := f.c.CreateGroup(f.ctx, &identitystore.CreateGroupInput{IdentityStoreId: aws.String(f.id), DisplayName: aws.String(name), Description: aws.String("about " + name)})
	if err != nil {
		f.t.Fatalf("CreateGroup(%s): %v", name, err)
	}
	return aws.ToString(out.GroupId)
}

func (f *fixture) member(groupID, userID string) string {
	f.t.Helper()
	out, err := f.c.CreateGroupMembership(f.ctx, &identitystore.CreateGroupMembershipInput{
		IdentityStoreId: aws.String(f.id), GroupId: aws.String(groupID), MemberId: &types.MemberIdMemberUserId{Value: userID},
	})
	if err != nil {
		f.t.Fatalf("CreateGroupMembership: %v", err)
	}
	return aws.ToString(out.MembershipId)
}

func (f *fixture) describeUser(userID string) *identitystore.DescribeUserOutput {
	f.t.Helper()
	out, err := f.c.DescribeUser(f.ctx, &identitystore.DescribeUserInput{
		IdentityStoreId: aws.String(f.id), UserId: aws.String(userID), Extensions: []string{"aws:identitystore:enterprise"},
	})
	if err != nil {
		f.t.Fatalf("DescribeUser: %v", err)
	}
	return out
}

// state is everything in the fixture's identity store, for "nothing
// changed" checks.
type state struct {
	Users       []types.User
	Groups      []types.Group
	Memberships []types.GroupMembership
}

func (f *fixture) state() state {
	f.t.Helper()
	var s state
	up := identitystore.NewListUsersPaginator(f.c, &identitystore.ListUsersInput{IdentityStoreId: aws.String(f.id), Extensions: []string{"aws:identitystore:enterprise"}})
	for up.HasMorePages() {
		page, err := up.NextPage(f.ctx)
		if err != nil {
			f.t.Fatalf("ListUsers: %v", err)
		}
		s.Users = append(s.Users, page.Users...)
	}
	gp := identitystore.NewListGroupsPaginator(f.c, &identitystore.ListGroupsInput{IdentityStoreId: aws.String(f.id)})
	for gp.HasMorePages() {
		page, err := gp.NextPage(f.ctx)
		if err != nil {
			f.t.Fatalf("ListGroups: %v", err)
		}
		s.Groups = append(s.Groups, page.Groups...)
	}
	for _, g := range s.Groups {
		mp := identitystore.NewListGroupMembershipsPaginator(f.c, &identitystore.ListGroupMembershipsInput{IdentityStoreId: aws.String(f.id), GroupId: g.GroupId})
		for mp.HasMorePages() {
			page, err := mp.NextPage(f.ctx)
			if err != nil {
				f.t.Fatalf("ListGroupMemberships: %v", err)
			}
			s.Memberships = append(s.Memberships, page.GroupMemberships...)
		}
	}
	return s
}

// exportAll lets cmp look into the SDK types' unexported marker fields and
// lazily decoded documents.
var exportAll = cmp.Exporter(func(reflect.Type) bool { return true })

// unchanged fails the test when the identity store differs from before.
func (f *fixture) unchanged(what string, before state) {
	f.t.Helper()
	if d := cmp.Diff(before, f.state(), exportAll); d != "" {
		f.t.Errorf("%s changed the identity store (-before +after):\n%s", what, d)
	}
}

// wantErr returns err as the SDK exception E, failing the test otherwise.
func wantErr[E error](t *testing.T, what string, err error) E {
	t.Helper()
	var e E
	if !errors.As(err, &e) {
		t.Fatalf("%s = %v, want %T", what, err, e)
	}
	return e
}

// wantNotFound checks a ResourceNotFoundException and its ResourceType.
func wantNotFound(t *testing.T, what string, err error, rt types.ResourceType) {
	t.Helper()
	e := wantErr[*types.ResourceNotFoundException](t, what, err)
	if e.ResourceType != rt {
		t.Errorf("%s ResourceType = %q, want %q", what, e.ResourceType, rt)
	}
}

func doc(v any) document.Interface { return document.NewLazyDocument(v) }

// docValue decodes a response document into a generic Go value.
func docValue(t *testing.T, d document.Interface) any {
	t.Helper()
	if d == nil {
		return nil
	}
	var v any
	if err := d.UnmarshalSmithyDocument(&v); err != nil {
		t.Fatalf("decode document: %v", err)
	}
	return v
}
