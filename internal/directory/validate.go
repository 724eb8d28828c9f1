package directory

import (
	"regexp"
	"strings"
	"unicode/utf8"

	"github.com/idcenter/idcenter/internal/idc"
)

// The shape rules of the identitystore 2020-06-15 model, applied to whole
// users and groups: the API edge validates requests against the model
// before they reach the service, but attribute operations (UpdateUser,
// UpdateGroup) and other callers (SCIM, the console) produce values that only
// the service sees.
var (
	// SensitiveStringType: 1..1024 characters.
	sensitivePattern = regexp.MustCompile("^[\\p{L}\\p{M}\\p{S}\\p{N}\\p{P}\\t\\n\\r \u00a0\u3000]+$")
	// GroupDisplayName: 1..1024 characters.
	groupNamePattern = regexp.MustCompile("^[\\p{L}\\p{M}\\p{S}\\p{N}\\p{P}\\t\\n\\r \u00a0]+$")
	// UserName: 1..128 characters; ExternalIdIssuer and ExternalIdIdentifier:
	// 1..256 characters.
	namePattern = regexp.MustCompile(`^[\p{L}\p{M}\p{S}\p{N}\p{P}]+$`)
)

const (
	maxString      = 1024
	maxUserName    = 128
	maxExternalID  = 256
	maxExternalIDs = 10
	// List sizes of the model: Emails, Addresses, PhoneNumbers and Roles
	// hold one element, Photos up to three.
	maxEmails    = 1
	maxAddresses = 1
	maxPhones    = 1
	maxRoles     = 1
	maxPhotos    = 3
)

// reserved reports whether name is one IAM Identity Center keeps for
// itself: "Administrator and AWSAdministrators are reserved names and can't
// be used for users or groups" (CreateUserRequest.UserName). The comparison
// ignores case.
func reserved(name string) bool {
	return strings.EqualFold(name, "Administrator") || strings.EqualFold(name, "AWSAdministrators")
}

// checker collects the first violation.
type checker struct{ err *idc.Error }

func (c *checker) fail(format string, args ...any) {
	if c.err == nil {
		c.err = idc.Invalidf(format, args...)
	}
}

// str checks an optional string member ("" = absent).
func (c *checker) str(path, v string) {
	if v == "" {
		return
	}
	if utf8.RuneCountInString(v) > maxString {
		c.fail("%s must have length less than or equal to %d.", path, maxString)
	} else if !sensitivePattern.MatchString(v) {
		c.fail("%s contains characters that are not allowed.", path)
	}
}

func (c *checker) userName(v string) {
	switch {
	case v == "":
		c.fail("UserName is required.")
	case utf8.RuneCountInString(v) > maxUserName:
		c.fail("UserName must have length less than or equal to %d.", maxUserName)
	case !namePattern.MatchString(v):
		c.fail("UserName contains characters that are not allowed.")
	case reserved(v):
		c.fail("The UserName is reserved: Administrator and AWSAdministrators cannot be used.")
	}
}

func (c *checker) groupName(v string) {
	switch {
	case v == "":
		c.fail("DisplayName is required.")
	case utf8.RuneCountInString(v) > maxString:
		c.fail("DisplayName must have length less than or equal to %d.", maxString)
	case !groupNamePattern.MatchString(v):
		c.fail("DisplayName contains characters that are not allowed.")
	case reserved(v):
		c.fail("The DisplayName is reserved: Administrator and AWSAdministrators cannot be used.")
	}
}

func (c *checker) externalIDs(ids []idc.ExternalID) {
	if len(ids) > maxExternalIDs {
		c.fail("ExternalIds must have length less than or equal to %d.", maxExternalIDs)
	}
	seen := make(map[idc.ExternalID]bool, len(ids))
	for _, e := range ids {
		for _, v := range []string{e.Issuer, e.ID} {
			if v == "" || utf8.RuneCountInString(v) > maxExternalID || !namePattern.MatchString(v) {
				c.fail("ExternalIds must hold an Issuer and an Id of 1 to %d visible characters.", maxExternalID)
			}
		}
		if seen[e] {
			c.fail("ExternalIds must not repeat an external id.")
		}
		seen[e] = true
	}
}

func (c *checker) list(path string, n, max int) {
	if n > max {
		c.fail("%s must have length less than or equal to %d.", path, max)
	}
}

// primaries enforces the SCIM rule (RFC 7643 §2.4) that at most one value of
// a multi-valued attribute is primary.
func (c *checker) primaries(path string, flags ...*bool) {
	n := 0
	for _, f := range flags {
		if f != nil && *f {
			n++
		}
	}
	if n > 1 {
		c.fail("Only one of %s can be primary.", path)
	}
}

// validateUser checks every rule a stored user must satisfy: the attributes
// IAM Identity Center requires (UserName, DisplayName, Name.GivenName,
// Name.FamilyName), reserved names, the model's lengths, patterns and list
// sizes, one primary value per multi-valued attribute, supported
// extensions and external ids. It rewrites extensions in canonical form.
func validateUser(u *idc.User) *idc.Error {
	var c checker
	c.userName(u.UserName)
	a := &u.Attrs
	if a.DisplayName == "" {
		c.fail("DisplayName is required.")
	}
	if a.Name == nil || a.Name.GivenName == "" || a.Name.FamilyName == "" {
		c.fail("Name.GivenName and Name.FamilyName are required.")
	}
	if u.Status != idc.UserEnabled && u.Status != idc.UserDisabled {
		c.fail("UserStatus must be ENABLED or DISABLED.")
	}
	for _, f := range []struct{ path, v string }{
		{"DisplayName", a.DisplayName}, {"NickName", a.NickName}, {"ProfileUrl", a.ProfileURL}, {"UserType", a.UserType},
		{"Title", a.Title}, {"PreferredLanguage", a.PreferredLanguage}, {"Locale", a.Locale}, {"Timezone", a.Timezone},
		{"Website", a.Website}, {"Birthdate", a.Birthdate},
	} {
		c.str(f.path, f.v)
	}
	if n := a.Name; n != nil {
		for _, f := range []struct{ path, v string }{
			{"Name.Formatted", n.Formatted}, {"Name.FamilyName", n.FamilyName}, {"Name.GivenName", n.GivenName},
			{"Name.MiddleName", n.MiddleName}, {"Name.HonorificPrefix", n.HonorificPrefix}, {"Name.HonorificSuffix", n.HonorificSuffix},
		} {
			c.str(f.path, f.v)
		}
	}
	c.list("Emails", len(a.Emails), maxEmails)
	var flags []*bool
	for _, e := range a.Emails {
		c.str("Emails.Value", e.Value)
		c.str("Emails.Type", e.Type)
		flags = append(flags, e.Primary)
	}
	c.primaries("Emails", flags...)
	c.list("Addresses", len(a.Addresses), maxAddresses)
	flags = flags[:0]
	for _, ad := range a.Addresses {
		for _, f := range []struct{ path, v string }{
			{"Addresses.StreetAddress", ad.StreetAddress}, {"Addresses.Locality", ad.Locality}, {"Addresses.Region", ad.Region},
			{"Addresses.PostalCode", ad.PostalCode}, {"Addresses.Country", ad.Country}, {"Addresses.Formatted", ad.Formatted},
			{"Addresses.Type", ad.Type},
		} {
			c.str(f.path, f.v)
		}
		flags = append(flags, ad.Primary)
	}
	c.primaries("Addresses", flags...)
	c.list("PhoneNumbers", len(a.PhoneNumbers), maxPhones)
	flags = flags[:0]
	for _, p := range a.PhoneNumbers {
		c.str("PhoneNumbers.Value", p.Value)
		c.str("PhoneNumbers.Type", p.Type)
		flags = append(flags, p.Primary)
	}
	c.primaries("PhoneNumbers", flags...)
	c.list("Photos", len(a.Photos), maxPhotos)
	flags = flags[:0]
	for _, p := range a.Photos {
		if p.Value == "" {
			c.fail("Photos.Value is required.")
		}
		c.str("Photos.Value", p.Value)
		c.str("Photos.Type", p.Type)
		c.str("Photos.Display", p.Display)
		flags = append(flags, p.Primary)
	}
	c.primaries("Photos", flags...)
	c.list("Roles", len(a.Roles), maxRoles)
	flags = flags[:0]
	for _, r := range a.Roles {
		c.str("Roles.Value", r.Value)
		c.str("Roles.Type", r.Type)
		flags = append(flags, r.Primary)
	}
	c.primaries("Roles", flags...)
	if c.err == nil {
		if err := normalizeExtensions(a); err != nil {
			return err
		}
	}
	c.externalIDs(u.ExternalIDs)
	return c.err
}

// validateGroup checks every rule a stored group must satisfy.
func validateGroup(g *idc.Group) *idc.Error {
	var c checker
	c.groupName(g.DisplayName)
	c.str("Description", g.Description)
	c.externalIDs(g.ExternalIDs)
	return c.err
}
