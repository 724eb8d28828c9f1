package web

import (
	"bytes"
	"image"
	"image/color"
	"image/png"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// TestQRDecodes encodes texts of many lengths (versions 1 to 12, with and
// without version information) and decodes the images with zbarimg, an
// independent reader (Debian's zbar-tools).
func TestQRDecodes(t *testing.T) {
	zbar, err := exec.LookPath("zbarimg")
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("zbarimg missing under CI=true (.ci/run installs zbar-tools)")
		}
		t.Skip("zbarimg not installed (apt-get install zbar-tools)")
	}
	uri := "otpauth://totp/Acme%20Corp:alice%40example.com?algorithm=SHA1&digits=6&issuer=Acme+Corp&period=30&secret=GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ"
	texts := []string{"A", "hello, world", uri}
	for _, n := range []int{14, 26, 42, 62, 84, 106, 122, 152, 180, 213, 251, 287} {
		texts = append(texts, strings.Repeat("x0123456789", n/11+1)[:n])
	}
	dir := t.TempDir()
	for i, text := range texts {
		q, err := encodeQR([]byte(text))
		if err != nil {
			t.Fatalf("encodeQR(%d bytes): %v", len(text), err)
		}
		path := filepath.Join(dir, "qr.png")
		writePNG(t, path, q, 4)
		out, err := exec.Command(zbar, "--raw", "-q", path).Output()
		if err != nil {
			t.Errorf("text %d (%d bytes, version %d): zbarimg: %v", i, len(text), (q.size-17)/4, err)
			continue
		}
		if got := strings.TrimSuffix(string(out), "\n"); got != text {
			t.Errorf("text %d (version %d): decoded %q, want %q", i, (q.size-17)/4, got, text)
		}
	}
}

func writePNG(t *testing.T, path string, q *qrCode, scale int) {
	t.Helper()
	n := (q.size + 8) * scale
	img := image.NewGray(image.Rect(0, 0, n, n))
	for y := range n {
		for x := range n {
			mx, my := x/scale-4, y/scale-4
			c := color.Gray{Y: 255}
			if mx >= 0 && my >= 0 && mx < q.size && my < q.size && q.modules[my][mx] {
				c = color.Gray{Y: 0}
			}
			img.SetGray(x, y, c)
		}
	}
	var b bytes.Buffer
	if err := png.Encode(&b, img); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, b.Bytes(), 0o600); err != nil {
		t.Fatal(err)
	}
}

func TestQRVersionsAndLimits(t *testing.T) {
	for _, tc := range []struct {
		n       int
		version int
	}{
		{1, 1}, {14, 1}, {15, 2}, {26, 2}, {119, 7}, {213, 10}, {2331, 40},
	} {
		q, err := encodeQR(make([]byte, tc.n))
		if err != nil {
			t.Fatalf("encodeQR(%d bytes): %v", tc.n, err)
		}
		if v := (q.size - 17) / 4; v != tc.version {
			t.Errorf("encodeQR(%d bytes) chose version %d, want %d", tc.n, v, tc.version)
		}
	}
	if _, err := encodeQR(make([]byte, 2332)); err != errQRTooLong {
		t.Errorf("encodeQR(2332 bytes) = %v, want errQRTooLong", err)
	}
	q, _ := encodeQR([]byte("x"))
	svg := string(q.svg(`a "label"`))
	if !strings.HasPrefix(svg, "<svg") || !strings.Contains(svg, `aria-label="a &#34;label&#34;"`) {
		t.Errorf("svg = %.200s", svg)
	}
}
