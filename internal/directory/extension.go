package directory

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"slices"

	"github.com/idcenter/idcenter/internal/idc"
)

// ExtensionEnterprise is the name of the one user extension identitystore
// supports: the SCIM enterprise user attributes (RFC 7643 §4.3).
const ExtensionEnterprise = "aws:identitystore:enterprise"

// SupportedExtension reports whether name is an extension identitystore
// knows; only those may be stored or requested.
func SupportedExtension(name string) bool { return name == ExtensionEnterprise }

// enterprise is the value of the enterprise extension. Member names follow
// RFC 7643 §4.3; decoding matches them regardless of case and the stored
// form uses the canonical names.
type enterprise struct {
	EmployeeNumber *string  `json:"employeeNumber,omitempty"`
	CostCenter     *string  `json:"costCenter,omitempty"`
	Organization   *string  `json:"organization,omitempty"`
	Division       *string  `json:"division,omitempty"`
	Department     *string  `json:"department,omitempty"`
	Manager        *manager `json:"manager,omitempty"`
}

type manager struct {
	Value *string `json:"value,omitempty"`
}

func (e *enterprise) empty() bool {
	return e.EmployeeNumber == nil && e.CostCenter == nil && e.Organization == nil && e.Division == nil &&
		e.Department == nil && (e.Manager == nil || e.Manager.Value == nil)
}

// strings returns the string members with their paths, for validation.
func (e *enterprise) strings() []struct {
	path string
	v    *string
} {
	out := []struct {
		path string
		v    *string
	}{
		{"employeeNumber", e.EmployeeNumber}, {"costCenter", e.CostCenter}, {"organization", e.Organization},
		{"division", e.Division}, {"department", e.Department},
	}
	if e.Manager != nil {
		out = append(out, struct {
			path string
			v    *string
		}{"manager.value", e.Manager.Value})
	}
	return out
}

// decodeStrict decodes one JSON value into v, refusing unknown members and
// trailing data. encoding/json matches member names regardless of case,
// which is what SCIM-style documents ("value", "primary") need.
func decodeStrict(b []byte, v any) error {
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return err
	}
	if _, err := dec.Token(); err != io.EOF {
		return errTrailing
	}
	return nil
}

var errTrailing = errors.New("unexpected data after the JSON value")

func decodeEnterprise(raw json.RawMessage) (*enterprise, *idc.Error) {
	var e enterprise
	if !isObject(raw) {
		return nil, idc.Invalidf("Extension %s must be a JSON object.", ExtensionEnterprise)
	}
	if err := decodeStrict(raw, &e); err != nil {
		return nil, idc.Invalidf("Extension %s holds an unsupported attribute or value.", ExtensionEnterprise)
	}
	return &e, nil
}

func (e *enterprise) check() *idc.Error {
	var c checker
	for _, f := range e.strings() {
		if f.v != nil {
			if *f.v == "" {
				c.fail("%s.%s must not be empty.", ExtensionEnterprise, f.path)
			}
			c.str(ExtensionEnterprise+"."+f.path, *f.v)
		}
	}
	return c.err
}

func isObject(raw json.RawMessage) bool {
	b := bytes.TrimSpace(raw)
	return len(b) > 0 && b[0] == '{'
}

// setEnterprise stores e as the enterprise extension of a (removing the
// extension when e holds nothing).
func setEnterprise(a *idc.UserAttrs, e *enterprise) *idc.Error {
	if e.Manager != nil && e.Manager.Value == nil {
		e.Manager = nil
	}
	if err := e.check(); err != nil {
		return err
	}
	if e.empty() {
		delete(a.Extensions, ExtensionEnterprise)
		if len(a.Extensions) == 0 {
			a.Extensions = nil
		}
		return nil
	}
	b, err := json.Marshal(e)
	if err != nil {
		return idc.Invalidf("Extension %s cannot be encoded.", ExtensionEnterprise)
	}
	if a.Extensions == nil {
		a.Extensions = map[string]json.RawMessage{}
	}
	a.Extensions[ExtensionEnterprise] = b
	return nil
}

// normalizeExtensions checks the extensions of a and rewrites each in its
// canonical form; an extension without attributes is dropped.
func normalizeExtensions(a *idc.UserAttrs) *idc.Error {
	names := make([]string, 0, len(a.Extensions))
	for name := range a.Extensions {
		names = append(names, name)
	}
	slices.Sort(names)
	for _, name := range names {
		if !SupportedExtension(name) {
			return idc.Invalidf("Extension %s is not supported; %s is the only supported extension.", name, ExtensionEnterprise)
		}
		e, err := decodeEnterprise(a.Extensions[name])
		if err != nil {
			return err
		}
		if err := setEnterprise(a, e); err != nil {
			return err
		}
	}
	if len(a.Extensions) == 0 {
		a.Extensions = nil
	}
	return nil
}
