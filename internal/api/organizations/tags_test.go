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

func TestTags(t *testing.T) {
	t.Parallel()
	testenv.Backends(t, func(t *testing.T, env *testenv.Env) {
		ctx := t.Context()
		f := newFixture(t, env)
		c := f.c
		acct := f.createAccount(t, "tagged")
		ou := f.createOU(t, f.rootID, "tagged")

		for _, tc := range []struct{ kind, id string }{{"account", acct}, {"ou", ou}, {"root", f.rootID}, {"management account", env.ManagementAccountID}} {
			t.Run(tc.kind, func(t *testing.T) {
				id := aws.String(tc.id)
				if _, err := c.TagResource(ctx, &organizations.TagResourceInput{ResourceId: id, Tags: []types.Tag{tag("b", "1"), tag("a", ""), tag("c", "3")}}); err != nil {
					t.Fatalf("TagResource: %v", err)
				}
				// Overwrite a value and add a key.
				if _, err := c.TagResource(ctx, &organizations.TagResourceInput{ResourceId: id, Tags: []types.Tag{tag("b", "2"), tag("d", "4")}}); err != nil {
					t.Fatalf("TagResource(update): %v", err)
				}
				// Removing an absent key is not an error.
				if _, err := c.UntagResource(ctx, &organizations.UntagResourceInput{ResourceId: id, TagKeys: []string{"c", "absent"}}); err != nil {
					t.Fatalf("UntagResource: %v", err)
				}
				if got, want := tagsOf(t, c, tc.id), []string{"a=", "b=2", "d=4"}; !cmp.Equal(got, want) {
					t.Errorf("tags = %v, want %v", got, want)
				}
				// Tagging with an empty list changes nothing.
				if _, err := c.TagResource(ctx, &organizations.TagResourceInput{ResourceId: id, Tags: []types.Tag{}}); err != nil {
					t.Fatalf("TagResource(no tags): %v", err)
				}
			})
		}

		// Fill the account to exactly 50 tags; the 51st is refused.
		var fill []types.Tag
		for i := range 47 {
			fill = append(fill, tag(fmt.Sprintf("fill%02d", i), "v"))
		}
		if _, err := c.TagResource(ctx, &organizations.TagResourceInput{ResourceId: aws.String(acct), Tags: fill}); err != nil {
			t.Fatalf("TagResource(to 50 tags): %v", err)
		}
		if n := len(tagsOf(t, c, acct)); n != 50 {
			t.Fatalf("account has %d tags, want 50", n)
		}
		// ListTagsForResource pages (the paginator in tagsOf followed them);
		// check the first page's size and the token's scope.
		first, err := c.ListTagsForResource(ctx, &organizations.ListTagsForResourceInput{ResourceId: aws.String(acct)})
		if err != nil || len(first.Tags) != 20 || first.NextToken == nil {
			t.Fatalf("ListTagsForResource first page = %d tags, next %v, %v; want 20 and a NextToken", len(first.Tags), first.NextToken, err)
		}

		tagRes := func(id string, tags ...types.Tag) func(ctx context.Context, c *organizations.Client) error {
			return func(ctx context.Context, c *organizations.Client) error {
				_, err := c.TagResource(ctx, &organizations.TagResourceInput{ResourceId: aws.String(id), Tags: tags})
				return err
			}
		}
		untag := func(id string, keys ...string) func(ctx context.Context, c *organizations.Client) error {
			return func(ctx context.Context, c *organizations.Client) error {
				_, err := c.UntagResource(ctx, &organizations.UntagResourceInput{ResourceId: aws.String(id), TagKeys: keys})
				return err
			}
		}
		listTags := func(id, token string) func(ctx context.Context, c *organizations.Client) error {
			return func(ctx context.Context, c *organizations.Client) error {
				in := &organizations.ListTagsForResourceInput{ResourceId: aws.String(id)}
				if token != "" {
					in.NextToken = aws.String(token)
				}
				_, err := c.ListTagsForResource(ctx, in)
				return err
			}
		}
		missingOU := "ou-" + f.rootID[2:] + "-zzzzzzzz"
		checkErrors(t, c, []errCase{
			{"51st tag", tagRes(acct, tag("one-more", "v")), constraint(types.ConstraintViolationExceptionReasonMaxTagLimitExceeded)},
			{"51st tag with an overwrite", tagRes(acct, tag("a", "changed"), tag("one-more", "v")), constraint(types.ConstraintViolationExceptionReasonMaxTagLimitExceeded)},
			{"reserved key", tagRes(ou, tag("aws:created", "x")), invalidInput(types.InvalidInputExceptionReasonInvalidSystemTagsParameter)},
			{"duplicate key", tagRes(ou, tag("k", "1"), tag("k", "2")), invalidInput(types.InvalidInputExceptionReasonDuplicateTagKey)},
			{"key too long", tagRes(ou, tag(strings.Repeat("k", 129), "v")), invalidInput(types.InvalidInputExceptionReasonMaxLengthExceeded)},
			{"value too long", tagRes(ou, tag("k", strings.Repeat("v", 257))), invalidInput(types.InvalidInputExceptionReasonMaxLengthExceeded)},
			{"empty key", tagRes(ou, tag("", "v")), invalidInput(types.InvalidInputExceptionReasonMinLengthExceeded)},
			{"untag reserved key", untag(ou, "aws:x"), invalidInput(types.InvalidInputExceptionReasonInvalidSystemTagsParameter)},
			{"tag unknown account", tagRes("000000000000", tag("k", "v")), is[*types.TargetNotFoundException]()},
			{"tag unknown OU", tagRes(missingOU, tag("k", "v")), is[*types.TargetNotFoundException]()},
			{"tag unknown root", tagRes("r-zzzz", tag("k", "v")), is[*types.TargetNotFoundException]()},
			{"tag a policy", tagRes("p-12345678", tag("k", "v")), is[*types.TargetNotFoundException]()},
			{"untag unknown account", untag("000000000000", "k"), is[*types.TargetNotFoundException]()},
			{"list tags of unknown OU", listTags(missingOU, ""), is[*types.TargetNotFoundException]()},
			{"list tags of a policy", listTags("p-12345678", ""), is[*types.TargetNotFoundException]()},
			{"malformed resource id", tagRes("nothing", tag("k", "v")), invalidInput(types.InvalidInputExceptionReasonInvalidPattern)},
			{"tampered NextToken", listTags(acct, tamper(aws.ToString(first.NextToken))), invalidInput(types.InvalidInputExceptionReasonInvalidPaginationToken)},
			{"NextToken of another resource", listTags(ou, aws.ToString(first.NextToken)), invalidInput(types.InvalidInputExceptionReasonInvalidPaginationToken)},
		})
	})
}
