// Package session is Omnigate's shared session model: customers with identities on
// many channels, sessions that hold one customer's interactions across channels,
// interactions with their state machine, agent presence, and the durable events that
// make every change auditable (SPEC §1, S1–S5).
//
// The package is pure: standard library only, no I/O, no clock. Time comes in as an
// argument, so every rule is a table test.
//
// The interaction machine (one edge table, interactionEdges):
//
//	queued  -Offer->        offered
//	queued  -Abandon->      abandoned
//	queued  -Transfer->     queued       (another queue or a personal queue)
//	offered -Accept->       active
//	offered -Decline->      queued       (head of its queue; another agent first)
//	offered -OfferTimedOut-> queued      (head of its queue; the agent goes RONA)
//	offered -Abandon->      abandoned
//	active  -Hold->         held          (also "New contact", S3)
//	held    -Resume->       active
//	active|held -Transfer-> queued        (counts towards the master contact id, S4)
//	active|held -End->      wrapup        (after-call work)
//	active|held -Conference-> conference
//	conference -End->       wrapup
//	wrapup  -WrapUp->       done
//	any open -ForceClose->  closed
//	any open -Interrupt->   interrupted   (its entry point was deleted, W10)
//	interrupted -End->      wrapup
//
// The agent presence machine (agentEdges):
//
//	offline     -Login->          available
//	available   -GoUnavailable->  unavailable
//	available   -OfferMissed->    rona
//	unavailable -GoAvailable->    available
//	unavailable -OfferMissed->    rona
//	rona        -GoAvailable->    available   (only the agent leaves RONA)
//	rona        -GoUnavailable->  unavailable
//	any         -Logout->         offline
//
// A session is complete only when every one of its interactions is in a final state
// (done, abandoned, closed), wrap-up included (S1).
package session
