package media

import (
	"errors"
	"io"
	"os"
	"testing"
	"time"

	"github.com/pion/rtp"
)

// fill writes an RTP packet with sequence number seq into b.
func fill(b *PacketBuf, seq uint16) *PacketBuf {
	raw := marshalSeed(&rtp.Packet{Header: rtp.Header{Version: 2, SequenceNumber: seq, SSRC: 1}, Payload: []byte{1, 2, 3}})
	b.N = copy(b.Data[:], raw)
	return b
}

func TestPacketQueueKeepsNewestWhenUnread(t *testing.T) {
	q := NewPacketQueue()
	defer q.Close()
	b := q.First()
	for seq := range uint16(20) {
		b = q.Push(fill(b, seq), time.Now()) // nobody reads: never waits
	}
	if q.Dropped() != 13 {
		t.Errorf("dropped %d, want 13 (20 pushed, 7 kept)", q.Dropped())
	}
	var p rtp.Packet
	buf := make([]byte, MaxPacketSize)
	for want := uint16(13); want < 20; want++ {
		if err := q.Read(&p, buf); err != nil || p.SequenceNumber != want {
			t.Fatalf("read seq %d, %v; want %d", p.SequenceNumber, err, want)
		}
	}
}

// A reader that is attached but slower than a burst loses nothing: Push waits for it.
func TestPacketQueueWaitsForBusyReader(t *testing.T) {
	q := NewPacketQueue()
	defer q.Close()
	got := make(chan uint16, 64)
	done := make(chan error, 1)
	go func() {
		var p rtp.Packet
		buf := make([]byte, MaxPacketSize)
		for range 30 {
			if err := q.Read(&p, buf); err != nil {
				done <- err
				return
			}
			got <- p.SequenceNumber
		}
		done <- nil
	}()
	eventually(t, "reader attached", func() bool { return q.lastRead.Load() >= 0 })
	b := q.First()
	for seq := range uint16(30) {
		b = q.Push(fill(b, seq), time.Now())
	}
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	for want := range uint16(30) {
		if s := <-got; s != want {
			t.Fatalf("seq %d, want %d", s, want)
		}
	}
	if q.Dropped() != 0 {
		t.Errorf("dropped %d during a burst with a reader", q.Dropped())
	}
}

func TestPacketQueueReadErrors(t *testing.T) {
	q := NewPacketQueue()
	var p rtp.Packet
	buf := make([]byte, MaxPacketSize)
	b := q.First()
	b = q.Push(fill(b, 1), time.Now().Add(-time.Second)) // stale on arrival
	b = q.Push(fill(b, 2), time.Now())
	if err := q.Read(&p, buf); err != nil || p.SequenceNumber != 2 || q.Dropped() != 1 {
		t.Fatalf("stale packet: read seq %d, %v, dropped %d", p.SequenceNumber, err, q.Dropped())
	}
	b = q.Push(fill(b, 3), time.Now())
	if err := q.Read(&p, make([]byte, 5)); !errors.Is(err, io.ErrShortBuffer) {
		t.Errorf("short buffer: %v", err)
	}
	q.Push(fill(b, 4), time.Now())
	q.SetReadDeadline(time.Now().Add(-time.Millisecond))
	if err := q.Read(&p, buf); !errors.Is(err, os.ErrDeadlineExceeded) {
		t.Errorf("past deadline with a packet waiting: %v", err)
	}
	q.SetReadDeadline(time.Time{})
	if err := q.Read(&p, buf); err != nil || p.SequenceNumber != 4 {
		t.Errorf("after clearing the deadline: seq %d, %v", p.SequenceNumber, err)
	}
	q.Close()
	q.Close()
	if err := q.Read(&p, buf); !errors.Is(err, ErrClosed) {
		t.Errorf("after Close: %v", err)
	}
}
