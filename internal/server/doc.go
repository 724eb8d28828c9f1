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
package server
