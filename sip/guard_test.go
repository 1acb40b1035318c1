package sip

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"io"
	"log/slog"
	"math/big"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/emiago/sipgo/sip"
)

func testGuard() *guard {
	c := Config{}
	c.Defaults()
	return newGuard(c.Limits, handledMethods, supportedOptions, slog.New(slog.NewTextHandler(io.Discard, nil)))
}

// sipMsg builds a request from a start line and header lines (CRLF added), with an
// empty line and body.
func sipMsg(start string, headers []string, body string) []byte {
	return []byte(start + "\r\n" + strings.Join(headers, "\r\n") + "\r\n\r\n" + body)
}

func optionsHeaders(extra ...string) []string {
	return append([]string{"Via: SIP/2.0/UDP 192.0.2.1:5060;branch=z9hG4bKabc", "From: <sip:a@example.com>;tag=1", "To: <sip:b@example.com>",
		"Call-ID: c1", "CSeq: 1 OPTIONS", "Max-Forwards: 70", "Content-Length: 0"}, extra...)
}

func replyStatus(v verdict) string {
	if v.reply == nil {
		return ""
	}
	line, _, _ := strings.Cut(string(v.reply), "\r\n")
	return line
}

func TestGuardCheck(t *testing.T) {
	g := testGuard()
	many := func(n int, h string) []string {
		out := optionsHeaders()
		for i := 0; i < n; i++ {
			out = append(out, h)
		}
		return out
	}
	for _, tc := range []struct {
		name   string
		msg    []byte
		reply  string // status line of the stateless reply, "" for none
		passes bool
	}{
		{"valid OPTIONS", sipMsg("OPTIONS sip:b@example.com SIP/2.0", optionsHeaders(), ""), "", true},
		{"tel: Request-URI", sipMsg("OPTIONS tel:+15551234 SIP/2.0", optionsHeaders(), ""), "", true},
		{"Require timer is supported", sipMsg("OPTIONS sip:b@example.com SIP/2.0", optionsHeaders("Require: timer"), ""), "", true},
		{"too large", sipMsg("OPTIONS sip:b@example.com SIP/2.0", optionsHeaders("X: "+strings.Repeat("a", 17000)), ""), "SIP/2.0 513 Message Too Large", false},
		{"too many headers", sipMsg("OPTIONS sip:b@example.com SIP/2.0", many(100, "X-A: 1"), ""), "SIP/2.0 513 Message Too Large", false},
		{"line too long", sipMsg("OPTIONS sip:b@example.com SIP/2.0", optionsHeaders("X: "+strings.Repeat("a", 5000)), ""), "SIP/2.0 513 Message Too Large", false},
		{"too many Via", sipMsg("OPTIONS sip:b@example.com SIP/2.0", many(70, "Via: SIP/2.0/UDP 192.0.2.9;branch=z9hG4bKx"), ""), "SIP/2.0 513 Message Too Large", false},
		{"two Content-Lengths", sipMsg("OPTIONS sip:b@example.com SIP/2.0", optionsHeaders("l: 2"), "ab"), "SIP/2.0 400 Bad Request", false},
		{"Content-Length beyond the datagram", sipMsg("OPTIONS sip:b@example.com SIP/2.0", append(optionsHeaders()[:6], "Content-Length: 10"), "abc"), "SIP/2.0 400 Bad Request", false},
		{"negative Content-Length", sipMsg("OPTIONS sip:b@example.com SIP/2.0", append(optionsHeaders()[:6], "Content-Length: -1"), ""), "SIP/2.0 400 Bad Request", false},
		{"version", sipMsg("OPTIONS sip:b@example.com SIP/3.0", optionsHeaders(), ""), "SIP/2.0 505 Version Not Supported", false},
		{"no Call-ID", sipMsg("OPTIONS sip:b@example.com SIP/2.0", append(optionsHeaders()[:3], "CSeq: 1 OPTIONS", "Content-Length: 0"), ""), "SIP/2.0 400 Bad Request", false},
		{"two CSeq", sipMsg("OPTIONS sip:b@example.com SIP/2.0", optionsHeaders("CSeq: 2 OPTIONS"), ""), "SIP/2.0 400 Bad Request", false},
		{"CSeq method differs", sipMsg("OPTIONS sip:b@example.com SIP/2.0", append(optionsHeaders()[:4], "CSeq: 1 INVITE", "Content-Length: 0"), ""), "SIP/2.0 400 Bad Request", false},
		{"CSeq over 2**31-1", sipMsg("OPTIONS sip:b@example.com SIP/2.0", append(optionsHeaders()[:4], "CSeq: 3000000000 OPTIONS", "Content-Length: 0"), ""), "SIP/2.0 400 Bad Request", false},
		{"unknown method", sipMsg("FROB sip:b@example.com SIP/2.0", append(optionsHeaders()[:4], "CSeq: 1 FROB", "Content-Length: 0"), ""), "SIP/2.0 501 Not Implemented", false},
		{"method we do not handle", sipMsg("SUBSCRIBE sip:b@example.com SIP/2.0", append(optionsHeaders()[:4], "CSeq: 1 SUBSCRIBE", "Content-Length: 0"), ""), "SIP/2.0 405 Method Not Allowed", false},
		{"unsupported scheme", sipMsg("OPTIONS mailto:b@example.com SIP/2.0", optionsHeaders(), ""), "SIP/2.0 416 Unsupported URI Scheme", false},
		{"unsupported extension", sipMsg("OPTIONS sip:b@example.com SIP/2.0", optionsHeaders("Require: foo"), ""), "SIP/2.0 420 Bad Extension", false},
		{"unparseable request", sipMsg("OPTIONS  sip:b@example.com SIP/2.0", optionsHeaders(), ""), "SIP/2.0 400 Bad Request", false},
		{"malformed ACK gets nothing", sipMsg("ACK sip:b@example.com SIP/3.0", append(optionsHeaders()[:4], "CSeq: 1 ACK", "Content-Length: 0"), ""), "", false},
		{"request without Via gets nothing", sipMsg("OPTIONS sip:b@example.com SIP/3.0", optionsHeaders()[1:], ""), "", false},
		{"response passes", sipMsg("SIP/2.0 200 OK", optionsHeaders(), ""), "", true},
		{"malformed response is dropped", sipMsg("SIP/2.0 4294967301 OK", optionsHeaders(), ""), "", false},
		{"no empty line", []byte("OPTIONS sip:b@example.com SIP/2.0\r\n" + strings.Join(optionsHeaders(), "\r\n")), "SIP/2.0 400 Bad Request", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			v := g.check(tc.msg, "198.51.100.7:4000", false)
			if got := replyStatus(v); got != tc.reply || (v.pass != nil) != tc.passes {
				t.Fatalf("reply %q pass %v (%s); want reply %q pass %v", got, v.pass != nil, v.reason, tc.reply, tc.passes)
			}
			if tc.reply != "" && bytes.Contains(tc.msg, []byte("Call-ID: c1")) && !bytes.Contains(v.reply, []byte("Call-ID: c1")) {
				t.Fatalf("reply does not echo the Call-ID:\n%s", v.reply)
			}
		})
	}
}

func TestGuardCanonicalForm(t *testing.T) {
	g := testGuard()
	msg := sipMsg("OPTIONS sip:b@example.com SIP/2.0", []string{
		"Via  : SIP  /  2.0",
		" /UDP 192.0.2.1 ; branch = z9hG4bKabc , SIP/2.0/TCP 192.0.2.2;branch=z9hG4bKdef",
		`From: "A ; B" <sip:a@example.com;lr> ; tag = 1`,
		"To: sip:b@example.com",
		"Call-ID: c1", "CSeq: 1 OPTIONS", "Content-Length: 4"}, "body")
	v := g.check(msg, "198.51.100.7:4000", false)
	if v.pass == nil {
		t.Fatalf("refused: %s", v.reason)
	}
	for _, want := range []string{
		"Via: SIP/2.0/UDP 192.0.2.1;branch=z9hG4bKabc;rport,SIP/2.0/TCP 192.0.2.2;branch=z9hG4bKdef\r\n",
		"From: \"A ; B\" <sip:a@example.com;lr>;tag=1\r\n",
		"\r\n\r\nbody",
	} {
		if !bytes.Contains(v.pass, []byte(want)) {
			t.Errorf("canonical form lacks %q:\n%s", want, v.pass)
		}
	}
	// On a stream the Via is not touched beyond whitespace.
	v = g.check(msg, "198.51.100.7:4000", true)
	if bytes.Contains(v.pass, []byte("rport")) {
		t.Fatalf("rport added on a stream:\n%s", v.pass)
	}
	// An rport already there is kept as it is.
	v = g.check(sipMsg("OPTIONS sip:b@example.com SIP/2.0", append([]string{"Via: SIP/2.0/UDP 192.0.2.1;rport=5;branch=z9hG4bKabc"}, optionsHeaders()[1:]...), ""), "198.51.100.7:4000", false)
	if bytes.Count(v.pass, []byte("rport")) != 1 {
		t.Fatalf("%s", v.pass)
	}
	// Trailing octets after Content-Length are dropped (RFC 3261 §18.3).
	v = g.check(append(sipMsg("OPTIONS sip:b@example.com SIP/2.0", optionsHeaders(), ""), "GARBAGE"...), "198.51.100.7:4000", false)
	if v.pass == nil || bytes.Contains(v.pass, []byte("GARBAGE")) {
		t.Fatalf("%q", v.pass)
	}
}

func TestGuardClosingDropsRequests(t *testing.T) {
	g := testGuard()
	g.closing.Store(true)
	if v := g.check(sipMsg("OPTIONS sip:b@example.com SIP/2.0", optionsHeaders(), ""), "198.51.100.7:4000", false); v.pass != nil || v.reply != nil {
		t.Fatalf("%+v", v)
	}
	if v := g.check(sipMsg("SIP/2.0 200 OK", optionsHeaders(), ""), "198.51.100.7:4000", false); v.pass == nil {
		t.Fatal("a response was dropped while closing")
	}
}

func TestFrameStream(t *testing.T) {
	g := testGuard()
	one := sipMsg("OPTIONS sip:b@example.com SIP/2.0", optionsHeaders(), "")
	body := sipMsg("OPTIONS sip:b@example.com SIP/2.0", append(optionsHeaders()[:6], "Content-Length: 3"), "abc")
	for _, tc := range []struct {
		name       string
		buf        []byte
		skip, n    int
		more       bool
		framingErr string
	}{
		{"whole message", one, 0, len(one), false, ""},
		{"two messages: the first", append(append([]byte{}, one...), one...), 0, len(one), false, ""},
		{"CRLF keep-alives before it", append([]byte("\r\n\r\n"), one...), 4, len(one), false, ""},
		{"headers incomplete", one[:40], 0, 0, true, ""},
		{"body incomplete", body[:len(body)-1], 0, 0, true, ""},
		{"body complete", body, 0, len(body), false, ""},
		{"no Content-Length", sipMsg("OPTIONS sip:b@example.com SIP/2.0", optionsHeaders()[:6], ""), 0, 0, false, "SIP/2.0 400 Bad Request"},
		{"negative Content-Length", sipMsg("OPTIONS sip:b@example.com SIP/2.0", append(optionsHeaders()[:6], "l: -5"), ""), 0, 0, false, "SIP/2.0 400 Bad Request"},
		{"two Content-Lengths", sipMsg("OPTIONS sip:b@example.com SIP/2.0", append(optionsHeaders(), "l: 0"), ""), 0, 0, false, "SIP/2.0 400 Bad Request"},
		{"Content-Length over the limit", sipMsg("OPTIONS sip:b@example.com SIP/2.0", append(optionsHeaders()[:6], "Content-Length: 99999"), ""), 0, 0, false, "SIP/2.0 513 Message Too Large"},
		{"headers never end", bytes.Repeat([]byte("X: y\r\n"), 4000), 0, 0, false, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			skip, n, more, v := g.frameStream(tc.buf)
			if skip != tc.skip || n != tc.n || more != tc.more || replyStatus(v) != tc.framingErr {
				t.Fatalf("skip %d n %d more %v reply %q (%s)", skip, n, more, replyStatus(v), v.reason)
			}
			if !more && n == 0 && !v.close {
				t.Fatal("a framing error must close the stream")
			}
		})
	}
}

// streamEnv starts a server with short stream limits for the socket-level tests.
func streamEnv(t *testing.T) *testEnv {
	return newEnv(t, func(c *Config) {
		c.Limits.StreamTimeout = 300 * time.Millisecond
		c.Limits.MaxConnectionsPerIP = 2
	})
}

func readAll(t *testing.T, c net.Conn, d time.Duration) ([]byte, error) {
	t.Helper()
	c.SetReadDeadline(time.Now().Add(d))
	var out []byte
	buf := make([]byte, 4096)
	for {
		n, err := c.Read(buf)
		out = append(out, buf[:n]...)
		if err != nil {
			return out, err
		}
	}
}

func TestStreamKeepAliveAndPipelining(t *testing.T) {
	e := streamEnv(t)
	c, err := net.Dial("tcp", e.tcpAddr())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	// RFC 5626 ping, pong.
	c.Write([]byte("\r\n\r\n"))
	c.SetReadDeadline(time.Now().Add(5 * time.Second))
	pong := make([]byte, 2)
	if _, err := io.ReadFull(c, pong); err != nil || string(pong) != "\r\n" {
		t.Fatalf("pong %q %v", pong, err)
	}
	// Two requests in one write, the second split by the next write.
	p1, cid1 := probe("TCP")
	p2, cid2 := probe("TCP")
	c.Write(append(p1, p2[:30]...))
	c.Write(p2[30:])
	got := map[string]bool{}
	data := []byte{}
	buf := make([]byte, 4096)
	for len(got) < 2 {
		n, err := c.Read(buf)
		if err != nil {
			t.Fatalf("read: %v (got %v)", err, got)
		}
		data = append(data, buf[:n]...)
		for _, r := range splitStream(t, data) {
			got[r.callID] = r.code == 200
		}
	}
	if !got[cid1] || !got[cid2] {
		t.Fatalf("%v", got)
	}
}

func TestStreamPartialMessageTimesOut(t *testing.T) {
	e := streamEnv(t)
	c, err := net.Dial("tcp", e.tcpAddr())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	p, _ := probe("TCP")
	c.Write(p[:50])
	start := time.Now()
	out, err := readAll(t, c, 5*time.Second)
	if len(out) != 0 || !isEOF(err) {
		t.Fatalf("got %q, %v", out, err)
	}
	if time.Since(start) > 3*time.Second {
		t.Fatalf("closed after %v", time.Since(start))
	}
	// A connection that never sends anything is closed too (no TLS handshake, no
	// message within StreamTimeout).
	idle, err := net.Dial("tcp", e.tcpAddr())
	if err != nil {
		t.Fatal(err)
	}
	defer idle.Close()
	if out, err := readAll(t, idle, 5*time.Second); len(out) != 0 || !isEOF(err) {
		t.Fatalf("idle: %q %v", out, err)
	}
}

func isEOF(err error) bool {
	return err == io.EOF || err != nil && strings.Contains(err.Error(), "reset by peer")
}

func TestStreamConnectionLimit(t *testing.T) {
	e := streamEnv(t)
	var conns []net.Conn
	defer func() {
		for _, c := range conns {
			c.Close()
		}
	}()
	for i := 0; i < 2; i++ {
		c, err := net.Dial("tcp", e.tcpAddr())
		if err != nil {
			t.Fatal(err)
		}
		conns = append(conns, c)
		p, _ := probe("TCP")
		c.Write(p) // make sure the server accepted it before the next one
		buf := make([]byte, 2048)
		c.SetReadDeadline(time.Now().Add(5 * time.Second))
		if _, err := c.Read(buf); err != nil {
			t.Fatal(err)
		}
	}
	third, err := net.Dial("tcp", e.tcpAddr())
	if err != nil {
		t.Fatal(err)
	}
	defer third.Close()
	p, _ := probe("TCP")
	third.Write(p)
	if out, err := readAll(t, third, 5*time.Second); len(out) != 0 || err == nil || !isEOF(err) && !strings.Contains(err.Error(), "broken pipe") {
		t.Fatalf("third connection: %q %v", out, err)
	}
	if e.srv.Stats().Refused == 0 {
		t.Fatal("refused connection not counted")
	}
}

// writeSelfSigned writes a throwaway certificate for 127.0.0.1.
func writeSelfSigned(t *testing.T) (certFile, keyFile string) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "omnigate test"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		IPAddresses: []net.IP{net.ParseIP("127.0.0.1")}, KeyUsage: x509.KeyUsageDigitalSignature, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	kb, err := x509.MarshalECPrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	certFile, keyFile = filepath.Join(dir, "cert.pem"), filepath.Join(dir, "key.pem")
	os.WriteFile(certFile, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o600)
	os.WriteFile(keyFile, pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: kb}), 0o600)
	return certFile, keyFile
}

func TestTLSListener(t *testing.T) {
	cert, key := writeSelfSigned(t)
	e := newEnv(t, func(c *Config) { c.TLSCert, c.TLSKey, c.TLSAddr = cert, key, "127.0.0.1:0" })
	conn, err := tls.Dial("tcp", e.srv.Addr("tls").String(), &tls.Config{InsecureSkipVerify: true}) // a throwaway certificate
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	p, cid := probe("TLS")
	if _, err := conn.Write(p); err != nil {
		t.Fatal(err)
	}
	conn.SetReadDeadline(time.Now().Add(5 * time.Second))
	buf := make([]byte, 4096)
	n, err := conn.Read(buf)
	if err != nil {
		t.Fatal(err)
	}
	if r := parseWireResponse(t, buf[:n]); r.code != 200 || r.callID != cid {
		t.Fatalf("%s", buf[:n])
	}
	if c := e.srv.contact("TLS"); c.Address.Scheme != "sips" || c.Address.Port != int(e.srv.Addr("tls").Port()) {
		t.Fatalf("contact %s", c)
	}
}

// FuzzGuardCheck feeds arbitrary datagrams and stream chunks to the guard, seeded with
// the torture corpus when it is there. Invariants: no panic; a reply is a response we
// could have written; what passes parses, and a UDP request that passes asks for rport.
func FuzzGuardCheck(f *testing.F) {
	f.Add(sipMsg("OPTIONS sip:b@example.com SIP/2.0", optionsHeaders(), ""), false)
	f.Add(sipMsg("INVITE sip:1000@example.com SIP/2.0", optionsHeaders("Content-Type: application/sdp"), ""), true)
	if files, _ := filepath.Glob(filepath.Join("..", "..", "shared", "sip-torture", "rfc*", "*.dat")); len(files) > 0 {
		for _, file := range files {
			if b, err := os.ReadFile(file); err == nil {
				f.Add(b, false)
				f.Add(b, true)
			}
		}
	}
	g := testGuard()
	f.Fuzz(func(t *testing.T, data []byte, stream bool) {
		var v verdict
		if stream {
			skip, n, more, fv := g.frameStream(data)
			switch {
			case more:
				return
			case n == 0:
				v = fv
				if !v.close {
					t.Fatal("framing error that keeps the stream open")
				}
			default:
				v = g.check(data[skip:skip+n], "192.0.2.1:5060", true)
			}
		} else {
			v = g.check(data, "192.0.2.1:5060", false)
		}
		if v.reply != nil && (!bytes.HasPrefix(v.reply, []byte("SIP/2.0 ")) || !bytes.HasSuffix(v.reply, []byte("\r\n\r\n"))) {
			t.Fatalf("reply %q", v.reply)
		}
		if v.pass == nil {
			return
		}
		m, err := g.parser.ParseSIP(v.pass)
		if err != nil {
			t.Fatalf("passed a message the stack cannot parse: %v\n%q", err, v.pass)
		}
		if req, ok := m.(*sip.Request); ok && !stream && !req.Via().Params.Has("rport") {
			t.Fatalf("UDP request passed without rport: %q", v.pass)
		}
	})
}
