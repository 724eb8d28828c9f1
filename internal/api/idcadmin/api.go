package idcadmin

import (
	"context"
	"errors"
	"net/url"
	"strings"
	"time"

	"github.com/idcenter/idcenter/internal/auth"
	"github.com/idcenter/idcenter/internal/awsproto"
	"github.com/idcenter/idcenter/internal/idc"
)

// New returns the JSON service. identityStoreID is the default identity
// store; publicURL is the base of invitation links (without a host, links
// are relative: "/invite/…").
func New(svc *auth.Service, identityStoreID string, publicURL *url.URL) *awsproto.JSONService {
	h := &handlers{svc: svc, storeID: identityStoreID}
	if publicURL != nil && publicURL.Host != "" {
		h.base = strings.TrimSuffix(publicURL.String(), "/")
	}
	return awsproto.NewJSONService(Model(), map[string]awsproto.Op{
		"SetUserPassword":    awsproto.Handle(h.SetUserPassword),
		"CreateInvitation":   awsproto.Handle(h.CreateInvitation),
		"ResetUserMFA":       awsproto.Handle(h.ResetUserMFA),
		"RevokeUserSessions": awsproto.Handle(h.RevokeUserSessions),
		"GetSettings":        awsproto.Handle(h.GetSettings),
		"UpdateSettings":     awsproto.Handle(h.UpdateSettings),
	}, mapError)
}

type handlers struct {
	svc     *auth.Service
	storeID string
	base    string
}

// mapError is the one mapping from domain errors to this API's wire errors.
func mapError(err error) *awsproto.Error {
	var e *idc.Error
	if !errors.As(err, &e) {
		return nil
	}
	code := ""
	switch e.Kind {
	case idc.KindInvalid:
		code = "ValidationException"
	case idc.KindNotFound:
		code = "ResourceNotFoundException"
	case idc.KindDenied, idc.KindUnauthenticated:
		code = "AccessDeniedException"
	case idc.KindThrottled:
		code = "ThrottlingException"
	default:
		return nil
	}
	return &awsproto.Error{Code: code, Message: e.Msg}
}

// authorize admits only administrator keys whose signature was scoped to
// this service (SECURITY.md §1.13: a signature made for another service
// must not be replayable here).
func authorize(ctx context.Context) error {
	if c := awsproto.Caller(ctx); c != nil && c.Service != SigningName {
		return &awsproto.Error{Code: awsproto.CodeInvalidSignature, Status: 400,
			Message: "Credential should be scoped to correct service: '" + SigningName + "'."}
	}
	if p := idc.PrincipalFrom(ctx); p == nil || !p.Admin {
		return &awsproto.Error{Code: "AccessDeniedException", Message: "Only administrator keys may call the idcenter admin API."}
	}
	return nil
}

func (h *handlers) store(id string) string {
	if id == "" {
		return h.storeID
	}
	return id
}

// user authorizes the call and resolves the user a request names.
func (h *handlers) user(ctx context.Context, in *UserRequest) (storeID, userID string, err error) {
	if err := authorize(ctx); err != nil {
		return "", "", err
	}
	storeID = h.store(in.IdentityStoreId)
	switch {
	case (in.UserName == "") == (in.UserId == ""):
		return "", "", idc.Invalidf("Name the user with exactly one of UserName and UserId.")
	case in.UserId != "":
		if _, err := h.svc.User(ctx, storeID, in.UserId); err != nil {
			return "", "", err
		}
		return storeID, in.UserId, nil
	}
	userID, err = h.svc.UserIDByName(ctx, storeID, in.UserName)
	if idc.KindOf(err) == idc.KindNotFound {
		var e *idc.Error
		if errors.As(err, &e) && e.Resource == "IDENTITY_STORE" {
			return "", "", err
		}
		return "", "", idc.NotFound("USER", in.UserName, "User %s does not exist.", in.UserName)
	}
	return storeID, userID, err
}

// SetUserPassword sets a user's password and ends the user's sessions.
func (h *handlers) SetUserPassword(ctx context.Context, in *SetUserPasswordRequest) (*UserResponse, error) {
	storeID, userID, err := h.user(ctx, &in.UserRequest)
	if err != nil {
		return nil, err
	}
	if err := h.svc.SetPassword(ctx, storeID, userID, in.Password); err != nil {
		return nil, err
	}
	return &UserResponse{UserId: userID}, nil
}

// CreateInvitation creates a one-time sign-up link.
func (h *handlers) CreateInvitation(ctx context.Context, in *CreateInvitationRequest) (*CreateInvitationResponse, error) {
	storeID, userID, err := h.user(ctx, &in.UserRequest)
	if err != nil {
		return nil, err
	}
	var ttl time.Duration
	if in.ExpiresInSeconds != nil {
		ttl = time.Duration(*in.ExpiresInSeconds) * time.Second
	}
	inv, err := h.svc.CreateInvitation(ctx, storeID, userID, ttl)
	if err != nil {
		return nil, err
	}
	return &CreateInvitationResponse{
		UserId:        userID,
		InvitationUrl: h.base + "/invite/" + inv.Token,
		ExpiresAt:     awsproto.TimePtr(inv.ExpiresAt),
	}, nil
}

// ResetUserMFA removes a user's authenticator.
func (h *handlers) ResetUserMFA(ctx context.Context, in *UserRequest) (*UserResponse, error) {
	storeID, userID, err := h.user(ctx, in)
	if err != nil {
		return nil, err
	}
	if err := h.svc.ResetMFA(ctx, storeID, userID); err != nil {
		return nil, err
	}
	return &UserResponse{UserId: userID}, nil
}

// RevokeUserSessions ends a user's sessions.
func (h *handlers) RevokeUserSessions(ctx context.Context, in *UserRequest) (*RevokeUserSessionsResponse, error) {
	storeID, userID, err := h.user(ctx, in)
	if err != nil {
		return nil, err
	}
	n, err := h.svc.RevokeUserSessions(ctx, storeID, userID)
	if err != nil {
		return nil, err
	}
	return &RevokeUserSessionsResponse{UserId: userID, RevokedSessions: n}, nil
}

// GetSettings returns the sign-in settings.
func (h *handlers) GetSettings(ctx context.Context, in *GetSettingsRequest) (*SettingsResponse, error) {
	if err := authorize(ctx); err != nil {
		return nil, err
	}
	set, err := h.svc.Settings(ctx, h.store(in.IdentityStoreId))
	if err != nil {
		return nil, err
	}
	return settingsResponse(set.IdentityStoreID, set.MFAMode, set.SessionDuration, set.DeviceGrantDisabled, set.DeviceSameNetwork), nil
}

func settingsResponse(identityStoreID, mfaMode string, session time.Duration, deviceGrantDisabled, deviceSameNetwork bool) *SettingsResponse {
	dg, sn := DeviceGrantEnabled, DeviceSameNetworkDisabled
	if deviceGrantDisabled {
		dg = DeviceGrantDisabled
	}
	if deviceSameNetwork {
		sn = DeviceSameNetworkEnabled
	}
	return &SettingsResponse{IdentityStoreId: identityStoreID, MfaMode: mfaMode, SessionDurationSeconds: int64(session / time.Second),
		DeviceGrant: dg, DeviceSameNetwork: sn}
}

// UpdateSettings changes the sign-in settings.
func (h *handlers) UpdateSettings(ctx context.Context, in *UpdateSettingsRequest) (*SettingsResponse, error) {
	if err := authorize(ctx); err != nil {
		return nil, err
	}
	u := auth.SettingsUpdate{MFAMode: in.MfaMode, DeviceGrant: in.DeviceGrant, DeviceSameNetwork: in.DeviceSameNetwork}
	if in.SessionDurationSeconds != nil {
		u.SessionDuration = time.Duration(*in.SessionDurationSeconds) * time.Second
	}
	set, err := h.svc.UpdateSettings(ctx, h.store(in.IdentityStoreId), u)
	if err != nil {
		return nil, err
	}
	return settingsResponse(set.IdentityStoreID, set.MFAMode, set.SessionDuration, set.DeviceGrantDisabled, set.DeviceSameNetwork), nil
}
