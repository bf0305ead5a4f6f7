// Package migration reads the numbered SQL schema migrations that the stores
// embed: files named "<version>_<what>.sql", versions 1, 2, … without gaps,
// applied in order.
package migration

import (
	"fmt"
	"io/fs"
	"sort"
	"strconv"
	"strings"
)

// A Migration is one step of a schema.
type Migration struct {
	Version int
	Name    string // the file's name
	SQL     string
}

// Load reads the migrations from the *.sql files in the root of fsys and
// checks that they are numbered 1, 2, … without gaps or repeats.
func Load(fsys fs.FS) ([]Migration, error) {
	names, err := fs.Glob(fsys, "*.sql")
	if err != nil {
		return nil, fmt.Errorf("listing migrations: %w", err)
	}
	ms := make([]Migration, 0, len(names))
	for _, name := range names {
		num, _, ok := strings.Cut(name, "_")
		v, err := strconv.Atoi(num)
		if !ok || err != nil || v < 1 {
			return nil, fmt.Errorf("migration %s: name does not start with a version number and an underscore", name)
		}
		b, err := fs.ReadFile(fsys, name)
		if err != nil {
			return nil, fmt.Errorf("reading migration %s: %w", name, err)
		}
		ms = append(ms, Migration{Version: v, Name: name, SQL: string(b)})
	}
	sort.Slice(ms, func(i, j int) bool { return ms[i].Version < ms[j].Version })
	for i, m := range ms {
		if m.Version != i+1 {
			return nil, fmt.Errorf("migration %s has version %d, want %d (versions start at 1 with no gaps or repeats)", m.Name, m.Version, i+1)
		}
	}
	return ms, nil
}
