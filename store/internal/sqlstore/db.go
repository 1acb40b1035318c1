package sqlstore

import "context"

// Querier runs statements; both a connection pool and a transaction are one.
type Querier interface {
	Exec(ctx context.Context, sql string, args ...any) error
	Query(ctx context.Context, sql string, args ...any) (Rows, error)
}

// Rows is a result set. pgx.Rows satisfies it as is.
type Rows interface {
	Next() bool
	Scan(dest ...any) error
	Err() error
	Close()
}

// Tx is a transaction.
type Tx interface {
	Querier
	Commit(ctx context.Context) error
	Rollback(ctx context.Context) error
}

// DB is a pool that starts transactions. A reading DB's transactions must see one
// consistent snapshot.
type DB interface {
	Querier
	Begin(ctx context.Context) (Tx, error)
}

// inTx runs f in a transaction of db and commits it, or rolls it back if f fails.
func inTx(ctx context.Context, db DB, f func(Tx) error) error {
	tx, err := db.Begin(ctx)
	if err != nil {
		return err
	}
	if err := f(tx); err != nil {
		_ = tx.Rollback(ctx) // the error from f is the one worth reporting
		return err
	}
	return tx.Commit(ctx)
}

// collect scans each row of a single-column-per-value query with scan.
func collect[T any](ctx context.Context, q Querier, scan func(Rows) (T, error), sql string, args ...any) ([]T, error) {
	rows, err := q.Query(ctx, sql, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []T
	for rows.Next() {
		v, err := scan(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, v)
	}
	return out, rows.Err()
}
