// Package sip is Omnigate's SIP side: trunks in and out, the registrar for agents' desk
// phones, and the call legs between them, on github.com/emiago/sipgo. It knows no
// queues and no RTP: the business side (routing) and the media plane are reached
// through the two small interfaces in iface.go, Calls and Media, which cmd/omnigate
// wires. SIP status codes live here and nowhere else.
//
// # A tour
//
// Configuration (config.go). Config names the listeners, the trunks (identified by
// source prefix and/or digest inbound; a target, transport and credentials outbound),
// the DIDs and the queues they ring, the desk-phone users, and the hard limits.
//
// The guard (guard.go). Every datagram, and every message framed off a TCP or TLS
// stream, is checked before the stack parses it: size, header count and line length,
// Via count, Content-Length framing (RFC 3261 §18.3), the top Via, the stack's own
// parse, version (505), mandatory and single-valued headers (400), method (501/405),
// Request-URI scheme (416) and Require (420). What fails gets a stateless error
// response when it is a request we can address, and is dropped otherwise. What passes
// is handed on in a canonical form: headers unfolded, the whitespace RFC 3261 allows
// around ';' and '=' removed from Via and address headers (sipgo would keep it in
// parameter names), and on UDP ";rport" added to the top Via so that every response
// goes back to the packet's source (Kamailio's force_rport; phones behind NAT need
// it). A stream that loses its framing is closed once the requests it already carried
// are answered; a partial message must complete within Limits.StreamTimeout.
//
// Authentication (digest.go). Digest with qop=auth, MD5, SHA-256 and SHA-512-256
// (RFC 7616/8760), one challenge per configured algorithm. Only HA1 values are kept;
// nonces are HMAC-signed (no state until used) and nonce counts refuse replays. An
// unknown user and a wrong password get the same 401.
//
// The registrar (registrar.go). Bindings keep the Contact and where the REGISTER came
// from (address, transport, connection); expiry math takes the clock as an argument,
// 423 below MinExpires, Expires: 0 and "*" remove. RingDevice sends its INVITE back to
// the source, so phones behind NAT and on TCP are reached through their own flow.
//
// SDP (sdp.go). A strict parser and the offer/answer rules: the first RTP/AVP audio
// stream with PCMU (preferred) or PCMA, telephone-event if offered, the direction
// attribute for hold; other streams are refused with port 0. Unparseable SDP is 400,
// no usable stream 488.
//
// Calls (call.go, leg.go, inbound.go, outbound.go). A Call is what the business side
// holds; each has a leg whose own goroutine owns its signalling. Inbound: an INVITE
// from a trunk to a known DID gets 100 Trying, media is allocated, Calls.Incoming is
// asked, and the business side answers (Answer, after Ringing or EarlyMedia if it
// likes) or hangs up (Hangup: a final response before the answer, BYE after). CANCEL,
// BYE, re-INVITE and UPDATE (refresh, hold, a new media address) are handled by the
// leg, which always answers. Outbound: RingDevice and Dial send an INVITE (with
// digest for trunks), wait for the answer, and cancel by themselves when the caller's
// context ends. Calls.Ended comes exactly once for every call the business side took.
//
// The machine every leg follows (NextCallState; events from either side):
//
//	new       -Ring->   ringing      new|ringing|early -Answer-> answering
//	new       -Early->  early        answering         -Ack->    active
//	ringing   -Ring->   ringing      answering|active  -Bye->    ended
//	ringing   -Early->  early        answering|active  -Timeout-> ended (no ACK, session expired)
//	early     -Ring|Early-> early    new|ringing|early -Cancel|Reject|Timeout-> ended
//
// # Goroutines
//
// Run owns everything: the three serve loops (UDP, TCP, TLS) and every leg's
// goroutine, and it waits for the handlers the stack runs on its own goroutines. When
// Run's context ends, new requests get 503, every leg ends its call (BYE or 503,
// waiting at most a few seconds for answers), the sockets and the stack close, and
// Run returns when all of that has. Stack callbacks (OnCancel, retransmission hooks)
// only close or signal a channel the leg selects on.
//
// Lock order: Server.mu and Server.legsMu are never held together; Call.mu is a leaf.
// No lock is held while calling Calls, Media or the stack.
//
// # Limits and deviations
//
// The guard parses each message once before sipgo parses it again; that double parse
// is the price of answering malformed requests instead of dropping them. Responses
// from the far end on connections we opened (trunks over TCP/TLS) are parsed by sipgo
// alone. The 487 the transaction layer sends for a CANCEL carries a To tag of its own
// choosing rather than the one of our earlier provisional responses. sipgo's RFC 2543
// transaction matching needs a From tag, so a request with neither an RFC 3261 branch
// nor a From tag gets 400. The registrar authenticates every REGISTER, so the RFC
// 4475 registrations that expect 200 get 401 (torture_test.go lists every deviation
// from the corpus manifest with its reason). sipgo writes no UDP message over
// sip.UDPMTUSize-200 bytes; this package raises that process-wide setting so that a
// response to a long request can be sent. There is no 100rel (PRACK), so early media
// is best effort on UDP, and no REFER; DTMF by SIP INFO is acknowledged, not used.
package sip
