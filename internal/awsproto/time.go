package awsproto

import (
	"bytes"
	"fmt"
	"math"
	"strconv"
	"time"
)

// Time is a timestamp in the JSON 1.1 wire format: epoch seconds as a JSON
// number with a millisecond fraction, e.g. 1700000000.123. Decoding also
// accepts a string holding such a number or an RFC 3339 date, which some
// clients send.
type Time struct{ time.Time }

// TimePtr returns a *Time holding t, for optional output members.
func TimePtr(t time.Time) *Time { return &Time{t} }

// MarshalJSON encodes t as epoch seconds with millisecond precision.
func (t Time) MarshalJSON() ([]byte, error) { return t.AppendJSON(nil), nil }

// AppendJSON appends what MarshalJSON returns to b.
func (t Time) AppendJSON(b []byte) []byte {
	ms := t.UnixMilli()
	if ms < 0 {
		b = append(b, '-')
		ms = -ms
	}
	b = strconv.AppendInt(b, ms/1000, 10)
	frac := ms % 1000
	if frac == 0 {
		return b
	}
	b = append(b, '.', byte('0'+frac/100), byte('0'+frac/10%10), byte('0'+frac%10))
	return bytes.TrimRight(b, "0")
}

// UnmarshalJSON decodes epoch seconds (number or numeric string) or an
// RFC 3339 string. null leaves t unchanged.
func (t *Time) UnmarshalJSON(b []byte) error {
	if string(b) == "null" {
		return nil
	}
	s := string(b)
	if len(b) > 0 && b[0] == '"' {
		u, err := strconv.Unquote(s)
		if err != nil {
			return fmt.Errorf("timestamp: %w", err)
		}
		if p, err := time.Parse(time.RFC3339Nano, u); err == nil {
			t.Time = p
			return nil
		}
		s = u
	}
	f, err := strconv.ParseFloat(s, 64)
	if err != nil || math.IsInf(f, 0) || math.IsNaN(f) || math.Abs(f) > 1e14 {
		return fmt.Errorf("timestamp: invalid epoch seconds %q", s)
	}
	sec, frac := math.Modf(f)
	t.Time = time.Unix(int64(sec), int64(math.Round(frac*1000))*int64(time.Millisecond)).UTC()
	return nil
}
