package postgres

import (
	"testing"

	"github.com/parleyhq/parley"
	"github.com/parleyhq/parley/storetest"
)

// TestStore runs the conformance suite, each of its subtests on a new
// schema named by the URL's search_path.
func TestStore(t *testing.T) {
	needPostgres(t)
	storetest.Test(t, func(t *testing.T) parley.Store {
		schema := newSchema(t, true)
		s, err := Open(t.Context(), testURL(t, "search_path", schema))
		if err != nil {
			t.Fatal(err)
		}
		if s.Schema() != schema {
			t.Errorf("Schema() = %q, want %q (the search_path of the URL)", s.Schema(), schema)
		}
		return s
	})
}

func TestMaxEntries(t *testing.T) {
	if MaxEntries != storetest.MaxEntries {
		t.Errorf("MaxEntries = %d, want storetest.MaxEntries = %d", MaxEntries, storetest.MaxEntries)
	}
}
