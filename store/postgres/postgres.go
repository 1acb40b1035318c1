package postgres

import (
	"context"
	"fmt"
	"log/slog"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/omnigate/omnigate/routing"
	"github.com/omnigate/omnigate/store/internal/sqlstore"
)

// Store is the PostgreSQL routing.Store (see that interface for what each method
// promises). It is safe for concurrent use.
type Store struct {
	*queries // every routing.Store method but Close

	pool *pgxpool.Pool
}

// queries is an alias so the embedded field stays unexported.
type queries = sqlstore.Store

var _ routing.Store = (*Store)(nil)

// migrationLock is the advisory lock key migrations hold ("omnigate" in ASCII).
const migrationLock = 0x6f6d6e6967617465

// Open connects to url (a libpq connection string or URL; pool settings such as
// pool_max_conns are accepted) and migrates the schema in the connection's
// search_path.
func Open(ctx context.Context, url string, log *slog.Logger) (*Store, error) {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	cfg, err := pgxpool.ParseConfig(url)
	if err != nil {
		return nil, fmt.Errorf("postgres: open: %w", err)
	}
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return nil, fmt.Errorf("postgres: open: %w", err)
	}
	w := newDB(pool, pgx.TxOptions{})
	lock := fmt.Sprintf("SELECT pg_advisory_xact_lock(%d)", migrationLock)
	if err := sqlstore.Migrate(ctx, w, lock, migrations, log); err != nil {
		pool.Close()
		return nil, fmt.Errorf("postgres: migrate: %w", err)
	}
	r := newDB(pool, pgx.TxOptions{IsoLevel: pgx.RepeatableRead, AccessMode: pgx.ReadOnly})
	log.Info("store opened", "backend", "postgres", "host", cfg.ConnConfig.Host, "database", cfg.ConnConfig.Database)
	return &Store{queries: sqlstore.New("postgres", w, r), pool: pool}, nil
}

// Close waits for borrowed connections to return and closes the pool.
func (s *Store) Close() error {
	s.pool.Close()
	return nil
}
