package media

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"sync"
	"time"

	"github.com/pion/rtp"
)

// maxCatchUp is how many late frames a Player sends at once after a stall; a longer
// stall is skipped (the timestamps jump, the far end hears a gap, not a rush).
const maxCatchUp = 3

// Player writes a Source to a leg, one 20 ms frame per tick, through the leg's
// Outbound: ringback, queue music, hold music. The ticker is drift-corrected: frame n
// is due at start + n·20 ms, so a late tick is made up by the next one instead of
// stretching the stream, and the RTP timestamp always says when a frame was due.
//
// A Player ends when Stop is called, when its Source fails (io.EOF for a source that
// does not loop), or when another writer claims the leg's stream (ErrSuperseded): a
// Bridge taking over the leg silences the Player without waiting for it.
type Player struct {
	w       Writer
	src     Source
	from    Codec // the source's codec when it says, else the leg's
	to      Codec
	pt      uint8
	ssrc    uint32
	seq     uint16
	pkt     rtp.Packet
	payload [FrameSamples]byte

	stop     chan struct{}
	done     chan struct{}
	stopOnce sync.Once
	err      error // set before done is closed
}

// StartPlayer claims out and starts playing src on it. A CodecSource in the other
// G.711 law is transcoded on the fly.
func StartPlayer(out *Outbound, src Source) (*Player, error) {
	to := out.Leg().Codec()
	pt, ok := to.StaticPayloadType()
	if !to.IsAudio() || !ok {
		return nil, fmt.Errorf("player on leg %s: %v: %w", out.Leg().ID(), to, ErrUnsupportedCodec)
	}
	from := to
	if cs, ok := src.(CodecSource); ok {
		from = cs.Codec()
		if !from.IsAudio() {
			return nil, fmt.Errorf("player source in %v: %w", from, ErrUnsupportedCodec)
		}
	}
	p := &Player{
		w:    out.Claim(),
		src:  src,
		from: from,
		to:   to,
		pt:   pt,
		ssrc: rand.Uint32(),
		seq:  uint16(rand.Uint32()),
		stop: make(chan struct{}),
		done: make(chan struct{}),
	}
	go p.run()
	return p, nil
}

// Stop ends playing and returns after the player's goroutine has exited. It is
// idempotent.
func (p *Player) Stop() {
	p.stopOnce.Do(func() { close(p.stop) })
	<-p.done
}

// Done is closed when the player has ended, for whatever reason.
func (p *Player) Done() <-chan struct{} { return p.done }

// Err returns why the player ended on its own (the source's error, ErrSuperseded),
// nil after Stop or while it plays.
func (p *Player) Err() error {
	select {
	case <-p.done:
		return p.err
	default:
		return nil
	}
}

func (p *Player) run() {
	defer close(p.done)
	t := time.NewTicker(FrameDuration)
	defer t.Stop()
	start := time.Now()
	var sent int64 // frames sent or skipped; frame n's timestamp is n·160
	if p.err = p.frame(sent); p.err != nil {
		return
	}
	sent++
	for {
		select {
		case <-p.stop:
			return
		case now := <-t.C:
			due := int64(now.Sub(start)/FrameDuration) + 1
			if due-sent > maxCatchUp {
				sent = due - 1 // skip the backlog: time moved on without us
			}
			for ; sent < due; sent++ {
				if p.err = p.frame(sent); p.err != nil {
					return
				}
			}
		}
	}
}

// frame sends frame n.
func (p *Player) frame(n int64) error {
	size, err := p.src.NextFrame(p.payload[:])
	if err != nil {
		return err
	}
	payload := p.payload[:size]
	Transcode(p.from, p.to, payload)
	p.pkt.Header = rtp.Header{
		Version:        2,
		PayloadType:    p.pt,
		SequenceNumber: p.seq,
		Timestamp:      uint32(n * FrameSamples),
		SSRC:           p.ssrc,
		CSRC:           p.pkt.CSRC[:0],
		Extensions:     p.pkt.Extensions[:0],
	}
	p.pkt.Payload = payload
	p.seq++
	err = p.w.WriteRTP(&p.pkt)
	if errors.Is(err, ErrSuperseded) {
		return err
	}
	// Other write errors (no remote address yet) do not stop the music.
	return nil
}
