package main

import (
	"bytes"
	"context"
	"path/filepath"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"

	"github.com/parleyhq/parley"
	"github.com/parleyhq/parley/ledger"
	"github.com/parleyhq/parley/postgres"
)

// TestCheckPostgres runs "parley check" on a record in PostgreSQL: intact,
// with a changed byte, and cut short.
func TestCheckPostgres(t *testing.T) {
	url := pgURL(t)
	dir := t.TempDir()
	ctx := context.Background()
	const host = "check.example"
	st, err := postgres.Open(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	keys, err := ledger.NewKeys(filepath.Join(dir, "logkeys"))
	if err != nil {
		t.Fatal(err)
	}
	l := ledger.New(st, ledger.Config{Host: host, Keys: keys, KeepCheckpoints: true})
	conv := newActor()
	origin := parley.Origin(host, "t1")
	for i, p := range []any{
		parley.FoundTalks{Title: "Checked", ConvenerName: "C", Rule: parley.Rule{Kind: "consensus"}},
		parley.Statement{Text: "Statement zero."},
		parley.Statement{Text: "Statement one."},
		parley.Statement{Text: "Statement two."},
		parley.Statement{Text: "Statement three."},
	} {
		kind := parley.KindStatement
		if i == 0 {
			kind = parley.KindFoundTalks
		}
		if _, err := l.Append(ctx, conv.sign(t, origin, "t1", kind, p)); err != nil {
			t.Fatal(err)
		}
	}
	l.Close()
	st.Close()

	check := func() (string, string, error) {
		var out, errOut bytes.Buffer
		err := run(ctx, []string{"check", "--dir", dir, "--db", url}, func(string) string { return "" }, nil, &out, &errOut)
		return out.String(), errOut.String(), err
	}
	out, _, err := check()
	if err != nil || !strings.HasPrefix(out, "ok t1: 5 entries, root ") || !strings.Contains(out, "(size 5) agrees") {
		t.Fatalf("check of an intact record: %v\n%s", err, out)
	}

	conn, err := pgx.Connect(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	exec := func(sql string, args ...any) {
		t.Helper()
		if _, err := conn.Exec(ctx, sql, args...); err != nil {
			t.Fatalf("%s: %v", sql, err)
		}
	}
	exec(`UPDATE entries SET event = convert_to(replace(convert_from(event, 'UTF8'), 'Statement one.', 'Statement 0ne.'), 'UTF8') WHERE talks = 't1' AND idx = 2`)
	out, _, err = check()
	if exitCode(err, &bytes.Buffer{}) != 1 || !strings.HasPrefix(out, "FAILED t1: entry 2 of talks t1: the stored signature does not verify") {
		t.Errorf("check of a changed byte: %v\n%s", err, out)
	}
	exec(`UPDATE entries SET event = convert_to(replace(convert_from(event, 'UTF8'), 'Statement 0ne.', 'Statement one.'), 'UTF8') WHERE talks = 't1' AND idx = 2`)
	exec(`DELETE FROM entries WHERE talks = 't1' AND idx >= 3`)
	exec(`DELETE FROM hashes WHERE talks = 't1' AND idx >= 4`) // StoredHashCount(3)
	exec(`DELETE FROM checkpoints WHERE talks = 't1' AND size > 3`)
	exec(`UPDATE talks SET size = 3 WHERE id = 't1'`)
	out, _, err = check()
	if exitCode(err, &bytes.Buffer{}) != 1 || !strings.HasPrefix(out, "FAILED t1: entry 3 of talks t1: it is missing: the database holds 3 entries, but the log signed 5") {
		t.Errorf("check of a log cut short: %v\n%s", err, out)
	}
}
