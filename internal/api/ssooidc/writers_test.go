package ssooidc_test

import (
	"context"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/identitystore"
	istypes "github.com/aws/aws-sdk-go-v2/service/identitystore/types"
	"github.com/aws/aws-sdk-go-v2/service/ssooidc"

	"github.com/idcenter/idcenter/internal/oauth"
	"github.com/idcenter/idcenter/internal/testenv"
)

// TestConcurrentWritersSQLite (SECURITY.md ST-03): 50 clients write to one
// SQLite server at once — each registers a client, then repeatedly starts
// a device authorization, has it approved, redeems it, refreshes the
// tokens, creates a user and adds it to a group — and not one request
// fails: no "database is locked", no 5xx, nothing but success (SQLite has
// one writer: the store's group writer runs every transaction on one
// connection whose transactions begin IMMEDIATE, with a busy timeout).
// The latency of each kind of write is logged, not asserted (TESTING.md).
func TestConcurrentWritersSQLite(t *testing.T) {
	t.Parallel()
	const writers, rounds = 50, 4
	env := testenv.New(t, "sqlite")
	ctx := t.Context()
	sess := signIn(t, env, "writer")
	is := env.IdentityStore()
	g, err := is.CreateGroup(ctx, &identitystore.CreateGroupInput{IdentityStoreId: aws.String(env.IdentityStoreID), DisplayName: aws.String("writers")})
	if err != nil {
		t.Fatalf("CreateGroup: %v", err)
	}

	var (
		mu      sync.Mutex
		errs    []string
		latency = map[string][]time.Duration{}
		wg      sync.WaitGroup
		start   = make(chan struct{})
	)
	// timed runs one write and records its latency, or its error.
	timed := func(w int, op string, fn func() error) bool {
		t0 := time.Now()
		err := fn()
		d := time.Since(t0)
		mu.Lock()
		defer mu.Unlock()
		if err != nil {
			errs = append(errs, fmt.Sprintf("writer %d %s: %v", w, op, err))
			return false
		}
		latency[op] = append(latency[op], d)
		return true
	}
	for w := range writers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			// Not the test's context: a failed writer must not cut the
			// others' requests short.
			ctx := context.Background()
			c := oidcClient(env)
			<-start
			var reg *ssooidc.RegisterClientOutput
			if !timed(w, "RegisterClient", func() (err error) {
				reg, err = c.RegisterClient(ctx, deviceRegistration())
				return err
			}) {
				return
			}
			for r := range rounds {
				var d *ssooidc.StartDeviceAuthorizationOutput
				var tok *ssooidc.CreateTokenOutput
				ok := timed(w, "StartDeviceAuthorization", func() (err error) {
					d, err = c.StartDeviceAuthorization(ctx, &ssooidc.StartDeviceAuthorizationInput{ClientId: reg.ClientId,
						ClientSecret: reg.ClientSecret, StartUrl: aws.String(env.URL + "/start")})
					return err
				}) && timed(w, "ApproveDevice", func() error {
					return env.Server.OAuth().ApproveDevice(ctx, *d.UserCode, sess, "")
				}) && timed(w, "CreateToken(device_code)", func() (err error) {
					tok, err = c.CreateToken(ctx, &ssooidc.CreateTokenInput{ClientId: reg.ClientId, ClientSecret: reg.ClientSecret,
						GrantType: aws.String(oauth.GrantDeviceCode), DeviceCode: d.DeviceCode})
					return err
				}) && timed(w, "CreateToken(refresh_token)", func() (err error) {
					tok, err = c.CreateToken(ctx, &ssooidc.CreateTokenInput{ClientId: reg.ClientId, ClientSecret: reg.ClientSecret,
						GrantType: aws.String(oauth.GrantRefreshToken), RefreshToken: tok.RefreshToken})
					return err
				})
				name := fmt.Sprintf("writer-%d-%d", w, r)
				var u *identitystore.CreateUserOutput
				ok = timed(w, "CreateUser", func() (err error) {
					u, err = is.CreateUser(ctx, &identitystore.CreateUserInput{IdentityStoreId: aws.String(env.IdentityStoreID),
						UserName: aws.String(name), DisplayName: aws.String(name), Name: &istypes.Name{GivenName: aws.String("W"), FamilyName: aws.String(name)}})
					return err
				}) && timed(w, "CreateGroupMembership", func() error {
					_, err := is.CreateGroupMembership(ctx, &identitystore.CreateGroupMembershipInput{IdentityStoreId: aws.String(env.IdentityStoreID),
						GroupId: g.GroupId, MemberId: &istypes.MemberIdMemberUserId{Value: *u.UserId}})
					return err
				}) && ok
				if !ok {
					return
				}
			}
		}()
	}
	t0 := time.Now()
	close(start)
	wg.Wait()
	elapsed := time.Since(t0)

	for _, e := range errs {
		t.Error(e)
	}
	total := 0
	ops := make([]string, 0, len(latency))
	for op := range latency {
		ops = append(ops, op)
	}
	slices.Sort(ops)
	for _, op := range ops {
		ds := latency[op]
		slices.Sort(ds)
		total += len(ds)
		t.Logf("%-28s n=%4d p50=%-10v p99=%-10v max=%v", op, len(ds), ds[len(ds)/2].Round(time.Microsecond),
			ds[len(ds)*99/100].Round(time.Microsecond), ds[len(ds)-1].Round(time.Microsecond))
	}
	t.Logf("%d writers: %d writes succeeded, %d failed, in %v", writers, total, len(errs), elapsed.Round(time.Millisecond))
	if want := writers * (1 + 6*rounds); total != want && len(errs) == 0 {
		t.Errorf("%d writes succeeded, want %d", total, want)
	}
}
