package media

import (
	"errors"
	"net"
	"net/netip"
	"strings"
	"sync"
	"testing"
)

func TestPortPoolConfigValidate(t *testing.T) {
	tests := []struct {
		cfg PortPoolConfig
		ok  bool
	}{
		{PortPoolConfig{Min: 10000, Max: 10002}, true},
		{PortPoolConfig{Min: 10001, Max: 10004}, true}, // 10002/10003
		{PortPoolConfig{Min: 10001, Max: 10003}, false},
		{PortPoolConfig{Min: 10000, Max: 10001}, false},
		{PortPoolConfig{Min: 0, Max: 100}, false},
		{PortPoolConfig{Min: 65534, Max: 65537}, false},
		{PortPoolConfig{Min: 20000, Max: 10000}, false},
	}
	for _, tt := range tests {
		err := tt.cfg.Validate()
		if (err == nil) != tt.ok || err != nil && !errors.Is(err, ErrInvalidConfig) {
			t.Errorf("%+v: %v", tt.cfg, err)
		}
	}
}

func TestPortPoolEvenPairsAndExhaustion(t *testing.T) {
	pool := newTestPool(t, 3)
	if pool.Size() != 3 || pool.IP() != netip.MustParseAddr("127.0.0.1") {
		t.Fatalf("size %d ip %v", pool.Size(), pool.IP())
	}
	var pairs []*PortPair
	for range 3 {
		pp, err := pool.Allocate()
		if err != nil {
			t.Fatal(err)
		}
		pairs = append(pairs, pp)
		if pp.Port()%2 != 0 {
			t.Errorf("odd RTP port %d", pp.Port())
		}
		if got := pp.RTP.LocalAddr().(*net.UDPAddr).Port; got != pp.Port() {
			t.Errorf("RTP bound %d, want %d", got, pp.Port())
		}
		if got := pp.RTCP.LocalAddr().(*net.UDPAddr).Port; got != pp.Port()+1 {
			t.Errorf("RTCP bound %d, want %d", got, pp.Port()+1)
		}
		if pp.LocalAddr().Port() != uint16(pp.Port()) {
			t.Errorf("LocalAddr %v", pp.LocalAddr())
		}
	}
	if pool.InUse() != 3 {
		t.Errorf("InUse %d", pool.InUse())
	}
	if _, err := pool.Allocate(); !errors.Is(err, ErrPortsExhausted) {
		t.Fatalf("fourth allocation: %v", err)
	}
	for _, pp := range pairs {
		if err := pp.Release(); err != nil {
			t.Error(err)
		}
		if err := pp.Release(); err != nil { // idempotent
			t.Error(err)
		}
	}
	if pool.InUse() != 0 {
		t.Errorf("InUse %d after release", pool.InUse())
	}
}

func TestPortPoolReleasedGoesToBack(t *testing.T) {
	pool := newTestPool(t, 3)
	a, _ := pool.Allocate()
	b, _ := pool.Allocate()
	first := a.Port()
	a.Release()
	c, err := pool.Allocate() // the third, never-used port comes before the released one
	if err != nil {
		t.Fatal(err)
	}
	if c.Port() == first || c.Port() == b.Port() {
		t.Errorf("got %d right after releasing it", c.Port())
	}
	d, err := pool.Allocate()
	if err != nil {
		t.Fatal(err)
	}
	if d.Port() != first {
		t.Errorf("got %d, want the released %d last", d.Port(), first)
	}
	for _, pp := range []*PortPair{b, c, d} {
		pp.Release()
	}
}

func TestPortPoolSkipsPortsInUse(t *testing.T) {
	// Someone else holds the first RTP port and the second pair's RTCP port. Another
	// process may hold one of them already; then try a fresh pool (bounded).
	var pool *PortPool
	var first, second, third int
	for attempt := 0; ; attempt++ {
		pool = newTestPool(t, 3)
		first, second, third = pool.free[0], pool.free[1], pool.free[2]
		held, ok := holdPorts(first, second+1)
		if ok {
			t.Cleanup(func() {
				for _, c := range held {
					c.Close()
				}
			})
			break
		}
		if attempt == 20 {
			t.Fatal("no pool whose ports could be held for the test")
		}
	}
	pp, err := pool.Allocate()
	if err != nil {
		t.Fatal(err)
	}
	defer pp.Release()
	if pp.Port() != third {
		t.Errorf("allocated %d, want the only free pair %d", pp.Port(), third)
	}
	if _, err := pool.Allocate(); !errors.Is(err, ErrPortsExhausted) || !strings.Contains(err.Error(), "address already in use") {
		t.Errorf("with the rest busy: %v", err)
	}
	if pool.InUse() != 1 {
		t.Errorf("InUse %d", pool.InUse())
	}
}

func TestPortPoolConcurrent(t *testing.T) {
	pool := newTestPool(t, 16)
	var wg sync.WaitGroup
	var mu sync.Mutex
	held := map[int]bool{}
	for range 8 {
		wg.Go(func() {
			for range 50 {
				pp, err := pool.Allocate()
				if errors.Is(err, ErrPortsExhausted) {
					continue
				}
				if err != nil {
					t.Error(err)
					return
				}
				mu.Lock()
				if held[pp.Port()] {
					t.Errorf("port %d handed out twice", pp.Port())
				}
				held[pp.Port()] = true
				mu.Unlock()

				mu.Lock()
				delete(held, pp.Port()) // before Release: then another goroutine may get it
				mu.Unlock()
				pp.Release()
			}
		})
	}
	wg.Wait()
	if pool.InUse() != 0 {
		t.Errorf("InUse %d", pool.InUse())
	}
}

// holdPorts binds every port on 127.0.0.1, or none: ok is false when one was taken.
func holdPorts(ports ...int) ([]*net.UDPConn, bool) {
	var held []*net.UDPConn
	for _, port := range ports {
		c, err := net.ListenUDP("udp", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1), Port: port})
		if err != nil {
			for _, h := range held {
				h.Close()
			}
			return nil, false
		}
		held = append(held, c)
	}
	return held, true
}
