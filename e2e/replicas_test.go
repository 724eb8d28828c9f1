package e2e

import (
	"errors"
	"sync"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/identitystore"
	"github.com/aws/aws-sdk-go-v2/service/identitystore/types"
	"github.com/aws/aws-sdk-go-v2/service/ssoadmin"

	"github.com/idcenter/idcenter/internal/idc"
	"github.com/idcenter/idcenter/internal/keys"
	"github.com/idcenter/idcenter/internal/testenv"
)

// TestReplicasSharePostgres starts two idcenter processes at the same
// moment on one empty PostgreSQL database and checks that they bootstrap one
// instance between them and serve one directory: a write on either is read
// on the other at once.
func TestReplicasSharePostgres(t *testing.T) {
	t.Parallel()
	dsn := testenv.PostgresDSN(t)
	id, secret := idc.NewAccessKeyID(), idc.NewSecretAccessKey()
	env := []string{
		"IDCENTER_DB=" + dsn,
		"IDCENTER_MASTER_KEY=" + keys.Encode(keys.Generate()),
		"IDCENTER_ADMIN_ACCESS_KEY_ID=" + id,
		"IDCENTER_ADMIN_SECRET_ACCESS_KEY=" + secret,
	}
	var a, b *proc
	var errA, errB error
	dirA, dirB := t.TempDir(), t.TempDir()
	var wg sync.WaitGroup
	wg.Add(2)
	go func() { defer wg.Done(); a, errA = startErr(t, dirA, env...) }()
	go func() { defer wg.Done(); b, errB = startErr(t, dirB, env...) }()
	wg.Wait()
	if err := errors.Join(errA, errB); err != nil {
		t.Fatalf("starting two replicas at once: %v", err)
	}
	ctx := t.Context()
	ia, err := ssoadmin.NewFromConfig(sdkConfig(a.URL, id, secret)).ListInstances(ctx, &ssoadmin.ListInstancesInput{})
	if err != nil {
		t.Fatal(err)
	}
	ib, err := ssoadmin.NewFromConfig(sdkConfig(b.URL, id, secret)).ListInstances(ctx, &ssoadmin.ListInstancesInput{})
	if err != nil {
		t.Fatal(err)
	}
	if len(ia.Instances) != 1 || len(ib.Instances) != 1 || *ia.Instances[0].InstanceArn != *ib.Instances[0].InstanceArn {
		t.Fatalf("replicas bootstrapped different instances: %+v vs %+v", ia.Instances, ib.Instances)
	}
	storeID := aws.String(*ia.Instances[0].IdentityStoreId)
	A := identitystore.NewFromConfig(sdkConfig(a.URL, id, secret))
	B := identitystore.NewFromConfig(sdkConfig(b.URL, id, secret))

	u, err := A.CreateUser(ctx, &identitystore.CreateUserInput{IdentityStoreId: storeID, UserName: aws.String("ana"), DisplayName: aws.String("Ana"),
		Name: &types.Name{GivenName: aws.String("Ana"), FamilyName: aws.String("Lopez")}})
	if err != nil {
		t.Fatalf("CreateUser on A: %v", err)
	}
	got, err := B.DescribeUser(ctx, &identitystore.DescribeUserInput{IdentityStoreId: storeID, UserId: u.UserId})
	if err != nil || aws.ToString(got.UserName) != "ana" {
		t.Fatalf("DescribeUser on B = %v, %v", got, err)
	}
	g, err := B.CreateGroup(ctx, &identitystore.CreateGroupInput{IdentityStoreId: storeID, DisplayName: aws.String("ops")})
	if err != nil {
		t.Fatalf("CreateGroup on B: %v", err)
	}
	if _, err := A.CreateGroupMembership(ctx, &identitystore.CreateGroupMembershipInput{IdentityStoreId: storeID, GroupId: g.GroupId, MemberId: &types.MemberIdMemberUserId{Value: *u.UserId}}); err != nil {
		t.Fatalf("CreateGroupMembership on A: %v", err)
	}
	in, err := B.IsMemberInGroups(ctx, &identitystore.IsMemberInGroupsInput{IdentityStoreId: storeID, MemberId: &types.MemberIdMemberUserId{Value: *u.UserId}, GroupIds: []string{*g.GroupId}})
	if err != nil || len(in.Results) != 1 || !in.Results[0].MembershipExists {
		t.Fatalf("IsMemberInGroups on B = %+v, %v", in, err)
	}
	// The same user name created on B conflicts with A's.
	_, err = B.CreateUser(ctx, &identitystore.CreateUserInput{IdentityStoreId: storeID, UserName: aws.String("ANA"), DisplayName: aws.String("Ana"),
		Name: &types.Name{GivenName: aws.String("Ana"), FamilyName: aws.String("Lopez")}})
	var ce *types.ConflictException
	if !errors.As(err, &ce) {
		t.Fatalf("CreateUser(ANA) on B = %v, want ConflictException", err)
	}
	if _, err := B.DeleteUser(ctx, &identitystore.DeleteUserInput{IdentityStoreId: storeID, UserId: u.UserId}); err != nil {
		t.Fatalf("DeleteUser on B: %v", err)
	}
	_, err = A.DescribeUser(ctx, &identitystore.DescribeUserInput{IdentityStoreId: storeID, UserId: u.UserId})
	var nf *types.ResourceNotFoundException
	if !errors.As(err, &nf) {
		t.Fatalf("DescribeUser on A after delete on B = %v, want ResourceNotFoundException", err)
	}
}
