package postgres

import "github.com/omnigate/omnigate/store/internal/sqlstore"

// migrations are applied in order at Open; index i is schema version i+1. Never
// edit one that has shipped: add another.
var migrations = []string{
	sqlstore.Schema1(sqlstore.Types{
		Key:    `TEXT COLLATE "C"`, // bytewise, as SQLite and Go order strings
		Int:    "BIGINT",
		Bool:   "BOOLEAN",
		Time:   "TIMESTAMPTZ",
		JSON:   "JSON", // not JSONB: JSONB refuses \u0000 in strings
		Serial: "BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY",
	}),
}
