// Package sockets gives a server one owner for its long-lived connections (the
// agents' event WebSockets in api, the customer chat sockets in channels/webchat).
//
// A Tracker runs each connection on the goroutine that serves its request, under a
// context that ends when the tracker closes, and counts it so that closing can wait
// for every connection to end:
//
//	open    -Run->             open (fn runs; counted until it returns)
//	open    -Shutdown->        closing (fn's context ends; Run refuses, calls nothing)
//	closing -last fn returns-> drained (Shutdown returns nil)
//
// Shutdown(ctx) stops waiting when ctx ends; the connections keep ending in the
// background and a later Shutdown or Close waits for them again. Close is Shutdown
// without a bound.
//
// A connection ends itself when the context ends (a WebSocket sends "going away");
// the tracker never touches the connection.
package sockets
