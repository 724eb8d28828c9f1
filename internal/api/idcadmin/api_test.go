package idcadmin_test

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/identitystore"
	istypes "github.com/aws/aws-sdk-go-v2/service/identitystore/types"

	"github.com/idcenter/idcenter/internal/api/idcadmin"
	"github.com/idcenter/idcenter/internal/auth"
	"github.com/idcenter/idcenter/internal/testenv"
)

// wireError is an AWS JSON error answer.
type wireError struct {
	Status  int
	Type    string `json:"__type"`
	Message string
}

func (e *wireError) Error() string { return e.Type + ": " + e.Message }

// call signs and sends one operation the way `idcenter users` does.
// service is the SigV4 signing name ("" to send the request unsigned).
func call(t *testing.T, env *testenv.Env, service, op string, in, out any) error {
	t.Helper()
	status, data, err := env.IDCAdmin(t.Context(), service, time.Now(), op, in)
	if err != nil {
		t.Fatal(err)
	}
	if status != http.StatusOK {
		e := &wireError{Status: status}
		if err := json.Unmarshal(data, e); err != nil {
			t.Fatalf("%s: undecodable error %d %s", op, status, data)
		}
		if e.Message == "" {
			var m struct{ Message string }
			json.Unmarshal(data, &m)
			e.Message = m.Message
		}
		return e
	}
	if out != nil {
		if err := json.Unmarshal(data, out); err != nil {
			t.Fatalf("%s: decode %s: %v", op, data, err)
		}
	}
	return nil
}

func errType(err error) string {
	var e *wireError
	if errors.As(err, &e) {
		return e.Type
	}
	return ""
}

func createUser(t *testing.T, env *testenv.Env, name string) string {
	t.Helper()
	u, err := env.IdentityStore().CreateUser(t.Context(), &identitystore.CreateUserInput{
		IdentityStoreId: aws.String(env.IdentityStoreID), UserName: aws.String(name), DisplayName: aws.String(name),
		Name: &istypes.Name{GivenName: aws.String(name), FamilyName: aws.String("Test")},
	})
	if err != nil {
		t.Fatalf("CreateUser: %v", err)
	}
	return *u.UserId
}

func TestUsers(t *testing.T) {
	testenv.Backends(t, func(t *testing.T, env *testenv.Env) {
		ctx := t.Context()
		id := createUser(t, env, "alice")
		a := env.Server.Auth()

		var out idcadmin.UserResponse
		if err := call(t, env, "idcenter", "SetUserPassword", idcadmin.SetUserPasswordRequest{
			UserRequest: idcadmin.UserRequest{UserName: "ALICE"}, Password: "a long password"}, &out); err != nil {
			t.Fatalf("SetUserPassword: %v", err)
		}
		if out.UserId != id {
			t.Errorf("SetUserPassword UserId = %q, want %q", out.UserId, id)
		}
		res, err := a.SignIn(ctx, auth.SignInInput{IdentityStoreID: env.IdentityStoreID, UserName: "alice", Password: "a long password"})
		if err != nil || res.Pending == nil {
			t.Fatalf("SignIn with the set password = %+v, %v", res, err)
		}

		var inv idcadmin.CreateInvitationResponse
		secs := int64(3600)
		if err := call(t, env, "idcenter", "CreateInvitation", idcadmin.CreateInvitationRequest{
			UserRequest: idcadmin.UserRequest{UserId: id}, ExpiresInSeconds: &secs}, &inv); err != nil {
			t.Fatalf("CreateInvitation: %v", err)
		}
		token, ok := strings.CutPrefix(inv.InvitationUrl, env.URL+"/invite/")
		if !ok || inv.ExpiresAt == nil || inv.ExpiresAt.Sub(time.Now()) > time.Hour {
			t.Fatalf("CreateInvitation = %+v", inv)
		}
		if info, err := a.Invitation(ctx, token); err != nil || info.UserID != id {
			t.Errorf("Invitation(link token) = %+v, %v", info, err)
		}

		if err := call(t, env, "idcenter", "ResetUserMFA", idcadmin.UserRequest{UserName: "alice"}, &out); err != nil {
			t.Errorf("ResetUserMFA: %v", err)
		}
		var rev idcadmin.RevokeUserSessionsResponse
		if err := call(t, env, "idcenter", "RevokeUserSessions", idcadmin.UserRequest{UserName: "alice"}, &rev); err != nil || rev.RevokedSessions != 0 || rev.UserId != id {
			t.Errorf("RevokeUserSessions = %+v, %v", rev, err)
		}
	})
}

// TestErrors: each refusal has its wire error and changes nothing.
func TestErrors(t *testing.T) {
	env := testenv.New(t, "sqlite")
	id := createUser(t, env, "bob")
	user := idcadmin.UserRequest{UserName: "bob"}
	for _, tc := range []struct {
		name    string
		service string
		op      string
		in      any
		want    string
	}{
		{"both names", "idcenter", "SetUserPassword", idcadmin.SetUserPasswordRequest{UserRequest: idcadmin.UserRequest{UserName: "bob", UserId: id}, Password: "a long password"}, "ValidationException"},
		{"no name", "idcenter", "SetUserPassword", idcadmin.SetUserPasswordRequest{Password: "a long password"}, "ValidationException"},
		{"no password", "idcenter", "SetUserPassword", user, "ValidationException"},
		{"short password", "idcenter", "SetUserPassword", idcadmin.SetUserPasswordRequest{UserRequest: user, Password: "short"}, "ValidationException"},
		{"long password", "idcenter", "SetUserPassword", idcadmin.SetUserPasswordRequest{UserRequest: user, Password: strings.Repeat("x", 257)}, "ValidationException"},
		{"unknown user", "idcenter", "SetUserPassword", idcadmin.SetUserPasswordRequest{UserRequest: idcadmin.UserRequest{UserName: "nobody"}, Password: "a long password"}, "ResourceNotFoundException"},
		{"unknown user id", "idcenter", "ResetUserMFA", idcadmin.UserRequest{UserId: "0123456789-01234567-89ab-cdef-0123-456789abcdef"}, "ResourceNotFoundException"},
		{"unknown store", "idcenter", "SetUserPassword", idcadmin.SetUserPasswordRequest{UserRequest: idcadmin.UserRequest{IdentityStoreId: "d-0000000000", UserName: "bob"}, Password: "a long password"}, "ResourceNotFoundException"},
		{"short invitation", "idcenter", "CreateInvitation", map[string]any{"UserName": "bob", "ExpiresInSeconds": 60}, "ValidationException"},
		{"bad mode", "idcenter", "UpdateSettings", map[string]any{"MfaMode": "SOMETIMES"}, "ValidationException"},
		{"short session", "idcenter", "UpdateSettings", map[string]any{"SessionDurationSeconds": 899}, "ValidationException"},
		{"long session", "idcenter", "UpdateSettings", map[string]any{"SessionDurationSeconds": 90*24*3600 + 1}, "ValidationException"},
		{"bad device grant", "idcenter", "UpdateSettings", map[string]any{"DeviceGrant": "OFF", "MfaMode": "DISABLED"}, "ValidationException"},
		{"bad device same network (DF-13)", "idcenter", "UpdateSettings", map[string]any{"DeviceSameNetwork": "ON", "MfaMode": "DISABLED"}, "ValidationException"},
		{"signed for another service", "sso-admin", "SetUserPassword", idcadmin.SetUserPasswordRequest{UserRequest: user, Password: "a long password"}, "InvalidSignatureException"},
		{"unsigned", "", "SetUserPassword", idcadmin.SetUserPasswordRequest{UserRequest: user, Password: "a long password"}, "MissingAuthenticationTokenException"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := call(t, env, tc.service, tc.op, tc.in, nil)
			if got := errType(err); got != tc.want {
				t.Fatalf("%s(%s) = %v, want %s", tc.op, tc.name, err, tc.want)
			}
			if strings.Contains(err.Error(), "a long password") || strings.Contains(err.Error(), "xxxxxxxx") {
				t.Errorf("error echoes the password: %v", err)
			}
		})
	}
	// Nothing changed: bob has no password, the settings are the defaults.
	if _, err := env.Store.GetUserCredential(t.Context(), env.IdentityStoreID, id); err == nil {
		t.Errorf("a refused SetUserPassword stored a credential")
	}
	var s idcadmin.SettingsResponse
	if err := call(t, env, "idcenter", "GetSettings", struct{}{}, &s); err != nil || s.MfaMode != "ALWAYS_ON" || s.SessionDurationSeconds != 8*3600 || s.DeviceGrant != "ENABLED" ||
		s.DeviceSameNetwork != "DISABLED" {
		t.Errorf("GetSettings after refused updates = %+v, %v", s, err)
	}
}

func TestSettings(t *testing.T) {
	env := testenv.New(t, "sqlite")
	var s idcadmin.SettingsResponse
	if err := call(t, env, "idcenter", "GetSettings", idcadmin.GetSettingsRequest{}, &s); err != nil {
		t.Fatal(err)
	}
	if s.IdentityStoreId != env.IdentityStoreID || s.MfaMode != idcadmin.MFAModeAlwaysOn || s.SessionDurationSeconds != 28800 || s.DeviceGrant != idcadmin.DeviceGrantEnabled ||
		s.DeviceSameNetwork != idcadmin.DeviceSameNetworkDisabled {
		t.Errorf("default settings = %+v", s)
	}
	d := int64(900)
	if err := call(t, env, "idcenter", "UpdateSettings", idcadmin.UpdateSettingsRequest{MfaMode: idcadmin.MFAModeContextAware, SessionDurationSeconds: &d}, &s); err != nil {
		t.Fatal(err)
	}
	if s.MfaMode != idcadmin.MFAModeContextAware || s.SessionDurationSeconds != 900 {
		t.Errorf("UpdateSettings = %+v", s)
	}
	if err := call(t, env, "idcenter", "UpdateSettings", idcadmin.UpdateSettingsRequest{MfaMode: idcadmin.MFAModeDisabled}, &s); err != nil {
		t.Fatal(err)
	}
	if s.MfaMode != idcadmin.MFAModeDisabled || s.SessionDurationSeconds != 900 {
		t.Errorf("partial UpdateSettings = %+v, want the duration kept", s)
	}
	if err := call(t, env, "idcenter", "UpdateSettings", idcadmin.UpdateSettingsRequest{DeviceGrant: idcadmin.DeviceGrantDisabled}, &s); err != nil {
		t.Fatal(err)
	}
	if s.DeviceGrant != idcadmin.DeviceGrantDisabled || s.MfaMode != idcadmin.MFAModeDisabled || s.SessionDurationSeconds != 900 {
		t.Errorf("UpdateSettings(DeviceGrant) = %+v, want the device grant off and the rest kept", s)
	}
	if ok, err := env.Server.Auth().DeviceGrantAllowed(context.Background(), env.IdentityStoreID); ok || err != nil {
		t.Errorf("DeviceGrantAllowed after turning it off = %v, %v", ok, err)
	}
	// SECURITY.md DF-13: approving devices only from their own network.
	if err := call(t, env, "idcenter", "UpdateSettings", idcadmin.UpdateSettingsRequest{DeviceSameNetwork: idcadmin.DeviceSameNetworkEnabled}, &s); err != nil {
		t.Fatal(err)
	}
	if s.DeviceSameNetwork != idcadmin.DeviceSameNetworkEnabled || s.DeviceGrant != idcadmin.DeviceGrantDisabled || s.MfaMode != idcadmin.MFAModeDisabled {
		t.Errorf("UpdateSettings(DeviceSameNetwork) = %+v, want the same network required and the rest kept", s)
	}
	if on, err := env.Server.Auth().DeviceSameNetworkRequired(context.Background(), env.IdentityStoreID); !on || err != nil {
		t.Errorf("DeviceSameNetworkRequired after turning it on = %v, %v", on, err)
	}
	set, err := env.Server.Auth().Settings(context.Background(), env.IdentityStoreID)
	if err != nil || set.MFAMode != "DISABLED" || set.SessionDuration != 15*time.Minute || !set.DeviceSameNetwork {
		t.Errorf("service settings = %+v, %v", set, err)
	}
}
