package sigv4_test

import (
	"testing"
)

// BenchmarkVerify verifies typical identitystore requests as the AWS SDK for
// Go v2 signs them (seven signed headers: amz-sdk-invocation-id,
// amz-sdk-request, content-length, content-type, host, x-amz-date,
// x-amz-target), with a warm signing-key cache.
func BenchmarkVerify(b *testing.B) {
	const getUserID = `{"IdentityStoreId":"d-1234567890","AlternateIdentifier":{"UniqueAttribute":` +
		`{"AttributePath":"emails.value","AttributeValue":"alice.liddell@wonderland.example.com"}},` +
		`"Extensions":["aws:identitystore:enterprise"]}`
	for _, bc := range []struct{ name, target, body string }{
		{"DescribeUser", "AWSIdentityStore.DescribeUser", describeUserBody},
		{"GetUserId-200B", "AWSIdentityStore.GetUserId", getUserID},
	} {
		b.Run(bc.name, func(b *testing.B) {
			c := clientRequest(b, "POST", "https://"+host+"/", bc.body, jsonHeader(bc.target))
			signHTTP(b, c, bc.body, adminCreds, "identitystore", t0)
			r := toServer(b, c, bc.body)
			v := newVerifier(t0)
			ctx := b.Context()
			body := []byte(bc.body)
			if _, err := v.Verify(ctx, r, body); err != nil {
				b.Fatalf("Verify() = %v", err)
			}
			b.ReportAllocs()
			b.SetBytes(int64(len(body)))
			for b.Loop() {
				if _, err := v.Verify(ctx, r, body); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
