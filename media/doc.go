// Package media is Omnigate's media plane: RTP ports, legs, the relay between two
// legs, G.711, DTMF, and the audio we play. It knows no queues, agents or SIP
// dialogs; sip/ and cmd/ tell it which legs to connect (STYLE.md: adapters never
// import each other, and media imports none of routing, session, store, api or sip).
//
// # A tour
//
// Codecs (codec.go, g711.go). A Codec is PCMU, PCMA, CN or telephone-event; the G.711
// values equal their static payload types. G.711 is ours, written from the ITU-T
// segment rules: decoding is a 256-entry table, encoding a table indexed by the top
// bits of the sample, and PCMU↔PCMA transcoding a 256-byte table applied in place.
//
// DTMF (rfc4733.go, dtmf.go). DTMFEvent parses and builds the RFC 4733 payload.
// DTMFDetector turns a telephone-event stream into key presses, each reported once:
// it keys events by their RTP timestamp, because the end packet comes three times.
//
// Audio to play (source.go, tone.go, wav.go). A Source yields 20 ms frames in the
// codec it was made for. Clips are immutable and shared (ringback cadences, the hold
// music, WAV prompts); each player reads one through its own Looper.
//
// Configuration (config.go). Config is what cmd/omnigate reads for media: the RTP
// range and address, the media timeout, the ringback cadence and the hold music file.
//
// Ports (portpool.go). PortPool hands out an even RTP port with its RTCP port bound
// beside it, and puts released ports at the back of the line so they rest before
// reuse.
//
// Legs (leg.go, queue.go, rtpleg.go, latch.go, rxstats.go, rtcp.go, quality.go). A
// Leg is one party's media: this package's RTPLeg for SIP, media/webrtc's for pion
// tracks. The per-packet calls take caller-owned packet structs and buffers so the
// relay allocates nothing. A leg reads its socket (or track) on its own goroutine for
// its whole life and hands packets to ReadRTP through a PacketQueue, which keeps only
// fresh audio while nobody reads and holds a burst back while a reader catches up
// (an RTPLeg that a Bridge relays skips the queue: see Sending). So latching,
// statistics and the media timeout work whether or not it is bridged:
//
//	unlatched -packet from any source->        latched(src)
//	latched   -packet from src->               latched(src)
//	latched   -packet from other, src quiet ≥ guard-> latched(other)
//	latched   -packet from other, src active-> latched(src)  (ignored)
//
// It keeps RFC 3550 loss (A.3) and jitter (A.8), reads the far end's RTCP reports,
// and estimates a MOS with a reduced E-model (EstimateMOS).
//
// Sending (outbound.go, player.go, bridge.go). Each leg has one Outbound: the single
// stream its far end hears, with one SSRC and sequence numbers and timestamps that
// never jump back, whoever feeds it. A Player (ringback, music) or a Bridge claims it;
// the newest claim wins. A Bridge relays two legs, rewriting payload types,
// transcoding when the codecs differ and reporting DTMF. From an RTPLeg it relays on
// the leg's own reader goroutine: the reader reads a datagram, ingests it and writes
// it to the other leg in one pass, with no hand-off between goroutines. From any
// other leg (media/webrtc's) it runs a goroutine that loops on ReadRTP.
// Stopping a bridge leaves its legs open: an agent's leg lives the whole shift while
// calls come and go.
//
// A typical inbound call:
//
//	pair, _ := pool.Allocate()
//	leg, _ := media.NewRTPLeg(pair, media.RTPLegConfig{ID: callID, Codec: media.PCMU,
//		DTMFPayloadType: 101, Remote: sdpAddr, OnTimeout: func() { calls.Send(ev) }})
//	out := media.NewOutbound(leg)
//	music, _ := media.NewHoldMusic(leg.Codec())
//	player, _ := media.StartPlayer(out, music)            // queued: music
//	…
//	player.Stop()
//	br := media.StartBridge(out, agentOut, media.BridgeConfig{OnDTMF: onDigit}) // answered
//	…
//	br.Stop()
//	leg.Close()
//
// # Goroutines
//
// RTPLeg owns two (RTP and RTCP readers), stopped and awaited by Close. A Bridge owns
// one per direction whose source is not an RTPLeg, stopped and awaited by Stop; a
// direction from an RTPLeg runs on that leg's reader, and Stop detaches it and waits
// for a call in flight (a mutex the reader holds per packet, uncontended but for
// Stop), so nothing is relayed once Stop returns. A Player owns one, stopped and
// awaited by Stop. Callbacks (OnTimeout, OnDTMF) run on those goroutines and must
// only hand the event to the owner.
//
// # Performance
//
// The relay path (ingest and the direct hand-off to the bridge, or ReadRTP; rewrite,
// transcode, WriteRTP) makes no allocation per packet; BenchmarkRelay and
// BenchmarkRelayRewrite in bench_test.go measure it, and BENCHMARKS.md keeps the
// numbers. On Linux a leg's socket is read with recvmmsg from the runtime poller's
// readiness callback (recv_linux.go), so a packet costs one receive syscall, not a
// receive plus an empty one before the reader parks.
package media
