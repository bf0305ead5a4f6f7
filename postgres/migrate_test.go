package postgres

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"

	"github.com/jackc/pgx/v5"

	"github.com/parleyhq/parley"
	"github.com/parleyhq/parley/storetest"
)

// schemaVersion returns the highest migration recorded in schema, or -1 if
// the schema has no table of migrations.
func schemaVersion(t *testing.T, conn *pgx.Conn, schema string) int {
	t.Helper()
	var v *int
	err := conn.QueryRow(t.Context(), `SELECT CASE WHEN to_regclass(format('%I.parley_migrations', $1::text)) IS NOT NULL THEN 0 END`, schema).Scan(&v)
	if err != nil {
		t.Fatal(err)
	}
	if v == nil {
		return -1
	}
	var n int
	q := fmt.Sprintf("SELECT coalesce(max(version), 0) FROM %s.parley_migrations", pgx.Identifier{schema}.Sanitize())
	if err := conn.QueryRow(t.Context(), q).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

// hasTable reports whether schema has a table named table.
func hasTable(t *testing.T, conn *pgx.Conn, schema, table string) bool {
	t.Helper()
	var ok bool
	err := conn.QueryRow(t.Context(), `SELECT to_regclass(format('%I.%I', $1::text, $2::text)) IS NOT NULL`, schema, table).Scan(&ok)
	if err != nil {
		t.Fatal(err)
	}
	return ok
}

func TestMigrations(t *testing.T) {
	ctx := t.Context()
	conn := adminConn(t)
	schema := newSchema(t, false)
	url := testURL(t)
	ms, err := embeddedMigrations()
	if err != nil {
		t.Fatal(err)
	}
	if len(ms) == 0 {
		t.Fatal("no migrations embedded")
	}

	// Fresh: the schema is created, every migration applied and recorded.
	s, err := Open(ctx, url, WithSchema(schema))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.Append(ctx, "t", 0, storetest.NewEntries("t", "a", 0, 2), storetest.Seal("t")); err != nil {
		t.Fatal(err)
	}
	s.Close()
	if got := schemaVersion(t, conn, schema); got != len(ms) {
		t.Errorf("schema version of a new store = %d, want %d", got, len(ms))
	}
	for _, table := range append(tables, "parley_migrations") {
		if !hasTable(t, conn, schema, table) {
			t.Errorf("schema %s has no table %s", schema, table)
		}
	}

	// Re-open: nothing to apply, the data still there.
	s, err = Open(ctx, url, WithSchema(schema))
	if err != nil {
		t.Fatalf("re-opening: %v", err)
	}
	if n, err := s.Size(ctx, "t"); n != 2 || err != nil {
		t.Errorf("Size after re-opening = %d, %v; want 2", n, err)
	}
	s.Close()
	var rows int
	if err := conn.QueryRow(ctx, fmt.Sprintf("SELECT count(*) FROM %s.parley_migrations", pgx.Identifier{schema}.Sanitize())).Scan(&rows); err != nil || rows != len(ms) {
		t.Errorf("parley_migrations has %d rows, %v; want %d", rows, err, len(ms))
	}

	// A later binary adds a migration: it is applied on open, after the
	// ones before it, and the data stays.
	later := append(ms[:len(ms):len(ms)], migration{
		Version: len(ms) + 1,
		Name:    "later.sql",
		SQL:     `CREATE TABLE later (talks text COLLATE "C" NOT NULL REFERENCES talks (id)); INSERT INTO later SELECT id FROM talks;`,
	})
	s, err = open(ctx, url, later, WithSchema(schema))
	if err != nil {
		t.Fatalf("opening with a new migration: %v", err)
	}
	var n int
	if err := s.pool.QueryRow(ctx, "SELECT count(*) FROM later").Scan(&n); err != nil || n != 1 {
		t.Errorf("the new migration's table has %d rows, %v; want 1", n, err)
	}
	s.Close()
	if got := schemaVersion(t, conn, schema); got != len(later) {
		t.Errorf("schema version after the new migration = %d, want %d", got, len(later))
	}

	// This binary, which knows fewer migrations, refuses the newer schema.
	_, err = Open(ctx, url, WithSchema(schema))
	want := fmt.Sprintf("database schema version %d is newer than this parley (knows %d); upgrade parley", len(later), len(ms))
	if parley.ErrorCode(err) != parley.EINVALID || !strings.Contains(parley.ErrorMessage(err), want) {
		t.Errorf("opening a newer schema: got error %v, want code %s and %q", err, parley.EINVALID, want)
	}
	if got := schemaVersion(t, conn, schema); got != len(later) {
		t.Errorf("schema version after the refused open = %d, want %d (unchanged)", got, len(later))
	}
}

func TestMigrationFailureLeavesNothing(t *testing.T) {
	ctx := t.Context()
	conn := adminConn(t)
	schema := newSchema(t, false)
	ms, err := embeddedMigrations()
	if err != nil {
		t.Fatal(err)
	}
	broken := append(ms[:len(ms):len(ms)], migration{Version: len(ms) + 1, Name: "broken.sql", SQL: "CREATE TABLE x (a int); SELECT * FROM no_such_table;"})
	if _, err := open(ctx, testURL(t), broken, WithSchema(schema)); err == nil {
		t.Fatal("opening with a failing migration succeeded, want an error")
	}
	// The schema, the migrations and the table of migrations are created
	// in one transaction: all are undone.
	var exists bool
	if err := conn.QueryRow(ctx, "SELECT EXISTS (SELECT FROM pg_namespace WHERE nspname = $1)", schema).Scan(&exists); err != nil || exists {
		t.Errorf("schema %s exists after a failed first migration: %v, %v; want false", schema, exists, err)
	}
	s, err := Open(ctx, testURL(t), WithSchema(schema))
	if err != nil {
		t.Fatalf("opening after a failed migration: %v", err)
	}
	s.Close()
	if hasTable(t, conn, schema, "x") {
		t.Errorf("table x of the failed migration exists")
	}
	if got := schemaVersion(t, conn, schema); got != len(ms) {
		t.Errorf("schema version = %d, want %d", got, len(ms))
	}
}

// Processes that start together migrate the schema once.
func TestMigrateConcurrently(t *testing.T) {
	ctx := t.Context()
	conn := adminConn(t)
	schema := newSchema(t, false)
	ms, err := embeddedMigrations()
	if err != nil {
		t.Fatal(err)
	}
	const n = 6
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			s, err := Open(ctx, testURL(t), WithSchema(schema))
			if err == nil {
				_, err = s.Size(ctx, "t")
				s.Close()
			}
			errs[i] = err
		})
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Errorf("open %d of %d at once: %v", i+1, n, err)
		}
	}
	var rows int
	if err := conn.QueryRow(ctx, fmt.Sprintf("SELECT count(*) FROM %s.parley_migrations", pgx.Identifier{schema}.Sanitize())).Scan(&rows); err != nil || rows != len(ms) {
		t.Errorf("parley_migrations has %d rows, %v; want %d", rows, err, len(ms))
	}
}

// A schema that holds tables of parley's names that parley did not create
// is refused, and left as it was.
func TestForeignTables(t *testing.T) {
	ctx := t.Context()
	conn := adminConn(t)
	schema := newSchema(t, true)
	if _, err := conn.Exec(ctx, fmt.Sprintf("CREATE TABLE %s.talks (name text)", pgx.Identifier{schema}.Sanitize())); err != nil {
		t.Fatal(err)
	}
	_, err := Open(ctx, testURL(t, "search_path", schema))
	if parley.ErrorCode(err) != parley.EINVALID || !strings.Contains(parley.ErrorMessage(err), "talks") {
		t.Errorf("opening a schema with another program's table talks: got error %v, want code %s naming the table", err, parley.EINVALID)
	}
	if hasTable(t, conn, schema, "parley_migrations") || hasTable(t, conn, schema, "entries") {
		t.Errorf("the refused schema was changed")
	}
}

func TestOpenErrors(t *testing.T) {
	ctx := t.Context()
	needPostgres(t)
	if _, err := Open(ctx, testURL(t), WithSchema(strings.Repeat("s", 64))); parley.ErrorCode(err) != parley.EINVALID {
		t.Errorf("a schema name of 64 bytes: got error %v, want code %s", err, parley.EINVALID)
	}
	for _, tc := range []struct {
		name string
		url  string
		code string
	}{
		{"no URL", "", parley.EINVALID},
		{"bad port", "postgres://postgres@127.0.0.1:notaport/postgres", parley.EINVALID},
		{"bad pool setting", testURL(t, "pool_max_conns", "many"), parley.EINVALID},
		{"no such database", testURL(t, "dbname", randomName("parley_no_db_")), parley.EINVALID},
		{"no such schema", testURL(t, "search_path", randomName("parley_no_schema_")), parley.EINVALID},
		// Nothing listens on port 1 of the loopback interface.
		{"unreachable", "postgres://postgres@127.0.0.1:1/postgres?sslmode=disable&connect_timeout=5", parley.EUNAVAILABLE},
	} {
		s, err := Open(ctx, tc.url)
		if err == nil {
			s.Close()
		}
		if parley.ErrorCode(err) != tc.code {
			t.Errorf("%s: Open(%q): got error %v, want code %s", tc.name, redacted(tc.url), err, tc.code)
		}
		if tc.code == parley.EUNAVAILABLE && !errors.Is(err, ErrUnavailable) {
			t.Errorf("%s: errors.Is(%v, ErrUnavailable) = false, want true", tc.name, err)
		}
	}
}

func TestClosedStore(t *testing.T) {
	ctx := context.Background()
	s := openStore(t, newSchema(t, false))
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Errorf("second Close: %v", err)
	}
	if _, err := s.Append(ctx, "t", 0, storetest.NewEntries("t", "a", 0, 1), storetest.Seal("t")); err == nil {
		t.Errorf("Append on a closed store succeeded, want an error")
	}
	if _, err := s.Size(ctx, "t"); err == nil {
		t.Errorf("Size on a closed store succeeded, want an error")
	}
}
