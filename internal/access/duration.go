package access

import (
	"strconv"
	"strings"
	"time"

	"github.com/idcenter/idcenter/internal/idc"
)

// ParseDuration parses an ISO 8601 duration of days, hours, minutes and
// seconds ("PT1H", "PT90M", "P0DT12H", "PT3600S"), the form permission set
// session durations take. Years, months and weeks are refused: a session
// length must not depend on the calendar. The sso-admin model's pattern
// for Duration uses a look-ahead, which the model validator cannot apply,
// so this is the check.
func ParseDuration(s string) (time.Duration, bool) {
	rest, ok := strings.CutPrefix(s, "P")
	if !ok || rest == "" {
		return 0, false
	}
	var total time.Duration
	inTime := false
	units := "D"
	seen := false
	for rest != "" {
		if rest[0] == 'T' {
			if inTime {
				return 0, false
			}
			inTime, units, rest = true, "HMS", rest[1:]
			if rest == "" {
				return 0, false
			}
			continue
		}
		i := 0
		for i < len(rest) && (rest[i] >= '0' && rest[i] <= '9' || rest[i] == '.') {
			i++
		}
		if i == 0 || i == len(rest) {
			return 0, false
		}
		num, unit := rest[:i], rest[i]
		rest = rest[i+1:]
		pos := strings.IndexByte(units, unit)
		if pos < 0 {
			return 0, false
		}
		units = units[pos+1:] // units must come in order, each once
		var scale time.Duration
		switch {
		case !inTime && unit == 'D':
			scale = 24 * time.Hour
		case inTime && unit == 'H':
			scale = time.Hour
		case inTime && unit == 'M':
			scale = time.Minute
		case inTime && unit == 'S':
			scale = time.Second
		default:
			return 0, false
		}
		if strings.Contains(num, ".") && unit != 'S' {
			return 0, false
		}
		v, err := strconv.ParseFloat(num, 64)
		if err != nil || v > 1e6 {
			return 0, false
		}
		total += time.Duration(v * float64(scale))
		seen = true
	}
	return total, seen
}

// sessionDuration validates a permission set session duration: ISO 8601,
// from MinSessionDuration to MaxSessionDuration (AWS's range).
func sessionDuration(s string) (time.Duration, error) {
	d, ok := ParseDuration(s)
	if !ok {
		return 0, idc.Invalidf("SessionDuration %q is not a valid ISO 8601 duration.", s)
	}
	if d < MinSessionDuration || d > MaxSessionDuration {
		return 0, idc.Invalidf("SessionDuration must be between PT1H and PT12H.")
	}
	return d, nil
}
