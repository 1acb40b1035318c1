package media

import (
	"bytes"
	"errors"
	"testing"

	"github.com/pion/rtp"
)

func TestDTMFEventRoundTrip(t *testing.T) {
	tests := []struct {
		wire []byte
		ev   DTMFEvent
	}{
		{[]byte{0x05, 0x0A, 0x00, 0xA0}, DTMFEvent{Event: 5, Volume: 10, Duration: 160}},
		{[]byte{0x0B, 0x8A, 0x03, 0x20}, DTMFEvent{Event: 11, End: true, Volume: 10, Duration: 800}},
		{[]byte{0x00, 0xBF, 0xFF, 0xFF}, DTMFEvent{Event: 0, End: true, Volume: 63, Duration: 65535}},
	}
	for _, tt := range tests {
		var got DTMFEvent
		if err := got.Unmarshal(tt.wire); err != nil || got != tt.ev {
			t.Errorf("Unmarshal(% x) = %+v, %v; want %+v", tt.wire, got, err, tt.ev)
		}
		buf := make([]byte, 8)
		n, err := tt.ev.MarshalTo(buf)
		if err != nil || !bytes.Equal(buf[:n], tt.wire) {
			t.Errorf("MarshalTo(%+v) = % x, %v; want % x", tt.ev, buf[:n], err, tt.wire)
		}
	}
	var ev DTMFEvent
	if err := ev.Unmarshal([]byte{1, 2, 3}); !errors.Is(err, ErrMalformed) {
		t.Errorf("short payload: %v", err)
	}
	if _, err := (DTMFEvent{}).MarshalTo(make([]byte, 3)); !errors.Is(err, ErrMalformed) {
		t.Errorf("short buffer: %v", err)
	}
	// The R bit is ignored on receipt (RFC 4733 §2.3).
	if err := ev.Unmarshal([]byte{1, 0x40 | 7, 0, 1}); err != nil || ev.Volume != 7 || ev.End {
		t.Errorf("R bit: %+v, %v", ev, err)
	}
}

func TestEventDigit(t *testing.T) {
	for ev := range 16 {
		d, ok := EventDigit(uint8(ev))
		if !ok {
			t.Fatalf("event %d: no digit", ev)
		}
		back, ok := DigitEvent(d)
		if !ok || back != uint8(ev) {
			t.Errorf("digit %q → %d, %v", d, back, ok)
		}
	}
	if _, ok := EventDigit(16); ok {
		t.Error("flash (16) reported as a digit")
	}
	if ev, ok := DigitEvent('b'); !ok || ev != 13 {
		t.Errorf("DigitEvent('b') = %d, %v", ev, ok)
	}
	if _, ok := DigitEvent('x'); ok {
		t.Error("DigitEvent('x') accepted")
	}
}

// dtmfPackets is what a phone sends for one key press: three updates and the end
// packet three times, all on the event's start timestamp.
func dtmfPackets(ssrc uint32, seq uint16, ts uint32, digit byte) []*rtp.Packet {
	ev, _ := DigitEvent(digit)
	var out []*rtp.Packet
	for i, d := range []struct {
		dur uint16
		end bool
	}{{160, false}, {320, false}, {480, false}, {640, true}, {640, true}, {640, true}} {
		payload := make([]byte, 4)
		_, _ = DTMFEvent{Event: ev, End: d.end, Volume: 10, Duration: d.dur}.MarshalTo(payload)
		out = append(out, &rtp.Packet{
			Header:  rtp.Header{Version: 2, PayloadType: DefaultDTMFPayloadType, SequenceNumber: seq + uint16(i), Timestamp: ts, SSRC: ssrc, Marker: i == 0},
			Payload: payload,
		})
	}
	return out
}

func TestDTMFDetector(t *testing.T) {
	tests := []struct {
		name    string
		packets []*rtp.Packet
		want    string
	}{
		{"one press, end sent three times -> one digit", dtmfPackets(1, 10, 1000, '5'), "5"},
		{"same key twice -> two digits", append(dtmfPackets(1, 10, 1000, '7'), dtmfPackets(1, 16, 2600, '7')...), "77"},
		{"first packets lost: end only -> one digit", dtmfPackets(1, 10, 1000, '#')[3:], "#"},
		{"late repeat of an older event -> ignored", append(append(dtmfPackets(1, 10, 1000, '1'), dtmfPackets(1, 16, 2600, '2')...), dtmfPackets(1, 10, 1000, '1')[5]), "12"},
		{"new SSRC, same timestamp -> new digit", append(dtmfPackets(1, 10, 1000, '3'), dtmfPackets(2, 10, 1000, '3')...), "33"},
		{"flash (16) -> nothing", func() []*rtp.Packet {
			p := dtmfPackets(1, 1, 1, '0')
			p[0].Payload[0] = 16
			return p[:1]
		}(), ""},
		{"truncated payload -> nothing", []*rtp.Packet{{Header: rtp.Header{Timestamp: 9}, Payload: []byte{1, 2}}}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var d DTMFDetector
			var got []byte
			for _, p := range tt.packets {
				if digit, ok := d.Feed(p); ok {
					got = append(got, digit)
				}
			}
			if string(got) != tt.want {
				t.Errorf("digits %q, want %q", got, tt.want)
			}
		})
	}
}

// FuzzRFC4733 checks that any payload either fails with ErrMalformed or parses into
// an event that marshals back to the same four bytes, R bit aside, and that the
// detector accepts anything.
func FuzzRFC4733(f *testing.F) {
	f.Add([]byte{0x05, 0x0A, 0x00, 0xA0})
	f.Add([]byte{0x0B, 0x8A, 0x03, 0x20, 0xff})
	f.Add([]byte{0xff, 0xff, 0xff, 0xff})
	f.Add([]byte{1, 2, 3})
	f.Add([]byte{})
	f.Fuzz(func(t *testing.T, b []byte) {
		var ev DTMFEvent
		err := ev.Unmarshal(b)
		if len(b) < DTMFEventSize {
			if !errors.Is(err, ErrMalformed) {
				t.Fatalf("short payload % x: err %v", b, err)
			}
			return
		}
		if err != nil {
			t.Fatalf("payload % x: %v", b, err)
		}
		if ev.Volume > 63 {
			t.Fatalf("volume %d out of range", ev.Volume)
		}
		out := make([]byte, DTMFEventSize)
		if _, err := ev.MarshalTo(out); err != nil {
			t.Fatal(err)
		}
		want := []byte{b[0], b[1] &^ 0x40, b[2], b[3]}
		if !bytes.Equal(out, want) {
			t.Fatalf("% x → %+v → % x", b[:4], ev, out)
		}
		var d DTMFDetector
		p := &rtp.Packet{Header: rtp.Header{Timestamp: 1}, Payload: b}
		digit, ok := d.Feed(p)
		if ok != (ev.Event < 16) {
			t.Fatalf("event %d: reported %v", ev.Event, ok)
		}
		if ok {
			if _, again := d.Feed(p); again {
				t.Fatal("same packet reported twice")
			}
			if want, _ := EventDigit(ev.Event); digit != want {
				t.Fatalf("digit %q, want %q", digit, want)
			}
		}
	})
}
