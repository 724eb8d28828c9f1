// Package auth owns web sign-in: passwords (argon2id, bounded concurrency
// and a CPU budget: see hashBudget), TOTP second factors (RFC 6238) with
// enrolment and admin reset, server-side sessions that can be listed and
// revoked, pending sign-ins between the password and the second factor,
// one-time invitations, brute-force lockout counters kept in the store (so
// they hold across replicas), and the per-identity-store settings an admin
// changes at runtime (MFA mode and portal session duration).
//
// # Flows
//
// SignIn checks a user name and password. Depending on the MFA mode and on
// whether the user has an authenticator, it either finishes with a new
// session or returns a pending sign-in whose cookie the browser holds while
// the user enters a code (Finish) or enrols an authenticator (Finish on an
// enrolment). Only a finished sign-in creates a session, so a session is
// always fully authenticated at the assurance the settings ask for
// (SECURITY.md WL-07), and each step issues a new secret (WL-01).
//
// # Secrets
//
// The browser holds "<id>.<secret>" cookies; the store keeps only an HMAC
// of the secret (key derived from the master key), so a database leak does
// not yield usable sessions. TOTP secrets are sealed by the keyring.
// Passwords are argon2id PHC strings; unknown users are checked against a
// dummy hash so that timing does not reveal which user names exist. Every
// check, of a known user or not, passes the same bounds: at most a few
// hashes at once (memory), at most a set share of the CPU on average
// (hashBudget), and a bounded wait beyond which the sign-in is refused with
// ErrBusy (the sign-in page's 503 "try again in a moment").
//
// # Errors
//
// Methods return *idc.Error values; the protocol states of sign-in are
// matched with errors.Is against ErrInvalidCredentials, ErrInvalidCode,
// ErrLocked, ErrBusy and ErrSignInExpired. Their messages never tell whether
// the user name or the password was wrong.
//
// auth imports idc, store, keys and directory; never net/http, an edge or a
// store backend.
package auth
