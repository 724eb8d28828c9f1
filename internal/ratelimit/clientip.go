package ratelimit

import (
	"net"
	"net/http"
)

// ClientIP is the address a request came from: the TCP peer's, the key of
// every per-client limit and of the device authorization's origin
// (SECURITY.md DF-13). Proxy headers such as X-Forwarded-For are never
// trusted: any client can set them.
func ClientIP(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}
