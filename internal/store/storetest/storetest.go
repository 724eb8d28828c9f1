// Package storetest is the store conformance suite. Each backend's tests
// call Run with a function that opens a fresh, empty store; every behaviour
// the rest of idcenter relies on is checked here, identically on SQLite and
// PostgreSQL. A behaviour that differs between the two is a bug.
package storetest

import (
	"testing"

	"github.com/idcenter/idcenter/internal/store"
)

// Opener returns a fresh, empty, migrated store, closed when t ends.
type Opener func(t *testing.T) store.Store

// Run runs the whole suite.
func Run(t *testing.T, open Opener) {
	t.Run("Instances", func(t *testing.T) { testInstances(t, open) })
	t.Run("Directory", func(t *testing.T) { testDirectory(t, open) })
	t.Run("Organizations", func(t *testing.T) { testOrganizations(t, open) })
	t.Run("Access", func(t *testing.T) { testAccess(t, open) })
	t.Run("AccessFeed", func(t *testing.T) { testAccessFeed(t, open) })
	t.Run("Auth", func(t *testing.T) { testAuth(t, open) })
	t.Run("OAuth", func(t *testing.T) { testOAuth(t, open) })
}
