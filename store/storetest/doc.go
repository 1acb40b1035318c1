// Package storetest is the one contract every routing.Store passes. Each backend's
// tests call Run with a function that opens a fresh, empty store; the suite is the
// specification of what "a store" means, so a behaviour that matters goes here, not
// into one backend's own tests.
//
// RequirePeer is how a test that needs a real server (PostgreSQL) decides between
// skipping on a developer machine and failing in CI.
package storetest
