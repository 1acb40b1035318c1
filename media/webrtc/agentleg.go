package webrtc

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"github.com/omnigate/omnigate/media"
	"github.com/pion/rtp"
	"github.com/pion/webrtc/v4"
)

const (
	// MaxSDPSize is the largest answer Answer accepts. A browser's audio answer is
	// about 2 KiB; a video escalation adds a few more.
	MaxSDPSize = 64 << 10
	// maxReadErrors stops reading a track after this many consecutive read errors
	// that are not its end, so a track that fails for good cannot spin a core.
	maxReadErrors = 1000
)

// AgentLeg is one agent's softphone: a PeerConnection to the agent's browser, nailed
// up for the whole shift with one sendrecv audio transceiver. Customer calls come and
// go through media.Bridge without renegotiation.
//
// The gateway is always the offerer: Offer, then Answer with the browser's SDP.
// Negotiations are serialised by a mutex, and a new offer is made only from the
// stable state, so a later escalation (a video transceiver) can reuse Offer/Answer.
//
// AgentLeg implements media.Leg: ReadRTP yields what the agent says, WriteRTP sends
// what the agent hears. Its own goroutine reads the browser's track for the leg's
// whole life, bridged or not, so statistics keep counting and pion's buffers never
// fill with stale audio; when nothing is attached nothing is sent, and the agent's
// liveness is ICE and DTLS (State), never the RTP the agent sends.
type AgentLeg struct {
	gw      *Gateway
	id      string
	agentID string
	log     *slog.Logger
	pc      *webrtc.PeerConnection
	tr      *webrtc.RTPTransceiver
	send    *sendTrack

	negMu sync.Mutex // one negotiation at a time; held across Offer and Answer steps

	// Negotiated in Answer, read per packet.
	codec  atomic.Uint32 // media.Codec
	dtmfPT atomic.Uint32

	tracks chan *webrtc.TrackRemote // from OnTrack to the reader goroutine
	nudge  chan struct{}            // pion's connection state changed
	rx     *media.PacketQueue       // reader goroutine → ReadRTP

	stateMu  sync.Mutex
	state    State
	broken   atomic.Bool // an answer failed half-applied: the leg can only fail
	onChange atomic.Pointer[func(State)]

	stats legCounters

	closed    chan struct{}
	closeOnce sync.Once
	closeErr  error
	wg        sync.WaitGroup
}

var _ media.Leg = (*AgentLeg)(nil)

// NewAgentLeg creates the agent's PeerConnection and its first offer: it returns
// once ICE gathering is complete, so Offer then answers at once. ctx bounds the
// creation only; the leg lives until Close (or the Gateway's Close).
func (g *Gateway) NewAgentLeg(ctx context.Context, agentID string) (*AgentLeg, error) {
	id := fmt.Sprintf("webrtc:%s:%d", agentID, g.seq.Add(1))
	pc, err := g.api.NewPeerConnection(webrtc.Configuration{
		BundlePolicy: webrtc.BundlePolicyMaxBundle,
	})
	if err != nil {
		return nil, fmt.Errorf("agent %s peer connection: %w", agentID, err)
	}
	l := &AgentLeg{
		gw:      g,
		id:      id,
		agentID: agentID,
		log:     g.log.With(logAgentID, agentID, logLegID, id),
		pc:      pc,
		send:    newSendTrack("audio", "omnigate"),
		tracks:  make(chan *webrtc.TrackRemote),
		nudge:   make(chan struct{}, 1),
		rx:      media.NewPacketQueue(),
		closed:  make(chan struct{}),
	}
	l.codec.Store(uint32(media.PCMU))
	if err := l.setup(); err != nil {
		l.closeWithoutGateway()
		return nil, fmt.Errorf("agent %s: %w", agentID, err)
	}
	if !g.adopt(l) {
		l.closeWithoutGateway()
		return nil, ErrGatewayClosed
	}
	if _, err := l.offer(ctx); err != nil {
		l.Close()
		return nil, fmt.Errorf("agent %s first offer: %w", agentID, err)
	}
	l.log.Debug("agent leg created")
	return l, nil
}

// setup adds the audio transceiver, registers pion's callbacks and starts the
// leg's goroutines. Callbacks only hand events to those goroutines.
func (l *AgentLeg) setup() error {
	tr, err := l.pc.AddTransceiverFromTrack(l.send, webrtc.RTPTransceiverInit{
		Direction: webrtc.RTPTransceiverDirectionSendrecv,
	})
	if err != nil {
		return fmt.Errorf("audio transceiver: %w", err)
	}
	// PCMU first: a browser answers with the offer's order, and a PSTN call is then
	// relayed without transcoding.
	if err := tr.SetCodecPreferences(audioCodecs); err != nil {
		return fmt.Errorf("codec preferences: %w", err)
	}
	l.tr = tr
	l.pc.OnTrack(func(t *webrtc.TrackRemote, r *webrtc.RTPReceiver) {
		if t.Kind() != webrtc.RTPCodecTypeAudio || r != tr.Receiver() {
			return // a later video transceiver has its own reader
		}
		select {
		case l.tracks <- t:
		case <-l.closed:
		}
	})
	// pion calls this on a new goroutine per change, so reports can overtake each
	// other: the watcher reads the current state instead of the one reported.
	l.pc.OnConnectionStateChange(func(webrtc.PeerConnectionState) { l.poke() })
	l.wg.Add(4)
	go l.watch()
	go l.readLoop()
	go l.rtcpLoop("sender", tr.Sender().Read)
	go l.rtcpLoop("receiver", tr.Receiver().Read)
	return nil
}

// ID names the leg in logs: "webrtc:<agent>:<n>".
func (l *AgentLeg) ID() string { return l.id }

// AgentID returns the agent the leg belongs to.
func (l *AgentLeg) AgentID() string { return l.agentID }

// Codec returns the audio codec the browser's answer chose (PCMU before an answer).
func (l *AgentLeg) Codec() media.Codec { return media.Codec(l.codec.Load()) }

// DTMFPayloadType returns the negotiated telephone-event payload type, 0 if the
// browser did not accept it.
func (l *AgentLeg) DTMFPayloadType() uint8 { return uint8(l.dtmfPT.Load()) }

// State returns the leg's connection state.
func (l *AgentLeg) State() State {
	l.stateMu.Lock()
	defer l.stateMu.Unlock()
	return l.state
}

// OnStateChange sets the function told of every state change, the last one being
// Closed. It runs on the leg's own goroutine, in order: it must return quickly,
// must not block on the leg's owner (hand the event on with a select on the owner's
// done channel), and must not call Close.
func (l *AgentLeg) OnStateChange(fn func(State)) {
	l.onChange.Store(&fn)
}

// poke tells the watcher to look at the connection state again. It never blocks.
func (l *AgentLeg) poke() {
	select {
	case l.nudge <- struct{}{}:
	default:
	}
}

// watch turns pion's connection state reports into State changes.
func (l *AgentLeg) watch() {
	defer l.wg.Done()
	for {
		select {
		case <-l.nudge:
			pcs := l.pc.ConnectionState()
			if l.broken.Load() {
				pcs = webrtc.PeerConnectionStateFailed
			}
			l.apply(pcs)
		case <-l.closed:
			l.apply(webrtc.PeerConnectionStateClosed)
			return
		}
	}
}

func (l *AgentLeg) apply(pcs webrtc.PeerConnectionState) {
	l.stateMu.Lock()
	next, changed := nextState(l.state, pcs)
	l.state = next
	l.stateMu.Unlock()
	if !changed {
		return
	}
	l.log.Info("agent leg state", logState, next.String())
	if fn := l.onChange.Load(); fn != nil && *fn != nil {
		(*fn)(next)
	}
}

// readLoop reads the browser's audio track for the leg's whole life and hands
// accepted packets to ReadRTP. Reading on when nobody is bridged keeps pion's own
// buffer (about a megabyte: minutes of G.711) from filling with stale audio that a
// later call would hear first. A track that ends (renegotiation replaced it) is
// followed by the next one.
func (l *AgentLeg) readLoop() {
	defer l.wg.Done()
	b := l.rx.First()
	var hdr rtp.Header // parsed in place, so its slices are reused
	for {
		var t *webrtc.TrackRemote
		select {
		case t = <-l.tracks:
		case <-l.closed:
			return
		}
		l.log.Debug("browser audio track", "ssrc", uint32(t.SSRC()), "codec", t.Codec().MimeType)
		errs := 0
		for {
			n, _, err := t.Read(b.Data[:])
			if err != nil {
				if l.isClosed() || errors.Is(err, io.EOF) {
					break
				}
				// An unregistered payload type is an error for this packet only
				// (GATEWAY.md §6): count it and read on.
				l.stats.rejected.Add(1)
				if errs++; errs >= maxReadErrors {
					l.log.Warn("browser track read failing, giving up on it", "err", err)
					break
				}
				continue
			}
			errs = 0
			now := time.Now()
			if !l.accept(&hdr, b.Data[:n], now) {
				continue
			}
			b.N = n
			b = l.rx.Push(b, now)
		}
	}
}

// accept checks that a packet is negotiated audio or telephone-event and counts it.
func (l *AgentLeg) accept(hdr *rtp.Header, data []byte, now time.Time) bool {
	if _, err := hdr.Unmarshal(data); err != nil {
		l.stats.rejected.Add(1)
		return false
	}
	audioPT, _ := l.Codec().StaticPayloadType()
	dtmfPT := l.DTMFPayloadType()
	if hdr.PayloadType != audioPT && (dtmfPT == 0 || hdr.PayloadType != dtmfPT) {
		l.stats.rejected.Add(1)
		return false
	}
	l.stats.packetsIn.Add(1)
	l.stats.bytesIn.Add(uint64(len(data)))
	l.stats.lastIn.Store(now.UnixNano())
	return true
}

// ReadRTP returns the next packet from the browser (see media.Leg), as the browser
// numbered it. It blocks until the browser's track has arrived and sends. Packets
// that waited longer than 200 ms are skipped and counted as dropped.
func (l *AgentLeg) ReadRTP(p *rtp.Packet, buf []byte) error {
	return l.rx.Read(p, buf)
}

// SetReadDeadline sets the deadline for ReadRTP only; the leg's own reading of the
// track goes on.
func (l *AgentLeg) SetReadDeadline(t time.Time) error {
	l.rx.SetReadDeadline(t)
	return nil
}

// WriteRTP sends p to the browser (see media.Leg): sequence number and timestamp as
// given, the SSRC of the negotiated sender, and the payload type mapped to the one
// negotiated for the leg's audio codec or telephone-event; any other payload type is
// refused with media.ErrUnsupportedCodec. Before DTLS is up it returns
// media.ErrNoRemote.
func (l *AgentLeg) WriteRTP(p *rtp.Packet) error {
	if l.isClosed() {
		return media.ErrClosed
	}
	if _, err := l.send.writeRTP(p); err != nil {
		return err
	}
	l.stats.packetsOut.Add(1)
	l.stats.bytesOut.Add(uint64(p.MarshalSize()))
	return nil
}

func (l *AgentLeg) isClosed() bool {
	select {
	case <-l.closed:
		return true
	default:
		return false
	}
}

// Close ends the leg: the PeerConnection is closed (pion waits for its own
// goroutines), the leg's goroutines are awaited, the last state reported is Closed.
// ReadRTP and WriteRTP then return media.ErrClosed. It is idempotent and must not be
// called from an OnStateChange function.
func (l *AgentLeg) Close() error {
	l.closeOnce.Do(func() {
		l.closeErr = l.shutdown()
		l.gw.forget(l)
		l.log.Debug("agent leg closed")
	})
	return l.closeErr
}

// closeWithoutGateway closes a leg that was never adopted by the gateway.
func (l *AgentLeg) closeWithoutGateway() {
	l.closeOnce.Do(func() { l.closeErr = l.shutdown() })
}

func (l *AgentLeg) shutdown() error {
	close(l.closed)
	l.rx.Close()
	err := l.pc.GracefulClose()
	l.wg.Wait()
	return err
}
