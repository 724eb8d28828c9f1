// Package oauth owns sso-oidc (2019-06-10): client registration, the device
// authorization grant (RFC 8628), the authorization code grant with PKCE
// S256 (RFC 6749 §4.1, RFC 7636), rotating refresh tokens, and bearer
// authentication of the access tokens it issues for the sso portal API.
//
// # Secrets
//
// Every identifier, code and token comes from crypto/rand (a grant id is
// prefixed with its creation time, for index locality). The store keeps
// only keyed hashes (HMAC-SHA256 under a subkey of the master key) of client
// secrets, device codes, user codes, authorization codes and refresh tokens;
// client secrets are high-entropy, so no password KDF is needed. Access
// tokens ("aoa…") are sealed, self-describing blobs (AES-256-GCM under the
// keyring): they name their grant, session, user and expiry, so checking one
// needs no lookup but the grant's and session's liveness, which is cached
// for BearerCacheTTL. Refresh tokens ("aor…") are sealed too and carry their
// grant and generation, so a rotated token that comes back is recognised as
// reuse and revokes its family (RFC 9700 §4.14).
//
// # Lifetimes
//
// Device authorizations last DeviceCodeLifetime (expiresIn 600) with a poll
// interval of 1 s; authorization codes AuthCodeLifetime. A client registered
// with scopes (an sso-session profile) gets access tokens of
// AccessTokenLifetime and a refresh token bounded by the sign-in session; a
// client registered without scopes gets one access token for the rest of the
// session and no refresh token, as IAM Identity Center does.
//
// # Replicas
//
// State lives in the store; single use (device codes, authorization codes,
// refresh tokens) is decided by conditional updates in the database, so it
// holds across replicas. Poll timing of pending device codes (RFC 8628
// §3.5 interval and slow_down) is kept in memory while a replica is alone
// on its database, with no write per poll; while other replicas share the
// database it is kept there instead (an UNLOGGED PostgreSQL row per code,
// timed by the database's clock: one round trip and no WAL flush per
// poll), so a client whose polls hop between replicas is held to one
// interval, not one per replica (SECURITY.md MR-01; see
// Service.pollsShared). Three things are per replica, in memory: "still
// pending", trusted for PendingCacheTTL before the
// store is read again, so an approval on another replica reaches the poller
// within that time (on a store that is its database's only writer, such as
// the embedded SQLite, there is no other replica and a pending code is
// trusted until this process decides it or it expires); and the bearer cache, so a revocation made on another
// replica (Logout, sign-out, refresh-token reuse) takes effect there within
// BearerCacheTTL.
// The rate limits (RegisterClient, StartDeviceAuthorization per client,
// failed user-code lookups) are per replica too.
//
// Expiry (device codes, authorization codes, access tokens, sessions, the
// refresh retry grace) is decided by comparing stored or sealed instants
// with Config.Now, so replicas must share that clock or a code would flap
// between valid and expired as a client's requests move between them
// (SECURITY.md MR-07). internal/server passes one that follows the
// database's clock whenever other replicas share the database (see
// internal/server/clock.go): replicas then agree to within milliseconds
// however far apart their own clocks are. A lone replica uses its own.
//
// oauth imports idc, store and keys; never net/http, awsproto or an edge.
package oauth
