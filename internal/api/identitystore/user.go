package identitystore

import (
	"context"
	"encoding/json"

	"github.com/idcenter/idcenter/internal/awsproto"
	"github.com/idcenter/idcenter/internal/directory"
	"github.com/idcenter/idcenter/internal/idc"
)

// extensionsWanted checks the Extensions member of DescribeUser and
// ListUsers: "aws:identitystore:enterprise is the only supported extension
// name".
func extensionsWanted(names []string) (map[string]bool, error) {
	if len(names) == 0 {
		return nil, nil
	}
	want := make(map[string]bool, len(names))
	for _, n := range names {
		if !directory.SupportedExtension(n) {
			return nil, &awsproto.Error{Code: codeValidation, Message: "Extension " + n + " is not supported; " + directory.ExtensionEnterprise + " is the only supported extension."}
		}
		want[n] = true
	}
	return want, nil
}

// userAttrs builds the directory attributes of a CreateUser request. The
// generated element types have the fields of the idc ones, in order, so
// they convert directly.
func userAttrs(in *CreateUserRequest) idc.UserAttrs {
	a := idc.UserAttrs{
		DisplayName: in.DisplayName, NickName: in.NickName, ProfileURL: in.ProfileUrl, UserType: in.UserType, Title: in.Title,
		PreferredLanguage: in.PreferredLanguage, Locale: in.Locale, Timezone: in.Timezone, Website: in.Website, Birthdate: in.Birthdate,
		Emails:       convert(in.Emails, func(e Email) idc.Email { return idc.Email(e) }),
		Addresses:    convert(in.Addresses, func(e Address) idc.Address { return idc.Address(e) }),
		PhoneNumbers: convert(in.PhoneNumbers, func(e PhoneNumber) idc.PhoneNumber { return idc.PhoneNumber(e) }),
		Photos:       convert(in.Photos, func(e Photo) idc.Photo { return idc.Photo(e) }),
		Roles:        convert(in.Roles, func(e Role) idc.Role { return idc.Role(e) }),
	}
	if in.Name != nil {
		n := idc.Name(*in.Name)
		a.Name = &n
	}
	if len(in.Extensions) > 0 {
		a.Extensions = make(map[string]json.RawMessage, len(in.Extensions))
		for k, v := range in.Extensions {
			a.Extensions[k] = v
		}
	}
	return a
}

// userShape renders u as the User shape, with the extensions in want.
func userShape(u *idc.User, want map[string]bool) User {
	a := &u.Attrs
	out := User{
		IdentityStoreId: u.IdentityStoreID, UserId: u.UserID, UserName: u.UserName, ExternalIds: externalIDs(u.ExternalIDs),
		DisplayName: a.DisplayName, NickName: a.NickName, ProfileUrl: a.ProfileURL, UserType: a.UserType, Title: a.Title,
		PreferredLanguage: a.PreferredLanguage, Locale: a.Locale, Timezone: a.Timezone, UserStatus: u.Status,
		Website: a.Website, Birthdate: a.Birthdate,
		Emails:       convert(a.Emails, func(e idc.Email) Email { return Email(e) }),
		Addresses:    convert(a.Addresses, func(e idc.Address) Address { return Address(e) }),
		PhoneNumbers: convert(a.PhoneNumbers, func(e idc.PhoneNumber) PhoneNumber { return PhoneNumber(e) }),
		Photos:       convert(a.Photos, func(e idc.Photo) Photo { return Photo(e) }),
		Roles:        convert(a.Roles, func(e idc.Role) Role { return Role(e) }),
		CreatedAt:    awsproto.TimePtr(u.CreatedAt), CreatedBy: u.CreatedBy,
		UpdatedAt: awsproto.TimePtr(u.UpdatedAt), UpdatedBy: u.UpdatedBy,
	}
	if a.Name != nil {
		n := Name(*a.Name)
		out.Name = &n
	}
	for name, v := range a.Extensions {
		if want[name] {
			if out.Extensions == nil {
				out.Extensions = map[string]json.RawMessage{}
			}
			out.Extensions[name] = v
		}
	}
	return out
}

// CreateUser implements API.
func (h *handler) CreateUser(ctx context.Context, in *CreateUserRequest) (*CreateUserResponse, error) {
	u, err := h.dir.CreateUser(ctx, &idc.User{IdentityStoreID: in.IdentityStoreId, UserName: in.UserName, Attrs: userAttrs(in)})
	if err != nil {
		return nil, err
	}
	return &CreateUserResponse{IdentityStoreId: u.IdentityStoreID, UserId: u.UserID}, nil
}

// DescribeUser implements API.
func (h *handler) DescribeUser(ctx context.Context, in *DescribeUserRequest) (*DescribeUserResponse, error) {
	want, err := extensionsWanted(in.Extensions)
	if err != nil {
		return nil, err
	}
	u, err := h.dir.GetUser(ctx, in.IdentityStoreId, in.UserId)
	if err != nil {
		return nil, err
	}
	out := DescribeUserResponse(userShape(u, want))
	return &out, nil
}

// UpdateUser implements API.
func (h *handler) UpdateUser(ctx context.Context, in *UpdateUserRequest) (*UpdateUserResponse, error) {
	if err := h.dir.UpdateUser(ctx, in.IdentityStoreId, in.UserId, operations(in.Operations)); err != nil {
		return nil, err
	}
	return &UpdateUserResponse{}, nil
}

// DeleteUser implements API.
func (h *handler) DeleteUser(ctx context.Context, in *DeleteUserRequest) (*DeleteUserResponse, error) {
	if err := h.dir.DeleteUser(ctx, in.IdentityStoreId, in.UserId); err != nil {
		return nil, err
	}
	return &DeleteUserResponse{}, nil
}

// ListUsers implements API.
func (h *handler) ListUsers(ctx context.Context, in *ListUsersRequest) (*ListUsersResponse, error) {
	want, err := extensionsWanted(in.Extensions)
	if err != nil {
		return nil, err
	}
	sc := scope("ListUsers", in.IdentityStoreId)
	p, err := h.page(sc, in.NextToken, in.MaxResults)
	if err != nil {
		return nil, err
	}
	users, next, err := h.dir.ListUsers(ctx, in.IdentityStoreId, filters(in.Filters), p)
	if err != nil {
		return nil, err
	}
	out := &ListUsersResponse{Users: make([]User, len(users)), NextToken: h.next(sc, next)}
	for i, u := range users {
		out.Users[i] = userShape(u, want)
	}
	return out, nil
}

// GetUserId implements API.
func (h *handler) GetUserId(ctx context.Context, in *GetUserIdRequest) (*GetUserIdResponse, error) {
	id, err := h.dir.GetUserID(ctx, in.IdentityStoreId, alternate(in.AlternateIdentifier))
	if err != nil {
		return nil, err
	}
	return &GetUserIdResponse{IdentityStoreId: in.IdentityStoreId, UserId: id}, nil
}
