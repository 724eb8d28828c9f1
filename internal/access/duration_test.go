package access_test

import (
	"testing"
	"time"

	"github.com/idcenter/idcenter/internal/access"
)

func TestParseDuration(t *testing.T) {
	cases := []struct {
		in   string
		want time.Duration
		ok   bool
	}{
		{"PT1H", time.Hour, true},
		{"PT12H", 12 * time.Hour, true},
		{"PT90M", 90 * time.Minute, true},
		{"PT1H30M", 90 * time.Minute, true},
		{"PT3600S", time.Hour, true},
		{"PT1.5S", 1500 * time.Millisecond, true},
		{"P0DT2H", 2 * time.Hour, true},
		{"P1D", 24 * time.Hour, true},
		{"", 0, false},
		{"P", 0, false},
		{"PT", 0, false},
		{"1H", 0, false},
		{"PT1", 0, false},
		{"PTH", 0, false},
		{"PT1M1H", 0, false},
		{"PT1H1H", 0, false},
		{"P1M", 0, false},
		{"P1Y", 0, false},
		{"P1W", 0, false},
		{"PT1.5H", 0, false},
		{"PT1HT1M", 0, false},
		{"-PT1H", 0, false},
		{"PT99999999H", 0, false},
	}
	for _, c := range cases {
		t.Run(c.in, func(t *testing.T) {
			got, ok := access.ParseDuration(c.in)
			if ok != c.ok || got != c.want {
				t.Errorf("ParseDuration(%q) = %v, %v; want %v, %v", c.in, got, ok, c.want, c.ok)
			}
		})
	}
}

func FuzzParseDuration(f *testing.F) {
	for _, s := range []string{"PT1H", "P1DT2H3M4.5S", "PT", "P1M"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		d, ok := access.ParseDuration(s)
		if ok && d < 0 {
			t.Errorf("ParseDuration(%q) = %v, negative", s, d)
		}
	})
}
