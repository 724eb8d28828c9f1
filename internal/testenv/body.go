package testenv

import (
	"bytes"
	"context"
	"fmt"

	"github.com/aws/smithy-go/middleware"
	smithyhttp "github.com/aws/smithy-go/transport/http"
)

// ReplaceBody is an SDK client option (append it to the APIOptions of an
// operation call) that sends body instead of the body the SDK serialized.
// It lets a test send what no SDK produces — a duplicate key, trailing
// data, a body past a size cap — and still read the answer through the
// SDK's own error deserializer. The replacement happens in the build
// step, before payload hashing and SigV4 signing, so a signed request is
// signed over body.
func ReplaceBody(body []byte) func(*middleware.Stack) error {
	return func(s *middleware.Stack) error {
		return s.Build.Add(middleware.BuildMiddlewareFunc("testenv.ReplaceBody",
			func(ctx context.Context, in middleware.BuildInput, next middleware.BuildHandler) (middleware.BuildOutput, middleware.Metadata, error) {
				req, ok := in.Request.(*smithyhttp.Request)
				if !ok {
					return middleware.BuildOutput{}, middleware.Metadata{}, fmt.Errorf("testenv.ReplaceBody: unexpected request type %T", in.Request)
				}
				req, err := req.SetStream(bytes.NewReader(body))
				if err != nil {
					return middleware.BuildOutput{}, middleware.Metadata{}, err
				}
				req.ContentLength = int64(len(body))
				in.Request = req
				return next.HandleBuild(ctx, in)
			}), middleware.After)
	}
}
