package storetest

import "testing"

func testOrganizations(t *testing.T, open Opener) {}
