package sqlite

import (
	"context"
	"database/sql"

	"github.com/omnigate/omnigate/store/internal/sqlstore"
)

// stmts holds the commit's statements (sqlstore.WriteStatements) prepared once on
// the writer pool, before any transaction: database/sql keeps each prepared on the
// connection, and a transaction runs it from there, so SQLite parses a statement
// once, not on every write (parsing was the larger part of a commit's CPU). Any
// other text runs unprepared. Nothing is prepared later: the writer pool has one
// connection, which a transaction holds.
type stmts struct{ m map[string]*sql.Stmt }

func prepareWrites(ctx context.Context, pool *sql.DB) (*stmts, error) {
	c := &stmts{m: map[string]*sql.Stmt{}}
	for _, q := range sqlstore.WriteStatements() {
		st, err := pool.PrepareContext(ctx, q)
		if err != nil {
			c.close()
			return nil, err
		}
		c.m[q] = st
	}
	return c, nil
}

func (c *stmts) close() {
	for _, st := range c.m {
		_ = st.Close()
	}
}

// querier is what *sql.DB and *sql.Tx share.
type querier interface {
	ExecContext(ctx context.Context, q string, args ...any) (sql.Result, error)
	QueryContext(ctx context.Context, q string, args ...any) (*sql.Rows, error)
}

// conn gives database/sql the shape sqlstore runs on: on the pool, or inside tx.
type conn struct {
	q  querier
	st *stmts  // nil: no cache
	tx *sql.Tx // nil: the pool
}

func (c conn) Exec(ctx context.Context, q string, args ...any) error {
	if st := c.prepared(ctx, q); st != nil {
		_, err := st.ExecContext(ctx, args...)
		return err
	}
	_, err := c.q.ExecContext(ctx, q, args...)
	return err
}

func (c conn) Query(ctx context.Context, q string, args ...any) (sqlstore.Rows, error) {
	r, err := c.q.QueryContext(ctx, q, args...)
	return rows{r}, err
}

// prepared returns q's prepared statement, bound to the transaction if in one; nil
// when q is not one of the prepared ones.
func (c conn) prepared(ctx context.Context, q string) *sql.Stmt {
	if c.st == nil {
		return nil
	}
	st := c.st.m[q]
	if st == nil || c.tx == nil {
		return st
	}
	return c.tx.StmtContext(ctx, st)
}

// db is a pool as a sqlstore.DB.
type db struct {
	conn
	pool *sql.DB
}

// newDB wraps a pool; st, if not nil, has statements prepared on it.
func newDB(pool *sql.DB, st *stmts) db { return db{conn{q: pool, st: st}, pool} }

func (d db) Begin(ctx context.Context) (sqlstore.Tx, error) {
	t, err := d.pool.BeginTx(ctx, nil)
	return tx{conn{q: t, st: d.st, tx: t}, t}, err
}

// tx is a transaction as a sqlstore.Tx.
type tx struct {
	conn
	tx *sql.Tx
}

func (t tx) Commit(context.Context) error   { return t.tx.Commit() }
func (t tx) Rollback(context.Context) error { return t.tx.Rollback() }

// rows is a result set as sqlstore.Rows.
type rows struct{ *sql.Rows }

// Close drops the error: Err reports what went wrong while reading.
func (r rows) Close() { _ = r.Rows.Close() }
