package sqlite

import (
	"context"
	"database/sql"

	"github.com/omnigate/omnigate/store/internal/sqlstore"
)

// querier is what *sql.DB and *sql.Tx share.
type querier interface {
	ExecContext(ctx context.Context, q string, args ...any) (sql.Result, error)
	QueryContext(ctx context.Context, q string, args ...any) (*sql.Rows, error)
}

// conn gives database/sql the shape sqlstore runs on.
type conn struct{ q querier }

func (c conn) Exec(ctx context.Context, q string, args ...any) error {
	_, err := c.q.ExecContext(ctx, q, args...)
	return err
}

func (c conn) Query(ctx context.Context, q string, args ...any) (sqlstore.Rows, error) {
	r, err := c.q.QueryContext(ctx, q, args...)
	return rows{r}, err
}

// db is a pool as a sqlstore.DB.
type db struct {
	conn
	pool *sql.DB
}

func newDB(pool *sql.DB) db { return db{conn{pool}, pool} }

func (d db) Begin(ctx context.Context) (sqlstore.Tx, error) {
	t, err := d.pool.BeginTx(ctx, nil)
	return tx{conn{t}, t}, err
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
