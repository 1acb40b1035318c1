// Package sqlite is Omnigate's embedded store: one file, omnigate.db, in the data
// directory, through the pure-Go modernc.org/sqlite driver (no cgo).
//
// The file runs in WAL mode with synchronous=FULL, so a committed change survives
// not only a killed process (WAL alone gives that) but also an OS crash or power
// loss. Writes go through one connection, whose transactions begin IMMEDIATE, so
// writers queue in Go instead of failing with SQLITE_BUSY; reads use a separate
// small pool of read-only connections that WAL lets run beside the writer, each
// read transaction seeing one snapshot.
//
// Times in indexed columns are integer Unix microseconds; the full rows are codec
// JSON in TEXT columns. The queries themselves live in store/internal/sqlstore and
// are shared with the PostgreSQL store; migrations.go holds this backend's DDL.
package sqlite
