package ssoadmin_test

import (
	"context"
	"fmt"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/identitystore"
	istypes "github.com/aws/aws-sdk-go-v2/service/identitystore/types"
	"github.com/aws/aws-sdk-go-v2/service/ssoadmin"
	"github.com/aws/aws-sdk-go-v2/service/ssoadmin/types"
	"github.com/google/go-cmp/cmp"

	"github.com/idcenter/idcenter/internal/testenv"
)

func TestInstances(t *testing.T) {
	testenv.Backends(t, func(t *testing.T, env *testenv.Env) {
		f := newFixture(t, env)
		ctx := t.Context()
		out, err := f.c.CreateInstance(ctx, &ssoadmin.CreateInstanceInput{Name: aws.String("second"), Tags: []types.Tag{{Key: aws.String("env"), Value: aws.String("test")}}})
		if err != nil {
			t.Fatalf("CreateInstance: %v", err)
		}
		arn := aws.ToString(out.InstanceArn)
		d, err := f.c.DescribeInstance(ctx, &ssoadmin.DescribeInstanceInput{InstanceArn: out.InstanceArn})
		if err != nil {
			t.Fatalf("DescribeInstance: %v", err)
		}
		if aws.ToString(d.Name) != "second" || d.Status != types.InstanceStatusActive || aws.ToString(d.OwnerAccountId) != env.ManagementAccountID ||
			aws.ToString(d.IdentityStoreId) == env.IdentityStoreID || d.EncryptionConfigurationDetails == nil {
			t.Errorf("DescribeInstance = %+v", d)
		}
		if got := f.tags(arn); cmp.Diff([]string{"env=test"}, got) != "" {
			t.Errorf("instance tags = %v", got)
		}
		// The new instance has its own identity store.
		if _, err := f.ids.CreateUser(ctx, &identitystore.CreateUserInput{IdentityStoreId: d.IdentityStoreId, UserName: aws.String("bob"), DisplayName: aws.String("Bob"),
			Name: &istypes.Name{GivenName: aws.String("B"), FamilyName: aws.String("F")}}); err != nil {
			t.Errorf("CreateUser in the new identity store: %v", err)
		}
		var all []string
		p := ssoadmin.NewListInstancesPaginator(f.c, &ssoadmin.ListInstancesInput{MaxResults: aws.Int32(1)})
		for p.HasMorePages() {
			page, err := p.NextPage(ctx)
			if err != nil {
				t.Fatalf("ListInstances: %v", err)
			}
			for _, i := range page.Instances {
				all = append(all, aws.ToString(i.InstanceArn))
			}
		}
		if joinSorted(all) != joinSorted([]string{arn, f.inst}) {
			t.Errorf("ListInstances = %v", all)
		}
		if _, err := f.c.UpdateInstance(ctx, &ssoadmin.UpdateInstanceInput{InstanceArn: out.InstanceArn, Name: aws.String("renamed")}); err != nil {
			t.Fatalf("UpdateInstance: %v", err)
		}
		if d, _ := f.c.DescribeInstance(ctx, &ssoadmin.DescribeInstanceInput{InstanceArn: out.InstanceArn}); aws.ToString(d.Name) != "renamed" {
			t.Errorf("name after UpdateInstance = %q", aws.ToString(d.Name))
		}
		ps, err := f.c.CreatePermissionSet(ctx, &ssoadmin.CreatePermissionSetInput{InstanceArn: out.InstanceArn, Name: aws.String("Admins")})
		if err != nil {
			t.Fatalf("CreatePermissionSet in the new instance: %v", err)
		}
		if _, err := f.c.DeleteInstance(ctx, &ssoadmin.DeleteInstanceInput{InstanceArn: out.InstanceArn}); err != nil {
			t.Fatalf("DeleteInstance: %v", err)
		}
		if _, err := f.c.DescribeInstance(ctx, &ssoadmin.DescribeInstanceInput{InstanceArn: out.InstanceArn}); notFound(err) != "" {
			t.Errorf("DescribeInstance(deleted) = %v, want ResourceNotFoundException", err)
		}
		if _, err := f.c.DescribePermissionSet(ctx, &ssoadmin.DescribePermissionSetInput{InstanceArn: out.InstanceArn, PermissionSetArn: ps.PermissionSet.PermissionSetArn}); notFound(err) != "" {
			t.Errorf("DescribePermissionSet(deleted instance) = %v, want ResourceNotFoundException", err)
		}
	})
}

func TestInstanceSettings(t *testing.T) {
	testenv.Backends(t, func(t *testing.T, env *testenv.Env) {
		f := newFixture(t, env)
		ctx := t.Context()
		inst := aws.String(f.inst)
		attr := func(k, src string) types.AccessControlAttribute {
			return types.AccessControlAttribute{Key: aws.String(k), Value: &types.AccessControlAttributeValue{Source: []string{src}}}
		}
		conf := &types.InstanceAccessControlAttributeConfiguration{AccessControlAttributes: []types.AccessControlAttribute{attr("CostCenter", "${path:enterprise.costCenter}")}}
		if _, err := f.c.CreateInstanceAccessControlAttributeConfiguration(ctx, &ssoadmin.CreateInstanceAccessControlAttributeConfigurationInput{InstanceArn: inst, InstanceAccessControlAttributeConfiguration: conf}); err != nil {
			t.Fatalf("CreateInstanceAccessControlAttributeConfiguration: %v", err)
		}
		describe := func() []string {
			out, err := f.c.DescribeInstanceAccessControlAttributeConfiguration(ctx, &ssoadmin.DescribeInstanceAccessControlAttributeConfigurationInput{InstanceArn: inst})
			if err != nil {
				t.Fatalf("DescribeInstanceAccessControlAttributeConfiguration: %v", err)
			}
			if out.Status != types.InstanceAccessControlAttributeConfigurationStatusEnabled {
				t.Errorf("status = %s, want ENABLED", out.Status)
			}
			var got []string
			for _, a := range out.InstanceAccessControlAttributeConfiguration.AccessControlAttributes {
				got = append(got, aws.ToString(a.Key)+"="+a.Value.Source[0])
			}
			return got
		}
		if d := cmp.Diff([]string{"CostCenter=${path:enterprise.costCenter}"}, describe()); d != "" {
			t.Errorf("configuration (-want +got):\n%s", d)
		}
		conf.AccessControlAttributes = append(conf.AccessControlAttributes, attr("Dept", "${path:enterprise.department}"))
		if _, err := f.c.UpdateInstanceAccessControlAttributeConfiguration(ctx, &ssoadmin.UpdateInstanceAccessControlAttributeConfigurationInput{InstanceArn: inst, InstanceAccessControlAttributeConfiguration: conf}); err != nil {
			t.Fatalf("UpdateInstanceAccessControlAttributeConfiguration: %v", err)
		}
		if got := describe(); len(got) != 2 {
			t.Errorf("configuration after update = %v, want 2 attributes", got)
		}

		// Regions.
		for _, r := range []string{"eu-west-1", "us-west-2"} {
			out, err := f.c.AddRegion(ctx, &ssoadmin.AddRegionInput{InstanceArn: inst, RegionName: aws.String(r)})
			if err != nil || out.Status != types.RegionStatusAdding {
				t.Fatalf("AddRegion(%s) = %v, %v", r, out, err)
			}
		}
		dr, err := f.c.DescribeRegion(ctx, &ssoadmin.DescribeRegionInput{InstanceArn: inst, RegionName: aws.String("us-west-2")})
		if err != nil || dr.Status != types.RegionStatusActive || aws.ToString(dr.RegionName) != "us-west-2" {
			t.Errorf("DescribeRegion = %+v, %v", dr, err)
		}
		var regions []string
		rp := ssoadmin.NewListRegionsPaginator(f.c, &ssoadmin.ListRegionsInput{InstanceArn: inst, MaxResults: aws.Int32(1)})
		for rp.HasMorePages() {
			page, err := rp.NextPage(ctx)
			if err != nil {
				t.Fatalf("ListRegions: %v", err)
			}
			for _, r := range page.Regions {
				regions = append(regions, aws.ToString(r.RegionName))
			}
		}
		if d := cmp.Diff([]string{"eu-west-1", "us-west-2"}, regions); d != "" {
			t.Errorf("ListRegions (-want +got):\n%s", d)
		}
		if _, err := f.c.RemoveRegion(ctx, &ssoadmin.RemoveRegionInput{InstanceArn: inst, RegionName: aws.String("eu-west-1")}); err != nil {
			t.Fatalf("RemoveRegion: %v", err)
		}

		// Tags on the instance, with a MaxResults-less list.
		for i := range 3 {
			if _, err := f.c.TagResource(ctx, &ssoadmin.TagResourceInput{ResourceArn: inst, Tags: []types.Tag{{Key: aws.String(fmt.Sprint("k", i)), Value: aws.String("v")}}}); err != nil {
				t.Fatalf("TagResource: %v", err)
			}
		}
		if _, err := f.c.UntagResource(ctx, &ssoadmin.UntagResourceInput{InstanceArn: inst, ResourceArn: inst, TagKeys: []string{"k1"}}); err != nil {
			t.Fatalf("UntagResource: %v", err)
		}
		if d := cmp.Diff([]string{"k0=v", "k2=v"}, f.tags(f.inst)); d != "" {
			t.Errorf("tags (-want +got):\n%s", d)
		}

		full := f.permissionSet("Full")
		var many []types.Tag
		for i := range 50 {
			many = append(many, types.Tag{Key: aws.String(fmt.Sprint("t", i)), Value: aws.String("v")})
		}
		if _, err := f.c.TagResource(ctx, &ssoadmin.TagResourceInput{InstanceArn: inst, ResourceArn: aws.String(full), Tags: many}); err != nil {
			t.Fatalf("TagResource(50 tags): %v", err)
		}
		other, err := f.c.CreateInstance(ctx, &ssoadmin.CreateInstanceInput{Name: aws.String("other")})
		if err != nil {
			t.Fatalf("CreateInstance: %v", err)
		}

		f.checkErrors([]errCase{
			{"CreateABACTwice", func(ctx context.Context, c *ssoadmin.Client) error {
				_, err := c.CreateInstanceAccessControlAttributeConfiguration(ctx, &ssoadmin.CreateInstanceAccessControlAttributeConfigurationInput{InstanceArn: inst, InstanceAccessControlAttributeConfiguration: conf})
				return err
			}, conflict},
			{"UpdateABACMissing", func(ctx context.Context, c *ssoadmin.Client) error {
				_, err := c.UpdateInstanceAccessControlAttributeConfiguration(ctx, &ssoadmin.UpdateInstanceAccessControlAttributeConfigurationInput{InstanceArn: other.InstanceArn, InstanceAccessControlAttributeConfiguration: conf})
				return err
			}, notFound},
			{"DescribeABACMissing", func(ctx context.Context, c *ssoadmin.Client) error {
				_, err := c.DescribeInstanceAccessControlAttributeConfiguration(ctx, &ssoadmin.DescribeInstanceAccessControlAttributeConfigurationInput{InstanceArn: other.InstanceArn})
				return err
			}, notFound},
			{"DeleteABACMissing", func(ctx context.Context, c *ssoadmin.Client) error {
				_, err := c.DeleteInstanceAccessControlAttributeConfiguration(ctx, &ssoadmin.DeleteInstanceAccessControlAttributeConfigurationInput{InstanceArn: other.InstanceArn})
				return err
			}, notFound},
			{"ABACDuplicateKey", func(ctx context.Context, c *ssoadmin.Client) error {
				dup := &types.InstanceAccessControlAttributeConfiguration{AccessControlAttributes: []types.AccessControlAttribute{attr("A", "x"), attr("A", "y")}}
				_, err := c.UpdateInstanceAccessControlAttributeConfiguration(ctx, &ssoadmin.UpdateInstanceAccessControlAttributeConfigurationInput{InstanceArn: inst, InstanceAccessControlAttributeConfiguration: dup})
				return err
			}, validation},
			{"ABACUnknownInstance", func(ctx context.Context, c *ssoadmin.Client) error {
				_, err := c.CreateInstanceAccessControlAttributeConfiguration(ctx, &ssoadmin.CreateInstanceAccessControlAttributeConfigurationInput{InstanceArn: aws.String(unknownInstance), InstanceAccessControlAttributeConfiguration: conf})
				return err
			}, notFound},
			{"DescribeUnknownInstance", func(ctx context.Context, c *ssoadmin.Client) error {
				_, err := c.DescribeInstance(ctx, &ssoadmin.DescribeInstanceInput{InstanceArn: aws.String(unknownInstance)})
				return err
			}, notFound},
			{"DescribeMalformedInstance", func(ctx context.Context, c *ssoadmin.Client) error {
				_, err := c.DescribeInstance(ctx, &ssoadmin.DescribeInstanceInput{InstanceArn: aws.String("arn:aws:sso:::instance/x")})
				return err
			}, validation},
			{"UpdateUnknownInstance", func(ctx context.Context, c *ssoadmin.Client) error {
				_, err := c.UpdateInstance(ctx, &ssoadmin.UpdateInstanceInput{InstanceArn: aws.String(unknownInstance), Name: aws.String("x")})
				return err
			}, notFound},
			{"UpdateCustomerKey", func(ctx context.Context, c *ssoadmin.Client) error {
				_, err := c.UpdateInstance(ctx, &ssoadmin.UpdateInstanceInput{InstanceArn: inst, EncryptionConfiguration: &types.EncryptionConfiguration{KeyType: types.KmsKeyTypeCustomerManagedKey,
					KmsKeyArn: aws.String("arn:aws:kms:us-east-1:123456789012:key/12345678-1234-1234-1234-123456789012")}})
				return err
			}, validation},
			{"DeleteBootstrapInstance", func(ctx context.Context, c *ssoadmin.Client) error {
				_, err := c.DeleteInstance(ctx, &ssoadmin.DeleteInstanceInput{InstanceArn: inst})
				return err
			}, conflict},
			{"AddRegionTwice", func(ctx context.Context, c *ssoadmin.Client) error {
				_, err := c.AddRegion(ctx, &ssoadmin.AddRegionInput{InstanceArn: inst, RegionName: aws.String("us-west-2")})
				return err
			}, conflict},
			{"AddRegionMalformed", func(ctx context.Context, c *ssoadmin.Client) error {
				_, err := c.AddRegion(ctx, &ssoadmin.AddRegionInput{InstanceArn: inst, RegionName: aws.String("mars")})
				return err
			}, validation},
			{"RemoveRegionAbsent", func(ctx context.Context, c *ssoadmin.Client) error {
				_, err := c.RemoveRegion(ctx, &ssoadmin.RemoveRegionInput{InstanceArn: inst, RegionName: aws.String("eu-west-1")})
				return err
			}, notFound},
			{"DescribeRegionAbsent", func(ctx context.Context, c *ssoadmin.Client) error {
				_, err := c.DescribeRegion(ctx, &ssoadmin.DescribeRegionInput{InstanceArn: inst, RegionName: aws.String("ap-south-1")})
				return err
			}, notFound},
			{"ListRegionsUnknownInstance", func(ctx context.Context, c *ssoadmin.Client) error {
				_, err := c.ListRegions(ctx, &ssoadmin.ListRegionsInput{InstanceArn: aws.String(unknownInstance)})
				return err
			}, notFound},
			{"TagUnknownPermissionSet", func(ctx context.Context, c *ssoadmin.Client) error {
				_, err := c.TagResource(ctx, &ssoadmin.TagResourceInput{ResourceArn: aws.String(unknownPermissionSet), Tags: []types.Tag{{Key: aws.String("a"), Value: aws.String("b")}}})
				return err
			}, notFound},
			{"TagOtherInstancesResource", func(ctx context.Context, c *ssoadmin.Client) error {
				_, err := c.TagResource(ctx, &ssoadmin.TagResourceInput{InstanceArn: other.InstanceArn, ResourceArn: aws.String(full), Tags: []types.Tag{{Key: aws.String("a"), Value: aws.String("b")}}})
				return err
			}, notFound},
			{"TagQuota", func(ctx context.Context, c *ssoadmin.Client) error {
				_, err := c.TagResource(ctx, &ssoadmin.TagResourceInput{ResourceArn: aws.String(full), Tags: []types.Tag{{Key: aws.String("one-more"), Value: aws.String("v")}}})
				return err
			}, quota},
			{"TagReserved", func(ctx context.Context, c *ssoadmin.Client) error {
				_, err := c.TagResource(ctx, &ssoadmin.TagResourceInput{ResourceArn: inst, Tags: []types.Tag{{Key: aws.String("aws:cloudformation"), Value: aws.String("v")}}})
				return err
			}, validation},
			{"TagApplication", func(ctx context.Context, c *ssoadmin.Client) error {
				_, err := c.TagResource(ctx, &ssoadmin.TagResourceInput{ResourceArn: aws.String("arn:aws:sso::123456789012:application/ssoins-0000000000000000/apl-0000000000000000"), Tags: []types.Tag{{Key: aws.String("a"), Value: aws.String("b")}}})
				return err
			}, notFound},
			{"TagMalformedARN", func(ctx context.Context, c *ssoadmin.Client) error {
				_, err := c.TagResource(ctx, &ssoadmin.TagResourceInput{ResourceArn: aws.String("arn:aws:s3:::bucket"), Tags: []types.Tag{{Key: aws.String("a"), Value: aws.String("b")}}})
				return err
			}, validation},
			{"UntagUnknown", func(ctx context.Context, c *ssoadmin.Client) error {
				_, err := c.UntagResource(ctx, &ssoadmin.UntagResourceInput{ResourceArn: aws.String(unknownInstance), TagKeys: []string{"a"}})
				return err
			}, notFound},
			{"ListTagsUnknown", func(ctx context.Context, c *ssoadmin.Client) error {
				_, err := c.ListTagsForResource(ctx, &ssoadmin.ListTagsForResourceInput{ResourceArn: aws.String(unknownPermissionSet)})
				return err
			}, notFound},
			{"ListTagsBadToken", func(ctx context.Context, c *ssoadmin.Client) error {
				_, err := c.ListTagsForResource(ctx, &ssoadmin.ListTagsForResourceInput{ResourceArn: inst, NextToken: aws.String("abc")})
				return err
			}, validation},
			{"ApplicationsNotYet", func(ctx context.Context, c *ssoadmin.Client) error {
				_, err := c.ListApplications(ctx, &ssoadmin.ListApplicationsInput{InstanceArn: inst})
				return err
			}, code("UnknownOperationException")},
			{"TrustedTokenIssuersNotYet", func(ctx context.Context, c *ssoadmin.Client) error {
				_, err := c.ListTrustedTokenIssuers(ctx, &ssoadmin.ListTrustedTokenIssuersInput{InstanceArn: inst})
				return err
			}, code("UnknownOperationException")},
		})

		if _, err := f.c.DeleteInstanceAccessControlAttributeConfiguration(ctx, &ssoadmin.DeleteInstanceAccessControlAttributeConfigurationInput{InstanceArn: inst}); err != nil {
			t.Fatalf("DeleteInstanceAccessControlAttributeConfiguration: %v", err)
		}
		if _, err := f.c.DescribeInstanceAccessControlAttributeConfiguration(ctx, &ssoadmin.DescribeInstanceAccessControlAttributeConfigurationInput{InstanceArn: inst}); notFound(err) != "" {
			t.Errorf("Describe after delete = %v, want ResourceNotFoundException", err)
		}
	})
}
