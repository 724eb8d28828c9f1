package sigv4_test

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/identitystore"
	"github.com/aws/aws-sdk-go-v2/service/sts"
	"github.com/google/go-cmp/cmp"

	"github.com/idcenter/idcenter/internal/awsproto/sigv4"
)

// seen records the verification results of an httptest server.
type seen struct {
	mu      sync.Mutex
	results []*sigv4.Result
	errs    []error
}

func (s *seen) add(r *sigv4.Result, err error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.results = append(s.results, r)
	s.errs = append(s.errs, err)
}

// verifyingServer answers every request with reply after verifying it.
func verifyingServer(t *testing.T, v *sigv4.Verifier, contentType, reply string) (*httptest.Server, *seen) {
	t.Helper()
	var s seen
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, err := io.ReadAll(r.Body)
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		res, err := v.Verify(r.Context(), r, body)
		s.add(res, err)
		if err != nil {
			w.Header().Set("Content-Type", "application/x-amz-json-1.1")
			w.WriteHeader(http.StatusForbidden)
			io.WriteString(w, `{"__type":"InvalidSignatureException","message":"x"}`)
			return
		}
		w.Header().Set("Content-Type", contentType)
		io.WriteString(w, reply)
	}))
	t.Cleanup(srv.Close)
	return srv, &s
}

// TestSDKClients verifies requests made by the real AWS SDK for Go v2
// clients over HTTP: identitystore (JSON 1.1), STS (query protocol) and an
// STS presigned GetCallerIdentity URL.
func TestSDKClients(t *testing.T) {
	t.Parallel()
	v := sigv4.NewVerifier(keyring{})
	creds := aws.CredentialsProviderFunc(func(ctx context.Context) (aws.Credentials, error) { return tempCreds, nil })
	ignoreTime := cmpIgnoreSignedAt()

	t.Run("identitystore", func(t *testing.T) {
		t.Parallel()
		srv, s := verifyingServer(t, v, "application/x-amz-json-1.1", `{"IdentityStoreId":"d-1234567890","UserId":"u-1"}`)
		c := identitystore.New(identitystore.Options{Region: "eu-west-1", BaseEndpoint: aws.String(srv.URL + "/"), Credentials: creds})
		if _, err := c.DescribeUser(t.Context(), &identitystore.DescribeUserInput{
			IdentityStoreId: aws.String("d-1234567890"), UserId: aws.String("u-1")}); err != nil {
			t.Fatalf("DescribeUser: %v (verifier: %v)", err, s.errs)
		}
		want := []*sigv4.Result{{AccessKeyID: tempAKID, Region: "eu-west-1", Service: "identitystore", SessionToken: tempToken, Principal: "session"}}
		if diff := cmp.Diff(want, s.results, ignoreTime); diff != "" {
			t.Errorf("verified requests mismatch (-want +got):\n%s", diff)
		}
	})
	t.Run("sts", func(t *testing.T) {
		t.Parallel()
		srv, s := verifyingServer(t, v, "text/xml", `<GetCallerIdentityResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/">`+
			`<GetCallerIdentityResult><Arn>arn:aws:sts::123456789012:assumed-role/r/s</Arn><UserId>AROA:s</UserId>`+
			`<Account>123456789012</Account></GetCallerIdentityResult><ResponseMetadata><RequestId>1</RequestId>`+
			`</ResponseMetadata></GetCallerIdentityResponse>`)
		c := sts.New(sts.Options{Region: "eu-west-1", BaseEndpoint: aws.String(srv.URL), Credentials: creds})
		if _, err := c.GetCallerIdentity(t.Context(), &sts.GetCallerIdentityInput{}); err != nil {
			t.Fatalf("GetCallerIdentity: %v (verifier: %v)", err, s.errs)
		}
		want := []*sigv4.Result{{AccessKeyID: tempAKID, Region: "eu-west-1", Service: "sts", SessionToken: tempToken, Principal: "session"}}
		if diff := cmp.Diff(want, s.results, ignoreTime); diff != "" {
			t.Errorf("verified requests mismatch (-want +got):\n%s", diff)
		}
	})
	t.Run("sts presigned", func(t *testing.T) {
		t.Parallel()
		srv, s := verifyingServer(t, v, "text/plain", "ok")
		c := sts.New(sts.Options{Region: "eu-west-1", BaseEndpoint: aws.String(srv.URL), Credentials: creds})
		p, err := sts.NewPresignClient(c).PresignGetCallerIdentity(t.Context(), &sts.GetCallerIdentityInput{})
		if err != nil {
			t.Fatalf("PresignGetCallerIdentity: %v", err)
		}
		req, err := http.NewRequestWithContext(t.Context(), p.Method, p.URL, nil)
		if err != nil {
			t.Fatal(err)
		}
		req.Header = p.SignedHeader.Clone()
		resp, err := srv.Client().Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("GET presigned URL: status %d (verifier: %v)", resp.StatusCode, s.errs)
		}
		want := []*sigv4.Result{{AccessKeyID: tempAKID, Region: "eu-west-1", Service: "sts", SessionToken: tempToken, Principal: "session"}}
		if diff := cmp.Diff(want, s.results, ignoreTime); diff != "" {
			t.Errorf("verified requests mismatch (-want +got):\n%s", diff)
		}
	})
}

func cmpIgnoreSignedAt() cmp.Option {
	return cmp.Comparer(func(a, b time.Time) bool { return true })
}
