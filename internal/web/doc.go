// Package web serves idcenter's browser pages: sign-in with password and
// TOTP (enrolment at first sign-in), sign-out, invitations, the device
// verification and consent pages of the OAuth device flow (RFC 8628), the
// browser half of the authorization code + PKCE flow (/authorize), and the
// /start portal with each role's command-line credentials.
//
// Pages are server-rendered from html/template files embedded in the
// binary (parsed once at start-up), work without JavaScript and share one
// small stylesheet.
//
// # Browser security
//
// Every route gets http.CrossOriginProtection, a strict Content Security
// Policy (no scripts at all; frame-ancestors 'none'), X-Frame-Options DENY,
// nosniff, no-referrer and no-store. Every POST form carries a CSRF token
// checked in constant time: an HMAC of the form's name bound to the session
// (or, before a session exists, to the pending sign-in or to a random
// HttpOnly cookie: a signed double-submit cookie). Cookies are HttpOnly,
// SameSite=Lax, and Secure with the __Host- prefix when the public URL is
// HTTPS. Sign-in, code and device-code attempts are limited per client IP by
// in-memory token buckets, on top of the per-account lockouts of package
// auth, which hold across replicas.
//
// web consumes the OAuth flows and role credentials through small interfaces
// it declares (OAuthFlows, RoleCredentialIssuer, Entitlements); it imports
// auth, idc and keys, never a store backend or another edge.
package web
