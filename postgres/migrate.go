package postgres

import (
	"context"
	"embed"
	"fmt"
	schema "github.com/parleyhq/parley/migration"
	"hash/fnv"
	"io/fs"
	"strings"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/parleyhq/parley"
)

// The schema is a sequence of migrations, migrations/NNNN_name.sql numbered
// from 1 without gaps. The table parley_migrations of a schema lists the
// migrations applied to it; its version is the highest. A migration is
// never edited once released: a change to the schema is a new file.
//
//go:embed migrations/*.sql
var migrationFiles embed.FS

type migration = schema.Migration

// embeddedMigrations returns the migrations built into this binary.
func embeddedMigrations() ([]migration, error) {
	sub, err := fs.Sub(migrationFiles, "migrations")
	if err != nil {
		return nil, fmt.Errorf("postgres: %w", err)
	}
	ms, err := schema.Load(sub)
	if err != nil {
		return nil, fmt.Errorf("postgres: %w", err)
	}
	return ms, nil
}

// lockClass is the first key of the advisory locks the store takes ("PRLY").
const lockClass int32 = 0x50524c59

// migrationLock returns the second key of the advisory lock that guards the
// migration of schema.
func migrationLock(schema string) int32 {
	h := fnv.New32a()
	h.Write([]byte(schema))
	return int32(h.Sum32())
}

// tables are the tables of the first migration, which a schema that
// parley has not migrated must not hold already.
var tables = []string{"talks", "entries", "hashes", "checkpoints"}

// migrate brings the tables in schema up to the last of ms, in one
// transaction that holds an advisory lock on the schema, so that processes
// opening the store at the same time apply each migration once. If create,
// it creates the schema when it does not exist. It refuses a schema whose
// version is newer than ms.
func migrate(ctx context.Context, pool *pgxpool.Pool, schema string, create bool, ms []migration) error {
	tx, err := pool.Begin(ctx)
	if err != nil {
		return wrap(err, "migrating schema %s", schema)
	}
	defer tx.Rollback(context.WithoutCancel(ctx))

	if _, err := tx.Exec(ctx, "SELECT pg_advisory_xact_lock($1, $2)", lockClass, migrationLock(schema)); err != nil {
		return wrap(err, "locking schema %s to migrate it", schema)
	}
	ident := pgx.Identifier{schema}.Sanitize()
	if create {
		if _, err := tx.Exec(ctx, "CREATE SCHEMA IF NOT EXISTS "+ident); err != nil {
			return wrap(err, "creating schema %s", schema)
		}
	}
	// Whatever the search_path, the migrations create their tables in
	// schema.
	if _, err := tx.Exec(ctx, "SELECT set_config('search_path', $1, true)", ident); err != nil {
		return wrap(err, "setting the search_path to schema %s", schema)
	}

	var migrated bool
	err = tx.QueryRow(ctx, "SELECT to_regclass(format('%I.parley_migrations', $1::text)) IS NOT NULL", schema).Scan(&migrated)
	if err != nil {
		return wrap(err, "reading the schema version of %s", schema)
	}
	version := 0
	if migrated {
		if err := tx.QueryRow(ctx, "SELECT coalesce(max(version), 0) FROM parley_migrations").Scan(&version); err != nil {
			return wrap(err, "reading the schema version of %s", schema)
		}
	} else {
		var found []string
		err := tx.QueryRow(ctx, `SELECT coalesce(array_agg(table_name::text ORDER BY table_name), '{}') FROM information_schema.tables WHERE table_schema = $1 AND table_name = ANY($2)`, schema, tables).Scan(&found)
		if err != nil {
			return wrap(err, "reading the tables of schema %s", schema)
		}
		if len(found) > 0 {
			return parley.Errorf(parley.EINVALID, "schema %s holds tables (%s) that parley did not create; give parley a schema of its own with search_path in the URL", schema, strings.Join(found, ", "))
		}
		_, err = tx.Exec(ctx, `CREATE TABLE parley_migrations (
	version integer     NOT NULL PRIMARY KEY CHECK (version > 0),
	name    text        NOT NULL,
	applied timestamptz NOT NULL DEFAULT now()
)`)
		if err != nil {
			return wrap(err, "creating the table of migrations in schema %s", schema)
		}
	}
	switch {
	case version > len(ms):
		return parley.Errorf(parley.EINVALID, "schema %s: database schema version %d is newer than this parley (knows %d); upgrade parley", schema, version, len(ms))
	case version == len(ms) && migrated:
		return nil
	}
	for _, m := range ms[version:] {
		if _, err := tx.Exec(ctx, m.SQL); err != nil {
			return wrap(err, "applying migration %s to schema %s", m.Name, schema)
		}
		if _, err := tx.Exec(ctx, "INSERT INTO parley_migrations (version, name) VALUES ($1, $2)", m.Version, m.Name); err != nil {
			return wrap(err, "recording migration %s in schema %s", m.Name, schema)
		}
	}
	if err := tx.Commit(ctx); err != nil {
		return wrap(err, "migrating schema %s", schema)
	}
	return nil
}
