// Package memory is a routing.Store kept in maps behind one mutex, for tests and
// benchmarks that should not touch a disk. It passes the same contract suite as
// the SQL stores (store/storetest) and normalises values the same way (times in
// UTC at microsecond precision, empty collections as nil), so a test written
// against it holds against SQLite and PostgreSQL too. Nothing survives Close.
package memory
