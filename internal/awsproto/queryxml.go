package awsproto

import (
	"bytes"
	"encoding/xml"
	"net/http"
)

// ContentTypeXML is the content type of query protocol responses.
const ContentTypeXML = "text/xml"

// encodeQueryResponse renders the XML response of o for a handler's output.
func (s *Service) encodeQueryResponse(o *Operation, out any, requestID string) ([]byte, error) {
	var b bytes.Buffer
	b.Grow(512) // most answers fit: one allocation
	b.WriteString("<")
	b.WriteString(o.Name)
	b.WriteString("Response")
	s.writeXMLNS(&b)
	b.WriteString(">")
	if o.Output != "" {
		v, err := outputValue(out)
		if err != nil {
			return nil, err
		}
		if o.ResultWrapper != "" {
			openTag(&b, o.ResultWrapper)
		}
		x := xmlWriter{svc: s, b: &b}
		x.members(s.Shapes[o.Output], v)
		if o.ResultWrapper != "" {
			closeTag(&b, o.ResultWrapper)
		}
	}
	b.WriteString("<ResponseMetadata><RequestId>")
	xmlText(&b, requestID)
	b.WriteString("</RequestId></ResponseMetadata></")
	b.WriteString(o.Name)
	b.WriteString("Response>")
	return b.Bytes(), nil
}

func (s *Service) writeXMLNS(b *bytes.Buffer) {
	if s == nil || s.XMLNamespace == "" {
		return
	}
	b.WriteString(` xmlns="`)
	xmlText(b, s.XMLNamespace)
	b.WriteString(`"`)
}

// openTag writes <name>.
func openTag(b *bytes.Buffer, name string) {
	b.WriteByte('<')
	b.WriteString(name)
	b.WriteByte('>')
}

// closeTag writes </name>.
func closeTag(b *bytes.Buffer, name string) {
	b.WriteString("</")
	b.WriteString(name)
	b.WriteByte('>')
}

// xmlText writes s escaped for XML text and attribute values. Characters
// XML cannot carry become U+FFFD.
func xmlText(b *bytes.Buffer, s string) {
	if xmlPlain(s) {
		b.WriteString(s)
		return
	}
	xml.EscapeText(b, []byte(s))
}

// xmlPlain reports whether s is printable ASCII that encoding/xml's
// EscapeText leaves as it is (most values: ids, ARNs, keys, tokens).
func xmlPlain(s string) bool {
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c < 0x20 || c >= 0x7f, c == '<', c == '>', c == '&', c == '\'', c == '"':
			return false
		}
	}
	return true
}

// xmlWriter renders canonical output values by the query protocol's XML
// rules.
type xmlWriter struct {
	svc *Service
	b   *bytes.Buffer
}

// members writes the members of structure sh present in v, in model order.
func (x *xmlWriter) members(sh *Shape, v *jvalue) {
	if v == nil || v.kind != jobject {
		return
	}
	for _, mb := range sh.Members {
		mv := v.get(mb.Name)
		if mv == nil || mv.kind == jnull {
			continue
		}
		name := mb.Name
		if mb.LocationName != "" {
			name = mb.LocationName
		}
		x.value(x.svc.Shapes[mb.Shape], name, mv)
	}
}

func (x *xmlWriter) value(sh *Shape, name string, v *jvalue) {
	b := x.b
	switch sh.Type {
	case TypeStructure:
		openTag(b, name)
		if sh.Document {
			xmlText(b, string(v.appendJSON(nil)))
		} else {
			x.members(sh, v)
		}
		closeTag(b, name)
	case TypeList:
		elem := x.svc.Shapes[sh.Member]
		if sh.Flattened {
			for _, e := range v.arr {
				x.value(elem, name, e)
			}
			return
		}
		openTag(b, name)
		for _, e := range v.arr {
			x.value(elem, "member", e)
		}
		closeTag(b, name)
	case TypeMap:
		ks, vs := x.svc.Shapes[sh.Key], x.svc.Shapes[sh.Value]
		if !sh.Flattened {
			openTag(b, name)
		}
		for _, m := range v.obj {
			if sh.Flattened {
				openTag(b, name)
			} else {
				b.WriteString("<entry>")
			}
			x.value(ks, "key", &jvalue{kind: jstring, text: m.key})
			if m.val.kind != jnull {
				x.value(vs, "value", m.val)
			}
			if sh.Flattened {
				closeTag(b, name)
			} else {
				b.WriteString("</entry>")
			}
		}
		if !sh.Flattened {
			closeTag(b, name)
		}
	default:
		openTag(b, name)
		xmlText(b, scalarXML(sh, v))
		closeTag(b, name)
	}
}

// scalarXML renders a scalar: timestamps (epoch seconds in the canonical
// value) as ISO 8601 UTC with milliseconds only when there are some.
func scalarXML(sh *Shape, v *jvalue) string {
	switch v.kind {
	case jbool:
		if v.b {
			return "true"
		}
		return "false"
	case jnumber:
		if sh.Type == TypeTimestamp {
			var t Time
			if t.UnmarshalJSON([]byte(v.text)) == nil {
				if t.Nanosecond() == 0 {
					return t.UTC().Format(queryTimestampFormat)
				}
				return t.UTC().Format(queryTimestampFormatMil)
			}
		}
		return v.text
	case jstring:
		return v.text
	}
	return ""
}

// WriteQueryError writes e as a query protocol error response of model m
// (which may be nil) for the request requestID. The code on the wire is the
// model's error.code for the exception named e.Code (STS's
// MalformedPolicyDocumentException is sent as "MalformedPolicyDocument");
// the protocol-independent codes become their query equivalents
// (InternalServerException → InternalFailure, UnknownOperationException →
// InvalidAction, ValidationException → ValidationError,
// SerializationException → InvalidParameterValue). The status is e.Status,
// else the model's, else 500 for faults, else 400; Type is Receiver for 5xx
// and Sender otherwise. e.Fields are not written: query errors carry only
// Type, Code and Message.
func WriteQueryError(w http.ResponseWriter, m *Service, requestID string, e *Error) {
	code, status := queryErrorCode(m, e)
	typ := "Sender"
	if status >= 500 {
		typ = "Receiver"
	}
	var b bytes.Buffer
	b.WriteString("<ErrorResponse")
	m.writeXMLNS(&b)
	b.WriteString("><Error><Type>" + typ + "</Type><Code>")
	xmlText(&b, code)
	b.WriteString("</Code><Message>")
	xmlText(&b, e.Message)
	b.WriteString("</Message></Error><RequestId>")
	xmlText(&b, requestID)
	b.WriteString("</RequestId></ErrorResponse>")
	h := w.Header()
	h.Set("Content-Type", ContentTypeXML)
	w.WriteHeader(status)
	w.Write(b.Bytes())
}

// queryErrorCode returns the wire code and status of e.
func queryErrorCode(m *Service, e *Error) (string, int) {
	status := modelStatus(m, e)
	if m != nil {
		if sh := m.Shapes[e.Code]; sh != nil && sh.Exception {
			if sh.ErrorCode != "" {
				return sh.ErrorCode, status
			}
			return e.Code, status
		}
		// A handler may use the wire code itself.
		for _, sh := range m.Shapes {
			if sh.Exception && sh.ErrorCode == e.Code {
				return e.Code, modelStatus(m, &Error{Code: sh.Name, Status: e.Status})
			}
		}
	}
	switch e.Code {
	case CodeInternalServer:
		return CodeInternalFailure, status
	case CodeUnknownOperation:
		return CodeInvalidAction, status
	case CodeValidation:
		return CodeQueryValidation, status
	case CodeSerialization:
		return CodeInvalidParameter, status
	}
	return e.Code, status
}
