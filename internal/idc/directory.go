package idc

import (
	"encoding/json"
	"time"
)

// ExternalID is an identifier issued to a user or group by an external
// identity provider. (Issuer, ID) is unique per identity store and
// resource kind.
type ExternalID struct {
	Issuer string `json:"Issuer"`
	ID     string `json:"Id"`
}

// Name is a user's structured name.
type Name struct {
	Formatted       string `json:"Formatted,omitempty"`
	FamilyName      string `json:"FamilyName,omitempty"`
	GivenName       string `json:"GivenName,omitempty"`
	MiddleName      string `json:"MiddleName,omitempty"`
	HonorificPrefix string `json:"HonorificPrefix,omitempty"`
	HonorificSuffix string `json:"HonorificSuffix,omitempty"`
}

// Email is one email address of a user.
type Email struct {
	Value   string `json:"Value,omitempty"`
	Type    string `json:"Type,omitempty"`
	Primary *bool  `json:"Primary,omitempty"`
}

// Address is one postal address of a user.
type Address struct {
	StreetAddress string `json:"StreetAddress,omitempty"`
	Locality      string `json:"Locality,omitempty"`
	Region        string `json:"Region,omitempty"`
	PostalCode    string `json:"PostalCode,omitempty"`
	Country       string `json:"Country,omitempty"`
	Formatted     string `json:"Formatted,omitempty"`
	Type          string `json:"Type,omitempty"`
	Primary       *bool  `json:"Primary,omitempty"`
}

// PhoneNumber is one phone number of a user.
type PhoneNumber struct {
	Value   string `json:"Value,omitempty"`
	Type    string `json:"Type,omitempty"`
	Primary *bool  `json:"Primary,omitempty"`
}

// Photo is one photo URL of a user.
type Photo struct {
	Value   string `json:"Value,omitempty"`
	Type    string `json:"Type,omitempty"`
	Display string `json:"Display,omitempty"`
	Primary *bool  `json:"Primary,omitempty"`
}

// Role is one role of a user (a SCIM attribute, not an IAM role).
type Role struct {
	Value   string `json:"Value,omitempty"`
	Type    string `json:"Type,omitempty"`
	Primary *bool  `json:"Primary,omitempty"`
}

// UserAttrs holds the profile attributes of a user. Its JSON form uses the
// identitystore member names, so it is stored and served as is.
type UserAttrs struct {
	Name              *Name         `json:"Name,omitempty"`
	DisplayName       string        `json:"DisplayName,omitempty"`
	NickName          string        `json:"NickName,omitempty"`
	ProfileURL        string        `json:"ProfileUrl,omitempty"`
	Emails            []Email       `json:"Emails,omitempty"`
	Addresses         []Address     `json:"Addresses,omitempty"`
	PhoneNumbers      []PhoneNumber `json:"PhoneNumbers,omitempty"`
	UserType          string        `json:"UserType,omitempty"`
	Title             string        `json:"Title,omitempty"`
	PreferredLanguage string        `json:"PreferredLanguage,omitempty"`
	Locale            string        `json:"Locale,omitempty"`
	Timezone          string        `json:"Timezone,omitempty"`
	Photos            []Photo       `json:"Photos,omitempty"`
	Website           string        `json:"Website,omitempty"`
	Birthdate         string        `json:"Birthdate,omitempty"`
	Roles             []Role        `json:"Roles,omitempty"`
	// Extensions maps an extension name (aws:identitystore:enterprise) to
	// its JSON object.
	Extensions map[string]json.RawMessage `json:"Extensions,omitempty"`
}

// User statuses.
const (
	UserEnabled  = "ENABLED"
	UserDisabled = "DISABLED"
)

// User is a person in an identity store.
type User struct {
	IdentityStoreID string
	UserID          string
	UserName        string
	Status          string // UserEnabled or UserDisabled
	ExternalIDs     []ExternalID
	Attrs           UserAttrs
	CreatedAt       time.Time
	UpdatedAt       time.Time
	CreatedBy       string
	UpdatedBy       string
}

// PrimaryEmail returns the value of the primary email (or the only one).
func (u *User) PrimaryEmail() string {
	for _, e := range u.Attrs.Emails {
		if e.Primary != nil && *e.Primary {
			return e.Value
		}
	}
	if len(u.Attrs.Emails) > 0 {
		return u.Attrs.Emails[0].Value
	}
	return ""
}

// Group is a named set of users in an identity store.
type Group struct {
	IdentityStoreID string
	GroupID         string
	DisplayName     string
	Description     string
	ExternalIDs     []ExternalID
	CreatedAt       time.Time
	UpdatedAt       time.Time
	CreatedBy       string
	UpdatedBy       string
}

// Membership links a user to a group.
type Membership struct {
	IdentityStoreID string
	MembershipID    string
	GroupID         string
	UserID          string
	CreatedAt       time.Time
	UpdatedAt       time.Time
	CreatedBy       string
	UpdatedBy       string
}
