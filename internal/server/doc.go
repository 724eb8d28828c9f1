// Package server builds idcenter's one http.Handler — the same one the
// binary serves and the tests drive — from a store and options: it
// bootstraps an empty store (instance, identity store, administrator key),
// builds the services and mounts the protocol edges:
//
//	POST /            AWS JSON 1.1 (identitystore, organizations, sso-admin)
//	GET  /healthz     liveness: the process serves
//	GET  /readyz      readiness: the store answers
//
// Every request gets a request ID, one access-log line and panic recovery.
//
// Every service reads one clock: the local one while the server is alone on
// its database, the database server's (estimated from the local clock and
// re-measured every ClockSampleInterval) while other replicas share it, so
// that replicas whose clocks are minutes apart still agree on every expiry
// to within milliseconds (clock.go; SECURITY.md MR-07).
package server
