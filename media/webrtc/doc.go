// Package webrtc is the gateway's WebRTC side: each logged-in agent's browser
// softphone as a media.Leg, built on pion (github.com/pion/webrtc/v4, pinned at
// v4.2.20, the newest this project's proxy resolves).
//
// # A tour
//
// Gateway (gateway.go, config.go). One per process. It binds one UDP port that
// every leg's ICE, DTLS and SRTP share (pion's ICE UDP mux; a mux per connection
// loses packets, pion/ice#518), and builds one pion API: a MediaEngine with PCMU,
// PCMA and telephone-event/8000 only (codecs.go), so a browser cannot pick Opus and
// a PSTN call reaches the agent without transcoding; interceptors for RTCP sender
// and receiver reports and pion's receive statistics, nothing else (no NACK, TWCC or
// simulcast for audio). Config.PublicIPs rewrite the host candidate for 1:1 NAT;
// mDNS is off (browsers' .local candidates are learned as peer-reflexive from their
// checks).
//
// AgentLeg (agentleg.go, negotiation.go). One PeerConnection per agent, nailed up
// for the shift with one sendrecv audio transceiver, PCMU preferred. The gateway is
// always the offerer, non-trickle:
//
//	leg, _ := gw.NewAgentLeg(ctx, "alice")   // offer made, ICE gathered
//	leg.OnStateChange(func(s webrtc.State) { … hand to the owner … })
//	sdp, _ := leg.Offer()                    // → browser
//	err := leg.Answer(browserSDP)            // ← browser; DTLS-SRTP, never SDES
//	out := media.NewOutbound(leg)            // once, for the leg's life
//	br := media.StartBridge(sipOut, out, cfg) // a call: no renegotiation
//	br.Stop()                                // the leg stays up for the next call
//	leg.Close()                              // logout, failure, or a reloaded page
//
// Negotiation states (negotiation.go), serialised by a mutex so a later video
// escalation can add a transceiver and call Offer again:
//
//	stable           -Offer->           have-local-offer
//	have-local-offer -Offer->           have-local-offer (the same offer again)
//	have-local-offer -Answer(ok)->      stable
//	have-local-offer -Answer(refused)-> have-local-offer
//	stable           -Answer->          (invalid) ErrNegotiation
//
// Connection State (state.go) follows pion's PeerConnectionState through one edge
// table, Closed terminal:
//
//	new          -connecting/connected/failed/closed->
//	connecting   -connected/disconnected/failed/closed->
//	connected    -connecting/disconnected/failed/closed->
//	disconnected -connecting/connected/failed/closed->
//	failed       -connecting/connected/closed->          (an ICE restart may revive it)
//	closed       (nothing)
//
// Agent liveness is this State, never RTP: a leg with no call attached sends
// nothing, and an agent on mute may send little (GATEWAY.md §5).
//
// Media (agentleg.go, track.go). A goroutine reads the browser's audio track for the
// leg's whole life and hands packets to ReadRTP through a media.PacketQueue, so
// pion's own buffer never holds minutes of stale audio for the next call and the
// statistics keep counting between calls. WriteRTP goes through sendTrack, our
// TrackLocal: like pion's TrackLocalStaticRTP it keeps the caller's sequence numbers
// and timestamps (media.Outbound owns those) and sets the negotiated SSRC, but it
// keeps telephone-event's payload type instead of stamping the audio one on every
// packet, so DTMF relayed from a SIP caller reaches the browser as DTMF.
//
// Statistics (stats.go). Packet and byte counts are the leg's own; loss and jitter
// of the browser's stream come from pion's statistics interceptor; the browser's
// receiver reports on our stream give RemoteFractionLost and RemoteJitter.
//
// # Signalling over the agent's connection
//
// Messages carry an RTCSessionDescriptionInit ({"type","sdp"}) so the page can hand
// them to setRemoteDescription as they are, plus "leg_id" (AgentLeg.ID) so that an
// answer for a leg that was replaced (the page reloaded) is refused, not applied:
//
//	POST /api/v1/agents/{id}/softphone/offer            → {"type":"offer","sdp":"…","leg_id":"webrtc:alice:7"}
//	POST /api/v1/agents/{id}/softphone/answer  {"type":"answer","sdp":"…","leg_id":"webrtc:alice:7"} → 204
//	WebSocket event (renegotiation the server starts): {"type":"softphone.offer","leg_id":"…","description":{"type":"offer","sdp":"…"}}
//	WebSocket event: {"type":"softphone.state","leg_id":"…","state":"connected"}
//
// The page: setRemoteDescription(offer); getUserMedia({audio:true}); put the track
// on the offered audio transceiver (replaceTrack, direction "sendrecv"); createAnswer;
// setLocalDescription; wait for iceGatheringState "complete"; send
// localDescription.sdp. A page that loads afresh asks for a new offer, which makes a
// new leg: a leg's DTLS identity cannot move to a new RTCPeerConnection.
//
// # Goroutines
//
// Each leg owns four, started in NewAgentLeg and awaited by Close: the track reader,
// one RTCP reader per direction (reading RTCP is what drives pion's report
// interceptors), and the state watcher. pion calls OnTrack and OnConnectionStateChange
// on goroutines of its own; those only hand the event to the leg's goroutines. The
// OnStateChange function runs on the watcher. Close closes the PeerConnection with
// pion's GracefulClose, which waits for pion's goroutines too. Gateway.Close closes
// every leg, then the UDP mux.
//
// Lock order: AgentLeg.negMu, then pion's locks (through pion calls), then
// sendTrack.mu; stateMu and legCounters.mu are leaves.
package webrtc
