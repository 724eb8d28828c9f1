package testenv

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"io"
	"net/http"
	"time"

	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"

	"github.com/idcenter/idcenter/internal/api/idcadmin"
)

// IDCAdmin sends one operation of idcenter's own admin API (JSON 1.1) the
// way `idcenter users` does: signed with the environment's admin key for
// SigV4 signing name service at signedAt, or unsigned when service is "".
// It returns the HTTP status and body; callers decode them.
func (e *Env) IDCAdmin(ctx context.Context, service string, signedAt time.Time, op string, in any) (int, []byte, error) {
	body, err := json.Marshal(in)
	if err != nil {
		return 0, nil, err
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, e.URL+"/", bytes.NewReader(body))
	if err != nil {
		return 0, nil, err
	}
	req.Header.Set("Content-Type", "application/x-amz-json-1.1")
	req.Header.Set("X-Amz-Target", idcadmin.TargetPrefix+"."+op)
	if service != "" {
		creds, err := e.AWSConfig.Credentials.Retrieve(ctx)
		if err != nil {
			return 0, nil, err
		}
		sum := sha256.Sum256(body)
		if err := v4.NewSigner().SignHTTP(ctx, creds, req, hex.EncodeToString(sum[:]), service, "us-east-1", signedAt); err != nil {
			return 0, nil, err
		}
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return 0, nil, err
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body)
	return resp.StatusCode, data, err
}
