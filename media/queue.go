package media

import (
	"io"
	"net/netip"
	"os"
	"sync"
	"sync/atomic"
	"time"

	"github.com/pion/rtp"
	"github.com/pion/transport/v4/deadline"
)

const (
	// MaxPacketSize is the largest RTP packet a leg accepts (an Ethernet MTU).
	MaxPacketSize = 1500
	// queueDepth is how many packets a leg holds for its reader. It is small on
	// purpose: audio nobody read for a few frames is worth less than fresh audio.
	queueDepth = 8
	// maxQueueAge drops queued packets older than this when they are finally read, so
	// a bridge that starts late does not open with a burst of stale audio.
	maxQueueAge = 200 * time.Millisecond
	// readerGrace is how recently Read must have been called for the queue to count
	// as read: a bridge is always either in Read or microseconds out of it.
	readerGrace = 100 * time.Millisecond
	// maxHandOffWait is how long Push waits for a busy reader to free a buffer before
	// it drops the oldest packet; the socket (or pion's track buffer) holds the burst
	// meanwhile.
	maxHandOffWait = 40 * time.Millisecond
)

// PacketBuf is one received datagram on its way from a leg's reader goroutine to
// ReadRTP. Data holds one byte more than MaxPacketSize so that a longer, truncated
// datagram can be told apart.
type PacketBuf struct {
	Data [MaxPacketSize + 1]byte
	N    int
	From netip.AddrPort
	at   time.Time
}

// PacketQueue hands packets from the one goroutine that reads a leg's socket or track
// to whoever calls ReadRTP, without allocating once warm: every buffer is in the
// queue, in the free list, held by the producer, or being copied out by Read. Its
// queueDepth buffers are made as they are first needed (a leg that is relayed
// directly queues nothing and never needs more than the first). It gives a leg
// ReadRTP and SetReadDeadline with the semantics Leg asks for.
//
// When nobody reads (no bridge attached), Push drops the oldest packet at once, so
// the leg keeps being drained and holds only fresh audio. When a reader is attached
// but momentarily behind (a burst after a network stall), Push waits up to 40 ms for
// it instead, leaving the rest of the burst in the socket's buffer.
type PacketQueue struct {
	queue    chan *PacketBuf
	free     chan *PacketBuf
	first    *PacketBuf
	epoch    time.Time
	lastRead atomic.Int64 // ns since epoch of the last Read call
	dl       *deadline.Deadline
	dropped  atomic.Uint64
	timer    *time.Timer // Push's wait; producer only
	bufs     int         // buffers in circulation (made, not released), at most queueDepth; producer only
	closed   chan struct{}
	once     sync.Once
}

// NewPacketQueue returns an empty queue.
func NewPacketQueue() *PacketQueue {
	q := &PacketQueue{
		queue:  make(chan *PacketBuf, queueDepth),
		free:   make(chan *PacketBuf, queueDepth),
		first:  new(PacketBuf),
		epoch:  time.Now(),
		dl:     deadline.New(),
		timer:  time.NewTimer(time.Hour),
		closed: make(chan struct{}),
	}
	q.timer.Stop()
	q.lastRead.Store(-int64(readerGrace))
	q.bufs = 1
	return q
}

// First returns the buffer the producer fills first; call it once.
func (q *PacketQueue) First() *PacketBuf { return q.first }

// Push queues b (filled, with N and From set) and returns the buffer to fill next.
// Only the producer goroutine calls it.
func (q *PacketQueue) Push(b *PacketBuf, now time.Time) *PacketBuf {
	b.at = now
	q.queue <- b // never blocks: the queue holds every buffer there is
	select {
	case nb := <-q.free:
		return nb
	default:
	}
	// Buffers are made when first needed: a leg a bridge relays directly never
	// queues, and keeps one.
	if q.bufs < queueDepth {
		q.bufs++
		return new(PacketBuf)
	}
	if int64(now.Sub(q.epoch))-q.lastRead.Load() < int64(readerGrace) {
		q.timer.Reset(maxHandOffWait)
		select {
		case nb := <-q.free:
			q.timer.Stop()
			return nb
		case <-q.timer.C:
		case <-q.closed:
			q.timer.Stop()
		}
	}
	select {
	case nb := <-q.queue:
		q.dropped.Add(1)
		return nb
	case nb := <-q.free:
		return nb
	}
}

// Read blocks for the next packet and unmarshals it into p, its payload aliasing buf.
// Packets that waited longer than 200 ms are skipped and counted as dropped. It
// returns os.ErrDeadlineExceeded after the read deadline, ErrClosed after Close, and
// io.ErrShortBuffer when buf cannot hold the packet.
func (q *PacketQueue) Read(p *rtp.Packet, buf []byte) error {
	q.lastRead.Store(int64(time.Since(q.epoch)))
	for {
		// Like net.Conn: a passed deadline fails the read even with data waiting.
		select {
		case <-q.dl.Done():
			return os.ErrDeadlineExceeded
		case <-q.closed:
			return ErrClosed
		default:
		}
		select {
		case b := <-q.queue:
			stale := time.Since(b.at) > maxQueueAge
			n := copy(buf, b.Data[:b.N])
			short := n < b.N
			q.free <- b
			switch {
			case stale:
				q.dropped.Add(1)
				continue
			case short:
				return io.ErrShortBuffer
			}
			if p.Unmarshal(buf[:n]) != nil {
				continue // the producer validated it; cannot happen
			}
			return nil
		case <-q.closed:
			return ErrClosed
		case <-q.dl.Done():
			return os.ErrDeadlineExceeded
		}
	}
}

// drainTo hands every queued packet that is still fresh to d, oldest first, and frees
// the buffers; stale ones are counted as dropped. Only the producer calls it, when a
// direct consumer has just taken over from Read (see RTPLeg.relayDirect).
func (q *PacketQueue) drainTo(d *direction, now time.Time) {
	for {
		select {
		case b := <-q.queue:
			if now.Sub(b.at) > maxQueueAge {
				q.dropped.Add(1)
			} else {
				d.consume(b.Data[:b.N])
			}
			q.free <- b
		default:
			return
		}
	}
}

// release lets go of the buffers in the free list, so that a leg a bridge now relays
// directly (and which queues nothing meanwhile) does not keep a queue's worth of
// buffers for the rest of the call; Push makes them again if they are needed. Only
// the producer calls it.
func (q *PacketQueue) release() {
	for {
		select {
		case <-q.free:
			q.bufs--
		default:
			return
		}
	}
}

// SetReadDeadline sets the deadline for Read; the zero time removes it.
func (q *PacketQueue) SetReadDeadline(t time.Time) { q.dl.Set(t) }

// Dropped returns how many packets were thrown away unread.
func (q *PacketQueue) Dropped() uint64 { return q.dropped.Load() }

// Close makes Read return ErrClosed and a waiting Push give up its wait. It is
// idempotent.
func (q *PacketQueue) Close() {
	q.once.Do(func() {
		close(q.closed)
		q.dl.Set(time.Time{})
	})
}
