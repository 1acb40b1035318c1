package sip

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"net"
	"net/netip"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"
)

// The RFC 4475 / RFC 5118 torture corpus, sent over UDP and over TCP to a running
// server. It is read from ../shared/sip-torture (never copied into the repository);
// manifest.tsv names every file with its class and the expected behaviour in words,
// and tortureWant turns each into what we check on the wire.

// wireOutcome is what a message should get on one transport.
type wireOutcome struct {
	codes  []int // acceptable status codes of the response; nil: no response at all
	closed bool  // stream: the server closes the connection (after any response)
}

func answer(codes ...int) wireOutcome { return wireOutcome{codes: codes} }

var (
	silent     = wireOutcome{}                                // dropped: no response
	closedConn = wireOutcome{closed: true}                    // stream: closed without a response
	rejectStop = wireOutcome{codes: []int{400}, closed: true} // stream: 400, then closed
)

// tortureCase is a file's expected outcome per transport, and why, when it is not
// simply what the manifest says.
type tortureCase struct {
	udp, tcp  wireOutcome
	deviation string
}

func same(o wireOutcome) tortureCase { return tortureCase{udp: o, tcp: o} }

// tortureWant is the manifest turned into checks. In the torture server a trunk
// covers 127.0.0.0/8, the DIDs user, vivekg and UserB exist and the business side
// answers every call with 486, so a valid INVITE proves it got through parsing, SDP
// negotiation and routing by reaching 486. REGISTERs meet a registrar that
// authenticates everyone, so "accept" is a 401 challenge on the wire (the binding
// rules are checked with credentials in TestParseRegisterTortureContacts).
var tortureWant = map[string]tortureCase{
	// RFC 4475 §3.1.1: valid messages.
	"rfc4475/wsinv.dat":   same(answer(481)), // it carries a To tag: an in-dialog INVITE for no dialog
	"rfc4475/intmeth.dat": same(answer(501)),
	"rfc4475/esc01.dat":   same(answer(404)), // the R-URI user "sips%3Auser%40example.com" is no DID
	"rfc4475/escnull.dat": {udp: answer(401), tcp: answer(401), deviation: "registrar authenticates: 401, binding checked in TestParseRegisterTortureContacts"},
	"rfc4475/esc02.dat":   same(answer(501)),
	"rfc4475/lwsdisp.dat": same(answer(200)),
	"rfc4475/longreq.dat": same(answer(486)),
	// Over TCP the bytes after the REGISTER are a second message (an INVITE without
	// Contact, so 400); over UDP they are ignored.
	"rfc4475/dblreq.dat": {udp: answer(401), tcp: wireOutcome{codes: []int{401, 400}, closed: true},
		deviation: "registrar authenticates: 401 instead of 200. Over TCP the bytes after the REGISTER are an INVITE of their own (400: no Contact) whose Content-Length ends 5 octets early; those break the framing and the connection is closed once both are answered"},
	"rfc4475/semiuri.dat":    same(answer(200)),
	"rfc4475/transports.dat": same(answer(200)),
	"rfc4475/mpart01.dat":    same(answer(405)), // MESSAGE is a method we do not handle
	"rfc4475/unreason.dat":   same(silent),      // a response matching nothing
	"rfc4475/noreason.dat":   same(silent),
	// RFC 4475 §3.1.2: invalid messages.
	"rfc4475/badinv01.dat":   same(answer(400)),
	"rfc4475/clerr.dat":      {udp: answer(400), tcp: closedConn}, // TCP waits for the body, then times out
	"rfc4475/ncl.dat":        {udp: answer(400), tcp: rejectStop},
	"rfc4475/scalar02.dat":   same(answer(400)),
	"rfc4475/scalarlg.dat":   same(silent),
	"rfc4475/quotbal.dat":    same(answer(400)),
	"rfc4475/ltgtruri.dat":   same(answer(400)),
	"rfc4475/lwsruri.dat":    same(answer(400)),
	"rfc4475/lwsstart.dat":   same(answer(400)),
	"rfc4475/trws.dat":       same(answer(400)),
	"rfc4475/escruri.dat":    same(answer(486)), // liberal: the escaped header stays in the URI, never becomes a header
	"rfc4475/baddate.dat":    same(answer(486)), // liberal: Date is ignored
	"rfc4475/regbadct.dat":   {udp: answer(401), tcp: answer(401), deviation: "parsed liberally (the '?Route' becomes a URI header of the Contact); the registrar then challenges instead of 400"},
	"rfc4475/badaspec.dat":   same(answer(400)),
	"rfc4475/baddn.dat":      {udp: answer(400), tcp: closedConn}, // no empty line: TCP waits, then times out
	"rfc4475/badvers.dat":    same(answer(505)),
	"rfc4475/mismatch01.dat": same(answer(400)),
	"rfc4475/mismatch02.dat": same(answer(501)),
	"rfc4475/bigcode.dat":    same(silent),
	// RFC 4475 §3.2–3.4: transaction and application layer.
	"rfc4475/badbranch.dat": same(answer(200)), // RFC 2543 transaction matching
	"rfc4475/insuf.dat":     same(answer(400)),
	"rfc4475/unkscm.dat":    same(answer(416)),
	"rfc4475/novelsc.dat":   same(answer(416)),
	"rfc4475/unksm2.dat":    same(answer(400)),
	"rfc4475/bext01.dat":    same(answer(420)),
	"rfc4475/invut.dat":     same(answer(415)),
	"rfc4475/regaut01.dat":  same(answer(401)),
	"rfc4475/multi01.dat":   same(answer(400)),
	"rfc4475/mcl01.dat":     {udp: answer(400), tcp: rejectStop},
	"rfc4475/bcast.dat":     same(silent),
	"rfc4475/zeromf.dat":    same(answer(200)),
	"rfc4475/cparam01.dat":  {udp: answer(401), tcp: answer(401), deviation: "registrar authenticates: 401 instead of 200; binding checked in TestParseRegisterTortureContacts"},
	"rfc4475/cparam02.dat":  {udp: answer(401), tcp: answer(401), deviation: "registrar authenticates: 401 instead of 200; binding checked in TestParseRegisterTortureContacts"},
	"rfc4475/regescrt.dat":  {udp: answer(401), tcp: answer(401), deviation: "registrar authenticates: 401 instead of 200; binding checked in TestParseRegisterTortureContacts"},
	"rfc4475/sdp01.dat":     same(answer(406)),
	// No Content-Length: over UDP the body is the rest of the datagram; a stream cannot
	// be framed without it.
	"rfc4475/inv2543.dat": {udp: answer(400), tcp: rejectStop,
		deviation: "sipgo's RFC 2543 transaction matching needs a From tag, which this message lacks; the stack answers 400 statelessly (UDP) instead of accepting it"},
	// RFC 5118.
	"rfc5118/ipv6-good.dat":                     {udp: answer(401), tcp: answer(401), deviation: "registrar authenticates: 401 instead of 200"},
	"rfc5118/ipv6-bad.dat":                      same(answer(400)),
	"rfc5118/port-ambiguous.dat":                {udp: answer(401), tcp: answer(401), deviation: "registrar authenticates: 401 instead of 200"},
	"rfc5118/port-unambiguous.dat":              {udp: answer(401), tcp: answer(401), deviation: "registrar authenticates: 401 instead of 200"},
	"rfc5118/via-received-param-with-delim.dat": same(answer(481)), // a BYE for no dialog
	"rfc5118/via-received-param-no-delim.dat":   same(answer(200)),
	"rfc5118/ipv6-in-sdp.dat":                   same(answer(488)), // the IPv6 SDP parses; its only audio codec is G.726
	"rfc5118/mult-ip-in-header.dat":             same(answer(481)),
	"rfc5118/mult-ip-in-sdp.dat":                same(answer(486)),
	"rfc5118/ipv4-mapped-ipv6.dat":              same(answer(488)), // the mapped-address SDP parses; G.726 only
	"rfc5118/ipv6-bug-abnf-3-colons.dat":        same(answer(200)),
	"rfc5118/ipv6-correct-abnf-2-colons.dat":    same(answer(200)),
}

type manifestRow struct{ file, class, expected string }

func readManifest(t *testing.T, dir string) []manifestRow {
	t.Helper()
	f, err := os.Open(filepath.Join(dir, "manifest.tsv"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var rows []manifestRow
	sc := bufio.NewScanner(f)
	header := true
	for sc.Scan() {
		if header {
			header = false
			continue
		}
		cols := strings.Split(sc.Text(), "\t")
		if len(cols) != 6 {
			t.Fatalf("manifest line %q: %d columns", sc.Text(), len(cols))
		}
		rows = append(rows, manifestRow{file: cols[0], class: cols[4], expected: cols[5]})
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	return rows
}

// wire prepares a file for the socket: the RFC 5118 files with bodies declare the
// Content-Length of their LF form, so it is recomputed (the corpus README asks for it).
func wire(file string, b []byte) []byte {
	if !strings.HasPrefix(file, "rfc5118/") {
		return b
	}
	i := bytes.Index(b, []byte("\r\n\r\n"))
	if i < 0 {
		return b
	}
	body := b[i+4:]
	re := regexp.MustCompile(`(?mi)^(Content-Length|l)[ \t]*:[ \t]*\d+`)
	return append(re.ReplaceAll(b[:i+4], []byte("Content-Length: "+strconv.Itoa(len(body)))), body...)
}

// tortureEnv is the server the corpus is sent to.
func tortureEnv(t *testing.T) *testEnv {
	e := newEnv(t, func(c *Config) {
		c.Trunks[0].Addrs = []netip.Prefix{netip.MustParsePrefix("127.0.0.0/8"), netip.MustParsePrefix("::1/128")}
		c.DIDs = map[string]string{"1000": "sales", "user": "torture", "vivekg": "torture", "UserB": "torture"}
		c.Limits.StreamTimeout = 300 * time.Millisecond
	})
	e.calls.setRefuse(ErrBusy)
	return e
}

var probeSeq int

// probe is an OPTIONS whose response tells us the server has read everything sent
// before it on the same socket (the guard answers in order; handlers may be later).
func probe(transport string) ([]byte, string) {
	probeSeq++
	cid := fmt.Sprintf("probe-%d-%d", probeSeq, time.Now().UnixNano())
	msg := "OPTIONS sip:omnigate@127.0.0.1 SIP/2.0\r\n" +
		"Via: SIP/2.0/" + transport + " 127.0.0.1:9;branch=z9hG4bK" + cid + ";rport\r\n" +
		"From: <sip:probe@127.0.0.1>;tag=p\r\nTo: <sip:omnigate@127.0.0.1>\r\nCall-ID: " + cid + "\r\n" +
		"CSeq: 1 OPTIONS\r\nMax-Forwards: 70\r\nContent-Length: 0\r\n\r\n"
	return []byte(msg), cid
}

// rawResponse is a response read off the wire, parsed only as far as the test needs:
// our stateless error responses copy the request's (possibly malformed) headers.
type wireResponse struct {
	code   int
	callID string
}

var (
	statusRe = regexp.MustCompile(`^SIP/2\.0 (\d{3}) `)
	callIDRe = regexp.MustCompile(`(?mi)^(?:Call-ID|i)[ \t]*:[ \t]*(\S+)`)
	clRe     = regexp.MustCompile(`(?mi)^(?:Content-Length|l)[ \t]*:[ \t]*(\d+)`)
)

func parseWireResponse(t *testing.T, b []byte) wireResponse {
	t.Helper()
	m := statusRe.FindSubmatch(b)
	if m == nil {
		t.Fatalf("not a response: %q", b)
	}
	code, _ := strconv.Atoi(string(m[1]))
	r := wireResponse{code: code}
	if c := callIDRe.FindSubmatch(b); c != nil {
		r.callID = string(c[1])
	}
	return r
}

// splitStream cuts a stream into whole messages by Content-Length.
func splitStream(t *testing.T, b []byte) []wireResponse {
	t.Helper()
	var out []wireResponse
	for len(b) > 0 {
		i := bytes.Index(b, []byte("\r\n\r\n"))
		if i < 0 {
			break
		}
		n := 0
		if m := clRe.FindSubmatch(b[:i]); m != nil {
			n, _ = strconv.Atoi(string(m[1]))
		}
		if len(b) < i+4+n {
			break
		}
		out = append(out, parseWireResponse(t, b[:i+4+n]))
		b = b[i+4+n:]
	}
	return out
}

// tortureResult is what happened to one message on one transport.
type tortureResult struct {
	codes  []int // statuses of responses that were not to the probe, first first
	closed bool
}

func (r tortureResult) String() string {
	return fmt.Sprintf("codes=%v closed=%v", r.codes, r.closed)
}

func sendUDP(t *testing.T, addr string, msg []byte, wantResponse bool) tortureResult {
	t.Helper()
	conn, err := net.Dial("udp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	p, pcid := probe("UDP")
	if _, err := conn.Write(msg); err != nil {
		t.Fatal(err)
	}
	if _, err := conn.Write(p); err != nil {
		t.Fatal(err)
	}
	var res tortureResult
	probed := false
	deadline := time.Now().Add(5 * time.Second)
	buf := make([]byte, 1<<16)
	for !probed || (wantResponse && len(res.codes) == 0) {
		conn.SetReadDeadline(deadline)
		n, err := conn.Read(buf)
		if err != nil {
			break
		}
		r := parseWireResponse(t, buf[:n])
		if r.callID == pcid {
			probed = true
			continue
		}
		if r.code >= 200 { // a final response; 100 Trying says nothing
			res.codes = append(res.codes, r.code)
		}
	}
	if !probed {
		t.Errorf("the probe OPTIONS after the message got no answer")
	}
	return res
}

func sendTCP(t *testing.T, addr string, msg []byte, want wireOutcome) tortureResult {
	t.Helper()
	conn, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	if _, err := conn.Write(msg); err != nil {
		t.Fatal(err)
	}
	pcid := ""
	if !want.closed {
		var p []byte
		p, pcid = probe("TCP")
		if _, err := conn.Write(p); err != nil {
			t.Fatal(err)
		}
	}
	var (
		res    tortureResult
		data   []byte
		buf    = make([]byte, 1<<16)
		probed bool
	)
	conn.SetReadDeadline(time.Now().Add(5 * time.Second))
	for {
		n, err := conn.Read(buf)
		data = append(data, buf[:n]...)
		res.codes = res.codes[:0]
		probed = false
		for _, r := range splitStream(t, data) {
			if r.callID == pcid {
				probed = true
				continue
			}
			if r.code >= 200 {
				res.codes = append(res.codes, r.code)
			}
		}
		if err != nil {
			res.closed = errors.Is(err, io.EOF) || errors.Is(err, net.ErrClosed) || strings.Contains(err.Error(), "reset")
			break
		}
		if !want.closed && probed && (want.codes == nil || len(res.codes) > 0) {
			break
		}
	}
	if !want.closed && !probed {
		t.Errorf("the probe OPTIONS after the message got no answer (%v)", res)
	}
	return res
}

// alive checks that the server still answers OPTIONS on both transports.
func alive(t *testing.T, e *testEnv) {
	t.Helper()
	for _, tp := range []string{"udp", "tcp"} {
		p, pcid := probe(strings.ToUpper(tp))
		conn, err := net.Dial(tp, e.srv.Addr(tp).String())
		if err != nil {
			t.Fatal(err)
		}
		conn.Write(p)
		conn.SetReadDeadline(time.Now().Add(5 * time.Second))
		buf := make([]byte, 1<<16)
		n, err := conn.Read(buf)
		conn.Close()
		if err != nil {
			t.Fatalf("server dead on %s after the message: %v", tp, err)
		}
		if r := parseWireResponse(t, buf[:n]); r.code != 200 || r.callID != pcid {
			t.Fatalf("liveness OPTIONS on %s: %q", tp, buf[:n])
		}
	}
}

func checkOutcome(t *testing.T, tp string, got tortureResult, want wireOutcome) {
	t.Helper()
	switch {
	case want.codes == nil && len(got.codes) != 0:
		t.Errorf("%s: got %v, want no response", tp, got)
	case want.codes != nil && (len(got.codes) == 0 || !slices.Contains(want.codes, got.codes[0])):
		t.Errorf("%s: got %v, want one of %v", tp, got, want.codes)
	case want.closed != got.closed:
		t.Errorf("%s: got %v, want closed=%v", tp, got, want.closed)
	}
}

func TestTorture(t *testing.T) {
	dir := tortureDir(t)
	rows := readManifest(t, dir)
	if len(rows) != 61 {
		t.Fatalf("manifest has %d rows, want 61", len(rows))
	}
	listed := map[string]bool{}
	for _, r := range rows {
		listed[r.file] = true
		if _, ok := tortureWant[r.file]; !ok {
			t.Errorf("%s (%s: %s) has no expectation in tortureWant", r.file, r.class, r.expected)
		}
	}
	for f := range tortureWant {
		if !listed[f] {
			t.Errorf("tortureWant names %s, which the manifest does not list", f)
		}
	}
	for _, r := range rows {
		want := tortureWant[r.file]
		t.Run(strings.TrimSuffix(r.file, ".dat"), func(t *testing.T) {
			raw, err := os.ReadFile(filepath.Join(dir, r.file))
			if err != nil {
				t.Fatal(err)
			}
			msg := wire(r.file, raw)
			// One server per transport and file: several files share a Via branch, which
			// a server rightly takes for a retransmission of the same transaction.
			t.Run("udp", func(t *testing.T) {
				e := tortureEnv(t)
				checkOutcome(t, "udp", sendUDP(t, e.udpAddr(), msg, want.udp.codes != nil), want.udp)
				alive(t, e)
			})
			t.Run("tcp", func(t *testing.T) {
				e := tortureEnv(t)
				checkOutcome(t, "tcp", sendTCP(t, e.tcpAddr(), msg, want.tcp), want.tcp)
				alive(t, e)
			})
			if t.Failed() {
				t.Logf("manifest: %s — %s", r.class, r.expected)
			}
			if want.deviation != "" {
				t.Logf("known deviation: %s", want.deviation)
			}
		})
	}
}
