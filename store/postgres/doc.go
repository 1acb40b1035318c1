// Package postgres is Omnigate's PostgreSQL store, for deployments that run more
// than one node or already operate PostgreSQL. It uses a pgx connection pool;
// the queries are the ones the embedded store runs (store/internal/sqlstore),
// and migrations.go holds this backend's DDL.
//
// Migrations run at Open in one transaction that first takes a transaction-level
// advisory lock, so nodes starting together apply each version exactly once and
// the later ones wait, then find nothing to do.
//
// Rows are codec JSON in json (not jsonb) columns: json keeps the text as written,
// which accepts every string Go can encode, where jsonb refuses \u0000. Ids and
// other ordered text columns use the "C" collation, so ties break in byte order
// exactly as in SQLite and the in-memory store. Reads that span several queries run
// in one read-only REPEATABLE READ transaction, so they see one snapshot.
package postgres
