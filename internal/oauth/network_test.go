package oauth

import "testing"

// TestSameNetwork is the same-network rule of device approvals
// (SECURITY.md DF-13): IPv4 /24, IPv6 /64, IPv4-mapped IPv6 as IPv4, and
// anything that is not an address unknown.
func TestSameNetwork(t *testing.T) {
	for _, tc := range []struct {
		name        string
		a, b        string
		same, known bool
	}{
		{"IPv4 same address", "192.0.2.10", "192.0.2.10", true, true},
		{"IPv4 same /24", "192.0.2.10", "192.0.2.254", true, true},
		{"IPv4 other /24", "192.0.2.10", "192.0.3.10", false, true},
		{"loopback 127.0.0.1 and 127.0.1.1", "127.0.0.1", "127.0.1.1", false, true},
		{"IPv4 other /8", "10.0.0.1", "11.0.0.1", false, true},
		{"IPv6 same /64", "2001:db8:1:2::1", "2001:db8:1:2:ffff:ffff:ffff:ffff", true, true},
		{"IPv6 other /64", "2001:db8:1:2::1", "2001:db8:1:3::1", false, true},
		{"IPv6 other /48", "2001:db8:1:2::1", "2001:db9:1:2::1", false, true},
		{"IPv6 zone ignored", "fe80::1%eth0", "fe80::2%eth1", true, true},
		{"IPv4-mapped and IPv4, same /24", "::ffff:192.0.2.10", "192.0.2.99", true, true},
		{"IPv4-mapped and IPv4, other /24", "::ffff:192.0.2.10", "198.51.100.10", false, true},
		{"both IPv4-mapped", "::ffff:203.0.113.1", "::ffff:203.0.113.200", true, true},
		{"IPv4 and IPv6", "192.0.2.10", "2001:db8::1", false, true},
		{"IPv4-compatible IPv6 is IPv6", "::192.0.2.10", "192.0.2.10", false, true},
		{"empty origin", "", "192.0.2.10", false, false},
		{"empty approver", "192.0.2.10", "", false, false},
		{"both empty", "", "", false, false},
		{"host:port", "192.0.2.10:443", "192.0.2.10", false, false},
		{"hostname", "localhost", "127.0.0.1", false, false},
		{"garbage", "not an address", "192.0.2.10", false, false},
		{"CIDR", "192.0.2.0/24", "192.0.2.10", false, false},
		{"bracketed IPv6", "[2001:db8::1]", "2001:db8::1", false, false},
		{"out of range", "192.0.2.256", "192.0.2.10", false, false},
		{"unix socket", "@", "192.0.2.10", false, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			same, known := sameNetwork(tc.a, tc.b)
			if same != tc.same || known != tc.known {
				t.Errorf("sameNetwork(%q, %q) = %v, %v; want %v, %v", tc.a, tc.b, same, known, tc.same, tc.known)
			}
			if same2, known2 := sameNetwork(tc.b, tc.a); same2 != same || known2 != known {
				t.Errorf("sameNetwork(%q, %q) = %v, %v; not symmetric", tc.b, tc.a, same2, known2)
			}
		})
	}
}
