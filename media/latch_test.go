package media

import (
	"net/netip"
	"testing"
	"time"
)

func TestLatchTransitions(t *testing.T) {
	t0 := time.Unix(1000, 0)
	sdp := netip.MustParseAddrPort("192.0.2.1:4000")
	nat := netip.MustParseAddrPort("198.51.100.7:31000")
	other := netip.MustParseAddrPort("203.0.113.9:5000")
	const guard = 500 * time.Millisecond
	latched := func(src netip.AddrPort, last time.Time) latch { return latch{ok: true, src: src, last: last} }

	tests := []struct {
		name    string
		from    latch
		src     netip.AddrPort
		at      time.Time
		want    latch
		verdict latchVerdict
	}{
		{"unlatched -packet from NAT address-> latched(nat)", latch{}, nat, t0, latched(nat, t0), latchNew},
		{"unlatched -packet from SDP address-> latched(sdp)", latch{}, sdp, t0, latched(sdp, t0), latchNew},
		{"latched(nat) -packet from nat-> latched(nat)", latched(nat, t0), nat, t0.Add(20 * time.Millisecond), latched(nat, t0.Add(20*time.Millisecond)), latchAccept},
		{"latched(nat) -packet from other, nat active-> ignored", latched(nat, t0), other, t0.Add(guard - 1), latched(nat, t0), latchIgnored},
		{"latched(nat) -packet from SDP address, nat active-> ignored", latched(nat, t0), sdp, t0.Add(10 * time.Millisecond), latched(nat, t0), latchIgnored},
		{"latched(nat) -packet from other, nat quiet for guard-> latched(other)", latched(nat, t0), other, t0.Add(guard), latched(other, t0.Add(guard)), latchNew},
		{"latched(nat) -packet from nat's host, other port-> ignored while active", latched(nat, t0), netip.AddrPortFrom(nat.Addr(), 31002), t0, latched(nat, t0), latchIgnored},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, v := tt.from.next(tt.src, tt.at, guard)
			if got != tt.want || v != tt.verdict {
				t.Errorf("got %+v %v, want %+v %v", got, v, tt.want, tt.verdict)
			}
		})
	}
}
