package sip

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/netip"
	"os"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/emiago/sipgo/sip"
)

// The guard stands between the sockets and the SIP stack. Every datagram and every
// message framed off a stream is checked here before sipgo sees it: hard limits
// (SECURITY.md §0.2), framing (RFC 3261 §18.3), syntax (the stack's own parser, so
// that nothing it would reject silently goes unanswered) and the request checks a
// UAS makes before looking at the method (§8.2: 505, 400, 501/405, 416, 420). What
// fails gets a stateless error response when there is enough of a request to address
// one, and is dropped otherwise; responses and ACKs are never answered. Only clean
// messages reach the transaction layer, which keeps a flood of junk cheap.

// verdict is what the guard decided about one message.
type verdict struct {
	pass    []byte // the message to hand to the stack, nil for none
	request bool   // pass is a request that will get a final response (not an ACK)
	reply   []byte // a stateless response to send back, nil for none
	close   bool   // on a stream: the framing is lost, close the connection
	reason  string // why it was refused, for the log
}

// guard holds what the checks need.
type guard struct {
	lim       Limits
	parser    *sip.Parser
	handled   map[string]bool // methods a handler exists for
	allow     string          // the Allow header value
	supported map[string]bool // option tags we support (Require)
	log       *slog.Logger
	refused   atomic.Uint64
	// closing drops every request once the server winds down: a request handled after
	// the stack has closed would make it open a fresh socket to answer.
	closing atomic.Bool
}

// knownMethods are the methods SIP defines (RFC 3261 and extensions); a known method
// we do not handle gets 405, an unknown one 501 (RFC 3261 §8.2.1, §21.5.2).
var knownMethods = map[string]bool{
	"INVITE": true, "ACK": true, "BYE": true, "CANCEL": true, "OPTIONS": true, "REGISTER": true,
	"PRACK": true, "SUBSCRIBE": true, "NOTIFY": true, "PUBLISH": true, "INFO": true, "REFER": true,
	"MESSAGE": true, "UPDATE": true,
}

func newGuard(lim Limits, handled []string, supported []string, log *slog.Logger) *guard {
	g := &guard{lim: lim, handled: map[string]bool{}, supported: map[string]bool{}, log: log}
	g.parser = sip.NewParser()
	g.parser.MaxMessageLength = lim.MaxMessageSize
	for _, m := range handled {
		g.handled[m] = true
	}
	g.allow = strings.Join(handled, ", ")
	for _, s := range supported {
		g.supported[s] = true
	}
	return g
}

// rawHead is what a byte-level scan of a message's header section found.
type rawHead struct {
	start    string       // the start line
	lines    []headerLine // header lines, unfolded
	bodyAt   int          // offset of the body, -1 when no empty line ends the headers
	clCount  int          // Content-Length headers
	clValue  string       // the (last) Content-Length value
	viaCount int          // Via values
}

// headerLine is one unfolded header line, split once for every check that reads it.
type headerLine struct {
	line string // as received (unfolded)
	key  string // the name as written, trimmed; "" when the line has no colon
	name string // key in lower case
	val  string // what follows the colon
}

func splitHeaderLine(l string) headerLine {
	k, v, ok := strings.Cut(l, ":")
	if !ok {
		return headerLine{line: l}
	}
	k = strings.TrimSpace(k)
	return headerLine{line: l, key: k, name: strings.ToLower(k), val: v}
}

func splitHeaderLines(lines []string) []headerLine {
	out := make([]headerLine, len(lines))
	for i, l := range lines {
		out[i] = splitHeaderLine(l)
	}
	return out
}

var errHeadTooBig = errors.New("header section over the limits")

// scanHead reads the header section of data without trusting any of it. For a stream
// it reports needMore when no empty line has arrived yet.
func (g *guard) scanHead(data []byte, stream bool) (h rawHead, needMore bool, err error) {
	h.bodyAt = -1
	end := bytes.Index(data, []byte("\r\n\r\n"))
	head := data
	if end >= 0 {
		head = data[:end]
		h.bodyAt = end + 4
	} else if stream {
		if len(data) > g.lim.MaxMessageSize {
			return h, false, errHeadTooBig
		}
		return h, true, nil
	}
	if len(head) > g.lim.MaxMessageSize {
		return h, false, errHeadTooBig
	}
	raw := strings.Split(string(head), "\r\n")
	h.start = raw[0]
	if len(h.start) > g.lim.MaxLineLength {
		return h, false, errHeadTooBig
	}
	// Lines are split once unfolded; what was read before a limit is hit is kept, so
	// that the refusal can still be addressed (rawResponse).
	var lines []string
	for _, l := range raw[1:] {
		if len(l) > 0 && (l[0] == ' ' || l[0] == '\t') && len(lines) > 0 {
			last := &lines[len(lines)-1]
			*last += " " + strings.TrimLeft(l, " \t")
			if len(*last) > g.lim.MaxLineLength {
				h.lines = splitHeaderLines(lines)
				return h, false, errHeadTooBig
			}
			continue
		}
		if len(l) > g.lim.MaxLineLength || len(lines) == g.lim.MaxHeaders {
			h.lines = splitHeaderLines(lines)
			return h, false, errHeadTooBig
		}
		lines = append(lines, l)
	}
	h.lines = splitHeaderLines(lines)
	for _, hl := range h.lines {
		switch hl.name {
		case "content-length", "l":
			h.clCount++
			h.clValue = strings.TrimSpace(hl.val)
		case "via", "v":
			h.viaCount += strings.Count(hl.val, ",") + 1
		}
	}
	if h.viaCount > g.lim.MaxVia {
		return h, false, errHeadTooBig
	}
	return h, false, nil
}

// isResponse tells a status line from a request line.
func isResponse(start string) bool {
	return strings.HasPrefix(start, "SIP/") || strings.HasPrefix(start, "sip/")
}

// contentLength reads a Content-Length value: digits only, no sign, no overflow.
func contentLength(v string) (int, bool) {
	if v == "" || len(v) > 9 {
		return 0, false
	}
	for _, c := range v {
		if c < '0' || c > '9' {
			return 0, false
		}
	}
	n, err := strconv.Atoi(v)
	return n, err == nil
}

// check decides about one whole message: a datagram, or a message framed off a stream
// (then it has exactly Content-Length body bytes). src is the sender, host:port.
func (g *guard) check(data []byte, src string, stream bool) verdict {
	if len(data) > g.lim.MaxMessageSize {
		h, _, _ := g.scanHead(data[:min(len(data), g.lim.MaxMessageSize)], false)
		return g.refuse(h, 513, "Message Too Large", stream, "message too large")
	}
	h, _, err := g.scanHead(data, false)
	if err != nil {
		return g.refuse(h, 513, "Message Too Large", stream, err.Error())
	}
	msg := data
	switch {
	case h.clCount > 1:
		return g.refuse(h, 400, "Bad Request", true, "more than one Content-Length")
	case h.clCount == 1:
		n, ok := contentLength(h.clValue)
		if !ok {
			return g.refuse(h, 400, "Bad Request", true, "bad Content-Length")
		}
		if h.bodyAt < 0 {
			if n != 0 {
				return g.refuse(h, 400, "Bad Request", stream, "no end of headers")
			}
		} else {
			if h.bodyAt+n > len(data) {
				// RFC 3261 §18.3: a datagram shorter than its Content-Length is refused.
				return g.refuse(h, 400, "Bad Request", stream, "Content-Length beyond the datagram")
			}
			// Octets after the body belong to no message: they are dropped (§18.3).
			msg = data[:h.bodyAt+n]
		}
	case stream:
		return g.refuse(h, 400, "Bad Request", true, "no Content-Length on a stream")
	}
	if h.bodyAt < 0 {
		return g.refuse(h, 400, "Bad Request", stream, "no empty line after the headers")
	}
	msg, via, hasVia := canonical(h, msg[h.bodyAt:], !stream)
	if !isResponse(h.start) {
		if hasVia && !validViaParm(via) {
			// The stack's Via parser drops what it cannot read (parameters included)
			// without a word, so the guard judges the top Via itself.
			return g.refuse(h, 400, "Bad Request", false, "malformed top Via")
		}
	}
	parsed, err := g.parser.ParseSIP(msg)
	if err != nil {
		if !isResponse(h.start) {
			if code, reason := requestLineStatus(h.start); code != 0 {
				return g.refuse(h, code, reason, false, "request line: "+err.Error())
			}
		}
		return g.refuse(h, 400, "Bad Request", false, "parse: "+err.Error())
	}
	req, ok := parsed.(*sip.Request)
	if !ok {
		return verdict{pass: msg}
	}
	if g.closing.Load() {
		return g.drop("shutting down")
	}
	req.SetSource(src)
	if stream {
		req.SetTransport("TCP")
	} else {
		req.SetTransport("UDP")
	}
	if code, reason, extra, why := g.checkRequest(req); code != 0 {
		if req.IsAck() || req.Via() == nil {
			return g.drop(why)
		}
		res := sip.NewResponseFromRequest(req, code, reason, nil)
		res.SipVersion = "SIP/2.0"
		for _, x := range extra {
			res.AppendHeader(x)
		}
		g.refused.Add(1)
		return verdict{reply: []byte(res.String()), reason: why}
	}
	return verdict{pass: msg, request: !req.IsAck()}
}

// canonical rebuilds a message the way the stack reads it best: header lines unfolded;
// in Via and the address headers (From, To, Contact, Route, Record-Route) the
// whitespace RFC 3261 allows around ';', '=', ',' (and '/' in Via) removed, because
// sipgo keeps it in parameter names ("tag " is not "tag"); and, for UDP, ";rport" added
// to the top Via so the response goes back where the request came from (RFC 3581 as
// if asked: Kamailio's force_rport), which a phone behind NAT needs. Quoted strings
// and <...> are left alone, and the body is untouched.
func canonical(h rawHead, body []byte, forceRport bool) (msg []byte, topVia string, hasVia bool) {
	var b bytes.Buffer
	b.Grow(len(h.start) + len(body) + 64*len(h.lines))
	b.WriteString(h.start)
	b.WriteString("\r\n")
	for _, hl := range h.lines {
		l := hl.line
		switch hl.name {
		case "via", "v":
			val := tidyParams(hl.val, true)
			if !hasVia {
				topVia, hasVia = val[:firstValueEnd(val)], true
				if forceRport {
					val = addRport(val)
				}
			}
			l = hl.key + ": " + val
		case "from", "f", "to", "t", "contact", "m", "route", "record-route":
			l = hl.key + ": " + tidyParams(hl.val, false)
		}
		b.WriteString(l)
		b.WriteString("\r\n")
	}
	b.WriteString("\r\n")
	b.Write(body)
	return b.Bytes(), topVia, hasVia
}

// firstValueEnd is where the first value of a comma-separated header value ends:
// the first comma outside a quoted string, or len(v).
func firstValueEnd(v string) int {
	inQuote := false
	for i := 0; i < len(v); i++ {
		switch v[i] {
		case '"':
			inQuote = !inQuote
		case ',':
			if !inQuote {
				return i
			}
		}
	}
	return len(v)
}

// tidyParams drops the linear whitespace around the separators of a header value,
// outside quoted strings and <...>.
func tidyParams(v string, via bool) string {
	v = strings.TrimSpace(v)
	out := make([]byte, 0, len(v))
	inQuote, inAngle := false, false
	for i := 0; i < len(v); i++ {
		c := v[i]
		switch {
		case inQuote:
			out = append(out, c)
			if c == '\\' && i+1 < len(v) {
				i++
				out = append(out, v[i])
			} else if c == '"' {
				inQuote = false
			}
		case c == '"':
			inQuote = true
			out = append(out, c)
		case c == '<':
			inAngle = true
			out = append(out, c)
		case c == '>':
			inAngle = false
			out = append(out, c)
		case inAngle:
			out = append(out, c)
		case c == ';' || c == '=' || c == ',' || via && c == '/':
			for len(out) > 0 && (out[len(out)-1] == ' ' || out[len(out)-1] == '\t') {
				out = out[:len(out)-1]
			}
			out = append(out, c)
			for i+1 < len(v) && (v[i+1] == ' ' || v[i+1] == '\t') {
				i++
			}
		default:
			out = append(out, c)
		}
	}
	return string(out)
}

// addRport adds ";rport" to the first value of a (tidied) Via unless it has one.
func addRport(v string) string {
	end := firstValueEnd(v)
	for _, p := range strings.Split(v[:end], ";")[1:] {
		k, _, _ := strings.Cut(p, "=")
		if strings.EqualFold(k, "rport") {
			return v
		}
	}
	return v[:end] + ";rport" + v[end:]
}

// checkRequest makes the checks RFC 3261 §8.2 puts before a method's own processing.
// It returns 0 when the request may go on.
func (g *guard) checkRequest(req *sip.Request) (int, string, []sip.Header, string) {
	if !strings.EqualFold(req.SipVersion, "SIP/2.0") {
		return 505, "Version Not Supported", nil, "version " + req.SipVersion
	}
	for _, name := range [...]string{"Via", "From", "To", "Call-ID", "CSeq"} {
		if len(req.GetHeaders(name)) == 0 {
			return 400, "Bad Request", nil, "missing " + name
		}
	}
	if v := req.Via(); !strings.EqualFold(v.ProtocolName, "SIP") || v.ProtocolVersion != "2.0" || !isToken(v.Transport) || !sentByHost(v.Host) {
		return 400, "Bad Request", nil, "malformed top Via"
	}
	for _, name := range [...]string{"From", "To", "Call-ID", "CSeq", "Max-Forwards", "Content-Type"} {
		if len(req.GetHeaders(name)) > 1 {
			return 400, "Bad Request", nil, "repeated " + name
		}
	}
	method := string(req.Method)
	allow := sip.NewHeader("Allow", g.allow)
	if !knownMethods[method] {
		return 501, "Not Implemented", []sip.Header{allow}, "unknown method"
	}
	if string(req.CSeq().MethodName) != method {
		return 400, "Bad Request", nil, "CSeq method differs from the request's"
	}
	if req.CSeq().SeqNo > 1<<31-1 {
		return 400, "Bad Request", nil, "CSeq over 2**31-1"
	}
	if !g.handled[method] {
		return 405, "Method Not Allowed", []sip.Header{allow}, "method not handled"
	}
	switch strings.ToLower(req.Recipient.Scheme) {
	case "sip", "sips", "tel":
	default:
		return 416, "Unsupported URI Scheme", nil, "request-URI scheme " + req.Recipient.Scheme
	}
	if method != "ACK" && method != "CANCEL" {
		var unsupported []string
		for _, h := range req.GetHeaders("Require") {
			for _, tag := range strings.Split(h.Value(), ",") {
				tag = strings.TrimSpace(tag)
				if tag != "" && !g.supported[strings.ToLower(tag)] {
					unsupported = append(unsupported, tag)
				}
			}
		}
		if len(unsupported) > 0 {
			return 420, "Bad Extension", []sip.Header{sip.NewHeader("Unsupported", strings.Join(unsupported, ", "))}, "unsupported " + strings.Join(unsupported, ",")
		}
	}
	return 0, "", nil, ""
}

// validViaParm checks "SIP/2.0/transport sent-by *(;param)" (RFC 3261 §25.1).
func validViaParm(v string) bool {
	proto, rest, ok := strings.Cut(v, " ")
	if !ok {
		return false
	}
	p := strings.Split(proto, "/")
	if len(p) != 3 || !strings.EqualFold(p[0], "SIP") || !isVersion(p[1]) || !isToken(p[2]) {
		return false // a version other than 2.0 is for the 505 check to answer
	}
	rest = strings.TrimLeft(rest, " \t")
	sentBy, params, _ := strings.Cut(rest, ";")
	host, port := sentBy, ""
	if strings.HasPrefix(sentBy, "[") {
		i := strings.IndexByte(sentBy, ']')
		if i < 0 {
			return false
		}
		host, port = sentBy[:i+1], sentBy[i+1:]
		if port != "" {
			if port[0] != ':' {
				return false
			}
			port = port[1:]
		}
	} else if i := strings.LastIndexByte(sentBy, ':'); i >= 0 {
		host, port = sentBy[:i], sentBy[i+1:]
	}
	if !sentByHost(host) {
		return false
	}
	if port != "" {
		if n, err := strconv.Atoi(port); err != nil || n < 1 || n > 65535 || len(port) > 5 {
			return false
		}
	}
	if params == "" {
		return !strings.HasSuffix(rest, ";")
	}
	for _, param := range strings.Split(params, ";") {
		name, _, _ := strings.Cut(param, "=")
		if !isToken(name) {
			return false
		}
	}
	return true
}

// isVersion matches 1*DIGIT "." 1*DIGIT.
func isVersion(s string) bool {
	a, b, ok := strings.Cut(s, ".")
	return ok && a != "" && b != "" && strings.Trim(a, "0123456789") == "" && strings.Trim(b, "0123456789") == ""
}

// sentByHost accepts a Via sent-by host: a name, an IPv4 address or a bracketed IPv6
// reference.
func sentByHost(h string) bool {
	if _, err := netip.ParseAddr(h); err == nil {
		return true // the stack hands IPv6 references over without brackets
	}
	if strings.HasPrefix(h, "[") {
		if !strings.HasSuffix(h, "]") {
			return false
		}
		ip, err := netip.ParseAddr(h[1 : len(h)-1])
		return err == nil && ip.Is6()
	}
	for _, c := range h {
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '.' || c == '_') {
			return false
		}
	}
	return h != ""
}

// isToken reports whether s is a non-empty RFC 3261 token.
func isToken(s string) bool {
	for i := 0; i < len(s); i++ {
		if !isTokenChar(s[i]) {
			return false
		}
	}
	return s != ""
}

// requestLineStatus looks at a request line the parser refused: a URI of a scheme we
// do not take is 416 rather than 400, a version we do not speak 505.
func requestLineStatus(start string) (int, string) {
	parts := strings.Split(start, " ")
	if len(parts) != 3 || parts[0] == "" {
		return 0, ""
	}
	if !strings.EqualFold(parts[2], "SIP/2.0") && strings.HasPrefix(strings.ToUpper(parts[2]), "SIP/") {
		return 505, "Version Not Supported"
	}
	scheme, _, ok := strings.Cut(parts[1], ":")
	if !ok || scheme == "" {
		return 0, ""
	}
	for i, c := range scheme {
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || i > 0 && (c >= '0' && c <= '9' || c == '+' || c == '-' || c == '.')) {
			return 0, "" // not a scheme at all, e.g. "<sip"
		}
	}
	switch strings.ToLower(scheme) {
	case "sip", "sips", "tel":
		return 0, ""
	}
	return 416, "Unsupported URI Scheme"
}

// refuse answers a message the stack will not see, from its raw headers when it is a
// request we can address a response to.
func (g *guard) refuse(h rawHead, code int, reason string, closeConn bool, why string) verdict {
	g.refused.Add(1)
	v := verdict{close: closeConn, reason: why}
	if h.start == "" || isResponse(h.start) || strings.HasPrefix(h.start, "ACK ") {
		return v
	}
	v.reply = rawResponse(code, reason, h)
	return v
}

func (g *guard) drop(why string) verdict {
	g.refused.Add(1)
	return verdict{reason: why}
}

// rawResponse builds a response by copying the request's Via, From, To, Call-ID and
// CSeq lines as they came (RFC 3261 §8.2.6.2). Without a Via there is nobody to
// answer, so it returns nil.
func rawResponse(code int, reason string, h rawHead) []byte {
	var b strings.Builder
	fmt.Fprintf(&b, "SIP/2.0 %d %s\r\n", code, reason) // our version, whatever the request's
	via := false
	for _, hl := range h.lines {
		switch hl.name {
		case "via", "v":
			via = true
		case "from", "f", "to", "t", "call-id", "i", "cseq":
		default:
			continue
		}
		b.WriteString(hl.line)
		b.WriteString("\r\n")
	}
	if !via {
		return nil
	}
	b.WriteString("Content-Length: 0\r\n\r\n")
	return []byte(b.String())
}

// frameStream finds the first whole message at the start of buf, after any CRLFs that
// come between messages. It returns the offset where the message starts, its length,
// and needMore when it has not all arrived; a framing error means the stream cannot
// be resynchronised.
func (g *guard) frameStream(buf []byte) (skip, n int, needMore bool, v verdict) {
	for skip+1 < len(buf) && buf[skip] == '\r' && buf[skip+1] == '\n' {
		skip += 2
	}
	data := buf[skip:]
	if len(data) == 0 {
		return skip, 0, true, verdict{}
	}
	h, more, err := g.scanHead(data, true)
	if err != nil {
		return skip, 0, false, g.refuse(h, 513, "Message Too Large", true, err.Error())
	}
	if more {
		return skip, 0, true, verdict{}
	}
	if h.clCount != 1 {
		why := "no Content-Length on a stream"
		if h.clCount > 1 {
			why = "more than one Content-Length"
		}
		return skip, 0, false, g.refuse(h, 400, "Bad Request", true, why)
	}
	cl, ok := contentLength(h.clValue)
	if !ok {
		return skip, 0, false, g.refuse(h, 400, "Bad Request", true, "bad Content-Length")
	}
	if h.bodyAt+cl > g.lim.MaxMessageSize {
		return skip, 0, false, g.refuse(h, 513, "Message Too Large", true, "message too large")
	}
	if len(data) < h.bodyAt+cl {
		return skip, 0, true, verdict{}
	}
	return skip, h.bodyAt + cl, false, verdict{}
}

// guardedPacketConn checks every datagram before the stack reads it.
type guardedPacketConn struct {
	net.PacketConn
	g   *guard
	buf []byte
}

func newGuardedPacketConn(pc net.PacketConn, g *guard) *guardedPacketConn {
	return &guardedPacketConn{PacketConn: pc, g: g, buf: make([]byte, 1<<16)}
}

// ReadFrom returns the next datagram the guard lets through. sipgo reads each UDP
// socket from one goroutine, so the buffer needs no lock.
func (c *guardedPacketConn) ReadFrom(p []byte) (int, net.Addr, error) {
	for {
		n, addr, err := c.PacketConn.ReadFrom(c.buf)
		if err != nil {
			return n, addr, err
		}
		data := c.buf[:n]
		if len(bytes.Trim(data, "\r\n\x00")) == 0 {
			continue // keep-alive
		}
		v := c.g.check(data, addr.String(), false)
		if v.reason != "" {
			c.g.log.Debug("sip message refused", "transport", "udp", "src", addr.String(), "reason", v.reason)
		}
		if v.reply != nil {
			if _, err := c.PacketConn.WriteTo(v.reply, addr); err != nil {
				c.g.log.Debug("stateless reply", "src", addr.String(), "err", err)
			}
		}
		if v.pass == nil || len(v.pass) > len(p) {
			continue
		}
		return copy(p, v.pass), addr, nil
	}
}

// connTracker counts stream connections, overall and per address.
type connTracker struct {
	max, perIP int

	mu   sync.Mutex
	open map[*guardedConn]bool
	byIP map[netip.Addr]int
	zero chan struct{} // closed while no connection is open
}

func newConnTracker(max, perIP int) *connTracker {
	z := make(chan struct{})
	close(z)
	return &connTracker{max: max, perIP: perIP, open: map[*guardedConn]bool{}, byIP: map[netip.Addr]int{}, zero: z}
}

func (t *connTracker) add(c *guardedConn) bool {
	t.mu.Lock()
	defer t.mu.Unlock()
	if len(t.open) >= t.max || t.byIP[c.ip] >= t.perIP {
		return false
	}
	if len(t.open) == 0 {
		t.zero = make(chan struct{})
	}
	t.open[c] = true
	t.byIP[c.ip]++
	return true
}

func (t *connTracker) remove(c *guardedConn) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if !t.open[c] {
		return
	}
	delete(t.open, c)
	if t.byIP[c.ip]--; t.byIP[c.ip] <= 0 {
		delete(t.byIP, c.ip)
	}
	if len(t.open) == 0 {
		close(t.zero)
	}
}

// closeAll closes every open connection; the stack's readers then return.
func (t *connTracker) closeAll() {
	t.mu.Lock()
	open := make([]*guardedConn, 0, len(t.open))
	for c := range t.open {
		open = append(open, c)
	}
	t.mu.Unlock()
	for _, c := range open {
		c.Close()
	}
}

// idle returns a channel closed when no connection is open.
func (t *connTracker) idle() <-chan struct{} {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.zero
}

// guardedListener wraps every accepted connection in the guard and enforces the
// connection limits.
type guardedListener struct {
	net.Listener
	g     *guard
	conns *connTracker
}

func (l *guardedListener) Accept() (net.Conn, error) {
	for {
		c, err := l.Listener.Accept()
		if err != nil {
			return nil, err
		}
		gc := &guardedConn{Conn: c, g: l.g, conns: l.conns, ip: addrOf(c.RemoteAddr()).Addr(), rbuf: make([]byte, 4096), opened: time.Now()}
		if !l.conns.add(gc) {
			l.g.refused.Add(1)
			l.g.log.Warn("sip connection refused: too many connections", "src", c.RemoteAddr().String())
			_ = c.Close()
			continue
		}
		return gc, nil
	}
}

// guardedConn frames the stream itself and hands the stack only whole, checked
// messages; a partial message must complete within StreamTimeout.
type guardedConn struct {
	net.Conn
	g      *guard
	conns  *connTracker
	ip     netip.Addr
	opened time.Time

	in, out []byte
	rbuf    []byte
	partial time.Time // when the oldest incomplete byte arrived
	seen    bool      // a whole message has arrived (the TLS handshake is done)

	// pending counts requests handed to the stack that have not had their final
	// response written back yet; a connection closed for a framing error first lets
	// them be answered (for at most StreamTimeout).
	pmu     sync.Mutex
	pending int
	settled chan struct{} // closed while pending is 0

	closeOnce sync.Once
}

var errStreamClosed = io.EOF

func (c *guardedConn) Read(p []byte) (int, error) {
	for {
		if len(c.out) > 0 {
			n := copy(p, c.out)
			c.out = c.out[n:]
			return n, nil
		}
		if len(c.in) > 0 {
			skip, n, more, v := c.g.frameStream(c.in)
			switch {
			case !more && n == 0:
				c.refused(v)
				return 0, errStreamClosed
			case !more:
				msg := c.in[skip : skip+n]
				c.in = c.in[skip+n:]
				c.seen = true
				if len(c.in) > 0 {
					c.partial = time.Now() // the next message has begun
				}
				vv := c.g.check(msg, c.RemoteAddr().String(), true)
				if vv.reason != "" {
					c.g.log.Debug("sip message refused", "transport", "stream", "src", c.RemoteAddr().String(), "reason", vv.reason)
				}
				if vv.reply != nil {
					c.write(vv.reply)
				}
				if vv.close {
					c.Close()
					return 0, errStreamClosed
				}
				if vv.pass != nil {
					if vv.request {
						c.track(1)
					}
					c.out = append(c.out[:0], vv.pass...)
				}
				continue
			default:
				c.in = c.in[skip:]
			}
		}
		if err := c.Conn.SetReadDeadline(c.deadline()); err != nil {
			return 0, err
		}
		n, err := c.Conn.Read(c.rbuf)
		if n > 0 {
			data := c.rbuf[:n]
			if len(c.in) == 0 && len(bytes.Trim(data, "\r\n")) == 0 {
				// RFC 5626 §3.5.1: a double CRLF ping gets a CRLF pong.
				if bytes.Contains(data, []byte("\r\n\r\n")) {
					c.write([]byte("\r\n"))
				}
				continue
			}
			if len(c.in) == 0 {
				c.partial = time.Now()
			}
			c.in = append(c.in, data...)
		}
		if err != nil {
			if errors.Is(err, os.ErrDeadlineExceeded) {
				c.g.log.Debug("sip stream timed out", "src", c.RemoteAddr().String(), "pending", len(c.in))
				c.Close()
				return 0, errStreamClosed
			}
			return 0, err
		}
	}
}

// deadline is when the next read must have returned: a partial message (or an
// unfinished TLS handshake) has StreamTimeout, an idle flow IdleTimeout.
func (c *guardedConn) deadline() time.Time {
	switch {
	case len(c.in) > 0:
		return c.partial.Add(c.g.lim.StreamTimeout)
	case !c.seen:
		return c.opened.Add(c.g.lim.StreamTimeout + c.g.lim.IdleTimeout)
	case c.g.lim.IdleTimeout > 0:
		return time.Now().Add(c.g.lim.IdleTimeout)
	}
	return time.Time{}
}

func (c *guardedConn) refused(v verdict) {
	c.g.log.Debug("sip stream framing error", "src", c.RemoteAddr().String(), "reason", v.reason)
	if v.reply != nil {
		c.write(v.reply)
	}
	c.pmu.Lock()
	settled := c.settled
	c.pmu.Unlock()
	if settled != nil {
		t := time.NewTimer(c.g.lim.StreamTimeout)
		select {
		case <-settled:
		case <-t.C:
		}
		t.Stop()
	}
	c.Close()
}

// track counts requests in flight on this connection (delta +1 when one is handed to
// the stack, -1 when a final response goes out).
func (c *guardedConn) track(delta int) {
	c.pmu.Lock()
	defer c.pmu.Unlock()
	if delta < 0 && c.pending == 0 {
		return
	}
	if c.pending == 0 && delta > 0 {
		c.settled = make(chan struct{})
	}
	c.pending += delta
	if c.pending == 0 && c.settled != nil {
		close(c.settled)
		c.settled = nil
	}
}

func (c *guardedConn) write(b []byte) {
	if _, err := c.Write(b); err != nil {
		c.g.log.Debug("stateless reply", "src", c.RemoteAddr().String(), "err", err)
	}
}

// Write bounds every write so a peer that stops reading cannot hold a goroutine. The
// stack writes one message per call; a final response settles a pending request.
func (c *guardedConn) Write(b []byte) (int, error) {
	if err := c.Conn.SetWriteDeadline(time.Now().Add(c.g.lim.StreamTimeout)); err != nil {
		return 0, err
	}
	n, err := c.Conn.Write(b)
	if len(b) > 12 && bytes.HasPrefix(b, []byte("SIP/2.0 ")) && b[8] >= '2' && b[8] <= '6' {
		c.track(-1)
	}
	return n, err
}

func (c *guardedConn) Close() error {
	err := net.ErrClosed
	c.closeOnce.Do(func() {
		err = c.Conn.Close()
		c.conns.remove(c)
	})
	return err
}

// addrOf converts a net.Addr to an AddrPort (zero when it is neither UDP nor TCP).
func addrOf(a net.Addr) netip.AddrPort {
	switch v := a.(type) {
	case *net.UDPAddr:
		return v.AddrPort()
	case *net.TCPAddr:
		return v.AddrPort()
	}
	ap, _ := netip.ParseAddrPort(a.String())
	return ap
}
