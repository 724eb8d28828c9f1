package awsproto_test

import (
	"encoding/json"
	"os/exec"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// TestBotocoreParses calls the rest-json and query test servers with
// botocore (testdata/botocore_check.py), the library under the AWS CLI and
// boto3, and checks the exception classes, codes, statuses and members it
// parses. It is skipped where python3 cannot import botocore.
func TestBotocoreParses(t *testing.T) {
	t.Parallel()
	if err := exec.Command("python3", "-c", "import botocore").Run(); err != nil {
		t.Skipf("python3 with botocore is not available: %v", err)
	}
	rest, _ := newRESTServer(t)
	query, _ := newRootServer(t, stsAPI{}, true, "")
	cmd := exec.CommandContext(t.Context(), "python3", "testdata/botocore_check.py", rest.URL, query.URL)
	cmd.Env = append(cmd.Environ(), "AWS_CONFIG_FILE=/dev/null", "AWS_SHARED_CREDENTIALS_FILE=/dev/null", "AWS_EC2_METADATA_DISABLED=true")
	b, err := cmd.Output()
	if err != nil {
		if ee, ok := err.(*exec.ExitError); ok {
			t.Fatalf("botocore_check.py: %v\n%s", err, ee.Stderr)
		}
		t.Fatalf("botocore_check.py: %v", err)
	}
	var got map[string]any
	if err := json.Unmarshal(b, &got); err != nil {
		t.Fatalf("botocore_check.py output: %v\n%s", err, b)
	}
	want := map[string]any{
		"CreateToken":                   []any{"at-c1", 28800.0, "rt-g-"},
		"CreateToken pending":           []any{"AuthorizationPendingException", "AuthorizationPendingException", "Authorization is pending.", 400.0, "authorization_pending", "Authorization is pending."},
		"CreateToken slow":              []any{"SlowDownException", "SlowDownException", "", 400.0, "slow_down", nil},
		"CreateToken badclient":         []any{"InvalidClientException", "InvalidClientException", "Invalid client.", 401.0, "invalid_client", "Invalid client."},
		"CreateToken grant":             []any{"InvalidGrantException", "InvalidGrantException", "Invalid refresh token provided", 400.0, "invalid_grant", "Invalid refresh token provided"},
		"ListAccounts":                  []any{"token=tok", "max=3"},
		"ListAccounts bad":              []any{"UnauthorizedException", "UnauthorizedException", "Session token not found or invalid", 401.0},
		"GetRoleCredentials missing":    []any{"ResourceNotFoundException", "ResourceNotFoundException", "Could not find the account.", 404.0},
		"GetCallerIdentity":             []any{"principal-AKIDEXAMPLE", "111122223333", "arn:aws:iam::111122223333:user/AKIDEXAMPLE"},
		"AssumeRole":                    []any{"tok<en>&", "2023-11-14T22:13:20+00:00"},
		"AssumeRole expired":            []any{"ExpiredTokenException", "ExpiredTokenException", "The security token included in the request is expired", 400.0},
		"AssumeRole malformed":          []any{"MalformedPolicyDocumentException", "MalformedPolicyDocument", "The policy is not valid JSON.", 400.0},
		"GetCallerIdentity unknown key": []any{"ClientError", "InvalidClientTokenId", "The security token included in the request is invalid.", 403.0},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("botocore parsed (-want +got):\n%s", diff)
	}
}
