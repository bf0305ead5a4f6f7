package postgres

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"net/url"
	"os"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
)

// defaultTestURL is the database the tests use unless PARLEY_TEST_POSTGRES
// names another (as a postgres:// URL). Each test works in schemas of its
// own, which it drops when it ends.
const defaultTestURL = "postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable"

func baseURL() string {
	if u := os.Getenv("PARLEY_TEST_POSTGRES"); u != "" {
		return u
	}
	return defaultTestURL
}

var (
	reachOnce sync.Once
	reachErr  error
)

// needPostgres skips the test when the test database cannot be reached,
// or fails it if PARLEY_REQUIRE_ALL=1.
func needPostgres(t testing.TB) {
	t.Helper()
	reachOnce.Do(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		conn, err := pgx.Connect(ctx, baseURL())
		if err != nil {
			reachErr = err
			return
		}
		reachErr = conn.Ping(ctx)
		conn.Close(ctx)
	})
	if reachErr == nil {
		return
	}
	if os.Getenv("PARLEY_REQUIRE_ALL") == "1" {
		t.Fatalf("PostgreSQL is required (PARLEY_REQUIRE_ALL=1) but unreachable at %s: %v", redacted(baseURL()), reachErr)
	}
	t.Skipf("PostgreSQL unreachable at %s (set PARLEY_TEST_POSTGRES): %v", redacted(baseURL()), reachErr)
}

// redacted returns u without any password.
func redacted(u string) string {
	p, err := url.Parse(u)
	if err != nil {
		return "the URL in PARLEY_TEST_POSTGRES"
	}
	return p.Redacted()
}

// randomName returns prefix followed by random hex digits.
func randomName(prefix string) string {
	b := make([]byte, 8)
	rand.Read(b)
	return prefix + hex.EncodeToString(b)
}

// adminConn returns a connection to the test database of its own, closed
// when the test ends.
func adminConn(t testing.TB) *pgx.Conn {
	t.Helper()
	needPostgres(t)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	conn, err := pgx.Connect(ctx, baseURL())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close(context.Background()) })
	return conn
}

// newSchema returns the name of a schema no one uses, parley_test_…, and
// drops it, with all it holds, when the test ends. If create, the schema
// is created now; otherwise the store creates it.
func newSchema(t testing.TB, create bool) string {
	t.Helper()
	conn := adminConn(t)
	name := randomName("parley_test_")
	ident := pgx.Identifier{name}.Sanitize()
	if create {
		if _, err := conn.Exec(t.Context(), "CREATE SCHEMA "+ident); err != nil {
			t.Fatal(err)
		}
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		if _, err := conn.Exec(ctx, "DROP SCHEMA IF EXISTS "+ident+" CASCADE"); err != nil {
			t.Errorf("dropping the test schema %s: %v", name, err)
		}
	})
	return name
}

// testURL returns the test database's URL with the given query
// parameters set (e.g. search_path, application_name, pool_max_conns).
func testURL(t testing.TB, params ...string) string {
	t.Helper()
	u, err := url.Parse(baseURL())
	if err != nil || (u.Scheme != "postgres" && u.Scheme != "postgresql") {
		t.Fatalf("PARLEY_TEST_POSTGRES must be a postgres:// URL, got %q", redacted(baseURL()))
	}
	q := u.Query()
	for i := 0; i+1 < len(params); i += 2 {
		q.Set(params[i], params[i+1])
	}
	u.RawQuery = q.Encode()
	return u.String()
}

// openStore opens a store in schema, which it creates if needed, with the
// given URL parameters, and closes it when the test ends.
func openStore(t testing.TB, schema string, params ...string) *Store {
	t.Helper()
	s, err := Open(t.Context(), testURL(t, params...), WithSchema(schema))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}
