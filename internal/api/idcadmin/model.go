// Package idcadmin is idcenter's own administration API for what IAM
// Identity Center manages in its console rather than through an AWS API:
// user passwords, invitations, MFA recovery, session revocation, the MFA
// mode and the portal session duration.
//
// Its wire form is an AWS JSON 1.1 service, so it shares the awsproto router,
// model-driven validation and SigV4 authentication with the AWS APIs: POST /
// with X-Amz-Target "IDCenterAdmin.<Operation>", signed for the service name
// "idcenter" by an administrator key. The model is small and hand-written
// here (there is no botocore model to generate it from); the request and
// response types are exported so that `idcenter users` and `idcenter
// settings` use the same shapes.
//
// Operations (every user is named by exactly one of UserName and UserId;
// IdentityStoreId defaults to the instance's identity store):
//
//	SetUserPassword     {UserName|UserId, Password}            -> {UserId}
//	CreateInvitation    {UserName|UserId, ExpiresInSeconds?}   -> {UserId, InvitationUrl, ExpiresAt}
//	ResetUserMFA        {UserName|UserId}                       -> {UserId}
//	RevokeUserSessions  {UserName|UserId}                       -> {UserId, RevokedSessions}
//	GetSettings         {}                                      -> {IdentityStoreId, MfaMode, SessionDurationSeconds, DeviceGrant, DeviceSameNetwork}
//	UpdateSettings      {MfaMode?, SessionDurationSeconds?, DeviceGrant?, DeviceSameNetwork?} -> the new settings
//
// DeviceGrant is ENABLED (the default) or DISABLED: whether users may sign
// devices in with the device authorization grant (`aws sso login
// --use-device-code`, older CLIs); turning it off refuses new device
// authorizations and stops codes already started (SECURITY.md DF-14).
// DeviceSameNetwork is ENABLED or DISABLED (the default): whether a device
// authorization may be approved only from the network (IPv4 /24, IPv6
// /64) it was started from; an approval from another network is recorded
// as a denial (SECURITY.md DF-13).
//
// Errors: ValidationException, ResourceNotFoundException,
// AccessDeniedException, ThrottlingException (400) and
// InternalServerException (500).
//
// idcadmin imports auth, idc and awsproto; never another edge, the server
// or a store backend.
package idcadmin

import "github.com/idcenter/idcenter/internal/awsproto"

// Wire names of the service.
const (
	// TargetPrefix is the X-Amz-Target prefix of the operations.
	TargetPrefix = "IDCenterAdmin"
	// SigningName is the service name of the SigV4 credential scope.
	SigningName = "idcenter"
	// APIVersion versions the model.
	APIVersion = "2026-01-01"
)

// The DeviceGrant enumeration.
const (
	DeviceGrantEnabled  = "ENABLED"
	DeviceGrantDisabled = "DISABLED"
)

// The DeviceSameNetwork enumeration.
const (
	DeviceSameNetworkEnabled  = "ENABLED"
	DeviceSameNetworkDisabled = "DISABLED"
)

// MFA modes (the MfaMode enumeration).
const (
	MFAModeAlwaysOn     = "ALWAYS_ON"
	MFAModeContextAware = "CONTEXT_AWARE"
	MFAModeDisabled     = "DISABLED"
)

// Model returns the service model. It builds a fresh value on every call;
// call it once at start-up.
func Model() *awsproto.Service {
	userErrs := []string{"ValidationException", "ResourceNotFoundException", "AccessDeniedException", "ThrottlingException", "InternalServerException"}
	userMembers := []awsproto.Member{{Name: "IdentityStoreId", Shape: "IdentityStoreId"}, {Name: "UserName", Shape: "UserName"}, {Name: "UserId", Shape: "UserId"}}
	str := func(name string, min, max int64) *awsproto.Shape {
		return &awsproto.Shape{Name: name, Type: awsproto.TypeString, Min: awsproto.Int64(min), Max: awsproto.Int64(max)}
	}
	exc := func(name string, status int, fault bool) *awsproto.Shape {
		return &awsproto.Shape{Name: name, Type: awsproto.TypeStructure, Members: []awsproto.Member{{Name: "Message", Shape: "Message"}}, Exception: true, Fault: fault, HTTPStatus: status}
	}
	return awsproto.MustNewService(SigningName, TargetPrefix, APIVersion,
		[]*awsproto.Operation{
			{Name: "SetUserPassword", Input: "SetUserPasswordRequest", Output: "UserResponse", Errors: userErrs},
			{Name: "CreateInvitation", Input: "CreateInvitationRequest", Output: "CreateInvitationResponse", Errors: userErrs},
			{Name: "ResetUserMFA", Input: "UserRequest", Output: "UserResponse", Errors: userErrs},
			{Name: "RevokeUserSessions", Input: "UserRequest", Output: "RevokeUserSessionsResponse", Errors: userErrs},
			{Name: "GetSettings", Input: "GetSettingsRequest", Output: "SettingsResponse", Errors: userErrs},
			{Name: "UpdateSettings", Input: "UpdateSettingsRequest", Output: "SettingsResponse", Errors: userErrs},
		},
		[]*awsproto.Shape{
			{Name: "IdentityStoreId", Type: awsproto.TypeString, Min: awsproto.Int64(1), Max: awsproto.Int64(36), Pattern: `d-[0-9a-f]{10}`},
			str("UserName", 1, 128),
			{Name: "UserId", Type: awsproto.TypeString, Min: awsproto.Int64(1), Max: awsproto.Int64(47), Pattern: `([0-9a-f]{10}-|)[A-Fa-f0-9]{8}-[A-Fa-f0-9]{4}-[A-Fa-f0-9]{4}-[A-Fa-f0-9]{4}-[A-Fa-f0-9]{12}`},
			{Name: "Password", Type: awsproto.TypeString, Min: awsproto.Int64(1), Max: awsproto.Int64(1024), Sensitive: true},
			{Name: "ExpiresInSeconds", Type: awsproto.TypeInteger, Min: awsproto.Int64(300), Max: awsproto.Int64(30 * 24 * 3600)},
			{Name: "SessionDurationSeconds", Type: awsproto.TypeInteger, Min: awsproto.Int64(900), Max: awsproto.Int64(90 * 24 * 3600)},
			{Name: "MfaMode", Type: awsproto.TypeString, Enum: []string{MFAModeAlwaysOn, MFAModeContextAware, MFAModeDisabled}},
			{Name: "DeviceGrant", Type: awsproto.TypeString, Enum: []string{DeviceGrantEnabled, DeviceGrantDisabled}},
			{Name: "DeviceSameNetwork", Type: awsproto.TypeString, Enum: []string{DeviceSameNetworkEnabled, DeviceSameNetworkDisabled}},
			{Name: "Url", Type: awsproto.TypeString, Sensitive: true},
			{Name: "Timestamp", Type: awsproto.TypeTimestamp},
			{Name: "Count", Type: awsproto.TypeLong},
			{Name: "Message", Type: awsproto.TypeString},
			{Name: "UserRequest", Type: awsproto.TypeStructure, Members: userMembers},
			{Name: "SetUserPasswordRequest", Type: awsproto.TypeStructure, Required: []string{"Password"},
				Members: append(append([]awsproto.Member(nil), userMembers...), awsproto.Member{Name: "Password", Shape: "Password"})},
			{Name: "CreateInvitationRequest", Type: awsproto.TypeStructure,
				Members: append(append([]awsproto.Member(nil), userMembers...), awsproto.Member{Name: "ExpiresInSeconds", Shape: "ExpiresInSeconds"})},
			{Name: "UserResponse", Type: awsproto.TypeStructure, Members: []awsproto.Member{{Name: "UserId", Shape: "UserId"}}},
			{Name: "CreateInvitationResponse", Type: awsproto.TypeStructure, Members: []awsproto.Member{
				{Name: "UserId", Shape: "UserId"}, {Name: "InvitationUrl", Shape: "Url"}, {Name: "ExpiresAt", Shape: "Timestamp"}}},
			{Name: "RevokeUserSessionsResponse", Type: awsproto.TypeStructure, Members: []awsproto.Member{
				{Name: "UserId", Shape: "UserId"}, {Name: "RevokedSessions", Shape: "Count"}}},
			{Name: "GetSettingsRequest", Type: awsproto.TypeStructure, Members: []awsproto.Member{{Name: "IdentityStoreId", Shape: "IdentityStoreId"}}},
			{Name: "UpdateSettingsRequest", Type: awsproto.TypeStructure, Members: []awsproto.Member{
				{Name: "IdentityStoreId", Shape: "IdentityStoreId"}, {Name: "MfaMode", Shape: "MfaMode"}, {Name: "SessionDurationSeconds", Shape: "SessionDurationSeconds"},
				{Name: "DeviceGrant", Shape: "DeviceGrant"}, {Name: "DeviceSameNetwork", Shape: "DeviceSameNetwork"}}},
			{Name: "SettingsResponse", Type: awsproto.TypeStructure, Members: []awsproto.Member{
				{Name: "IdentityStoreId", Shape: "IdentityStoreId"}, {Name: "MfaMode", Shape: "MfaMode"}, {Name: "SessionDurationSeconds", Shape: "SessionDurationSeconds"},
				{Name: "DeviceGrant", Shape: "DeviceGrant"}, {Name: "DeviceSameNetwork", Shape: "DeviceSameNetwork"}}},
			exc("ValidationException", 400, false),
			exc("ResourceNotFoundException", 400, false),
			exc("AccessDeniedException", 400, false),
			exc("ThrottlingException", 400, false),
			exc("InternalServerException", 500, true),
		})
}

// UserRequest names a user: exactly one of UserName and UserId.
type UserRequest struct {
	IdentityStoreId string `json:"IdentityStoreId,omitempty"`
	UserName        string `json:"UserName,omitempty"`
	UserId          string `json:"UserId,omitempty"`
}

// SetUserPasswordRequest sets a user's password.
type SetUserPasswordRequest struct {
	UserRequest
	Password string `json:"Password"`
}

// CreateInvitationRequest creates a one-time sign-up link.
type CreateInvitationRequest struct {
	UserRequest
	// ExpiresInSeconds defaults to 72 hours.
	ExpiresInSeconds *int64 `json:"ExpiresInSeconds,omitempty"`
}

// UserResponse names the user an operation acted on.
type UserResponse struct {
	UserId string `json:"UserId"`
}

// CreateInvitationResponse carries the link to send to the user (a secret:
// whoever holds it can choose the password).
type CreateInvitationResponse struct {
	UserId        string         `json:"UserId"`
	InvitationUrl string         `json:"InvitationUrl"`
	ExpiresAt     *awsproto.Time `json:"ExpiresAt"`
}

// RevokeUserSessionsResponse says how many sessions were ended.
type RevokeUserSessionsResponse struct {
	UserId          string `json:"UserId"`
	RevokedSessions int64  `json:"RevokedSessions"`
}

// GetSettingsRequest reads sign-in settings.
type GetSettingsRequest struct {
	IdentityStoreId string `json:"IdentityStoreId,omitempty"`
}

// UpdateSettingsRequest changes sign-in settings; absent members are kept.
type UpdateSettingsRequest struct {
	IdentityStoreId        string `json:"IdentityStoreId,omitempty"`
	MfaMode                string `json:"MfaMode,omitempty"`
	SessionDurationSeconds *int64 `json:"SessionDurationSeconds,omitempty"`
	DeviceGrant            string `json:"DeviceGrant,omitempty"`
	DeviceSameNetwork      string `json:"DeviceSameNetwork,omitempty"`
}

// SettingsResponse is an identity store's sign-in settings.
type SettingsResponse struct {
	IdentityStoreId        string `json:"IdentityStoreId"`
	MfaMode                string `json:"MfaMode"`
	SessionDurationSeconds int64  `json:"SessionDurationSeconds"`
	DeviceGrant            string `json:"DeviceGrant"`
	DeviceSameNetwork      string `json:"DeviceSameNetwork"`
}
