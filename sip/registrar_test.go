package sip

import (
	"errors"
	"net/netip"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/emiago/sipgo/sip"
)

func dur(d time.Duration) *time.Duration { return &d }

func TestExpiryFor(t *testing.T) {
	const lo, hi, def = time.Minute, time.Hour, 30 * time.Minute
	for _, tc := range []struct {
		name          string
		param, header *time.Duration
		want          time.Duration
		err           error
	}{
		{"nothing asked: default", nil, nil, def, nil},
		{"header", nil, dur(10 * time.Minute), 10 * time.Minute, nil},
		{"contact parameter beats header", dur(5 * time.Minute), dur(10 * time.Minute), 5 * time.Minute, nil},
		{"zero removes", dur(0), dur(10 * time.Minute), 0, nil},
		{"zero header removes", nil, dur(0), 0, nil},
		{"below the minimum is too brief", dur(30 * time.Second), nil, 0, ErrIntervalTooBrief},
		{"the minimum itself is fine", dur(time.Minute), nil, time.Minute, nil},
		{"above the maximum is clamped", dur(10 * time.Hour), nil, hi, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := expiryFor(tc.param, tc.header, def, lo, hi)
			if got != tc.want || !errors.Is(err, tc.err) {
				t.Fatalf("got %v, %v", got, err)
			}
		})
	}
}

func testRegistrar() *registrar {
	cfg := Config{MinExpires: time.Minute, MaxExpires: time.Hour, DefaultExpires: time.Hour, MaxBindings: 2}
	return newRegistrar(&cfg)
}

func contactURI(s string) sip.Uri {
	var u sip.Uri
	if err := sip.ParseUri(s, &u); err != nil {
		panic(err)
	}
	return u
}

func reg(aor, callID string, cseq uint32, header *time.Duration, contacts ...regContact) regRequest {
	return regRequest{aor: aor, callID: callID, cseq: cseq, expires: header, contacts: contacts,
		source: netip.MustParseAddrPort("203.0.113.5:40000"), transport: "UDP"}
}

func TestRegistrarLifecycle(t *testing.T) {
	r := testRegistrar()
	t0 := time.Unix(1_800_000_000, 0)
	phone := regContact{uri: contactURI("sip:bob@10.0.0.5:5060")}

	bs, err := r.apply(reg("bob", "c1", 1, dur(10*time.Minute), phone), t0)
	if err != nil || len(bs) != 1 || !bs[0].Expires.Equal(t0.Add(10*time.Minute)) || bs[0].Source.String() != "203.0.113.5:40000" {
		t.Fatalf("register: %+v %v", bs, err)
	}
	if n := r.count(t0); n != 1 {
		t.Fatalf("count %d", n)
	}
	// A retransmission (same Call-ID, same CSeq) is out of order.
	if _, err := r.apply(reg("bob", "c1", 1, dur(10*time.Minute), phone), t0); !errors.Is(err, ErrOutOfOrder) {
		t.Fatalf("replay: %v", err)
	}
	// A refresh moves the expiry.
	t1 := t0.Add(5 * time.Minute)
	bs, _ = r.apply(reg("bob", "c1", 2, dur(10*time.Minute), phone), t1)
	if len(bs) != 1 || !bs[0].Expires.Equal(t1.Add(10*time.Minute)) {
		t.Fatalf("refresh: %+v", bs)
	}
	// Lapses by the clock.
	if got := r.lookup("bob", t1.Add(10*time.Minute-time.Nanosecond)); len(got) != 1 {
		t.Fatalf("lapsed early: %+v", got)
	}
	if got := r.lookup("bob", t1.Add(10*time.Minute)); len(got) != 0 {
		t.Fatalf("did not lapse: %+v", got)
	}
	if n := r.count(t1.Add(time.Hour)); n != 0 {
		t.Fatalf("count after lapse %d", n)
	}
}

func TestRegistrarRemoveWildcardAndCap(t *testing.T) {
	r := testRegistrar()
	now := time.Unix(1_800_000_000, 0)
	a := regContact{uri: contactURI("sip:bob@10.0.0.5")}
	b := regContact{uri: contactURI("sip:bob@10.0.0.6")}
	c := regContact{uri: contactURI("sip:bob@10.0.0.7")}
	r.apply(reg("bob", "x", 1, nil, a), now)
	r.apply(reg("bob", "y", 1, nil, b), now.Add(time.Second))
	bs, _ := r.apply(reg("bob", "z", 1, nil, c), now.Add(2*time.Second))
	if len(bs) != 2 || bs[0].Contact != "sip:bob@10.0.0.7" || bs[1].Contact != "sip:bob@10.0.0.6" {
		t.Fatalf("cap keeps the newest two: %+v", bs)
	}
	// Expires: 0 on one contact removes it; the same URI written differently matches.
	bs, _ = r.apply(reg("bob", "y", 2, dur(0), regContact{uri: contactURI("sip:bob@10.0.0.6:5060")}), now.Add(3*time.Second))
	if len(bs) != 1 || bs[0].Contact != "sip:bob@10.0.0.7" {
		t.Fatalf("remove one: %+v", bs)
	}
	// "*" needs Expires: 0 and no other contact.
	if _, err := r.apply(regRequest{aor: "bob", wildcard: true, expires: dur(60 * time.Second)}, now); !errors.Is(err, ErrBadRequest) {
		t.Fatalf("wildcard with expires: %v", err)
	}
	if _, err := r.apply(regRequest{aor: "bob", wildcard: true, expires: dur(0), contacts: []regContact{a}}, now); !errors.Is(err, ErrBadRequest) {
		t.Fatalf("wildcard with a contact: %v", err)
	}
	if bs, err := r.apply(regRequest{aor: "bob", wildcard: true, expires: dur(0)}, now.Add(4*time.Second)); err != nil || len(bs) != 0 {
		t.Fatalf("wildcard: %+v %v", bs, err)
	}
	if r.count(now) != 0 {
		t.Fatal("bindings left after *")
	}
}

func TestRegistrarTooBriefChangesNothing(t *testing.T) {
	r := testRegistrar()
	now := time.Unix(1_800_000_000, 0)
	ok := regContact{uri: contactURI("sip:bob@10.0.0.5")}
	brief := regContact{uri: contactURI("sip:bob@10.0.0.6"), expires: dur(10 * time.Second)}
	if _, err := r.apply(reg("bob", "x", 1, nil, ok, brief), now); !errors.Is(err, ErrIntervalTooBrief) {
		t.Fatalf("err %v", err)
	}
	if r.count(now) != 0 {
		t.Fatal("a refused REGISTER changed the bindings")
	}
}

// The RFC 4475 §3.3.12–14 registrations: what is a contact parameter and what is a URI
// parameter, and escaped headers kept in the binding.
func TestParseRegisterTortureContacts(t *testing.T) {
	dir := tortureDir(t)
	for _, tc := range []struct {
		file, contact string
	}{
		{"cparam01.dat", "sip:+19725552222@gw1.example.net"},                     // ;unknownparam is a contact-param
		{"cparam02.dat", "sip:+19725552222@gw1.example.net;unknownparam"},        // inside <>: a URI param, kept
		{"regescrt.dat", "sip:user@example.com?Route=%3Csip:sip.example.com%3E"}, // escaped header kept
	} {
		t.Run(tc.file, func(t *testing.T) {
			b, err := os.ReadFile(filepath.Join(dir, "rfc4475", tc.file))
			if err != nil {
				t.Fatal(err)
			}
			m, err := sip.ParseMessage(b)
			if err != nil {
				t.Fatal(err)
			}
			q, err := parseRegister(m.(*sip.Request), netip.MustParseAddrPort("192.0.2.1:5060"))
			if err != nil {
				t.Fatal(err)
			}
			r := testRegistrar()
			bs, err := r.apply(q, time.Now())
			if err != nil || len(bs) != 1 || bs[0].Contact != tc.contact {
				t.Fatalf("bindings %+v, %v; want contact %s", bs, err, tc.contact)
			}
		})
	}
	// escnull: two distinct contacts, %00 not truncating anything.
	b, _ := os.ReadFile(filepath.Join(dir, "rfc4475", "escnull.dat"))
	m, err := sip.ParseMessage(b)
	if err != nil {
		t.Fatal(err)
	}
	q, err := parseRegister(m.(*sip.Request), netip.MustParseAddrPort("192.0.2.1:5060"))
	if err != nil {
		t.Fatal(err)
	}
	if q.aor != "null-%00-null" {
		t.Fatalf("aor %q", q.aor)
	}
	bs, err := testRegistrar().apply(q, time.Now())
	if err != nil || len(bs) != 2 || bs[0].Contact == bs[1].Contact {
		t.Fatalf("escnull bindings %+v %v", bs, err)
	}
	// unksm2: a To that is not a SIP AOR is a bad request.
	b, _ = os.ReadFile(filepath.Join(dir, "rfc4475", "unksm2.dat"))
	m, _ = sip.ParseMessage(b)
	if _, err := parseRegister(m.(*sip.Request), netip.AddrPort{}); !errors.Is(err, ErrBadRequest) {
		t.Fatalf("unksm2: %v", err)
	}
}

func TestParseSeconds(t *testing.T) {
	for in, want := range map[string]time.Duration{"0": 0, "60": time.Minute, " 3600 ": time.Hour, "99999999999999": (1<<32 - 1) * time.Second} {
		if got, err := parseSeconds(in); err != nil || got != want {
			t.Errorf("%q: %v %v", in, got, err)
		}
	}
	for _, in := range []string{"", "-1", "1.5", "abc"} {
		if _, err := parseSeconds(in); err == nil {
			t.Errorf("%q accepted", in)
		}
	}
}
