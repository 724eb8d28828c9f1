package awsproto_test

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/idcenter/idcenter/internal/awsproto"
)

func TestTimeJSON(t *testing.T) {
	t.Parallel()
	marshal := []struct {
		in   time.Time
		want string
	}{
		{time.Unix(1700000000, 0), "1700000000"},
		{time.Unix(1700000000, 123e6), "1700000000.123"},
		{time.Unix(1700000000, 120e6), "1700000000.12"},
		{time.Unix(1700000000, 999999999), "1700000000.999"},
		{time.Unix(-1, 500e6), "-0.5"},
	}
	for _, tt := range marshal {
		t.Run("marshal "+tt.want, func(t *testing.T) {
			got, err := json.Marshal(awsproto.Time{Time: tt.in})
			if err != nil || string(got) != tt.want {
				t.Errorf("Marshal(%v) = %s, %v; want %s", tt.in, got, err, tt.want)
			}
		})
	}
	unmarshal := []struct {
		in      string
		want    time.Time
		wantErr bool
	}{
		{"1700000000", time.Unix(1700000000, 0), false},
		{"1700000000.123", time.Unix(1700000000, 123e6), false},
		{"1.7e9", time.Unix(1700000000, 0), false},
		{`"1700000000.5"`, time.Unix(1700000000, 500e6), false},
		{`"2023-11-14T22:13:20.25Z"`, time.Unix(1700000000, 250e6), false},
		{`"yesterday"`, time.Time{}, true},
		{"1e300", time.Time{}, true},
		{"true", time.Time{}, true},
	}
	for _, tt := range unmarshal {
		t.Run("unmarshal "+tt.in, func(t *testing.T) {
			var got awsproto.Time
			err := json.Unmarshal([]byte(tt.in), &got)
			if (err != nil) != tt.wantErr {
				t.Fatalf("Unmarshal(%s) error = %v, wantErr %v", tt.in, err, tt.wantErr)
			}
			if !tt.wantErr && !got.Equal(tt.want) {
				t.Errorf("Unmarshal(%s) = %v, want %v", tt.in, got.Time, tt.want)
			}
		})
	}
	if p := awsproto.TimePtr(time.Unix(5, 0)); !p.Equal(time.Unix(5, 0)) {
		t.Errorf("TimePtr = %v", p)
	}
}
