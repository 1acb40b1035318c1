// Package store holds Omnigate's implementations of routing.Store, the durable side
// of routing: customers, sessions, interactions, the append-only event log and
// chat messages. This package itself is only this tour.
//
//	store/sqlite     the embedded store: one file in the data directory, WAL,
//	                 synchronous=FULL, no cgo (modernc.org/sqlite)
//	store/postgres   PostgreSQL through a pgx pool, for several nodes
//	store/memory     maps behind a mutex, for tests and benchmarks
//	store/storetest  the contract suite all three pass: storetest.Run
//
// What every backend promises beyond the interface, because the suite checks it:
//
//   - Commit is all or nothing. Customers, sessions and interactions are upserts
//     by id; events and messages are inserts, and a message whose id (or whose
//     seq within its interaction) is taken fails the whole change. The routing
//     engine hands one Commit the changes of several operations at once (group
//     commit), so one Commit is one transaction and one sync however much it holds.
//
// The SQLite store prepares the commit's statements once (sqlstore.WriteStatements)
// and keeps 32 MiB of pages on its writer connection.
//   - Values come back normalised: times in UTC at microsecond precision (the
//     zero time stays zero), empty slices and maps as nil.
//   - Events get a store-assigned Seq that only increases.
//   - Ties in time order break on id, compared bytewise.
//   - The last customer written with an identity owns it (CustomerByIdentity).
//
// Inside, the two SQL stores share everything but their driver glue and column
// types: store/internal/sqlstore holds the queries, the schema and the migration
// runner, and store/internal/codec the JSON each row's data column holds, which
// the memory store's normalisation also comes from. The searchable columns
// (state, queue, agent_id, seq, created_at …) are copies of fields in that JSON.
//
// Adding a field to a session type means adding it to codec's JSON shape; the
// codec's reflection round-trip test fails until then.
package store
