package auth

import (
	"log/slog"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/idcenter/idcenter/internal/idc"
)

// TestTOTPCodeRFC6238 checks the SHA1 test vectors of RFC 6238 Appendix B
// (8-digit values; our 6-digit codes are their last six digits, RFC 4226
// §5.3 truncation modulo 10^6).
func TestTOTPCodeRFC6238(t *testing.T) {
	secret := []byte("12345678901234567890")
	for _, tc := range []struct {
		unix int64
		want string
	}{
		{59, "287082"},
		{1111111109, "081804"},
		{1111111111, "050471"},
		{1234567890, "005924"},
		{2000000000, "279037"},
		{20000000000, "353130"},
	} {
		if got := TOTPCode(secret, totpStep(time.Unix(tc.unix, 0))); got != tc.want {
			t.Errorf("TOTPCode(T=%d) = %s, want %s", tc.unix, got, tc.want)
		}
	}
}

// TestMatchTOTP: exactly the previous, current and next step are accepted
// (SECURITY.md WL-06: 3 valid codes at a time).
func TestMatchTOTP(t *testing.T) {
	secret := []byte("12345678901234567890")
	now := time.Unix(1_700_000_000, 0)
	cur := totpStep(now)
	for _, tc := range []struct {
		name     string
		code     string
		wantStep int64
		wantOK   bool
	}{
		{"current", TOTPCode(secret, cur), cur, true},
		{"previous", TOTPCode(secret, cur-1), cur - 1, true},
		{"next", TOTPCode(secret, cur+1), cur + 1, true},
		{"two back", TOTPCode(secret, cur-2), 0, false},
		{"two ahead", TOTPCode(secret, cur+2), 0, false},
		{"spaces", TOTPCode(secret, cur)[:3] + " " + TOTPCode(secret, cur)[3:], cur, true},
		{"short", "12345", 0, false},
		{"letters", "12a456", 0, false},
		{"fullwidth digits", "１２３４５６", 0, false},
		{"empty", "", 0, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			step, ok := matchTOTP(secret, tc.code, now)
			if ok != tc.wantOK || step != tc.wantStep {
				t.Errorf("matchTOTP(%q) = %d, %v; want %d, %v", tc.code, step, ok, tc.wantStep, tc.wantOK)
			}
		})
	}
}

func TestTOTPURI(t *testing.T) {
	secret := []byte("12345678901234567890")
	u, err := url.Parse(TOTPURI("Acme Corp", "alice@example.com", secret))
	if err != nil {
		t.Fatal(err)
	}
	if u.Scheme != "otpauth" || u.Host != "totp" {
		t.Errorf("URI %s: want otpauth://totp/…", u)
	}
	if u.Path != "/Acme Corp:alice@example.com" {
		t.Errorf("label = %q", u.Path)
	}
	q := u.Query()
	if got := q.Get("secret"); got != "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ" {
		t.Errorf("secret = %q", got)
	}
	for k, want := range map[string]string{"issuer": "Acme Corp", "algorithm": "SHA1", "digits": "6", "period": "30"} {
		if q.Get(k) != want {
			t.Errorf("%s = %q, want %q", k, q.Get(k), want)
		}
	}
	if got := TOTPSecretText(secret); strings.ReplaceAll(got, " ", "") != q.Get("secret") || !strings.HasPrefix(got, "GEZD GNBV") {
		t.Errorf("TOTPSecretText = %q", got)
	}
}

// TestLogValuesHideSecrets: the types that carry cookies and TOTP secrets
// log without them (STYLE.md: secrets never reach a log).
func TestLogValuesHideSecrets(t *testing.T) {
	var b strings.Builder
	log := slog.New(slog.NewTextHandler(&b, nil))
	ns := &NewSession{Session: &idc.Session{ID: "sid"}, Cookie: "sid.COOKIESECRET", RememberDevice: "DEVICESECRET"}
	p := &Pending{Cookie: "pid.COOKIESECRET", ID: "pid", Stage: "enrol", TOTPURI: "otpauth://totp/x?secret=TOTPSECRET", TOTPSecret: "TOTPSECRET"}
	log.Info("x", "session", ns, "pending", p)
	for _, s := range []string{"COOKIESECRET", "DEVICESECRET", "TOTPSECRET"} {
		if strings.Contains(b.String(), s) {
			t.Errorf("log line holds %s: %s", s, b.String())
		}
	}
	if !strings.Contains(b.String(), "sid") || !strings.Contains(b.String(), "pid") {
		t.Errorf("log line lacks the ids: %s", b.String())
	}
}
