package media

import (
	"net"
	"net/netip"
	"testing"
	"time"
)

// rawSender reaches IPv4 and IPv6 peers from the families of socket a port pool may
// bind: IPv4, IPv6, and dual-stack (IPv4 peers as v4-mapped addresses).
func TestRawSenderAddressFamilies(t *testing.T) {
	cases := []struct {
		name, from, to string
	}{
		{"v4 to v4", "127.0.0.1:0", "127.0.0.1:0"},
		{"v6 to v6", "[::1]:0", "[::1]:0"},
		{"dual-stack to v4", "[::]:0", "127.0.0.1:0"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			src, err := net.ListenUDP("udp", net.UDPAddrFromAddrPort(netip.MustParseAddrPort(c.from)))
			if err != nil {
				t.Fatal(err) // loopback v4 and v6 are on every test machine
			}
			defer src.Close()
			dst, err := net.ListenUDP("udp", net.UDPAddrFromAddrPort(netip.MustParseAddrPort(c.to)))
			if err != nil {
				t.Fatal(err)
			}
			defer dst.Close()
			s := newSender(src)
			if _, raw := s.(*rawSender); !raw {
				t.Fatalf("sender is %T, want *rawSender", s)
			}
			if err := s.send([]byte("hello"), dst.LocalAddr().(*net.UDPAddr).AddrPort()); err != nil {
				t.Fatal(err)
			}
			_ = dst.SetReadDeadline(time.Now().Add(2 * time.Second))
			buf := make([]byte, 16)
			n, _, err := dst.ReadFromUDPAddrPort(buf)
			if err != nil || string(buf[:n]) != "hello" {
				t.Fatalf("received %q, %v", buf[:n], err)
			}
		})
	}
	// An IPv4 socket cannot reach an IPv6 address: a clear error, no send.
	src, err := net.ListenUDP("udp4", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	if err != nil {
		t.Fatal(err)
	}
	defer src.Close()
	if err := newSender(src).send([]byte("x"), netip.MustParseAddrPort("[::1]:9")); err == nil {
		t.Fatal("IPv4 socket sent to an IPv6 address")
	}
}

// The recvmmsg reader decodes IPv6 sources: a leg on an IPv6 address latches to an
// IPv6 peer and relays back to it.
func TestRTPLegIPv6(t *testing.T) {
	base := int(nextPoolBase.Add(2)) - 2
	pool, err := NewPortPool(PortPoolConfig{IP: netip.MustParseAddr("::1"), Min: base, Max: base + 2})
	if err != nil {
		t.Fatal(err)
	}
	leg, err := pool.Allocate()
	if err != nil {
		t.Fatalf("no IPv6 loopback port: %v", err)
	}
	l, err := NewRTPLeg(leg, RTPLegConfig{ID: "v6", Codec: PCMU})
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	peer, err := net.ListenUDP("udp", &net.UDPAddr{IP: net.IPv6loopback})
	if err != nil {
		t.Fatal(err)
	}
	defer peer.Close()
	pkt := []byte{0x80, 0, 0, 1, 0, 0, 0, 160, 0, 0, 0, 7, 0xFF, 0xFF}
	if _, err := peer.WriteToUDPAddrPort(pkt, l.LocalAddr()); err != nil {
		t.Fatal(err)
	}
	want := peer.LocalAddr().(*net.UDPAddr).AddrPort()
	eventually(t, "latched to the IPv6 peer", func() bool { return l.Remote() == want })
}
