package directory

import (
	"bytes"
	"encoding/json"
	"strings"

	"github.com/idcenter/idcenter/internal/idc"
)

// Operation is one attribute operation of UpdateUser or UpdateGroup
// (identitystore AttributeOperation): it sets the attribute at Path to
// Value, or removes it when Value is nil or JSON null.
//
// Paths are the lowerCamelCase attribute names of the User and Group
// shapes, matched regardless of case: "displayName", "name.givenName",
// "emails", "aws:identitystore:enterprise.costCenter", "description", ...
// Values are JSON documents: a string for a string attribute, an object for
// "name" and extensions, an array of objects for the multi-valued attributes
// (members named as in the model or in SCIM: "Value" or "value").
type Operation struct {
	Path  string
	Value json.RawMessage
}

func (o Operation) removes() bool {
	v := bytes.TrimSpace(o.Value)
	return len(v) == 0 || string(v) == "null"
}

// applyFunc applies one operation to a copy of a resource.
type applyFunc[T any] func(r T, op Operation) *idc.Error

func unsupportedPath(path string) *idc.Error {
	return idc.Invalidf("AttributePath %s is not supported.", path)
}

func requiredAttr(path string) *idc.Error {
	return idc.Invalidf("AttributePath %s is required and cannot be removed.", path)
}

// decodeString decodes a JSON string value of at least one character.
func decodeString(path string, v json.RawMessage) (string, *idc.Error) {
	var s string
	b := bytes.TrimSpace(v)
	if len(b) == 0 || b[0] != '"' || json.Unmarshal(b, &s) != nil {
		return "", idc.Invalidf("AttributeValue of %s must be a JSON string.", path)
	}
	if s == "" {
		return "", idc.Invalidf("AttributeValue of %s must not be empty.", path)
	}
	return s, nil
}

// checkDocument refuses what the model's shapes cannot hold but JSON
// decoding would silently accept: empty strings (every string member has a
// minimum length of 1) and null list elements.
func checkDocument(path string, v json.RawMessage) *idc.Error {
	var doc any
	if err := json.Unmarshal(v, &doc); err != nil {
		return idc.Invalidf("AttributeValue of %s is not valid JSON.", path)
	}
	var walk func(x any) bool
	walk = func(x any) bool {
		switch t := x.(type) {
		case string:
			return t != ""
		case []any:
			for _, e := range t {
				if e == nil || !walk(e) {
					return false
				}
			}
		case map[string]any:
			for _, e := range t {
				if !walk(e) {
					return false
				}
			}
		}
		return true
	}
	if !walk(doc) {
		return idc.Invalidf("AttributeValue of %s must not hold empty strings or null elements.", path)
	}
	return nil
}

// stringAttr sets or removes a string attribute.
func stringAttr[T any](path string, field func(T) *string, required bool) applyFunc[T] {
	return func(r T, op Operation) *idc.Error {
		if op.removes() {
			if required {
				return requiredAttr(path)
			}
			*field(r) = ""
			return nil
		}
		s, err := decodeString(path, op.Value)
		if err != nil {
			return err
		}
		*field(r) = s
		return nil
	}
}

// listAttr replaces or removes a multi-valued attribute.
func listAttr[E any](path string, field func(*idc.User) *[]E) applyFunc[*idc.User] {
	return func(u *idc.User, op Operation) *idc.Error {
		if op.removes() {
			*field(u) = nil
			return nil
		}
		b := bytes.TrimSpace(op.Value)
		if len(b) == 0 || b[0] != '[' {
			return idc.Invalidf("AttributeValue of %s must be a JSON array.", path)
		}
		if err := checkDocument(path, b); err != nil {
			return err
		}
		var list []E
		if err := decodeStrict(b, &list); err != nil {
			return idc.Invalidf("AttributeValue of %s holds an unsupported member or value.", path)
		}
		if len(list) == 0 {
			return idc.Invalidf("AttributeValue of %s must have length greater than or equal to 1.", path)
		}
		*field(u) = list
		return nil
	}
}

func nameField(f func(*idc.Name) *string) func(*idc.User) *string {
	return func(u *idc.User) *string {
		if u.Attrs.Name == nil {
			u.Attrs.Name = &idc.Name{}
		}
		return f(u.Attrs.Name)
	}
}

func setName(u *idc.User, op Operation) *idc.Error {
	if op.removes() {
		return requiredAttr("name")
	}
	if !isObject(op.Value) {
		return idc.Invalidf("AttributeValue of name must be a JSON object.")
	}
	if err := checkDocument("name", op.Value); err != nil {
		return err
	}
	var n idc.Name
	if err := decodeStrict(op.Value, &n); err != nil {
		return idc.Invalidf("AttributeValue of name holds an unsupported member or value.")
	}
	u.Attrs.Name = &n
	return nil
}

func setEnterpriseExtension(u *idc.User, op Operation) *idc.Error {
	if op.removes() {
		return setEnterprise(&u.Attrs, &enterprise{})
	}
	e, err := decodeEnterprise(op.Value)
	if err != nil {
		return err
	}
	return setEnterprise(&u.Attrs, e)
}

// enterpriseAttr sets or removes one attribute of the enterprise extension
// ("aws:identitystore:enterprise.costCenter", "...manager",
// "...manager.value").
func enterpriseAttr(sub string) (applyFunc[*idc.User], bool) {
	var field func(e *enterprise) **string
	switch sub {
	case "employeenumber":
		field = func(e *enterprise) **string { return &e.EmployeeNumber }
	case "costcenter":
		field = func(e *enterprise) **string { return &e.CostCenter }
	case "organization":
		field = func(e *enterprise) **string { return &e.Organization }
	case "division":
		field = func(e *enterprise) **string { return &e.Division }
	case "department":
		field = func(e *enterprise) **string { return &e.Department }
	case "manager.value":
		field = func(e *enterprise) **string {
			if e.Manager == nil {
				e.Manager = &manager{}
			}
			return &e.Manager.Value
		}
	case "manager":
		return func(u *idc.User, op Operation) *idc.Error {
			e, err := currentEnterprise(u)
			if err != nil {
				return err
			}
			e.Manager = nil
			if !op.removes() {
				if !isObject(op.Value) {
					return idc.Invalidf("AttributeValue of %s.manager must be a JSON object.", ExtensionEnterprise)
				}
				var m manager
				if err := decodeStrict(op.Value, &m); err != nil {
					return idc.Invalidf("AttributeValue of %s.manager holds an unsupported member or value.", ExtensionEnterprise)
				}
				e.Manager = &m
			}
			return setEnterprise(&u.Attrs, e)
		}, true
	default:
		return nil, false
	}
	path := ExtensionEnterprise + "." + sub
	return func(u *idc.User, op Operation) *idc.Error {
		e, err := currentEnterprise(u)
		if err != nil {
			return err
		}
		if op.removes() {
			*field(e) = nil
		} else {
			s, err := decodeString(path, op.Value)
			if err != nil {
				return err
			}
			*field(e) = &s
		}
		return setEnterprise(&u.Attrs, e)
	}, true
}

func currentEnterprise(u *idc.User) (*enterprise, *idc.Error) {
	raw, ok := u.Attrs.Extensions[ExtensionEnterprise]
	if !ok {
		return &enterprise{}, nil
	}
	return decodeEnterprise(raw)
}

// userOperation returns the function applying operations on path.
func userOperation(path string) (applyFunc[*idc.User], bool) {
	p := strings.ToLower(path)
	if sub, ok := strings.CutPrefix(p, ExtensionEnterprise+"."); ok {
		return enterpriseAttr(sub)
	}
	attr := func(f func(a *idc.UserAttrs) *string) applyFunc[*idc.User] {
		return stringAttr(path, func(u *idc.User) *string { return f(&u.Attrs) }, false)
	}
	switch p {
	case "username":
		return stringAttr(path, func(u *idc.User) *string { return &u.UserName }, true), true
	case "displayname":
		return stringAttr(path, func(u *idc.User) *string { return &u.Attrs.DisplayName }, true), true
	case "nickname":
		return attr(func(a *idc.UserAttrs) *string { return &a.NickName }), true
	case "profileurl":
		return attr(func(a *idc.UserAttrs) *string { return &a.ProfileURL }), true
	case "usertype":
		return attr(func(a *idc.UserAttrs) *string { return &a.UserType }), true
	case "title":
		return attr(func(a *idc.UserAttrs) *string { return &a.Title }), true
	case "preferredlanguage":
		return attr(func(a *idc.UserAttrs) *string { return &a.PreferredLanguage }), true
	case "locale":
		return attr(func(a *idc.UserAttrs) *string { return &a.Locale }), true
	case "timezone":
		return attr(func(a *idc.UserAttrs) *string { return &a.Timezone }), true
	case "website":
		return attr(func(a *idc.UserAttrs) *string { return &a.Website }), true
	case "birthdate":
		return attr(func(a *idc.UserAttrs) *string { return &a.Birthdate }), true
	case "name":
		return setName, true
	case "name.formatted":
		return stringAttr(path, nameField(func(n *idc.Name) *string { return &n.Formatted }), false), true
	case "name.familyname":
		return stringAttr(path, nameField(func(n *idc.Name) *string { return &n.FamilyName }), true), true
	case "name.givenname":
		return stringAttr(path, nameField(func(n *idc.Name) *string { return &n.GivenName }), true), true
	case "name.middlename":
		return stringAttr(path, nameField(func(n *idc.Name) *string { return &n.MiddleName }), false), true
	case "name.honorificprefix":
		return stringAttr(path, nameField(func(n *idc.Name) *string { return &n.HonorificPrefix }), false), true
	case "name.honorificsuffix":
		return stringAttr(path, nameField(func(n *idc.Name) *string { return &n.HonorificSuffix }), false), true
	case "emails":
		return listAttr(path, func(u *idc.User) *[]idc.Email { return &u.Attrs.Emails }), true
	case "addresses":
		return listAttr(path, func(u *idc.User) *[]idc.Address { return &u.Attrs.Addresses }), true
	case "phonenumbers":
		return listAttr(path, func(u *idc.User) *[]idc.PhoneNumber { return &u.Attrs.PhoneNumbers }), true
	case "photos":
		return listAttr(path, func(u *idc.User) *[]idc.Photo { return &u.Attrs.Photos }), true
	case "roles":
		return listAttr(path, func(u *idc.User) *[]idc.Role { return &u.Attrs.Roles }), true
	case ExtensionEnterprise:
		return setEnterpriseExtension, true
	}
	return nil, false
}

// groupOperation returns the function applying operations on path.
func groupOperation(path string) (applyFunc[*idc.Group], bool) {
	switch strings.ToLower(path) {
	case "displayname":
		return stringAttr(path, func(g *idc.Group) *string { return &g.DisplayName }, true), true
	case "description":
		return stringAttr(path, func(g *idc.Group) *string { return &g.Description }, false), true
	}
	return nil, false
}

// resolve maps every operation to its function before anything is read, so
// that an unsupported path fails the request without a query.
func resolve[T any](ops []Operation, lookup func(string) (applyFunc[T], bool)) ([]applyFunc[T], *idc.Error) {
	if len(ops) == 0 {
		return nil, idc.Invalidf("Operations must hold at least one operation.")
	}
	fs := make([]applyFunc[T], len(ops))
	for i, op := range ops {
		f, ok := lookup(op.Path)
		if !ok {
			return nil, unsupportedPath(op.Path)
		}
		fs[i] = f
	}
	return fs, nil
}
