package migration

import (
	"testing"
	"testing/fstest"
)

func TestLoad(t *testing.T) {
	for _, tc := range []struct {
		name  string
		files []string
		ok    bool
	}{
		{"in order", []string{"0001_a.sql", "0002_b.sql", "0003_c.sql"}, true},
		{"gap", []string{"0001_a.sql", "0003_c.sql"}, false},
		{"repeat", []string{"0001_a.sql", "0001_b.sql"}, false},
		{"no number", []string{"0001_a.sql", "init.sql"}, false},
		{"from zero", []string{"0000_a.sql", "0001_b.sql"}, false},
	} {
		fsys := fstest.MapFS{}
		for _, f := range tc.files {
			fsys[f] = &fstest.MapFile{Data: []byte("-- " + f)}
		}
		ms, err := Load(fsys)
		if (err == nil) != tc.ok {
			t.Errorf("%s: Load(%q) error = %v, want ok %v", tc.name, tc.files, err, tc.ok)
			continue
		}
		for i, m := range ms {
			if m.Version != i+1 || m.SQL != "-- "+tc.files[i] {
				t.Errorf("%s: migration %d = %d %q, want %d %q", tc.name, i, m.Version, m.SQL, i+1, "-- "+tc.files[i])
			}
		}
	}
}
