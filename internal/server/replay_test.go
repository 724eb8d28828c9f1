package server_test

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"sync"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/identitystore"
	"github.com/aws/aws-sdk-go-v2/service/ssoadmin"

	"github.com/idcenter/idcenter/internal/testenv"
)

// captured is a request as it went on the wire.
type captured struct {
	method, url string
	header      http.Header
	body        []byte
}

// capturingClient is an SDK HTTP client that keeps a copy of every request
// it sends, signature included, as an eavesdropper on the path would.
type capturingClient struct {
	base aws.HTTPClient
	mu   sync.Mutex
	reqs []captured
}

func (c *capturingClient) Do(r *http.Request) (*http.Response, error) {
	var body []byte
	if r.Body != nil {
		var err error
		if body, err = io.ReadAll(r.Body); err != nil {
			return nil, err
		}
		r.Body.Close()
		r.Body = io.NopCloser(bytes.NewReader(body))
	}
	c.mu.Lock()
	c.reqs = append(c.reqs, captured{method: r.Method, url: r.URL.String(), header: r.Header.Clone(), body: body})
	c.mu.Unlock()
	return c.base.Do(r)
}

// last returns the last captured request.
func (c *capturingClient) last(t *testing.T) captured {
	t.Helper()
	c.mu.Lock()
	defer c.mu.Unlock()
	if len(c.reqs) == 0 {
		t.Fatal("no request captured")
	}
	return c.reqs[len(c.reqs)-1]
}

// replay sends a captured request again, byte for byte, and returns the
// status and the AWS error code of the answer ("" for none).
func replay(t *testing.T, env *testenv.Env, c captured) (int, string) {
	t.Helper()
	req, err := http.NewRequestWithContext(t.Context(), c.method, c.url, bytes.NewReader(c.body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header = c.header.Clone()
	resp, err := env.AWSConfig.HTTPClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	var e struct {
		Type string `json:"__type"`
	}
	json.Unmarshal(raw, &e)
	if h := resp.Header.Get("X-Amzn-ErrorType"); h != "" && h != e.Type {
		t.Errorf("X-Amzn-ErrorType %q, __type %q", h, e.Type)
	}
	return resp.StatusCode, e.Type
}

// TestReplayedCreate (SECURITY.md SV-07): SigV4 has no nonce, so a
// captured, signed create replayed byte for byte within the skew window
// passes authentication; for creates with a natural key (identitystore
// CreateGroup by DisplayName, sso-admin CreatePermissionSet by Name) the
// replay gets ConflictException and creates no duplicate.
func TestReplayedCreate(t *testing.T) {
	t.Parallel()
	testenv.Backends(t, func(t *testing.T, env *testenv.Env) {
		ctx := t.Context()
		cc := &capturingClient{base: env.AWSConfig.HTTPClient}
		cfg := env.AWSConfig.Copy()
		cfg.HTTPClient = cc

		// identitystore CreateGroup.
		g, err := identitystore.NewFromConfig(cfg).CreateGroup(ctx, &identitystore.CreateGroupInput{IdentityStoreId: aws.String(env.IdentityStoreID),
			DisplayName: aws.String("platform-oncall")})
		if err != nil {
			t.Fatalf("CreateGroup: %v", err)
		}
		if status, code := replay(t, env, cc.last(t)); status != http.StatusBadRequest || code != "ConflictException" {
			t.Errorf("replayed CreateGroup = %d %q, want 400 ConflictException", status, code)
		}
		groups, err := env.IdentityStore().ListGroups(ctx, &identitystore.ListGroupsInput{IdentityStoreId: aws.String(env.IdentityStoreID)})
		if err != nil {
			t.Fatalf("ListGroups: %v", err)
		}
		if len(groups.Groups) != 1 || aws.ToString(groups.Groups[0].GroupId) != aws.ToString(g.GroupId) {
			t.Errorf("after the replay, %d groups, want only %s", len(groups.Groups), aws.ToString(g.GroupId))
		}

		// sso-admin CreatePermissionSet.
		ps, err := ssoadmin.NewFromConfig(cfg).CreatePermissionSet(ctx, &ssoadmin.CreatePermissionSetInput{InstanceArn: aws.String(env.InstanceARN),
			Name: aws.String("OnCall"), SessionDuration: aws.String("PT2H")})
		if err != nil {
			t.Fatalf("CreatePermissionSet: %v", err)
		}
		if status, code := replay(t, env, cc.last(t)); status != http.StatusBadRequest || code != "ConflictException" {
			t.Errorf("replayed CreatePermissionSet = %d %q, want 400 ConflictException", status, code)
		}
		sets, err := env.SSOAdmin().ListPermissionSets(ctx, &ssoadmin.ListPermissionSetsInput{InstanceArn: aws.String(env.InstanceARN)})
		if err != nil {
			t.Fatalf("ListPermissionSets: %v", err)
		}
		if len(sets.PermissionSets) != 1 || sets.PermissionSets[0] != aws.ToString(ps.PermissionSet.PermissionSetArn) {
			t.Errorf("after the replay, permission sets %v, want only %s", sets.PermissionSets, aws.ToString(ps.PermissionSet.PermissionSetArn))
		}
	})
}
