package sqlite

import "github.com/omnigate/omnigate/store/internal/sqlstore"

// migrations are applied in order at Open; index i is schema version i+1. Never
// edit one that has shipped: add another.
var migrations = []string{
	sqlstore.Schema1(sqlstore.Types{
		Key:    "TEXT", // BINARY collation: bytewise
		Int:    "INTEGER",
		Bool:   "INTEGER",
		Time:   "INTEGER", // Unix microseconds (_time_integer_format=unix_micro)
		JSON:   "TEXT",
		Serial: "INTEGER PRIMARY KEY AUTOINCREMENT", // AUTOINCREMENT: never reused
	}),
}
