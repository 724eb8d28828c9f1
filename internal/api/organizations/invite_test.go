package organizations_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/organizations"
	"github.com/aws/aws-sdk-go-v2/service/organizations/types"
	"github.com/google/go-cmp/cmp"

	"github.com/idcenter/idcenter/internal/testenv"
)

func TestInviteAccount(t *testing.T) {
	t.Parallel()
	testenv.Backends(t, func(t *testing.T, env *testenv.Env) {
		ctx := t.Context()
		f := newFixture(t, env)
		c := f.c
		invite := func(id string, notes string, tags ...types.Tag) (*organizations.InviteAccountToOrganizationOutput, error) {
			in := &organizations.InviteAccountToOrganizationInput{
				Target: &types.HandshakeParty{Id: aws.String(id), Type: types.HandshakePartyTypeAccount}, Tags: tags,
			}
			if notes != "" {
				in.Notes = aws.String(notes)
			}
			return c.InviteAccountToOrganization(ctx, in)
		}

		for _, tc := range []struct {
			name, id, notes string
			tags            []types.Tag
			wantName        string
			wantEmail       string
			wantTags        []string
		}{
			{"name and email tags", "111122223333", "welcome", []types.Tag{tag("Name", "Production"), tag("Email", "aws-prod@example.com"), tag("team", "ops")},
				"Production", "aws-prod@example.com", []string{"Email=aws-prod@example.com", "Name=Production", "team=ops"}},
			{"name from the notes", "444455556666", "  Staging  ", nil, "Staging", "444455556666@idcenter.invalid", nil},
			{"nothing", "777788889999", "", nil, "777788889999", "777788889999@idcenter.invalid", nil},
		} {
			t.Run(tc.name, func(t *testing.T) {
				out, err := invite(tc.id, tc.notes, tc.tags...)
				if err != nil {
					t.Fatalf("InviteAccountToOrganization: %v", err)
				}
				h := out.Handshake
				hid := aws.ToString(h.Id)
				if h.State != types.HandshakeStateAccepted || h.Action != types.ActionTypeInviteAccountToOrganization || !hsARN.MatchString(aws.ToString(h.Arn)) ||
					h.RequestedTimestamp == nil || !aws.ToTime(h.ExpirationTimestamp).After(aws.ToTime(h.RequestedTimestamp).Add(14*24*time.Hour)) {
					t.Errorf("handshake = %+v; want an ACCEPTED INVITE with an AWS ARN, expiring in 15 days", h)
				}
				if got, want := parties(h), []string{"ORGANIZATION " + aws.ToString(f.org.Id), "ACCOUNT " + tc.id}; !cmp.Equal(got, want) {
					t.Errorf("handshake parties = %v, want %v", got, want)
				}
				desc, err := c.DescribeHandshake(ctx, &organizations.DescribeHandshakeInput{HandshakeId: aws.String(hid)})
				if err != nil || aws.ToString(desc.Handshake.Id) != hid || desc.Handshake.State != types.HandshakeStateAccepted {
					t.Errorf("DescribeHandshake = %+v, %v", desc, err)
				}
				a, err := c.DescribeAccount(ctx, &organizations.DescribeAccountInput{AccountId: aws.String(tc.id)})
				if err != nil {
					t.Fatalf("DescribeAccount(invited): %v", err)
				}
				if aws.ToString(a.Account.Name) != tc.wantName || aws.ToString(a.Account.Email) != tc.wantEmail ||
					a.Account.JoinedMethod != types.AccountJoinedMethodInvited || a.Account.Status != types.AccountStatusActive {
					t.Errorf("invited account = %+v; want name %q, email %s, INVITED, ACTIVE", a.Account, tc.wantName, tc.wantEmail)
				}
				if got := tagsOf(t, c, tc.id); !cmp.Equal(got, tc.wantTags) {
					t.Errorf("invited account tags = %v, want %v", got, tc.wantTags)
				}
				p, err := c.ListParents(ctx, &organizations.ListParentsInput{ChildId: aws.String(tc.id)})
				if err != nil || len(p.Parents) != 1 || aws.ToString(p.Parents[0].Id) != f.rootID {
					t.Errorf("ListParents(invited) = %+v, %v; want the root", p, err)
				}
			})
		}

		hs, err := c.ListHandshakesForOrganization(ctx, &organizations.ListHandshakesForOrganizationInput{Filter: &types.HandshakeFilter{ActionType: types.ActionTypeInviteAccountToOrganization}})
		if err != nil || len(hs.Handshakes) != 3 {
			t.Errorf("ListHandshakesForOrganization(INVITE) = %d handshakes, %v; want 3", len(hs.Handshakes), err)
		}
		for _, filter := range []*types.HandshakeFilter{{ActionType: types.ActionTypeEnableAllFeatures}, {ParentHandshakeId: aws.String("h-0123456789")}} {
			hs, err := c.ListHandshakesForOrganization(ctx, &organizations.ListHandshakesForOrganizationInput{Filter: filter})
			if err != nil || len(hs.Handshakes) != 0 {
				t.Errorf("ListHandshakesForOrganization(%+v) = %d handshakes, %v; want none", filter, len(hs.Handshakes), err)
			}
		}

		inviteCase := func(target types.HandshakeParty, notes string, tags ...types.Tag) func(ctx context.Context, c *organizations.Client) error {
			return func(ctx context.Context, c *organizations.Client) error {
				in := &organizations.InviteAccountToOrganizationInput{Target: &target, Tags: tags}
				if notes != "" {
					in.Notes = aws.String(notes)
				}
				_, err := c.InviteAccountToOrganization(ctx, in)
				return err
			}
		}
		acct := func(id string) types.HandshakeParty {
			return types.HandshakeParty{Id: aws.String(id), Type: types.HandshakePartyTypeAccount}
		}
		checkErrors(t, c, []errCase{
			{"already a member", inviteCase(acct("111122223333"), ""), handshakeConstraint(types.HandshakeConstraintViolationExceptionReasonAlreadyInAnOrganization)},
			{"the management account", inviteCase(acct(env.ManagementAccountID), ""), handshakeConstraint(types.HandshakeConstraintViolationExceptionReasonAlreadyInAnOrganization)},
			{"email taken", inviteCase(acct("222233334444"), "", tag("Email", "AWS-PROD@example.com")), invalidInput(types.InvalidInputExceptionReasonInvalidEmailAddressTarget)},
			{"bad email tag", inviteCase(acct("222233334444"), "", tag("Email", "nobody")), invalidInput(types.InvalidInputExceptionReasonInvalidEmailAddressTarget)},
			{"name too long", inviteCase(acct("222233334444"), strings.Repeat("n", 129)), invalidInput(types.InvalidInputExceptionReasonMaxLengthExceeded)},
			{"target by email", inviteCase(types.HandshakeParty{Id: aws.String("someone@example.com"), Type: types.HandshakePartyTypeEmail}, ""), invalidInput(types.InvalidInputExceptionReasonInvalidPartyTypeTarget)},
			{"target an organization", inviteCase(types.HandshakeParty{Id: aws.String("o-0123456789"), Type: types.HandshakePartyTypeOrganization}, ""), invalidInput(types.InvalidInputExceptionReasonInvalidPartyTypeTarget)},
			{"account id not 12 digits", inviteCase(acct("12345"), ""), invalidInput(types.InvalidInputExceptionReasonInvalidPattern)},
			{"reserved tag key", inviteCase(acct("222233334444"), "", tag("aws:x", "y")), invalidInput(types.InvalidInputExceptionReasonInvalidSystemTagsParameter)},
			{"unknown handshake", func(ctx context.Context, c *organizations.Client) error {
				_, err := c.DescribeHandshake(ctx, &organizations.DescribeHandshakeInput{HandshakeId: aws.String("h-0123456789")})
				return err
			}, is[*types.HandshakeNotFoundException]()},
			{"both handshake filters", func(ctx context.Context, c *organizations.Client) error {
				_, err := c.ListHandshakesForOrganization(ctx, &organizations.ListHandshakesForOrganizationInput{
					Filter: &types.HandshakeFilter{ActionType: types.ActionTypeInviteAccountToOrganization, ParentHandshakeId: aws.String("h-0123456789")}})
				return err
			}, invalidInput(types.InvalidInputExceptionReasonMaxFilterLimitExceeded)},
		})
	})
}

func parties(h *types.Handshake) []string {
	var out []string
	for _, p := range h.Parties {
		out = append(out, string(p.Type)+" "+aws.ToString(p.Id))
	}
	return out
}
