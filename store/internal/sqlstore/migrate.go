package sqlstore

import (
	"context"
	"fmt"
	"log/slog"
)

// Migrate brings the schema up to date: migrations[i] is version i+1. It runs in
// one transaction, after lock (a statement that serialises concurrent migrators,
// or "" when the database serialises writers itself), so two nodes starting
// together apply each version once.
func Migrate(ctx context.Context, db DB, lock string, migrations []string, log *slog.Logger) error {
	return inTx(ctx, db, func(tx Tx) error {
		if lock != "" {
			if err := tx.Exec(ctx, lock); err != nil {
				return fmt.Errorf("lock: %w", err)
			}
		}
		if err := tx.Exec(ctx, `CREATE TABLE IF NOT EXISTS schema_migrations (
			version INTEGER PRIMARY KEY,
			applied_at TIMESTAMP NOT NULL)`); err != nil {
			return fmt.Errorf("create schema_migrations: %w", err)
		}
		have, err := collect(ctx, tx, scanOne[int], `SELECT COALESCE(MAX(version), 0) FROM schema_migrations`)
		if err != nil {
			return fmt.Errorf("read version: %w", err)
		}
		from := have[0]
		if from > len(migrations) {
			return fmt.Errorf("schema version %d is newer than this binary (%d)", from, len(migrations))
		}
		for v := from + 1; v <= len(migrations); v++ {
			if err := tx.Exec(ctx, migrations[v-1]); err != nil {
				return fmt.Errorf("migration %d: %w", v, err)
			}
			if err := tx.Exec(ctx, `INSERT INTO schema_migrations (version, applied_at) VALUES ($1, CURRENT_TIMESTAMP)`, v); err != nil {
				return fmt.Errorf("record migration %d: %w", v, err)
			}
		}
		if from < len(migrations) {
			log.Info("store schema migrated", "from", from, "to", len(migrations))
		}
		return nil
	})
}

func scanOne[T any](r Rows) (T, error) {
	var v T
	err := r.Scan(&v)
	return v, err
}
