package identitystore_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
	"github.com/aws/aws-sdk-go-v2/service/identitystore"
	"github.com/aws/aws-sdk-go-v2/service/identitystore/types"

	isapi "github.com/idcenter/idcenter/internal/api/identitystore"
	"github.com/idcenter/idcenter/internal/awsproto"
	"github.com/idcenter/idcenter/internal/testenv"
)

// BenchmarkListUsersPage measures one signed ListUsers(MaxResults=100)
// round trip over loopback against an in-process server holding 1,000
// users on SQLite: handler, store and JSON encoding together.
func BenchmarkListUsersPage(b *testing.B) {
	env := testenv.New(b, "sqlite")
	ctx := context.Background()
	is := env.IdentityStore()
	for i := range 1000 {
		name := fmt.Sprintf("u%05d", i)
		if _, err := is.CreateUser(ctx, &identitystore.CreateUserInput{
			IdentityStoreId: aws.String(env.IdentityStoreID), UserName: aws.String(name), DisplayName: aws.String(name),
			Name:   &types.Name{GivenName: aws.String("U"), FamilyName: aws.String(name)},
			Emails: []types.Email{{Value: aws.String(name + "@example.com"), Primary: true}},
		}); err != nil {
			b.Fatal(err)
		}
	}
	body := []byte(`{"IdentityStoreId":"` + env.IdentityStoreID + `","MaxResults":100}`)
	sum := sha256.Sum256(body)
	hash := hex.EncodeToString(sum[:])
	signer := v4.NewSigner()
	creds := aws.Credentials{AccessKeyID: env.AdminKeyID, SecretAccessKey: env.AdminSecret}
	client := &http.Client{}
	for b.Loop() {
		req, _ := http.NewRequest("POST", env.URL+"/", bytes.NewReader(body))
		req.Header.Set("Content-Type", "application/x-amz-json-1.1")
		req.Header.Set("X-Amz-Target", "AWSIdentityStore.ListUsers")
		if err := signer.SignHTTP(ctx, creds, req, hash, "identitystore", "us-east-1", time.Now()); err != nil {
			b.Fatal(err)
		}
		resp, err := client.Do(req)
		if err != nil {
			b.Fatal(err)
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		if resp.StatusCode != 200 {
			b.Fatalf("status %d", resp.StatusCode)
		}
	}
}

// signedCaller sends signed JSON 1.1 identitystore requests to env.
type signedCaller struct {
	env    *testenv.Env
	signer *v4.Signer
	creds  aws.Credentials
	client *http.Client
}

func newSignedCaller(env *testenv.Env) *signedCaller {
	return &signedCaller{env: env, signer: v4.NewSigner(), creds: aws.Credentials{AccessKeyID: env.AdminKeyID, SecretAccessKey: env.AdminSecret},
		client: &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 16}}}
}

func (c *signedCaller) call(b *testing.B, op string, body []byte) {
	sum := sha256.Sum256(body)
	req, _ := http.NewRequest("POST", c.env.URL+"/", bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/x-amz-json-1.1")
	req.Header.Set("X-Amz-Target", "AWSIdentityStore."+op)
	if err := c.signer.SignHTTP(context.Background(), c.creds, req, hex.EncodeToString(sum[:]), "identitystore", "us-east-1", time.Now()); err != nil {
		b.Fatal(err)
	}
	resp, err := c.client.Do(req)
	if err != nil {
		b.Fatal(err)
	}
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 {
		b.Fatalf("%s: status %d", op, resp.StatusCode)
	}
}

// BenchmarkCreateUser measures signed CreateUser round trips from 4
// concurrent clients (on 2 CPUs) against each backend, durable commits
// included. postgres needs IDCENTER_TEST_POSTGRES.
func BenchmarkCreateUser(b *testing.B) {
	for _, backend := range []string{"sqlite", "postgres"} {
		b.Run(backend, func(b *testing.B) {
			env := testenv.New(b, backend)
			c := newSignedCaller(env)
			var next atomic.Int64
			b.SetParallelism(2)
			b.RunParallel(func(pb *testing.PB) {
				for pb.Next() {
					name := fmt.Sprintf("user%08d", next.Add(1))
					c.call(b, "CreateUser", []byte(`{"IdentityStoreId":"`+env.IdentityStoreID+`","UserName":"`+name+`","DisplayName":"`+name+
						`","Name":{"GivenName":"U","FamilyName":"`+name+`"},"Emails":[{"Value":"`+name+`@example.com","Primary":true}]}`))
				}
			})
		})
	}
}

// BenchmarkEncodeListUsersPage encodes a 100-user ListUsers response as the
// router does: AppendJSON where the generated type has it, else
// encoding/json.
func BenchmarkEncodeListUsersPage(b *testing.B) {
	out := &isapi.ListUsersResponse{NextToken: "token"}
	primary := true
	for i := range 100 {
		name := fmt.Sprintf("u%05d", i)
		out.Users = append(out.Users, isapi.User{
			IdentityStoreId: "d-1234567890", UserId: fmt.Sprintf("9a5f4e3c-1111-2222-3333-%012d", i), UserName: name, DisplayName: name,
			Name:       &isapi.Name{GivenName: "U", FamilyName: name},
			Emails:     []isapi.Email{{Value: name + "@example.com", Primary: &primary}},
			UserStatus: "ENABLED", CreatedAt: awsproto.TimePtr(time.UnixMilli(1700000000123)), UpdatedAt: awsproto.TimePtr(time.UnixMilli(1700000000123)),
			CreatedBy: "arn:aws:iam::123456789012:user/admin", UpdatedBy: "arn:aws:iam::123456789012:user/admin",
		})
	}
	var v any = out
	b.ReportAllocs()
	for b.Loop() {
		var err error
		if a, ok := v.(interface{ AppendJSON([]byte) ([]byte, error) }); ok {
			_, err = a.AppendJSON(make([]byte, 0, 512))
		} else {
			_, err = json.Marshal(v)
		}
		if err != nil {
			b.Fatal(err)
		}
	}
}
