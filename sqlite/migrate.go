package sqlite

import (
	"context"
	"database/sql"
	"embed"
	"fmt"
	schema "github.com/parleyhq/parley/migration"
	"io/fs"
	"path"

	"github.com/parleyhq/parley"
)

// The schema is a sequence of migrations, migrations/NNNN_name.sql numbered
// from 1 without gaps. A database's PRAGMA user_version is the number of
// the last migration applied to it. A migration is never edited once
// released: a change to the schema is a new file.
//
//go:embed migrations/*.sql
var migrationFiles embed.FS

// applicationID is the PRAGMA application_id of a parley store ("PRLY"), so
// that a parley database file is told apart from any other SQLite file.
const applicationID = 0x50524c59

type migration = schema.Migration

// embeddedMigrations returns the migrations built into this binary.
func embeddedMigrations() ([]migration, error) {
	sub, err := fs.Sub(migrationFiles, "migrations")
	if err != nil {
		return nil, fmt.Errorf("sqlite: %w", err)
	}
	ms, err := schema.Load(sub)
	if err != nil {
		return nil, fmt.Errorf("sqlite: %w", err)
	}
	return ms, nil
}

// migrate brings the schema of the database in db (the writer, whose
// transactions begin IMMEDIATE) up to the last of ms, in one transaction.
// It refuses a file that is not a parley store and one whose schema is
// newer than ms.
func migrate(ctx context.Context, db *sql.DB, file string, ms []migration) error {
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("sqlite: migrating %s: %w", file, err)
	}
	defer tx.Rollback()

	var version, appID, tables int
	if err := tx.QueryRowContext(ctx, "PRAGMA user_version").Scan(&version); err != nil {
		return parley.Errorf(parley.EINVALID, "cannot read the database file %s: %v; is it a parley store?", file, err)
	}
	if err := tx.QueryRowContext(ctx, "PRAGMA application_id").Scan(&appID); err != nil {
		return fmt.Errorf("sqlite: reading the application id of %s: %w", file, err)
	}
	if err := tx.QueryRowContext(ctx, "SELECT count(*) FROM sqlite_schema").Scan(&tables); err != nil {
		return fmt.Errorf("sqlite: reading the schema of %s: %w", file, err)
	}
	switch {
	case appID != applicationID && (appID != 0 || version != 0 || tables != 0):
		return parley.Errorf(parley.EINVALID, "%s is a SQLite database of another program, not a parley store; name a new file or a parley store", file)
	case version > len(ms):
		return parley.Errorf(parley.EINVALID, "%s: database schema version %d is newer than this parley (knows %d); upgrade parley", file, version, len(ms))
	case version == len(ms):
		return nil
	}
	for _, m := range ms[version:] {
		if _, err := tx.ExecContext(ctx, m.SQL); err != nil {
			return fmt.Errorf("sqlite: applying migration %s to %s: %w", path.Base(m.Name), file, err)
		}
	}
	// PRAGMA takes no bound parameters; both values are integers.
	if _, err := tx.ExecContext(ctx, fmt.Sprintf("PRAGMA user_version = %d", len(ms))); err != nil {
		return fmt.Errorf("sqlite: setting the schema version of %s: %w", file, err)
	}
	if _, err := tx.ExecContext(ctx, fmt.Sprintf("PRAGMA application_id = %d", applicationID)); err != nil {
		return fmt.Errorf("sqlite: setting the application id of %s: %w", file, err)
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("sqlite: migrating %s: %w", file, err)
	}
	return nil
}
