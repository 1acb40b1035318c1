package media

import (
	"errors"
	"io"
	"log/slog"
	"os"
	"sync"
	"sync/atomic"
	"time"

	"github.com/pion/rtp"
)

// maxReadErrors ends a relay direction after this many consecutive read errors that
// are neither a deadline nor a close, so a leg that fails for good cannot spin a core.
const maxReadErrors = 1000

// BridgeConfig configures a Bridge.
type BridgeConfig struct {
	// OnDTMF is called once per key pressed on either leg, with the leg it came from.
	// It runs on the relaying goroutine (an RTPLeg's reader, or the bridge's own for
	// other legs): it must return quickly and must not call Stop (hand the digit to
	// the owner instead).
	OnDTMF func(from Leg, digit byte)
	// Logger gets the bridge's few log lines; nil discards them.
	Logger *slog.Logger
}

// Bridge relays two legs at the RTP level: each direction reads a packet from one leg
// and writes it through the other leg's Outbound. When the source leg is an RTPLeg,
// the leg's own reader goroutine does that inline, right after it read and accepted
// the datagram (one goroutine, no hand-off); any other leg (a WebRTC leg) gets a
// goroutine of the bridge's that loops on ReadRTP. On the way it maps the
// payload types (audio and telephone-event, per leg), transcodes PCMU↔PCMA in place
// when the legs' codecs differ, reports DTMF, and drops what the far leg cannot take
// (comfort noise, telephone-event it did not negotiate).
//
// Stop ends the relay and waits for its goroutines and for any relay call in flight on
// a leg's reader; the legs stay open, because legs outlive bridges. A leg must not be
// read by two bridges at once.
type Bridge struct {
	a, b     *Outbound
	dirs     [2]*direction
	stopping atomic.Bool
	wg       sync.WaitGroup
	stopOnce sync.Once
}

// BridgeStats counts one bridge's traffic per direction.
type BridgeStats struct {
	AToB, BToA DirectionStats
}

// DirectionStats counts one relay direction.
type DirectionStats struct {
	// Relayed counts packets written to the far leg.
	Relayed uint64
	// Filtered counts packets not forwarded: comfort noise, unknown payload types,
	// telephone-event the far leg did not negotiate.
	Filtered uint64
	// WriteErrors counts writes that failed (including ErrSuperseded while another
	// writer held the far leg's stream).
	WriteErrors uint64
	// Digits counts DTMF key presses reported.
	Digits uint64
}

// StartBridge claims both legs' outbound streams and starts relaying a.Leg() ⇄
// b.Leg().
func StartBridge(a, b *Outbound, cfg BridgeConfig) *Bridge {
	log := cfg.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	br := &Bridge{a: a, b: b}
	br.dirs[0] = newDirection(a.Leg(), b, cfg.OnDTMF, log)
	br.dirs[1] = newDirection(b.Leg(), a, cfg.OnDTMF, log)
	for _, d := range br.dirs {
		if src, ok := d.from.(directSource); ok {
			d.direct = src
			src.attachDirect(d)
			continue
		}
		d.buf = make([]byte, MaxPacketSize)
		br.wg.Go(func() { d.run(&br.stopping) })
	}
	return br
}

// directSource is a leg whose reader goroutine can relay a bridge direction itself
// (RTPLeg). attachDirect routes every accepted packet to d.consume instead of ReadRTP;
// detachDirect undoes it and returns only when d is no longer being called.
type directSource interface {
	attachDirect(d *direction)
	detachDirect(d *direction)
}

// Stop ends the relay and returns after its goroutines have exited and no relay call
// is in flight on a leg's reader: once it returns, nothing more is relayed. It leaves
// the legs open and their read deadlines cleared. It is idempotent. It must not be
// called from OnDTMF.
func (br *Bridge) Stop() {
	br.stopOnce.Do(func() {
		br.stopping.Store(true)
		now := time.Now()
		for _, d := range br.dirs {
			if d.direct != nil {
				d.direct.detachDirect(d)
			} else {
				_ = d.from.SetReadDeadline(now)
			}
		}
		br.wg.Wait()
		for _, d := range br.dirs {
			if d.direct == nil {
				_ = d.from.SetReadDeadline(time.Time{})
			}
		}
	})
}

// Stats returns the bridge's counters.
func (br *Bridge) Stats() BridgeStats {
	return BridgeStats{AToB: br.dirs[0].stats(), BToA: br.dirs[1].stats()}
}

// direction is one half of a bridge. Everything but the counters belongs to whoever
// relays it: its goroutine (run), or the source leg's reader (consume) when direct is
// set.
type direction struct {
	from     Leg
	direct   directSource // from, when its reader calls consume; set before start
	to       Writer
	log      *slog.Logger
	onDTMF   func(Leg, byte)
	inAudio  uint8
	outAudio uint8
	inDTMF   uint8 // 0: none
	outDTMF  uint8 // 0: none
	fromC    Codec
	toC      Codec
	det      DTMFDetector

	pkt rtp.Packet
	buf []byte // run's read buffer; a direct direction relays in the leg's and has none

	relayed, filtered, writeErrs, digits atomic.Uint64
}

func newDirection(from Leg, to *Outbound, onDTMF func(Leg, byte), log *slog.Logger) *direction {
	d := &direction{
		from:    from,
		to:      to.Claim(),
		log:     log.With(logLegID, from.ID()),
		onDTMF:  onDTMF,
		inDTMF:  from.DTMFPayloadType(),
		outDTMF: to.Leg().DTMFPayloadType(),
		fromC:   from.Codec(),
		toC:     to.Leg().Codec(),
	}
	d.inAudio, _ = d.fromC.StaticPayloadType()
	d.outAudio, _ = d.toC.StaticPayloadType()
	return d
}

func (d *direction) stats() DirectionStats {
	return DirectionStats{
		Relayed:     d.relayed.Load(),
		Filtered:    d.filtered.Load(),
		WriteErrors: d.writeErrs.Load(),
		Digits:      d.digits.Load(),
	}
}

func (d *direction) run(stopping *atomic.Bool) {
	errs := 0
	for !stopping.Load() {
		err := d.from.ReadRTP(&d.pkt, d.buf)
		if err != nil {
			switch {
			case stopping.Load():
				return
			case errors.Is(err, ErrClosed), errors.Is(err, io.EOF):
				d.log.Debug("relay source closed")
				return
			}
			if errs++; errs >= maxReadErrors {
				d.log.Warn("relay stopped after repeated read errors", "err", err)
				return
			}
			if errors.Is(err, os.ErrDeadlineExceeded) {
				// Someone other than Stop set a deadline; do not spin on it.
				time.Sleep(time.Millisecond)
			}
			continue
		}
		errs = 0
		d.relay(&d.pkt)
	}
}

// consume relays one datagram the source leg accepted earlier and queued (valid RTP
// of a negotiated payload type), when the direction takes over from ReadRTP. The
// payload is rewritten in place in data, which the leg reuses once consume returns.
func (d *direction) consume(data []byte) {
	if d.pkt.Unmarshal(data) != nil {
		return // the leg validated it; cannot happen
	}
	d.relay(&d.pkt)
}

// relayParsed relays a packet whose header the source leg's reader has just parsed
// (RTPLeg.ingest), with its payload (padding excluded) still in the leg's buffer;
// like consume, but without parsing the header again. Outbound drops padding anyway.
func (d *direction) relayParsed(h *rtp.Header, payload []byte) {
	d.pkt.Header = *h
	d.pkt.Payload = payload
	d.relay(&d.pkt)
}

// relay forwards one packet: the whole per-packet work of a bridge, without I/O.
func (d *direction) relay(p *rtp.Packet) {
	switch pt := p.PayloadType; {
	case pt == d.inAudio:
		if d.fromC != d.toC {
			Transcode(d.fromC, d.toC, p.Payload)
		}
		p.PayloadType = d.outAudio
	case d.inDTMF != 0 && pt == d.inDTMF:
		if digit, ok := d.det.Feed(p); ok {
			d.digits.Add(1)
			if d.onDTMF != nil {
				d.onDTMF(d.from, digit)
			}
		}
		if d.outDTMF == 0 {
			d.filtered.Add(1)
			d.to.Drop()
			return
		}
		p.PayloadType = d.outDTMF
	default:
		d.filtered.Add(1)
		d.to.Drop()
		return
	}
	if err := d.to.WriteRTP(p); err != nil {
		d.writeErrs.Add(1)
		return
	}
	d.relayed.Add(1)
}
