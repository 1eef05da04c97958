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
	"github.com/jackc/pgx/v5/pgxpool"
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

// Store is the database: its pools, its dialect and the clock used for timestamps.
type Store struct {
	// db reads. On PostgreSQL it writes too (wdb is the same pool).
	db *sqlx.DB
	// wdb writes. On SQLite it is a pool of one connection, the only one that ever writes, which River
	// shares (DB): SQLite has one writer anyway, and when every writer — ours and River's producers,
	// completer, leader election and maintenance — waits for that connection in Go, none of them sleeps
	// in SQLite's busy handler and loses the lock to one that did not sleep, so none times out or fails
	// with SQLITE_BUSY under load, and the lock is handed on at once. Readers use db's connections, which
	// WAL lets read meanwhile.
	wdb     *sqlx.DB
	dialect Dialect
	now     func() time.Time
	url     string // PostgreSQL's, for the pgx pool that listens for River's notifications
	// password, when set, gives the password of every new PostgreSQL connection (an Entra token).
	password func(ctx context.Context) (string, error)
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
		s.dialect, s.url = Postgres, databaseURL
		s.db, err = s.openPostgres(databaseURL)
		if err == nil {
			s.db.SetMaxOpenConns(20)
			s.db.SetMaxIdleConns(20)
			s.db.SetConnMaxIdleTime(5 * time.Minute)
			s.wdb = s.db
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
		s.wdb, s.db, err = openSQLite(path)
	default:
		return nil, fmt.Errorf("open database: unsupported database URL %q (use postgres://… or leave it empty for SQLite)", redact(databaseURL))
	}
	if err != nil {
		return nil, fmt.Errorf("open %s database: %w", s.dialect, err)
	}
	pingCtx, cancel := context.WithTimeout(ctx, 15*time.Second)
	defer cancel()
	// The writer first: its connection turns the file to WAL, which the readers' then find.
	for _, db := range []*sqlx.DB{s.wdb, s.db} {
		if err := db.PingContext(pingCtx); err != nil {
			s.Close()
			return nil, fmt.Errorf("connect to %s database: %w", s.dialect, err)
		}
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

// openSQLite opens the two pools of a SQLite file: the writer's single connection, whose transactions
// take the write lock up front (immediate), and the readers', which may not write (query_only).
// Their connections keep the statements they compiled (stmtcache.go).
func openSQLite(path string) (writer, readers *sqlx.DB, err error) {
	open := func(dsn string, conns int) (*sqlx.DB, error) {
		c, err := newSQLiteConnector(dsn)
		if err != nil {
			return nil, err
		}
		db := sqlx.NewDb(sql.OpenDB(c), "sqlite")
		db.SetMaxOpenConns(conns)
		db.SetMaxIdleConns(conns)
		return db, nil
	}
	if writer, err = open(sqliteDSN(path, "immediate"), 1); err != nil {
		return nil, nil, err
	}
	if readers, err = open(sqliteDSN(path, "deferred")+"&_pragma=query_only(1)", 16); err != nil {
		writer.Close()
		return nil, nil, err
	}
	return writer, readers, nil
}

// sqliteDSN is the file's settings. WAL lets readers go on while the writer writes; busy_timeout only
// matters to a second process on the same file (the writer is alone in this one).
func sqliteDSN(path, txlock string) string {
	return "file:" + path + "?_pragma=journal_mode(WAL)&_pragma=busy_timeout(10000)&_pragma=foreign_keys(1)" +
		"&_pragma=synchronous(NORMAL)&_txlock=" + txlock + "&_time_format=sqlite"
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

// DB exposes the pool that writes to packages that share the database, such as the job queue: on SQLite
// the writer's single connection, which River must share so that it never competes for SQLite's lock.
func (s *Store) DB() *sql.DB { return s.wdb.DB }

// ListenerPool opens a pgx pool on the store's PostgreSQL database (its schema too), whose connections
// River takes for LISTEN, so that a job inserted by any replica wakes the workers at once instead of at
// their next poll. The caller closes it. It is an error on SQLite.
func (s *Store) ListenerPool() (*pgxpool.Pool, error) {
	if s.dialect != Postgres {
		return nil, errors.New("listener pool: only PostgreSQL has LISTEN")
	}
	cfg, err := pgxpool.ParseConfig(s.url)
	if err != nil {
		return nil, fmt.Errorf("listener pool: parse database URL %s: %w", redact(s.url), err)
	}
	cfg.MinConns, cfg.MaxConns = 0, 2
	if password := s.password; password != nil {
		cfg.BeforeConnect = func(ctx context.Context, c *pgx.ConnConfig) error {
			pw, err := password(ctx)
			if err != nil {
				return fmt.Errorf("database password: %w", err)
			}
			c.Password = pw
			return nil
		}
	}
	pool, err := pgxpool.NewWithConfig(context.Background(), cfg)
	if err != nil {
		return nil, fmt.Errorf("listener pool: %w", err)
	}
	return pool, nil
}

// Close closes the pools.
func (s *Store) Close() error {
	var err error
	if s.db != nil {
		err = s.db.Close()
	}
	if s.wdb != nil && s.wdb != s.db {
		err = errors.Join(err, s.wdb.Close())
	}
	return err
}

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
	p, err := goose.NewProvider(dialect, s.wdb.DB, sub, opts...)
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

// exec runs one writing statement outside a transaction, on the writer's pool.
func (s *Store) exec(ctx context.Context, query string, args ...any) (sql.Result, error) {
	return s.wdb.ExecContext(ctx, query, args...)
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
