// Package store keeps crmsync's data in SQLite or PostgreSQL through sqlx: embedded numbered migrations
// per database, and one file per table with the queries that own it (a large table has more than one:
// activities.go reads activities, activitywrite.go writes them, activitymatch.go correlates items with
// them). Every query is scoped by tenant.
//
// A Store method is one complete operation. A use case that writes several things at once (a track
// request and its job, an activity and its link) calls Store.InTx and takes its steps through the Tx it
// is given; no sqlx or database/sql type leaves the package, except the transaction River writes its jobs
// in, which only package jobs unwraps.
package store

import (
	"context"
	"database/sql"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/stdlib" // also the "pgx" database/sql driver
	"github.com/jmoiron/sqlx"
	"github.com/pressly/goose/v3"
	"github.com/pressly/goose/v3/lock"
	"modernc.org/sqlite" // also the "sqlite" database/sql driver
	sqlite3 "modernc.org/sqlite/lib"
)

// Dialect names the database behind a Store.
type Dialect string

// The databases crmsync runs on.
const (
	SQLite   Dialect = "sqlite"
	Postgres Dialect = "postgres"
)

//go:embed migrations
var migrations embed.FS

// Store is the database: a pool, its dialect and the clock used for timestamps.
type Store struct {
	db      *sqlx.DB
	dialect Dialect
	now     func() time.Time
	// password, when set, gives the password of every new PostgreSQL connection (an Entra token).
	password func(ctx context.Context) (string, error)
	// writer lets one of our SQLite write transactions in at a time. SQLite has one writer anyway; when
	// writers queue here, in order, they hold no pool connection while they wait and do not sleep in
	// SQLite's busy handler, so readers keep their connections and the lock is handed on at once.
	writer chan struct{}
}

// Option changes how a Store is opened.
type Option func(*Store)

// WithClock sets the clock used for created/updated timestamps (tests).
func WithClock(now func() time.Time) Option { return func(s *Store) { s.now = now } }

// WithPassword makes every new PostgreSQL connection sign in with the password that password returns at
// that moment, such as an Entra token of the service's managed identity for Azure Database for
// PostgreSQL: tokens expire after about an hour, so each new connection asks for a current one (the
// caller caches it until shortly before it expires); open connections stay signed in.
func WithPassword(password func(ctx context.Context) (string, error)) Option {
	return func(s *Store) { s.password = password }
}

// Open connects to the database named by databaseURL: empty for SQLite in dataDir/crmsync.db,
// "sqlite:PATH" for another SQLite file, "postgres://…" for PostgreSQL. It does not migrate.
func Open(ctx context.Context, databaseURL, dataDir string, opts ...Option) (*Store, error) {
	s := &Store{now: time.Now}
	for _, o := range opts {
		o(s)
	}
	var err error
	switch {
	case strings.HasPrefix(databaseURL, "postgres://"), strings.HasPrefix(databaseURL, "postgresql://"):
		s.dialect = Postgres
		s.db, err = s.openPostgres(databaseURL)
		if err == nil {
			s.db.SetMaxOpenConns(20)
			s.db.SetMaxIdleConns(20)
			s.db.SetConnMaxIdleTime(5 * time.Minute)
		}
	case databaseURL == "" || strings.HasPrefix(databaseURL, "sqlite:"):
		s.dialect = SQLite
		path := strings.TrimPrefix(strings.TrimPrefix(databaseURL, "sqlite:"), "//")
		if path == "" {
			if err := os.MkdirAll(dataDir, 0o700); err != nil {
				return nil, fmt.Errorf("create data dir: %w", err)
			}
			path = filepath.Join(dataDir, "crmsync.db")
		}
		s.db, err = sqlx.Open("sqlite", sqliteDSN(path))
		if err == nil {
			// One writer at a time is SQLite's rule; WAL lets readers go on meanwhile. Immediate
			// transactions take the write lock up front, so two writers queue on busy_timeout instead of
			// failing with SQLITE_BUSY when a read turns into a write. Our own writers queue on s.writer.
			s.db.SetMaxOpenConns(16)
			s.db.SetMaxIdleConns(16)
			s.writer = make(chan struct{}, 1)
		}
	default:
		return nil, fmt.Errorf("open database: unsupported database URL %q (use postgres://… or leave it empty for SQLite)", redact(databaseURL))
	}
	if err != nil {
		return nil, fmt.Errorf("open %s database: %w", s.dialect, err)
	}
	pingCtx, cancel := context.WithTimeout(ctx, 15*time.Second)
	defer cancel()
	if err := s.db.PingContext(pingCtx); err != nil {
		s.db.Close()
		return nil, fmt.Errorf("connect to %s database: %w", s.dialect, err)
	}
	return s, nil
}

// openPostgres opens the pool, with the password hook when there is one.
func (s *Store) openPostgres(databaseURL string) (*sqlx.DB, error) {
	if s.password == nil {
		return sqlx.Open("pgx", databaseURL)
	}
	cfg, err := pgx.ParseConfig(databaseURL)
	if err != nil {
		return nil, fmt.Errorf("parse database URL %s: %w", redact(databaseURL), err)
	}
	password := s.password
	db := stdlib.OpenDB(*cfg, stdlib.OptionBeforeConnect(func(ctx context.Context, c *pgx.ConnConfig) error {
		pw, err := password(ctx)
		if err != nil {
			return fmt.Errorf("database password: %w", err)
		}
		c.Password = pw
		return nil
	}))
	return sqlx.NewDb(db, "pgx"), nil
}

func sqliteDSN(path string) string {
	return "file:" + path + "?_pragma=journal_mode(WAL)&_pragma=busy_timeout(10000)&_pragma=foreign_keys(1)" +
		"&_pragma=synchronous(NORMAL)&_txlock=immediate&_time_format=sqlite"
}

// redact hides a password in a database URL before it reaches a message.
func redact(u string) string {
	if at := strings.LastIndex(u, "@"); at > 0 {
		if scheme := strings.Index(u, "://"); scheme > 0 && scheme < at {
			return u[:scheme+3] + "…@" + u[at+1:]
		}
	}
	return u
}

// Dialect tells which database the store runs on.
func (s *Store) Dialect() Dialect { return s.dialect }

// DB exposes the pool to packages that share the database, such as the job queue.
func (s *Store) DB() *sql.DB { return s.db.DB }

// Close closes the pool.
func (s *Store) Close() error { return s.db.Close() }

// Ping checks that the database answers.
func (s *Store) Ping(ctx context.Context) error {
	if err := s.db.PingContext(ctx); err != nil {
		return fmt.Errorf("ping database: %w", err)
	}
	var one int
	if err := s.db.GetContext(ctx, &one, "SELECT 1"); err != nil {
		return fmt.Errorf("query database: %w", err)
	}
	return nil
}

// Migrate applies the embedded migrations that have not run yet. On PostgreSQL a session lock keeps
// replicas that start together from migrating at once.
func (s *Store) Migrate(ctx context.Context) error { return s.MigrateTo(ctx, 0) }

// MigrateTo applies the embedded migrations up to and including version (0: all of them); tests use it to
// check what a migration does to data that existed before it.
func (s *Store) MigrateTo(ctx context.Context, version int64) error {
	sub, err := fs.Sub(migrations, "migrations/"+string(s.dialect))
	if err != nil {
		return fmt.Errorf("migrations for %s: %w", s.dialect, err)
	}
	var opts []goose.ProviderOption
	dialect := goose.DialectSQLite3
	if s.dialect == Postgres {
		dialect = goose.DialectPostgres
		locker, err := lock.NewPostgresSessionLocker()
		if err != nil {
			return fmt.Errorf("migration lock: %w", err)
		}
		opts = append(opts, goose.WithSessionLocker(locker))
	}
	p, err := goose.NewProvider(dialect, s.db.DB, sub, opts...)
	if err != nil {
		return fmt.Errorf("migrations: %w", err)
	}
	if version > 0 {
		_, err = p.UpTo(ctx, version)
	} else {
		_, err = p.Up(ctx)
	}
	if err != nil {
		return fmt.Errorf("apply migrations: %w", err)
	}
	return nil
}

// acquireWriter waits for the SQLite write slot (a no-op on PostgreSQL) and returns its release.
func (s *Store) acquireWriter(ctx context.Context) (func(), error) {
	if s.writer == nil {
		return func() {}, nil
	}
	select {
	case s.writer <- struct{}{}:
		return func() { <-s.writer }, nil
	case <-ctx.Done():
		return nil, fmt.Errorf("wait to write: %w", ctx.Err())
	}
}

// exec runs one writing statement outside a transaction, through the write slot.
func (s *Store) exec(ctx context.Context, query string, args ...any) (sql.Result, error) {
	release, err := s.acquireWriter(ctx)
	if err != nil {
		return nil, err
	}
	defer release()
	return s.db.ExecContext(ctx, query, args...)
}

// q rewrites ? placeholders for the store's database.
func (s *Store) q(query string) string { return s.db.Rebind(query) }

// isUniqueViolation reports whether err is a unique-constraint failure, by the driver's code: SQLite's
// extended result codes for a UNIQUE or PRIMARY KEY constraint, PostgreSQL's SQLSTATE 23505.
func isUniqueViolation(err error) bool {
	var lite *sqlite.Error
	if errors.As(err, &lite) {
		return lite.Code() == sqlite3.SQLITE_CONSTRAINT_UNIQUE || lite.Code() == sqlite3.SQLITE_CONSTRAINT_PRIMARYKEY
	}
	var pg *pgconn.PgError
	return errors.As(err, &pg) && pg.Code == "23505"
}

// IsDeadlock reports whether err is PostgreSQL aborting a transaction to break a deadlock or a
// serialization failure: the transaction did nothing and may simply run again.
func IsDeadlock(err error) bool {
	var pg *pgconn.PgError
	return errors.As(err, &pg) && (pg.Code == "40P01" || pg.Code == "40001")
}

// notFound turns sql.ErrNoRows into err and passes every other error through wrapped with action.
func notFound(err error, notFoundErr error, action string) error {
	if errors.Is(err, sql.ErrNoRows) {
		return notFoundErr
	}
	return fmt.Errorf("%s: %w", action, err)
}

func isNoRows(err error) bool { return errors.Is(err, sql.ErrNoRows) }
