package identitystore_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"net/http"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
	"github.com/aws/aws-sdk-go-v2/service/identitystore"
	"github.com/aws/aws-sdk-go-v2/service/identitystore/types"

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
