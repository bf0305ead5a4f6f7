// Package postgres keeps the logs of talks in a PostgreSQL database: the
// parley.Store for shared deployments, where several server processes
// append to the same talks. It uses github.com/jackc/pgx/v5 and its pool.
//
// # Connecting
//
// Open takes a PostgreSQL URL, e.g.
//
//	postgres://parley:secret@db.example.org:5432/parley?sslmode=verify-full&pool_max_conns=8
//
// Besides the settings of libpq (sslmode, connect_timeout, application_name,
// search_path, …), the URL may tune the pool of connections: pool_max_conns
// (default: the number of CPUs, at least 4), pool_min_conns,
// pool_min_idle_conns, pool_max_conn_lifetime (default 1h),
// pool_max_conn_idle_time (default 30m), pool_health_check_period (default
// 1m) and pool_ping_timeout. The store names its connections "parley"
// (application_name) unless the URL names them otherwise, and gives up
// connecting after 10 seconds unless the URL sets connect_timeout.
//
// # Schema
//
// The tables live in one schema: the first schema of the URL's
// search_path that exists (by default "public"), or the one named with
// WithSchema, which Open creates if needed. Open applies the migrations
// built into the binary in one transaction, under an advisory lock so that
// processes starting together do not race, and records them in the table
// parley_migrations. It refuses a schema migrated by a newer parley, and a
// schema that already holds tables of the same names that are not parley's.
//
// # Many writers
//
// Each Append is one transaction in three round trips: the first begins,
// locks the row of its talks (SELECT … FOR NO KEY UPDATE), reads the size
// kept there, inserts the entries if the size is as expected and reads the
// Merkle hashes the new ones need; the store then computes the new hashes
// and root and calls the SealFunc; the second writes the hashes, the size
// and the checkpoint; the third commits. Appends to one talks are serialized
// whichever process makes them; appends to different talks do not wait for
// each other. A stale append gets parley.ErrStale; a replayed nonce
// parley.ErrDuplicate, before the seal is called.
//
// Each append also announces the talks and its new size on a channel of
// the schema when it commits (pg_notify); Notify listens to it, so that a
// process learns of the appends of the others.
//
// # When the database goes away
//
// A call that fails because the database cannot be reached, restarts, shuts
// down or drops the connection returns an error with the code
// parley.EUNAVAILABLE (errors.Is(err, ErrUnavailable) holds); retrying
// later may help. The pool makes new connections as they are needed, so
// calls succeed again once the database is back, with no new Store. A
// restart or a terminated backend leaves dead connections in the pool,
// which it cannot tell from live ones without a round trip: the first call
// that meets one closes all the pool's connections and runs once more on a
// new one. Reads are retried so, and so is an Append that has not called
// its SealFunc yet (it has written nothing); a call is never retried twice.
//
// An Append that returned an error did not happen, with one exception: when
// the connection is lost, or the context done, while the transaction
// commits, the store cannot know whether the commit took place. It then
// returns an error wrapping ErrCommitUnknown (code parley.EUNAVAILABLE).
// The entries may or may not be stored; once the database answers again,
// FindNonce tells which, and where.
//
// The store applies the same rules beyond the parley.Store interface as
// package sqlite (see its documentation); package storetest checks them.
// Received times are kept to the microsecond; a zero Received is set to the
// database's clock at the append.
package postgres

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/parleyhq/parley"
	"github.com/parleyhq/parley/logread"
)

// MaxEntries is the most entries one call to Entries returns.
const MaxEntries = 10000

// DefaultApplicationName is the application_name of the store's
// connections when the URL names none.
const DefaultApplicationName = "parley"

// maxIdentifier is the longest name PostgreSQL keeps whole (NAMEDATALEN-1).
const maxIdentifier = 63

// defaultConnectTimeout bounds a connection attempt when the URL does not
// set connect_timeout.
const defaultConnectTimeout = 10 * time.Second

// A Store is a parley.Store in a PostgreSQL database. Its methods may be
// called from several goroutines at once, and several Stores, in one
// process or many, may share a database.
type Store struct {
	pool    *pgxpool.Pool
	schema  string // where the tables are
	channel string // where appends are announced: notifyChannel(schema)
	read    logread.Reader
}

var _ parley.Store = (*Store)(nil)

// An Option changes how Open opens a store.
type Option func(*options)

type options struct {
	schema string
}

// WithSchema keeps the tables in the named schema, which Open creates if it
// does not exist, whatever search_path the URL gives. It lets several
// independent stores share one database. An empty name changes nothing.
func WithSchema(name string) Option {
	return func(o *options) { o.schema = name }
}

// Open connects to the PostgreSQL database at url and brings the schema of
// the store up to date. See the package documentation for the URL.
func Open(ctx context.Context, url string, opts ...Option) (*Store, error) {
	ms, err := embeddedMigrations()
	if err != nil {
		return nil, err
	}
	return open(ctx, url, ms, opts...)
}

// open opens the store at url with the schema migrations ms.
func open(ctx context.Context, url string, ms []migration, opts ...Option) (*Store, error) {
	var o options
	for _, opt := range opts {
		opt(&o)
	}
	if len(o.schema) > maxIdentifier {
		return nil, parley.Errorf(parley.EINVALID, "the schema name %q is longer than PostgreSQL's %d bytes: choose a shorter one", o.schema, maxIdentifier)
	}
	if url == "" {
		return nil, parley.Errorf(parley.EINVALID, "no PostgreSQL URL given: name the database, e.g. postgres://user@localhost:5432/parley")
	}
	cfg, err := pgxpool.ParseConfig(url)
	if err != nil {
		// The error of ParseConfig masks any password in the URL.
		return nil, parley.Errorf(parley.EINVALID, "the PostgreSQL URL cannot be used: %v; write it as postgres://user:password@host:5432/database?sslmode=verify-full", err)
	}
	params := cfg.ConnConfig.RuntimeParams
	if params["application_name"] == "" {
		params["application_name"] = DefaultApplicationName
	}
	if o.schema != "" {
		params["search_path"] = pgx.Identifier{o.schema}.Sanitize()
	}
	if cfg.ConnConfig.ConnectTimeout == 0 {
		cfg.ConnConfig.ConnectTimeout = defaultConnectTimeout
	}
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return nil, wrap(err, "opening the pool of connections")
	}
	s := &Store{pool: pool}
	ok := false
	defer func() {
		if !ok {
			pool.Close()
		}
	}()

	schema := o.schema
	if schema == "" {
		var current *string
		if err := pool.QueryRow(ctx, "SELECT current_schema()").Scan(&current); err != nil {
			return nil, wrap(err, "finding the schema")
		}
		if current == nil {
			return nil, parley.Errorf(parley.EINVALID, "no schema of the search_path of the database exists; create one, or name an existing one with search_path in the URL")
		}
		schema = *current
	}
	if err := migrate(ctx, pool, schema, o.schema != "", ms); err != nil {
		return nil, err
	}
	s.schema, s.channel = schema, notifyChannel(schema)
	s.read = s.reader()
	ok = true
	return s, nil
}

// retry runs op, which must be safe to run twice, and runs it once more if
// it failed because its connection was lost. A database that restarted, or
// that terminated backends, leaves dead connections in the pool, which the
// pool cannot tell from live ones without a round trip; the first call to
// meet one closes them all, and runs again on a new connection. If the
// database is still unreachable, that fails too.
func (s *Store) retry(op func() error) error {
	err := op()
	if lostConnection(err) {
		s.pool.Reset()
		err = op()
	}
	return err
}

// Schema returns the name of the schema that holds the store's tables.
func (s *Store) Schema() string { return s.schema }

// Close closes the store's connections. It waits for the calls in progress
// to give their connections back; calls after Close fail. Close may be
// called more than once.
func (s *Store) Close() error {
	s.pool.Close()
	return nil
}

// ErrUnavailable is in the chain of the errors of calls that failed because
// the database could not be reached or dropped the connection.
var ErrUnavailable = parley.Errorf(parley.EUNAVAILABLE, "the database is unreachable; retrying may help")

// ErrCommitUnknown is in the chain of the error of an Append whose
// connection was lost, or whose context was done, while the transaction
// committed: the entries may or may not be stored. FindNonce tells which.
var ErrCommitUnknown = parley.Errorf(parley.EUNAVAILABLE, "the append was cut off while it committed (the database became unreachable, or the call was canceled), so it may or may not be stored; once the database answers, look its nonces up before appending again")

// wrap adds what the store was doing to err, and ErrUnavailable to its chain
// when err comes from an unreachable database. A nil err stays nil.
func wrap(err error, format string, args ...any) error {
	if err == nil {
		return nil
	}
	what := fmt.Sprintf(format, args...)
	var pe *parley.Error
	var refused *pgconn.PgError
	switch {
	case errors.As(err, &pe):
		return err
	case errors.As(err, &refused) && (strings.HasPrefix(refused.Code, "28") || refused.Code == "3D000"):
		// invalid_authorization_specification, invalid_password,
		// invalid_catalog_name: the URL is wrong, not the database down.
		return fmt.Errorf("postgres: %s: %w: %w", what, parley.Errorf(parley.EINVALID, "the database refused the connection (%s); check the user, password and database name in the URL", refused.Message), err)
	case unavailable(err):
		return fmt.Errorf("postgres: %s: %w: %w", what, ErrUnavailable, err)
	}
	return fmt.Errorf("postgres: %s: %w", what, err)
}
