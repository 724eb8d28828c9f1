// Package jsonclient is a lean client for AWS JSON 1.1 APIs: one request
// per call, signed with the AWS SDK's SigV4 signer and sent on plain
// net/http. The benchmarks and load generators use it rather than the SDK's
// service clients so that, on a small machine, generating the load costs
// the machine under test as little as possible; the tests use the SDK.
package jsonclient

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
)

// Client sends requests to one service of one server. It is safe for
// concurrent use.
type Client struct {
	url     string
	creds   aws.Credentials
	service string
	region  string
	signer  *v4.Signer
	http    *http.Client
}

// New returns a client of the server at baseURL (requests go to its root)
// that signs for service (the SigV4 signing name, such as "sso" or
// "identitystore") in us-east-1 with creds, over hc (http.DefaultClient if
// nil).
func New(baseURL string, creds aws.Credentials, service string, hc *http.Client) *Client {
	if hc == nil {
		hc = http.DefaultClient
	}
	return &Client{url: strings.TrimSuffix(baseURL, "/") + "/", creds: creds, service: service, region: "us-east-1", signer: v4.NewSigner(), http: hc}
}

// Do sends in, encoded as JSON, to target (the X-Amz-Target, such as
// "SWBExternalService.CreateAccountAssignment") and returns the HTTP status
// and the response body.
func (c *Client) Do(ctx context.Context, target string, in any) (int, []byte, error) {
	b, err := json.Marshal(in)
	if err != nil {
		return 0, nil, err
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, c.url, bytes.NewReader(b))
	if err != nil {
		return 0, nil, err
	}
	req.Header.Set("Content-Type", "application/x-amz-json-1.1")
	req.Header.Set("X-Amz-Target", target)
	sum := sha256.Sum256(b)
	if err := c.signer.SignHTTP(ctx, c.creds, req, hex.EncodeToString(sum[:]), c.service, c.region, time.Now()); err != nil {
		return 0, nil, err
	}
	resp, err := c.http.Do(req)
	if err != nil {
		return 0, nil, err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	return resp.StatusCode, body, err
}

// Call is Do for callers that want the success only: it decodes a 200
// answer into out (unless out is nil) and returns any other status as an
// error that holds the answer's body.
func (c *Client) Call(ctx context.Context, target string, in, out any) error {
	status, body, err := c.Do(ctx, target, in)
	if err != nil {
		return err
	}
	if status != http.StatusOK {
		return fmt.Errorf("%s: %d %s", target, status, body)
	}
	if out == nil {
		return nil
	}
	return json.Unmarshal(body, out)
}
