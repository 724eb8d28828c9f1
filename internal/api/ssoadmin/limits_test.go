package ssoadmin_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ssoadmin"
	"github.com/aws/aws-sdk-go-v2/service/ssoadmin/types"

	"github.com/idcenter/idcenter/internal/testenv"
)

// sizedPolicy returns a valid Allow-all policy of exactly n ASCII
// characters, padded with an alphanumeric statement id.
func sizedPolicy(t *testing.T, n int) string {
	t.Helper()
	const head, tail = `{"Version":"2012-10-17","Statement":[{"Sid":"`, `","Effect":"Allow","Action":"*","Resource":"*"}]}`
	pad := n - len(head) - len(tail)
	if pad < 1 {
		t.Fatalf("no policy of %d characters", n)
	}
	return head + strings.Repeat("S", pad) + tail
}

// TestInlinePolicySize (SECURITY.md PE-08): through the SDK, an inline
// policy of exactly the IAM Identity Center quota (10,240 characters; the
// model's own maximum for PermissionSetPolicyDocument, 32,768, is looser)
// is stored and read back
// whole; one character more, and one past the model's maximum, get
// ValidationException and leave the stored policy as it was.
func TestInlinePolicySize(t *testing.T) {
	t.Parallel()
	const quota, modelMax = 10240, 32768
	testenv.Backends(t, func(t *testing.T, env *testenv.Env) {
		f := newFixture(t, env)
		ctx := t.Context()
		ps := aws.String(f.permissionSet("Sized"))
		put := func(doc string) error {
			_, err := f.c.PutInlinePolicyToPermissionSet(ctx, &ssoadmin.PutInlinePolicyToPermissionSetInput{InstanceArn: aws.String(f.inst),
				PermissionSetArn: ps, InlinePolicy: aws.String(doc)})
			return err
		}
		stored := func() string {
			t.Helper()
			out, err := f.c.GetInlinePolicyForPermissionSet(ctx, &ssoadmin.GetInlinePolicyForPermissionSetInput{InstanceArn: aws.String(f.inst), PermissionSetArn: ps})
			if err != nil {
				t.Fatalf("GetInlinePolicyForPermissionSet: %v", err)
			}
			return aws.ToString(out.InlinePolicy)
		}

		for _, n := range []int{quota + 1, modelMax + 1} {
			var ve *types.ValidationException
			if err := put(sizedPolicy(t, n)); !errors.As(err, &ve) {
				t.Errorf("PutInlinePolicyToPermissionSet(%d characters) with none stored = %v, want ValidationException", n, err)
			}
			if got := stored(); got != "" {
				t.Errorf("after the refused %d-character policy, %d characters stored, want none", n, len(got))
			}
		}

		largest := sizedPolicy(t, quota)
		if err := put(largest); err != nil {
			t.Fatalf("PutInlinePolicyToPermissionSet(%d characters) = %v", len(largest), err)
		}
		if got := stored(); got != largest {
			t.Errorf("GetInlinePolicyForPermissionSet = %d characters, want the %d-character policy as put", len(got), len(largest))
		}

		for _, n := range []int{quota + 1, modelMax + 1} {
			var ve *types.ValidationException
			if err := put(sizedPolicy(t, n)); !errors.As(err, &ve) {
				t.Errorf("PutInlinePolicyToPermissionSet(%d characters) = %v, want ValidationException", n, err)
			}
			if got := stored(); got != largest {
				t.Errorf("after the refused %d-character policy, %d characters stored, want the previous %d", n, len(got), len(largest))
			}
		}
	})
}
