package storetest

import "testing"

func testDirectory(t *testing.T, open Opener) {}
