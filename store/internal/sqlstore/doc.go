// Package sqlstore is the routing.Store that both SQL backends run: every query,
// written once in the SQL that SQLite and PostgreSQL both accept ($n parameters,
// INSERT … ON CONFLICT, partial indexes), over a three-method view of a connection
// (DB, Tx, Rows). A backend supplies that view for its driver, its own DDL as
// migrations, and Close.
//
// Time arguments are passed as time.Time: PostgreSQL stores timestamptz, SQLite
// (opened with _time_integer_format=unix_micro) integer microseconds. Both keep
// exactly the precision codec.Time leaves, so ordering agrees.
//
// The schema is written once too (Schema1), with each dialect's column types
// filled in (Types); Migrate applies a backend's list of versions:
//
//	customers           (id PK, created_at, data)
//	customer_identities (kind, value) PK → customer_id
//	sessions            (id PK, customer_id, state, created_at, data)
//	interactions        (id PK, session_id, customer_id, state, final, queue, agent_id, seq, created_at, data)
//	events              (seq PK assigned by the database, session_id, interaction_id, data)
//	messages            (id PK, interaction_id, seq, data; unique (interaction_id, seq))
//
// data holds the codec JSON of the whole row; the other columns exist to be
// searched and ordered by.
package sqlstore
