package ssoadmin_test

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ssoadmin"
	"github.com/aws/aws-sdk-go-v2/service/ssoadmin/types"
	"github.com/google/go-cmp/cmp"

	"github.com/idcenter/idcenter/internal/testenv"
)

func TestPermissionSetLifecycle(t *testing.T) {
	testenv.Backends(t, func(t *testing.T, env *testenv.Env) {
		f := newFixture(t, env)
		ctx := t.Context()
		inst := aws.String(f.inst)
		out, err := f.c.CreatePermissionSet(ctx, &ssoadmin.CreatePermissionSetInput{
			InstanceArn: inst, Name: aws.String("Admins"), Description: aws.String("admins"),
			SessionDuration: aws.String("PT4H"), RelayState: aws.String("https://console.aws.amazon.com/"),
			Tags: []types.Tag{{Key: aws.String("team"), Value: aws.String("ops")}},
		})
		if err != nil {
			t.Fatalf("CreatePermissionSet: %v", err)
		}
		ps := out.PermissionSet
		arn := aws.ToString(ps.PermissionSetArn)
		if !strings.HasPrefix(arn, "arn:aws:sso:::permissionSet/"+strings.TrimPrefix(f.inst, "arn:aws:sso:::instance/")+"/ps-") {
			t.Errorf("PermissionSetArn = %s, want one under the instance", arn)
		}
		d, err := f.c.DescribePermissionSet(ctx, &ssoadmin.DescribePermissionSetInput{InstanceArn: inst, PermissionSetArn: ps.PermissionSetArn})
		if err != nil {
			t.Fatalf("DescribePermissionSet: %v", err)
		}
		got := fmt.Sprintf("%s %s %s %s", aws.ToString(d.PermissionSet.Name), aws.ToString(d.PermissionSet.Description), aws.ToString(d.PermissionSet.SessionDuration), aws.ToString(d.PermissionSet.RelayState))
		if want := "Admins admins PT4H https://console.aws.amazon.com/"; got != want {
			t.Errorf("DescribePermissionSet = %q, want %q", got, want)
		}
		if d.PermissionSet.CreatedDate == nil {
			t.Error("DescribePermissionSet CreatedDate is nil")
		}
		if got := f.tags(arn); cmp.Diff([]string{"team=ops"}, got) != "" {
			t.Errorf("tags = %v, want [team=ops]", got)
		}

		// Defaults.
		def := f.permissionSet("Default")
		dd, err := f.c.DescribePermissionSet(ctx, &ssoadmin.DescribePermissionSetInput{InstanceArn: inst, PermissionSetArn: aws.String(def)})
		if err != nil || aws.ToString(dd.PermissionSet.SessionDuration) != "PT1H" {
			t.Errorf("DescribePermissionSet(default) = %+v, %v; want SessionDuration PT1H", dd, err)
		}

		// Update leaves unspecified fields alone.
		if _, err := f.c.UpdatePermissionSet(ctx, &ssoadmin.UpdatePermissionSetInput{InstanceArn: inst, PermissionSetArn: ps.PermissionSetArn, SessionDuration: aws.String("PT12H")}); err != nil {
			t.Fatalf("UpdatePermissionSet: %v", err)
		}
		d, _ = f.c.DescribePermissionSet(ctx, &ssoadmin.DescribePermissionSetInput{InstanceArn: inst, PermissionSetArn: ps.PermissionSetArn})
		if got := aws.ToString(d.PermissionSet.SessionDuration) + " " + aws.ToString(d.PermissionSet.Description); got != "PT12H admins" {
			t.Errorf("after UpdatePermissionSet = %q, want \"PT12H admins\"", got)
		}

		// Inline policy.
		if _, err := f.c.PutInlinePolicyToPermissionSet(ctx, &ssoadmin.PutInlinePolicyToPermissionSetInput{InstanceArn: inst, PermissionSetArn: ps.PermissionSetArn, InlinePolicy: aws.String(adminPolicy)}); err != nil {
			t.Fatalf("PutInlinePolicyToPermissionSet: %v", err)
		}
		ip, err := f.c.GetInlinePolicyForPermissionSet(ctx, &ssoadmin.GetInlinePolicyForPermissionSetInput{InstanceArn: inst, PermissionSetArn: ps.PermissionSetArn})
		if err != nil || aws.ToString(ip.InlinePolicy) != adminPolicy {
			t.Errorf("GetInlinePolicyForPermissionSet = %v, %v; want the policy", aws.ToString(ip.InlinePolicy), err)
		}
		if _, err := f.c.DeleteInlinePolicyFromPermissionSet(ctx, &ssoadmin.DeleteInlinePolicyFromPermissionSetInput{InstanceArn: inst, PermissionSetArn: ps.PermissionSetArn}); err != nil {
			t.Fatalf("DeleteInlinePolicyFromPermissionSet: %v", err)
		}
		ip, err = f.c.GetInlinePolicyForPermissionSet(ctx, &ssoadmin.GetInlinePolicyForPermissionSetInput{InstanceArn: inst, PermissionSetArn: ps.PermissionSetArn})
		if err != nil || aws.ToString(ip.InlinePolicy) != "" {
			t.Errorf("GetInlinePolicyForPermissionSet after delete = %q, %v; want empty", aws.ToString(ip.InlinePolicy), err)
		}

		// Managed policies.
		for _, p := range []string{adminAccessARN, readOnlyAccessARN, "arn:aws:iam::aws:policy/job-function/ViewOnlyAccess"} {
			if _, err := f.c.AttachManagedPolicyToPermissionSet(ctx, &ssoadmin.AttachManagedPolicyToPermissionSetInput{InstanceArn: inst, PermissionSetArn: ps.PermissionSetArn, ManagedPolicyArn: aws.String(p)}); err != nil {
				t.Fatalf("AttachManagedPolicyToPermissionSet(%s): %v", p, err)
			}
		}
		if _, err := f.c.DetachManagedPolicyFromPermissionSet(ctx, &ssoadmin.DetachManagedPolicyFromPermissionSetInput{InstanceArn: inst, PermissionSetArn: ps.PermissionSetArn, ManagedPolicyArn: aws.String(readOnlyAccessARN)}); err != nil {
			t.Fatalf("DetachManagedPolicyFromPermissionSet: %v", err)
		}
		var managed []string
		mp := ssoadmin.NewListManagedPoliciesInPermissionSetPaginator(f.c, &ssoadmin.ListManagedPoliciesInPermissionSetInput{InstanceArn: inst, PermissionSetArn: ps.PermissionSetArn, MaxResults: aws.Int32(1)})
		for mp.HasMorePages() {
			page, err := mp.NextPage(ctx)
			if err != nil {
				t.Fatalf("ListManagedPoliciesInPermissionSet: %v", err)
			}
			for _, m := range page.AttachedManagedPolicies {
				managed = append(managed, aws.ToString(m.Name)+"|"+aws.ToString(m.Arn))
			}
		}
		if d := cmp.Diff([]string{"AdministratorAccess|" + adminAccessARN, "ViewOnlyAccess|arn:aws:iam::aws:policy/job-function/ViewOnlyAccess"}, managed); d != "" {
			t.Errorf("managed policies (-want +got):\n%s", d)
		}

		// Customer managed policy references.
		for _, r := range []types.CustomerManagedPolicyReference{{Name: aws.String("Deploy")}, {Name: aws.String("Read"), Path: aws.String("/team/")}} {
			if _, err := f.c.AttachCustomerManagedPolicyReferenceToPermissionSet(ctx, &ssoadmin.AttachCustomerManagedPolicyReferenceToPermissionSetInput{InstanceArn: inst, PermissionSetArn: ps.PermissionSetArn, CustomerManagedPolicyReference: &r}); err != nil {
				t.Fatalf("AttachCustomerManagedPolicyReferenceToPermissionSet: %v", err)
			}
		}
		var refs []string
		cp := ssoadmin.NewListCustomerManagedPolicyReferencesInPermissionSetPaginator(f.c, &ssoadmin.ListCustomerManagedPolicyReferencesInPermissionSetInput{InstanceArn: inst, PermissionSetArn: ps.PermissionSetArn, MaxResults: aws.Int32(1)})
		for cp.HasMorePages() {
			page, err := cp.NextPage(ctx)
			if err != nil {
				t.Fatalf("ListCustomerManagedPolicyReferencesInPermissionSet: %v", err)
			}
			for _, r := range page.CustomerManagedPolicyReferences {
				refs = append(refs, aws.ToString(r.Path)+aws.ToString(r.Name))
			}
		}
		if d := cmp.Diff([]string{"/Deploy", "/team/Read"}, refs); d != "" {
			t.Errorf("customer managed references (-want +got):\n%s", d)
		}
		if _, err := f.c.DetachCustomerManagedPolicyReferenceFromPermissionSet(ctx, &ssoadmin.DetachCustomerManagedPolicyReferenceFromPermissionSetInput{InstanceArn: inst, PermissionSetArn: ps.PermissionSetArn,
			CustomerManagedPolicyReference: &types.CustomerManagedPolicyReference{Name: aws.String("Deploy"), Path: aws.String("/")}}); err != nil {
			t.Fatalf("DetachCustomerManagedPolicyReferenceFromPermissionSet: %v", err)
		}

		// Permissions boundary.
		for _, b := range []types.PermissionsBoundary{
			{ManagedPolicyArn: aws.String(readOnlyAccessARN)},
			{CustomerManagedPolicyReference: &types.CustomerManagedPolicyReference{Name: aws.String("Boundary")}},
		} {
			if _, err := f.c.PutPermissionsBoundaryToPermissionSet(ctx, &ssoadmin.PutPermissionsBoundaryToPermissionSetInput{InstanceArn: inst, PermissionSetArn: ps.PermissionSetArn, PermissionsBoundary: &b}); err != nil {
				t.Fatalf("PutPermissionsBoundaryToPermissionSet: %v", err)
			}
			g, err := f.c.GetPermissionsBoundaryForPermissionSet(ctx, &ssoadmin.GetPermissionsBoundaryForPermissionSetInput{InstanceArn: inst, PermissionSetArn: ps.PermissionSetArn})
			if err != nil {
				t.Fatalf("GetPermissionsBoundaryForPermissionSet: %v", err)
			}
			got := aws.ToString(g.PermissionsBoundary.ManagedPolicyArn)
			if r := g.PermissionsBoundary.CustomerManagedPolicyReference; r != nil {
				got = aws.ToString(r.Path) + aws.ToString(r.Name)
			}
			want := aws.ToString(b.ManagedPolicyArn)
			if b.CustomerManagedPolicyReference != nil {
				want = "/Boundary"
			}
			if got != want {
				t.Errorf("GetPermissionsBoundaryForPermissionSet = %s, want %s", got, want)
			}
		}
		if _, err := f.c.DeletePermissionsBoundaryFromPermissionSet(ctx, &ssoadmin.DeletePermissionsBoundaryFromPermissionSetInput{InstanceArn: inst, PermissionSetArn: ps.PermissionSetArn}); err != nil {
			t.Fatalf("DeletePermissionsBoundaryFromPermissionSet: %v", err)
		}
		if _, err := f.c.GetPermissionsBoundaryForPermissionSet(ctx, &ssoadmin.GetPermissionsBoundaryForPermissionSetInput{InstanceArn: inst, PermissionSetArn: ps.PermissionSetArn}); notFound(err) != "" {
			t.Errorf("GetPermissionsBoundaryForPermissionSet after delete = %v, want ResourceNotFoundException", err)
		}

		// Delete.
		if _, err := f.c.DeletePermissionSet(ctx, &ssoadmin.DeletePermissionSetInput{InstanceArn: inst, PermissionSetArn: ps.PermissionSetArn}); err != nil {
			t.Fatalf("DeletePermissionSet: %v", err)
		}
		if _, err := f.c.DescribePermissionSet(ctx, &ssoadmin.DescribePermissionSetInput{InstanceArn: inst, PermissionSetArn: ps.PermissionSetArn}); notFound(err) != "" {
			t.Errorf("DescribePermissionSet after delete = %v, want ResourceNotFoundException", err)
		}
		if got := f.allPermissionSets(); cmp.Diff([]string{def}, got) != "" {
			t.Errorf("ListPermissionSets = %v, want [%s]", got, def)
		}
	})
}

func TestPermissionSetPagination(t *testing.T) {
	testenv.Backends(t, func(t *testing.T, env *testenv.Env) {
		f := newFixture(t, env)
		var want []string
		for i := range 7 {
			want = append(want, f.permissionSet(fmt.Sprintf("ps%d", i)))
		}
		var got []string
		var token *string
		pages := 0
		for {
			out, err := f.c.ListPermissionSets(t.Context(), &ssoadmin.ListPermissionSetsInput{InstanceArn: aws.String(f.inst), MaxResults: aws.Int32(1), NextToken: token})
			if err != nil {
				t.Fatalf("ListPermissionSets: %v", err)
			}
			pages++
			got = append(got, out.PermissionSets...)
			if out.NextToken == nil {
				break
			}
			token = out.NextToken
			if pages == 3 {
				// A tampered token and one from another listing are refused.
				if _, err := f.c.ListPermissionSets(t.Context(), &ssoadmin.ListPermissionSetsInput{InstanceArn: aws.String(f.inst), NextToken: aws.String(tamper(*token))}); validation(err) != "" {
					t.Errorf("ListPermissionSets(tampered token) = %v, want ValidationException", err)
				}
				if _, err := f.c.ListInstances(t.Context(), &ssoadmin.ListInstancesInput{NextToken: token}); validation(err) != "" {
					t.Errorf("ListInstances(foreign token) = %v, want ValidationException", err)
				}
			}
		}
		if pages != 7 || joinSorted(got) != joinSorted(want) {
			t.Errorf("paged ListPermissionSets = %d pages %v, want 7 pages %v", pages, got, want)
		}
	})
}

func TestPermissionSetErrors(t *testing.T) {
	testenv.Backends(t, func(t *testing.T, env *testenv.Env) {
		f := newFixture(t, env)
		ps := f.permissionSet("Existing")
		acct := f.account("acct")
		g := f.group("g")
		used := f.permissionSet("Used")
		f.assign(acct, used, types.PrincipalTypeGroup, g)
		for i := range 20 {
			if _, err := f.c.AttachManagedPolicyToPermissionSet(t.Context(), &ssoadmin.AttachManagedPolicyToPermissionSetInput{InstanceArn: aws.String(f.inst), PermissionSetArn: aws.String(used), ManagedPolicyArn: aws.String(fmt.Sprintf("arn:aws:iam::aws:policy/P%d", i))}); err != nil {
				t.Fatalf("AttachManagedPolicyToPermissionSet %d: %v", i, err)
			}
			if _, err := f.c.AttachCustomerManagedPolicyReferenceToPermissionSet(t.Context(), &ssoadmin.AttachCustomerManagedPolicyReferenceToPermissionSetInput{InstanceArn: aws.String(f.inst), PermissionSetArn: aws.String(used), CustomerManagedPolicyReference: &types.CustomerManagedPolicyReference{Name: aws.String(fmt.Sprintf("C%d", i))}}); err != nil {
				t.Fatalf("AttachCustomerManagedPolicyReferenceToPermissionSet %d: %v", i, err)
			}
		}
		if _, err := f.c.AttachManagedPolicyToPermissionSet(t.Context(), &ssoadmin.AttachManagedPolicyToPermissionSetInput{InstanceArn: aws.String(f.inst), PermissionSetArn: aws.String(ps), ManagedPolicyArn: aws.String(adminAccessARN)}); err != nil {
			t.Fatal(err)
		}
		other, err := f.c.CreateInstance(t.Context(), &ssoadmin.CreateInstanceInput{Name: aws.String("other")})
		if err != nil {
			t.Fatalf("CreateInstance: %v", err)
		}
		inst, arn := aws.String(f.inst), aws.String(ps)
		bad := func(doc string) func(ctx context.Context, c *ssoadmin.Client) error {
			return func(ctx context.Context, c *ssoadmin.Client) error {
				_, err := c.PutInlinePolicyToPermissionSet(ctx, &ssoadmin.PutInlinePolicyToPermissionSetInput{InstanceArn: inst, PermissionSetArn: arn, InlinePolicy: aws.String(doc)})
				return err
			}
		}
		create := func(in ssoadmin.CreatePermissionSetInput) func(ctx context.Context, c *ssoadmin.Client) error {
			return func(ctx context.Context, c *ssoadmin.Client) error {
				if in.InstanceArn == nil {
					in.InstanceArn = inst
				}
				_, err := c.CreatePermissionSet(ctx, &in)
				return err
			}
		}
		f.checkErrors([]errCase{
			{"CreateDuplicateName", create(ssoadmin.CreatePermissionSetInput{Name: aws.String("Existing")}), conflict},
			{"CreateUnknownInstance", create(ssoadmin.CreatePermissionSetInput{Name: aws.String("x"), InstanceArn: aws.String(unknownInstance)}), notFound},
			{"CreateBadName", create(ssoadmin.CreatePermissionSetInput{Name: aws.String("has space")}), validation},
			{"CreateLongName", create(ssoadmin.CreatePermissionSetInput{Name: aws.String(strings.Repeat("n", 33))}), validation},
			{"CreateSessionTooShort", create(ssoadmin.CreatePermissionSetInput{Name: aws.String("x"), SessionDuration: aws.String("PT30M")}), validation},
			{"CreateSessionTooLong", create(ssoadmin.CreatePermissionSetInput{Name: aws.String("x"), SessionDuration: aws.String("PT13H")}), validation},
			{"CreateSessionNotISO", create(ssoadmin.CreatePermissionSetInput{Name: aws.String("x"), SessionDuration: aws.String("1h")}), validation},
			{"CreateSessionMonths", create(ssoadmin.CreatePermissionSetInput{Name: aws.String("x"), SessionDuration: aws.String("P1M")}), validation},
			{"CreateReservedTag", create(ssoadmin.CreatePermissionSetInput{Name: aws.String("x"), Tags: []types.Tag{{Key: aws.String("aws:x"), Value: aws.String("v")}}}), validation},
			{"CreateBadInstanceARN", create(ssoadmin.CreatePermissionSetInput{Name: aws.String("x"), InstanceArn: aws.String("arn:aws:sso:::instance/nope")}), validation},
			{"DescribeUnknown", func(ctx context.Context, c *ssoadmin.Client) error {
				_, err := c.DescribePermissionSet(ctx, &ssoadmin.DescribePermissionSetInput{InstanceArn: inst, PermissionSetArn: aws.String(unknownPermissionSet)})
				return err
			}, notFound},
			{"DescribeOtherInstance", func(ctx context.Context, c *ssoadmin.Client) error {
				_, err := c.DescribePermissionSet(ctx, &ssoadmin.DescribePermissionSetInput{InstanceArn: other.InstanceArn, PermissionSetArn: arn})
				return err
			}, notFound},
			{"DescribeMalformedARN", func(ctx context.Context, c *ssoadmin.Client) error {
				_, err := c.DescribePermissionSet(ctx, &ssoadmin.DescribePermissionSetInput{InstanceArn: inst, PermissionSetArn: aws.String("arn:aws:sso:::permissionSet/x")})
				return err
			}, validation},
			{"UpdateUnknown", func(ctx context.Context, c *ssoadmin.Client) error {
				_, err := c.UpdatePermissionSet(ctx, &ssoadmin.UpdatePermissionSetInput{InstanceArn: inst, PermissionSetArn: aws.String(unknownPermissionSet), Description: aws.String("d")})
				return err
			}, notFound},
			{"UpdateBadSession", func(ctx context.Context, c *ssoadmin.Client) error {
				_, err := c.UpdatePermissionSet(ctx, &ssoadmin.UpdatePermissionSetInput{InstanceArn: inst, PermissionSetArn: arn, SessionDuration: aws.String("PT0S")})
				return err
			}, validation},
			{"DeleteUnknown", func(ctx context.Context, c *ssoadmin.Client) error {
				_, err := c.DeletePermissionSet(ctx, &ssoadmin.DeletePermissionSetInput{InstanceArn: inst, PermissionSetArn: aws.String(unknownPermissionSet)})
				return err
			}, notFound},
			{"DeleteAssigned", func(ctx context.Context, c *ssoadmin.Client) error {
				_, err := c.DeletePermissionSet(ctx, &ssoadmin.DeletePermissionSetInput{InstanceArn: inst, PermissionSetArn: aws.String(used)})
				return err
			}, conflict},
			{"ListUnknownInstance", func(ctx context.Context, c *ssoadmin.Client) error {
				_, err := c.ListPermissionSets(ctx, &ssoadmin.ListPermissionSetsInput{InstanceArn: aws.String(unknownInstance)})
				return err
			}, notFound},
			{"PolicyNotJSON", bad(`{"Version":`), validation},
			{"PolicyNotObject", bad(`[]`), validation},
			{"PolicyNoStatement", bad(`{"Version":"2012-10-17"}`), validation},
			{"PolicyBadVersion", bad(`{"Version":"2020-01-01","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]}`), validation},
			{"PolicyBadEffect", bad(`{"Version":"2012-10-17","Statement":[{"Effect":"allow","Action":"*","Resource":"*"}]}`), validation},
			{"PolicyPrincipal", bad(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":"*","Action":"*","Resource":"*"}]}`), validation},
			{"PolicyActionAndNotAction", bad(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","NotAction":"s3:*","Resource":"*"}]}`), validation},
			{"PolicyNoResource", bad(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:GetObject"}]}`), validation},
			{"PolicyDuplicateKey", bad(`{"Version":"2012-10-17","Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]}`), validation},
			{"PolicyLowercaseKey", bad(`{"version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]}`), validation},
			{"PolicyBadCondition", bad(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*","Condition":{"StringEqualz":{"aws:x":"y"}}}]}`), validation},
			{"PolicyBadAction", bad(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"GetObject","Resource":"*"}]}`), validation},
			{"PolicyBadResource", bad(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"bucket"}]}`), validation},
			{"PolicyTooLarge", bad(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":["` + strings.Repeat("arn:aws:s3:::b/x", 700) + `"]}]}`), validation},
			{"PolicyUnknownPermissionSet", func(ctx context.Context, c *ssoadmin.Client) error {
				_, err := c.PutInlinePolicyToPermissionSet(ctx, &ssoadmin.PutInlinePolicyToPermissionSetInput{InstanceArn: inst, PermissionSetArn: aws.String(unknownPermissionSet), InlinePolicy: aws.String(adminPolicy)})
				return err
			}, notFound},
			{"GetInlineUnknown", func(ctx context.Context, c *ssoadmin.Client) error {
				_, err := c.GetInlinePolicyForPermissionSet(ctx, &ssoadmin.GetInlinePolicyForPermissionSetInput{InstanceArn: inst, PermissionSetArn: aws.String(unknownPermissionSet)})
				return err
			}, notFound},
			{"AttachManagedTwice", func(ctx context.Context, c *ssoadmin.Client) error {
				_, err := c.AttachManagedPolicyToPermissionSet(ctx, &ssoadmin.AttachManagedPolicyToPermissionSetInput{InstanceArn: inst, PermissionSetArn: arn, ManagedPolicyArn: aws.String(adminAccessARN)})
				return err
			}, conflict},
			{"AttachManagedQuota", func(ctx context.Context, c *ssoadmin.Client) error {
				_, err := c.AttachManagedPolicyToPermissionSet(ctx, &ssoadmin.AttachManagedPolicyToPermissionSetInput{InstanceArn: inst, PermissionSetArn: aws.String(used), ManagedPolicyArn: aws.String(adminAccessARN)})
				return err
			}, quota},
			{"AttachManagedCustomerARN", func(ctx context.Context, c *ssoadmin.Client) error {
				_, err := c.AttachManagedPolicyToPermissionSet(ctx, &ssoadmin.AttachManagedPolicyToPermissionSetInput{InstanceArn: inst, PermissionSetArn: arn, ManagedPolicyArn: aws.String("arn:aws:iam::123456789012:policy/Mine")})
				return err
			}, validation},
			{"DetachManagedNotAttached", func(ctx context.Context, c *ssoadmin.Client) error {
				_, err := c.DetachManagedPolicyFromPermissionSet(ctx, &ssoadmin.DetachManagedPolicyFromPermissionSetInput{InstanceArn: inst, PermissionSetArn: arn, ManagedPolicyArn: aws.String(readOnlyAccessARN)})
				return err
			}, notFound},
			{"ListManagedUnknown", func(ctx context.Context, c *ssoadmin.Client) error {
				_, err := c.ListManagedPoliciesInPermissionSet(ctx, &ssoadmin.ListManagedPoliciesInPermissionSetInput{InstanceArn: inst, PermissionSetArn: aws.String(unknownPermissionSet)})
				return err
			}, notFound},
			{"AttachCustomerQuota", func(ctx context.Context, c *ssoadmin.Client) error {
				_, err := c.AttachCustomerManagedPolicyReferenceToPermissionSet(ctx, &ssoadmin.AttachCustomerManagedPolicyReferenceToPermissionSetInput{InstanceArn: inst, PermissionSetArn: aws.String(used), CustomerManagedPolicyReference: &types.CustomerManagedPolicyReference{Name: aws.String("Extra")}})
				return err
			}, quota},
			{"AttachCustomerTwice", func(ctx context.Context, c *ssoadmin.Client) error {
				_, err := c.AttachCustomerManagedPolicyReferenceToPermissionSet(ctx, &ssoadmin.AttachCustomerManagedPolicyReferenceToPermissionSetInput{InstanceArn: inst, PermissionSetArn: aws.String(used), CustomerManagedPolicyReference: &types.CustomerManagedPolicyReference{Name: aws.String("C0"), Path: aws.String("/")}})
				return err
			}, conflict},
			{"AttachCustomerBadPath", func(ctx context.Context, c *ssoadmin.Client) error {
				_, err := c.AttachCustomerManagedPolicyReferenceToPermissionSet(ctx, &ssoadmin.AttachCustomerManagedPolicyReferenceToPermissionSetInput{InstanceArn: inst, PermissionSetArn: arn, CustomerManagedPolicyReference: &types.CustomerManagedPolicyReference{Name: aws.String("X"), Path: aws.String("no-slash")}})
				return err
			}, validation},
			{"DetachCustomerNotAttached", func(ctx context.Context, c *ssoadmin.Client) error {
				_, err := c.DetachCustomerManagedPolicyReferenceFromPermissionSet(ctx, &ssoadmin.DetachCustomerManagedPolicyReferenceFromPermissionSetInput{InstanceArn: inst, PermissionSetArn: arn, CustomerManagedPolicyReference: &types.CustomerManagedPolicyReference{Name: aws.String("Nope")}})
				return err
			}, notFound},
			{"BoundaryBoth", func(ctx context.Context, c *ssoadmin.Client) error {
				_, err := c.PutPermissionsBoundaryToPermissionSet(ctx, &ssoadmin.PutPermissionsBoundaryToPermissionSetInput{InstanceArn: inst, PermissionSetArn: arn, PermissionsBoundary: &types.PermissionsBoundary{
					ManagedPolicyArn: aws.String(adminAccessARN), CustomerManagedPolicyReference: &types.CustomerManagedPolicyReference{Name: aws.String("B")}}})
				return err
			}, validation},
			{"BoundaryNeither", func(ctx context.Context, c *ssoadmin.Client) error {
				_, err := c.PutPermissionsBoundaryToPermissionSet(ctx, &ssoadmin.PutPermissionsBoundaryToPermissionSetInput{InstanceArn: inst, PermissionSetArn: arn, PermissionsBoundary: &types.PermissionsBoundary{}})
				return err
			}, validation},
			{"GetBoundaryNone", func(ctx context.Context, c *ssoadmin.Client) error {
				_, err := c.GetPermissionsBoundaryForPermissionSet(ctx, &ssoadmin.GetPermissionsBoundaryForPermissionSetInput{InstanceArn: inst, PermissionSetArn: arn})
				return err
			}, notFound},
			{"DeleteBoundaryNone", func(ctx context.Context, c *ssoadmin.Client) error {
				_, err := c.DeletePermissionsBoundaryFromPermissionSet(ctx, &ssoadmin.DeletePermissionsBoundaryFromPermissionSetInput{InstanceArn: inst, PermissionSetArn: arn})
				return err
			}, notFound},
			{"MissingRequired", func(ctx context.Context, c *ssoadmin.Client) error {
				_, err := c.CreatePermissionSet(ctx, &ssoadmin.CreatePermissionSetInput{InstanceArn: inst}, noClientValidation)
				return err
			}, validation},
		})
	})
}
