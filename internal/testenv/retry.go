package testenv

import (
	"github.com/aws/aws-sdk-go-v2/aws"
	awsratelimit "github.com/aws/aws-sdk-go-v2/aws/ratelimit"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
)

// Retryer is the retry policy of the tests' SDK clients. Every answer the
// server gives — a throttle, a conflict, any error — is the test's to see,
// so none is retried; but a connection that broke under the client, as the
// SDK's standard retryer does, gets another attempt: aws-sdk-go-v2 can
// close its own connection while reading a response ("use of closed
// network connection", net.ErrClosed; aws/aws-sdk-go-v2#1825, #2737),
// which made about one CI run in five fail on an unrelated test.
func Retryer() aws.Retryer {
	return retry.NewStandard(func(o *retry.StandardOptions) {
		o.MaxAttempts = 3
		o.Retryables = []retry.IsErrorRetryable{retry.RetryableConnectionError{}}
		o.RateLimiter = awsratelimit.None
	})
}
