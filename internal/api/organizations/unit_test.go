package organizations_test

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/organizations"
	"github.com/aws/aws-sdk-go-v2/service/organizations/types"
	"github.com/google/go-cmp/cmp"

	"github.com/idcenter/idcenter/internal/testenv"
)

func TestOrganizationalUnits(t *testing.T) {
	t.Parallel()
	testenv.Backends(t, func(t *testing.T, env *testenv.Env) {
		ctx := t.Context()
		f := newFixture(t, env)
		c := f.c
		orgID := aws.ToString(f.org.Id)

		// Five levels below the root.
		chain := []string{f.rootID}
		path := orgID + "/" + f.rootID + "/"
		for i := range 5 {
			out, err := c.CreateOrganizationalUnit(ctx, &organizations.CreateOrganizationalUnitInput{
				ParentId: aws.String(chain[len(chain)-1]), Name: aws.String(fmt.Sprint("level", i+1)), Tags: []types.Tag{tag("level", fmt.Sprint(i+1))},
			})
			if err != nil {
				t.Fatalf("CreateOrganizationalUnit(level %d): %v", i+1, err)
			}
			u := out.OrganizationalUnit
			id := aws.ToString(u.Id)
			path += id + "/"
			if !strings.HasPrefix(id, "ou-"+f.rootID[2:]+"-") || !ouARN.MatchString(aws.ToString(u.Arn)) || aws.ToString(u.Path) != path {
				t.Errorf("OU = %+v; want an id under %s, an AWS ARN and path %s", u, f.rootID, path)
			}
			chain = append(chain, id)
		}
		deepest := chain[5]
		desc, err := c.DescribeOrganizationalUnit(ctx, &organizations.DescribeOrganizationalUnitInput{OrganizationalUnitId: aws.String(deepest)})
		if err != nil || aws.ToString(desc.OrganizationalUnit.Name) != "level5" || aws.ToString(desc.OrganizationalUnit.Path) != path {
			t.Errorf("DescribeOrganizationalUnit = %+v, %v", desc, err)
		}
		if got := tagsOf(t, c, deepest); !cmp.Equal(got, []string{"level=5"}) {
			t.Errorf("tags of the OU = %v", got)
		}

		// ListParents walks up; ListChildren and ListOrganizationalUnitsForParent down.
		for i := 5; i >= 1; i-- {
			p, err := c.ListParents(ctx, &organizations.ListParentsInput{ChildId: aws.String(chain[i])})
			wantType := types.ParentTypeOrganizationalUnit
			if i == 1 {
				wantType = types.ParentTypeRoot
			}
			if err != nil || len(p.Parents) != 1 || aws.ToString(p.Parents[0].Id) != chain[i-1] || p.Parents[0].Type != wantType {
				t.Errorf("ListParents(level %d) = %+v, %v; want %s %s", i, p, err, chain[i-1], wantType)
			}
			ch, err := c.ListChildren(ctx, &organizations.ListChildrenInput{ParentId: aws.String(chain[i-1]), ChildType: types.ChildTypeOrganizationalUnit})
			if err != nil || len(ch.Children) != 1 || aws.ToString(ch.Children[0].Id) != chain[i] || ch.Children[0].Type != types.ChildTypeOrganizationalUnit {
				t.Errorf("ListChildren(level %d, OU) = %+v, %v; want %s", i-1, ch, err, chain[i])
			}
		}

		// Rename, including to the same name and with no name.
		sibling := f.createOU(t, f.rootID, "sibling")
		up, err := c.UpdateOrganizationalUnit(ctx, &organizations.UpdateOrganizationalUnitInput{OrganizationalUnitId: aws.String(sibling), Name: aws.String("renamed")})
		if err != nil || aws.ToString(up.OrganizationalUnit.Name) != "renamed" {
			t.Errorf("UpdateOrganizationalUnit = %+v, %v", up, err)
		}
		for _, name := range []*string{aws.String("renamed"), nil} {
			up, err := c.UpdateOrganizationalUnit(ctx, &organizations.UpdateOrganizationalUnitInput{OrganizationalUnitId: aws.String(sibling), Name: name})
			if err != nil || aws.ToString(up.OrganizationalUnit.Name) != "renamed" {
				t.Errorf("UpdateOrganizationalUnit(name %v) = %+v, %v; want unchanged", aws.ToString(name), up, err)
			}
		}
		// The same name is fine under another parent.
		cousin := f.createOU(t, chain[1], "renamed")

		acct := f.createAccount(t, "inside")
		f.move(t, acct, f.rootID, chain[2])
		missingOU := "ou-" + f.rootID[2:] + "-zzzzzzzz"
		createOU := func(parent, name string) func(ctx context.Context, c *organizations.Client) error {
			return func(ctx context.Context, c *organizations.Client) error {
				_, err := c.CreateOrganizationalUnit(ctx, &organizations.CreateOrganizationalUnitInput{ParentId: aws.String(parent), Name: aws.String(name)})
				return err
			}
		}
		deleteOU := func(id string) func(ctx context.Context, c *organizations.Client) error {
			return func(ctx context.Context, c *organizations.Client) error {
				_, err := c.DeleteOrganizationalUnit(ctx, &organizations.DeleteOrganizationalUnitInput{OrganizationalUnitId: aws.String(id)})
				return err
			}
		}
		checkErrors(t, c, []errCase{
			{"sixth level", createOU(deepest, "level6"), constraint(types.ConstraintViolationExceptionReasonOuDepthLimitExceeded)},
			{"sibling name", createOU(f.rootID, "level1"), is[*types.DuplicateOrganizationalUnitException]()},
			{"unknown parent", createOU(missingOU, "x"), is[*types.ParentNotFoundException]()},
			{"unknown root", createOU("r-zzzz", "x"), is[*types.ParentNotFoundException]()},
			{"empty name", createOU(f.rootID, ""), invalidInput(types.InvalidInputExceptionReasonMinLengthExceeded)},
			{"name too long", createOU(f.rootID, strings.Repeat("n", 129)), invalidInput(types.InvalidInputExceptionReasonMaxLengthExceeded)},
			{"malformed parent", createOU("parent", "x"), invalidInput(types.InvalidInputExceptionReasonInvalidPattern)},
			{"reserved tag key", func(ctx context.Context, c *organizations.Client) error {
				_, err := c.CreateOrganizationalUnit(ctx, &organizations.CreateOrganizationalUnitInput{ParentId: aws.String(f.rootID), Name: aws.String("t"), Tags: []types.Tag{tag("AWS:x", "y")}})
				return err
			}, invalidInput(types.InvalidInputExceptionReasonInvalidSystemTagsParameter)},
			{"describe unknown", func(ctx context.Context, c *organizations.Client) error {
				_, err := c.DescribeOrganizationalUnit(ctx, &organizations.DescribeOrganizationalUnitInput{OrganizationalUnitId: aws.String(missingOU)})
				return err
			}, is[*types.OrganizationalUnitNotFoundException]()},
			{"rename to a sibling's name", func(ctx context.Context, c *organizations.Client) error {
				_, err := c.UpdateOrganizationalUnit(ctx, &organizations.UpdateOrganizationalUnitInput{OrganizationalUnitId: aws.String(sibling), Name: aws.String("level1")})
				return err
			}, is[*types.DuplicateOrganizationalUnitException]()},
			{"rename unknown", func(ctx context.Context, c *organizations.Client) error {
				_, err := c.UpdateOrganizationalUnit(ctx, &organizations.UpdateOrganizationalUnitInput{OrganizationalUnitId: aws.String(missingOU), Name: aws.String("x")})
				return err
			}, is[*types.OrganizationalUnitNotFoundException]()},
			{"delete an OU holding an OU", deleteOU(chain[4]), is[*types.OrganizationalUnitNotEmptyException]()},
			{"delete an OU holding an account", deleteOU(chain[2]), is[*types.OrganizationalUnitNotEmptyException]()},
			{"delete unknown", deleteOU(missingOU), is[*types.OrganizationalUnitNotFoundException]()},
			{"delete the root", deleteOU(f.rootID), invalidInput(types.InvalidInputExceptionReasonInvalidPattern)},
			{"parents of unknown account", func(ctx context.Context, c *organizations.Client) error {
				_, err := c.ListParents(ctx, &organizations.ListParentsInput{ChildId: aws.String("000000000000")})
				return err
			}, is[*types.ChildNotFoundException]()},
			{"parents of unknown OU", func(ctx context.Context, c *organizations.Client) error {
				_, err := c.ListParents(ctx, &organizations.ListParentsInput{ChildId: aws.String(missingOU)})
				return err
			}, is[*types.ChildNotFoundException]()},
			{"children of unknown parent", func(ctx context.Context, c *organizations.Client) error {
				_, err := c.ListChildren(ctx, &organizations.ListChildrenInput{ParentId: aws.String(missingOU), ChildType: types.ChildTypeAccount})
				return err
			}, is[*types.ParentNotFoundException]()},
			{"children of a bad type", func(ctx context.Context, c *organizations.Client) error {
				_, err := c.ListChildren(ctx, &organizations.ListChildrenInput{ParentId: aws.String(f.rootID), ChildType: "POLICY"})
				return err
			}, invalidInput(types.InvalidInputExceptionReasonInvalidEnum)},
			{"OUs of unknown parent", func(ctx context.Context, c *organizations.Client) error {
				_, err := c.ListOrganizationalUnitsForParent(ctx, &organizations.ListOrganizationalUnitsForParentInput{ParentId: aws.String(missingOU)})
				return err
			}, is[*types.ParentNotFoundException]()},
			{"accounts of unknown parent", func(ctx context.Context, c *organizations.Client) error {
				_, err := c.ListAccountsForParent(ctx, &organizations.ListAccountsForParentInput{ParentId: aws.String(missingOU)})
				return err
			}, is[*types.ParentNotFoundException]()},
		})

		// Emptied, the OUs can be deleted bottom-up.
		f.move(t, acct, chain[2], f.rootID)
		for _, id := range []string{cousin, chain[5], chain[4], chain[3], chain[2], chain[1]} {
			if _, err := c.DeleteOrganizationalUnit(ctx, &organizations.DeleteOrganizationalUnitInput{OrganizationalUnitId: aws.String(id)}); err != nil {
				t.Fatalf("DeleteOrganizationalUnit(%s): %v", id, err)
			}
		}
		if _, err := c.DescribeOrganizationalUnit(ctx, &organizations.DescribeOrganizationalUnitInput{OrganizationalUnitId: aws.String(deepest)}); err == nil {
			t.Errorf("DescribeOrganizationalUnit(deleted) succeeded")
		}
		if _, err := c.ListTagsForResource(ctx, &organizations.ListTagsForResourceInput{ResourceId: aws.String(deepest)}); err == nil {
			t.Errorf("ListTagsForResource(deleted OU) succeeded")
		}
	})
}
