package postgres

import (
	"context"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/omnigate/omnigate/store/internal/sqlstore"
)

// querier is what a pgx pool and a pgx transaction share.
type querier interface {
	Exec(ctx context.Context, q string, args ...any) (pgconn.CommandTag, error)
	Query(ctx context.Context, q string, args ...any) (pgx.Rows, error)
}

// conn gives pgx the shape sqlstore runs on.
type conn struct{ q querier }

func (c conn) Exec(ctx context.Context, q string, args ...any) error {
	_, err := c.q.Exec(ctx, q, args...)
	return err
}

func (c conn) Query(ctx context.Context, q string, args ...any) (sqlstore.Rows, error) {
	return c.q.Query(ctx, q, args...)
}

// db is a pool as a sqlstore.DB; opts are its transactions'.
type db struct {
	conn
	pool *pgxpool.Pool
	opts pgx.TxOptions
}

func newDB(pool *pgxpool.Pool, opts pgx.TxOptions) db { return db{conn{pool}, pool, opts} }

func (d db) Begin(ctx context.Context) (sqlstore.Tx, error) {
	t, err := d.pool.BeginTx(ctx, d.opts)
	return tx{conn{t}, t}, err
}

// tx is a transaction as a sqlstore.Tx.
type tx struct {
	conn
	tx pgx.Tx
}

func (t tx) Commit(ctx context.Context) error   { return t.tx.Commit(ctx) }
func (t tx) Rollback(ctx context.Context) error { return t.tx.Rollback(ctx) }
