package store

import (
	"context"
	"database/sql/driver"
	"reflect"

	"github.com/hashicorp/golang-lru/v2/simplelru"
	"modernc.org/sqlite"
)

// SQLite compiles every statement it runs, and modernc's driver compiles each query afresh unless it is
// prepared: compiling was most of what a Track click and a River insert cost (River's insert is a long
// statement). pgx keeps its prepared statements by itself; for SQLite, each connection here keeps the
// statements it ran last, compiled, and runs them again with new arguments.

// stmtsPerConn is how many compiled statements a SQLite connection keeps: more than the store and River
// run over and over; statements built for one call (a list of ids) fall out first.
const stmtsPerConn = 256

// sqliteConnector opens modernc's SQLite connections with a statement cache each.
type sqliteConnector struct{ driver.Connector }

func newSQLiteConnector(dsn string) (driver.Connector, error) {
	c, err := sqlite.NewConnector(dsn)
	if err != nil {
		return nil, err
	}
	return sqliteConnector{c}, nil
}

// Connect opens a connection that keeps its compiled statements.
func (c sqliteConnector) Connect(ctx context.Context) (driver.Conn, error) {
	conn, err := c.Connector.Connect(ctx)
	if err != nil {
		return nil, err
	}
	idle, _ := simplelru.NewLRU[string, driver.Stmt](stmtsPerConn, nil) // fails only for a size below 1
	return &cachingConn{sqliteConn: conn.(sqliteConn), idle: idle}, nil
}

// sqliteConn is what modernc's connections do, all of which a wrapper must pass on (see sqlite.NewConnector).
type sqliteConn interface {
	driver.Conn
	driver.ConnBeginTx
	driver.ConnPrepareContext
	driver.ExecerContext
	driver.QueryerContext
	driver.Pinger
	driver.SessionResetter
	driver.Validator
}

// cachingConn is a SQLite connection that runs the statements it has compiled before without compiling
// them again. A statement in use (rows still open) is out of the cache; a second use meanwhile compiles
// its own. database/sql uses a connection from one goroutine at a time, so it needs no lock.
type cachingConn struct {
	sqliteConn
	idle *simplelru.LRU[string, driver.Stmt]
}

// Unwrap returns modernc's connection (sqlite.Limit and the like look for it).
func (c *cachingConn) Unwrap() driver.Conn { return c.sqliteConn }

// take returns the compiled statement of query, compiling it if no idle one is kept.
func (c *cachingConn) take(ctx context.Context, query string) (driver.Stmt, error) {
	if st, ok := c.idle.Peek(query); ok {
		c.idle.Remove(query)
		return st, nil
	}
	return c.PrepareContext(ctx, query)
}

// give keeps a statement done with for the next run of its query; the least recently used one goes.
func (c *cachingConn) give(query string, st driver.Stmt) {
	if c.idle.Contains(query) {
		_ = st.Close() // a twin compiled while the first was in use: one is enough
		return
	}
	if c.idle.Len() >= stmtsPerConn {
		if _, old, ok := c.idle.RemoveOldest(); ok {
			_ = old.Close()
		}
	}
	c.idle.Add(query, st)
}

// ExecContext runs query with args through its compiled statement.
func (c *cachingConn) ExecContext(ctx context.Context, query string, args []driver.NamedValue) (driver.Result, error) {
	st, err := c.take(ctx, query)
	if err != nil {
		return nil, err
	}
	res, err := st.(driver.StmtExecContext).ExecContext(ctx, args)
	c.give(query, st)
	return res, err
}

// QueryContext runs query with args through its compiled statement, which returns to the cache when the
// rows are closed.
func (c *cachingConn) QueryContext(ctx context.Context, query string, args []driver.NamedValue) (driver.Rows, error) {
	st, err := c.take(ctx, query)
	if err != nil {
		return nil, err
	}
	rows, err := st.(driver.StmtQueryContext).QueryContext(ctx, args)
	if err != nil {
		c.give(query, st)
		return nil, err
	}
	return &cachedRows{sqliteRows: rows.(sqliteRows), done: func() { c.give(query, st) }}, nil
}

// Close closes the kept statements and the connection.
func (c *cachingConn) Close() error {
	for _, st := range c.idle.Values() {
		_ = st.Close()
	}
	c.idle.Purge()
	return c.sqliteConn.Close()
}

// sqliteRows is what modernc's rows do.
type sqliteRows interface {
	driver.Rows
	ColumnTypeDatabaseTypeName(index int) string
	ColumnTypeLength(index int) (length int64, ok bool)
	ColumnTypeNullable(index int) (nullable, ok bool)
	ColumnTypePrecisionScale(index int) (precision, scale int64, ok bool)
	ColumnTypeScanType(index int) reflect.Type
}

// cachedRows gives its statement back once closed (the driver resets it then).
type cachedRows struct {
	sqliteRows
	done func()
}

// Close closes the rows and gives the statement back.
func (r *cachedRows) Close() error {
	err := r.sqliteRows.Close()
	r.done()
	return err
}
