package awsproto_test

import (
	"strings"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
)

func cmpSortStrings() cmp.Option {
	return cmpopts.SortSlices(func(a, b string) bool { return strings.Compare(a, b) < 0 })
}
