package oauth

import "net/netip"

// sameNetwork reports whether two addresses are on one network, for the
// device approval check (SECURITY.md DF-13; RFC 8628 §5.4: remote
// phishing has a victim approve, on their own network, a request an
// attacker started on another). idcenter ships no GeoIP or ASN database
// and reaches none offline, so "network" is an address prefix: the same
// /24 for IPv4 (an IPv4-mapped IPv6 address counts as its IPv4 address),
// the same /64 for IPv6 (one subnet, RFC 4291 §2.5.4). An IPv4 and an IPv6
// address are on different networks. known is false when either address
// is empty or is not an IP address: nothing can be said then, and callers
// neither warn nor refuse.
//
// The prefix is a heuristic both ways: two users behind one carrier-grade
// NAT share a /24, and one user whose phone is on a mobile network and
// laptop on Wi-Fi does not.
func sameNetwork(a, b string) (same, known bool) {
	pa, ok := networkOf(a)
	if !ok {
		return false, false
	}
	pb, ok := networkOf(b)
	if !ok {
		return false, false
	}
	return pa == pb, true
}

// networkOf returns the prefix that stands for addr's network.
func networkOf(addr string) (netip.Prefix, bool) {
	ip, err := netip.ParseAddr(addr)
	if err != nil {
		return netip.Prefix{}, false
	}
	ip = ip.Unmap().WithZone("")
	bits := 64
	if ip.Is4() {
		bits = 24
	}
	p, err := ip.Prefix(bits)
	return p, err == nil
}
