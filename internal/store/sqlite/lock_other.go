//go:build !unix

package sqlite

// lockFile is a no-op where flock is missing; the store then does not
// claim to be the only writer, and the entitlement index asks the
// database before every answer instead.
func lockFile(string) (func() error, error) { return nil, nil }
