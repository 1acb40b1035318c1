// Package storetest is the one contract every routing.Store passes. Each backend's
// tests call Run with a function that opens a fresh, empty store; the suite is the
// specification of what "a store" means, so a behaviour that matters goes here, not
// into one backend's own tests.
//
// A backend test that needs a real server (PostgreSQL) uses testkit.RequirePeer: it
// skips on a developer machine without the server and fails in CI.
package storetest
