// Package testkit holds the helpers that several packages' tests share: the
// goroutine-leak check for TestMain, a bounded poll on state, a settable clock, an
// engine over a memory store, and the WebSocket client steps the api and webchat
// tests take.
//
// Only _test.go files import it (a test here checks that); it may import routing,
// session and store/memory, and never an adapter (api, channels, sip, media), so any
// package's tests can use it without a cycle.
//
// Every wait is bounded by Timeout and fails the test when it runs out; none sleeps
// for correctness, only to poll state.
package testkit
