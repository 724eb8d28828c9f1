package main

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
	"github.com/aws/aws-sdk-go-v2/config"

	"github.com/idcenter/idcenter/internal/api/idcadmin"
)

// adminFlags are the connection flags of the admin subcommands.
type adminFlags struct {
	endpoint string
	profile  string
	region   string
	storeID  string
}

func (a *adminFlags) register(fs *flag.FlagSet) {
	fs.StringVar(&a.endpoint, "endpoint-url", "", "idcenter base URL (default: $AWS_ENDPOINT_URL)")
	fs.StringVar(&a.profile, "profile", "", "AWS profile with administrator credentials (default: the standard credential chain)")
	fs.StringVar(&a.region, "region", "", "region to sign for (default: the profile's, else us-east-1)")
	fs.StringVar(&a.storeID, "identity-store-id", "", "identity store (default: the instance's)")
}

// adminClient calls the idcenter admin API (internal/api/idcadmin): AWS
// JSON 1.1 requests signed with SigV4 for the service "idcenter", with
// credentials from the standard AWS chain (environment, shared files,
// profiles).
type adminClient struct {
	endpoint string
	cfg      aws.Config
	http     *http.Client
}

func newAdminClient(ctx context.Context, a *adminFlags, getenv func(string) string) (*adminClient, error) {
	endpoint := a.endpoint
	if endpoint == "" {
		endpoint = getenv("AWS_ENDPOINT_URL")
	}
	if endpoint == "" {
		return nil, errors.New("set --endpoint-url or AWS_ENDPOINT_URL to the idcenter server's URL")
	}
	var opts []func(*config.LoadOptions) error
	if a.profile != "" {
		opts = append(opts, config.WithSharedConfigProfile(a.profile))
	}
	if a.region != "" {
		opts = append(opts, config.WithRegion(a.region))
	}
	cfg, err := config.LoadDefaultConfig(ctx, opts...)
	if err != nil {
		return nil, fmt.Errorf("load AWS configuration: %w", err)
	}
	if cfg.Region == "" {
		cfg.Region = "us-east-1"
	}
	return &adminClient{endpoint: strings.TrimSuffix(endpoint, "/"), cfg: cfg, http: &http.Client{Timeout: 60 * time.Second}}, nil
}

// apiError is an error answer of the admin API.
type apiError struct {
	Code    string
	Message string
}

func (e *apiError) Error() string { return e.Code + ": " + e.Message }

// call sends one operation and decodes its output into out.
func (c *adminClient) call(ctx context.Context, op string, in, out any) error {
	body, err := json.Marshal(in)
	if err != nil {
		return err
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, c.endpoint+"/", bytes.NewReader(body))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/x-amz-json-1.1")
	req.Header.Set("X-Amz-Target", idcadmin.TargetPrefix+"."+op)
	creds, err := c.cfg.Credentials.Retrieve(ctx)
	if err != nil {
		return fmt.Errorf("administrator credentials: %w", err)
	}
	sum := sha256.Sum256(body)
	if err := v4.NewSigner().SignHTTP(ctx, creds, req, hex.EncodeToString(sum[:]), idcadmin.SigningName, c.cfg.Region, time.Now()); err != nil {
		return fmt.Errorf("sign request: %w", err)
	}
	resp, err := c.http.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if err != nil {
		return err
	}
	if resp.StatusCode != http.StatusOK {
		var e struct {
			Type    string `json:"__type"`
			Message string `json:"message"`
			Msg     string `json:"Message"`
		}
		_ = json.Unmarshal(data, &e)
		ae := &apiError{Code: e.Type, Message: e.Message}
		if ae.Message == "" {
			ae.Message = e.Msg
		}
		if ae.Code == "" {
			ae.Code = resp.Status
		}
		return ae
	}
	if out == nil {
		return nil
	}
	return json.Unmarshal(data, out)
}

// usersUsage documents `idcenter users`.
const usersUsage = `usage: idcenter users <command> [flags]

commands:
  set-password     --user-name NAME --password-stdin   set a user's password (read from standard input)
  invite           --user-name NAME [--expires 72h]     print a one-time sign-up link
  reset-mfa        --user-name NAME                     remove the user's authenticator (enrol again at next sign-in)
  revoke-sessions  --user-name NAME                     sign the user out everywhere

Every command takes --endpoint-url (default $AWS_ENDPOINT_URL), --profile,
--region and --identity-store-id, and signs with administrator credentials
from the standard AWS chain (for example the idcenter-admin profile of
<data-dir>/admin-credentials).
`

// users runs `idcenter users …`.
func users(ctx context.Context, args []string, getenv func(string) string, stdin io.Reader, stdout, stderr io.Writer) int {
	if len(args) == 0 || args[0] == "-h" || args[0] == "--help" || args[0] == "help" {
		w := stderr
		if len(args) > 0 {
			w = stdout
		}
		fmt.Fprint(w, usersUsage)
		if len(args) == 0 {
			return 2
		}
		return 0
	}
	cmd := args[0]
	fs := flag.NewFlagSet("users "+cmd, flag.ContinueOnError)
	fs.SetOutput(stderr)
	var a adminFlags
	a.register(fs)
	var userName, userID string
	fs.StringVar(&userName, "user-name", "", "the user's name")
	fs.StringVar(&userID, "user-id", "", "the user's id (instead of --user-name)")
	var passwordStdin bool
	var expires time.Duration
	switch cmd {
	case "set-password":
		fs.BoolVar(&passwordStdin, "password-stdin", false, "read the password from standard input (required)")
	case "invite":
		fs.DurationVar(&expires, "expires", 72*time.Hour, "how long the link stays valid (5m to 720h)")
	case "reset-mfa", "revoke-sessions":
	default:
		fmt.Fprintf(stderr, "idcenter users: unknown command %q\n\n%s", cmd, usersUsage)
		return 2
	}
	if err := fs.Parse(args[1:]); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		return 2
	}
	if fs.NArg() > 0 || (userName == "") == (userID == "") {
		fmt.Fprintf(stderr, "idcenter users %s: give exactly one of --user-name and --user-id\n", cmd)
		return 2
	}
	user := idcadmin.UserRequest{IdentityStoreId: a.storeID, UserName: userName, UserId: userID}
	name := userName
	if name == "" {
		name = userID
	}
	var password string
	if cmd == "set-password" {
		if !passwordStdin {
			fmt.Fprintln(stderr, "idcenter users set-password: pass the password on standard input with --password-stdin (never on the command line)")
			return 2
		}
		b, err := io.ReadAll(io.LimitReader(stdin, 4096))
		if err != nil {
			fmt.Fprintf(stderr, "idcenter users set-password: read standard input: %v\n", err)
			return 1
		}
		password = strings.TrimSuffix(strings.TrimSuffix(string(b), "\n"), "\r")
	}
	c, err := newAdminClient(ctx, &a, getenv)
	if err != nil {
		fmt.Fprintf(stderr, "idcenter users %s: %v\n", cmd, err)
		return 2
	}
	switch cmd {
	case "set-password":
		var out idcadmin.UserResponse
		err = c.call(ctx, "SetUserPassword", idcadmin.SetUserPasswordRequest{UserRequest: user, Password: password}, &out)
		if err == nil {
			fmt.Fprintf(stdout, "Password set for %s (%s). Their sessions were signed out.\n", name, out.UserId)
		}
	case "invite":
		secs := int64(expires / time.Second)
		var out idcadmin.CreateInvitationResponse
		err = c.call(ctx, "CreateInvitation", idcadmin.CreateInvitationRequest{UserRequest: user, ExpiresInSeconds: &secs}, &out)
		if err == nil {
			fmt.Fprintln(stdout, out.InvitationUrl)
			if out.ExpiresAt != nil {
				fmt.Fprintf(stderr, "One-time link for %s; it expires at %s.\n", name, out.ExpiresAt.UTC().Format(time.RFC3339))
			}
		}
	case "reset-mfa":
		var out idcadmin.UserResponse
		err = c.call(ctx, "ResetUserMFA", user, &out)
		if err == nil {
			fmt.Fprintf(stdout, "MFA reset for %s (%s): they set up a new authenticator at their next sign-in.\n", name, out.UserId)
		}
	case "revoke-sessions":
		var out idcadmin.RevokeUserSessionsResponse
		err = c.call(ctx, "RevokeUserSessions", user, &out)
		if err == nil {
			fmt.Fprintf(stdout, "Signed %s out of %d session(s).\n", name, out.RevokedSessions)
		}
	}
	if err != nil {
		fmt.Fprintf(stderr, "idcenter users %s: %v\n", cmd, err)
		return 1
	}
	return 0
}
