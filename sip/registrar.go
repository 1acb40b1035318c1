package sip

import (
	"errors"
	"fmt"
	"net/http"
	"net/netip"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/emiago/sipgo/sip"
)

// The registrar (RFC 3261 §10.3) keeps desk phones' bindings in memory: the Contact the
// phone gave, and the address, transport and connection its REGISTER came from, which
// is where RingDevice sends the INVITE (a phone behind NAT can only be reached back
// through the hole its own REGISTER opened). Expiry is lazy: every read drops what has
// expired by the injected clock, so no goroutine sweeps.

// Binding is one registered contact of an address of record.
type Binding struct {
	// AOR is the address-of-record user: the agent id.
	AOR string
	// Contact is the contact URI as the phone sent it (contact parameters removed).
	Contact string
	// Source is where the REGISTER came from; INVITEs go back there.
	Source netip.AddrPort
	// Transport is "UDP", "TCP" or "TLS": how the REGISTER came.
	Transport string
	// Expires is when the binding lapses.
	Expires time.Time

	uri    sip.Uri
	key    string
	callID string
	cseq   uint32
	at     time.Time // when it was last refreshed
}

// regContact is one Contact of a REGISTER.
type regContact struct {
	uri     sip.Uri
	expires *time.Duration // its expires parameter
}

// regRequest is what a REGISTER asks of the registrar.
type regRequest struct {
	aor       string
	wildcard  bool
	contacts  []regContact
	expires   *time.Duration // the Expires header
	callID    string
	cseq      uint32
	source    netip.AddrPort
	transport string
}

// registrar holds bindings by address of record.
type registrar struct {
	min, max, def time.Duration
	maxBindings   int

	mu   sync.Mutex
	aors map[string][]*Binding
}

func newRegistrar(cfg *Config) *registrar {
	return &registrar{min: cfg.MinExpires, max: cfg.MaxExpires, def: cfg.DefaultExpires, maxBindings: cfg.MaxBindings, aors: map[string][]*Binding{}}
}

// expiryFor is the interval a contact gets: its own expires parameter, else the
// Expires header, else the default; zero removes; below the minimum is refused;
// above the maximum is cut to it.
func expiryFor(param, header *time.Duration, def, lo, hi time.Duration) (time.Duration, error) {
	d := def
	switch {
	case param != nil:
		d = *param
	case header != nil:
		d = *header
	}
	switch {
	case d == 0:
		return 0, nil
	case d < lo:
		return 0, ErrIntervalTooBrief
	case d > hi:
		return hi, nil
	}
	return d, nil
}

// apply carries out a REGISTER at now and returns the AOR's bindings afterwards.
func (r *registrar) apply(q regRequest, now time.Time) ([]Binding, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	live := r.liveLocked(q.aor, now)
	if q.wildcard {
		// RFC 3261 §10.3 step 6: "*" only with Expires: 0 and alone.
		if len(q.contacts) != 0 || q.expires == nil || *q.expires != 0 {
			return nil, fmt.Errorf("wildcard contact needs Expires: 0 and no other contact: %w", ErrBadRequest)
		}
		delete(r.aors, q.aor)
		return nil, nil
	}
	// Work out every change before making any, so a refused contact leaves the
	// bindings as they were.
	type change struct {
		c   regContact
		key string
		d   time.Duration
	}
	changes := make([]change, 0, len(q.contacts))
	for _, c := range q.contacts {
		d, err := expiryFor(c.expires, q.expires, r.def, r.min, r.max)
		if err != nil {
			return nil, err
		}
		key := uriKey(c.uri)
		if i := slices.IndexFunc(live, func(b *Binding) bool { return b.key == key }); i >= 0 {
			if b := live[i]; b.callID == q.callID && q.cseq <= b.cseq {
				return nil, ErrOutOfOrder
			}
		}
		changes = append(changes, change{c, key, d})
	}
	for _, ch := range changes {
		i := slices.IndexFunc(live, func(b *Binding) bool { return b.key == ch.key })
		if ch.d == 0 {
			if i >= 0 {
				live = slices.Delete(live, i, i+1)
			}
			continue
		}
		b := &Binding{AOR: q.aor, Contact: ch.c.uri.String(), Source: q.source, Transport: q.transport,
			Expires: now.Add(ch.d), uri: ch.c.uri, key: ch.key, callID: q.callID, cseq: q.cseq, at: now}
		if i >= 0 {
			live[i] = b
		} else {
			live = append(live, b)
		}
	}
	// Keep the newest maxBindings.
	sort.SliceStable(live, func(i, j int) bool { return live[i].at.After(live[j].at) })
	if len(live) > r.maxBindings {
		live = live[:r.maxBindings]
	}
	if len(live) == 0 {
		delete(r.aors, q.aor)
	} else {
		r.aors[q.aor] = live
	}
	return copyBindings(live), nil
}

// liveLocked drops the AOR's expired bindings and returns the rest.
func (r *registrar) liveLocked(aor string, now time.Time) []*Binding {
	bs := r.aors[aor]
	live := bs[:0]
	for _, b := range bs {
		if now.Before(b.Expires) {
			live = append(live, b)
		}
	}
	if len(live) == 0 {
		delete(r.aors, aor)
		return nil
	}
	r.aors[aor] = live
	return live
}

// lookup returns the AOR's live bindings, newest first.
func (r *registrar) lookup(aor string, now time.Time) []Binding {
	r.mu.Lock()
	defer r.mu.Unlock()
	return copyBindings(r.liveLocked(aor, now))
}

// count returns how many live bindings there are, dropping expired ones.
func (r *registrar) count(now time.Time) int {
	r.mu.Lock()
	defer r.mu.Unlock()
	n := 0
	for aor := range r.aors {
		n += len(r.liveLocked(aor, now))
	}
	return n
}

func copyBindings(bs []*Binding) []Binding {
	out := make([]Binding, len(bs))
	for i, b := range bs {
		out[i] = *b
	}
	return out
}

// uriKey is the comparison form of a contact URI (RFC 3261 §19.1.4, simplified): scheme,
// user and port as written, host case-insensitive, parameters in any order.
func uriKey(u sip.Uri) string {
	var b strings.Builder
	scheme := strings.ToLower(u.Scheme)
	if scheme == "" {
		scheme = "sip"
	}
	port := u.Port
	if port == 0 {
		port = 5060
		if scheme == "sips" {
			port = 5061
		}
	}
	b.WriteString(scheme)
	b.WriteByte(':')
	b.WriteString(u.User)
	b.WriteByte('@')
	b.WriteString(strings.ToLower(u.Host))
	b.WriteByte(':')
	b.WriteString(strconv.Itoa(port))
	var params []string
	for _, k := range u.UriParams.Keys() {
		v, _ := u.UriParams.Get(k)
		params = append(params, strings.ToLower(k)+"="+v)
	}
	sort.Strings(params)
	for _, p := range params {
		b.WriteByte(';')
		b.WriteString(p)
	}
	if u.Headers.Length() > 0 {
		b.WriteByte('?')
		b.WriteString(u.Headers.ToString('&'))
	}
	return b.String()
}

// parseRegister reads a REGISTER into a regRequest. It checks what RFC 3261 §10.3 asks
// of the message itself; authentication and the AOR's owner are the caller's business.
func parseRegister(req *sip.Request, source netip.AddrPort) (regRequest, error) {
	q := regRequest{source: source, transport: strings.ToUpper(req.Transport())}
	to := req.To()
	if to == nil {
		return q, fmt.Errorf("no To: %w", ErrBadRequest)
	}
	if s := strings.ToLower(to.Address.Scheme); s != "sip" && s != "sips" {
		return q, fmt.Errorf("address of record scheme %q: %w", to.Address.Scheme, ErrBadRequest)
	}
	if to.Address.User == "" {
		return q, fmt.Errorf("address of record without a user: %w", ErrBadRequest)
	}
	q.aor = to.Address.User
	if cid := req.CallID(); cid != nil {
		q.callID = cid.Value()
	}
	if cs := req.CSeq(); cs != nil {
		q.cseq = cs.SeqNo
	}
	if h := req.GetHeader("Expires"); h != nil {
		d, err := parseSeconds(h.Value())
		if err != nil {
			return q, fmt.Errorf("expires %q: %w", h.Value(), ErrBadRequest)
		}
		q.expires = &d
	}
	for _, h := range req.GetHeaders("Contact") {
		c, ok := h.(*sip.ContactHeader)
		if !ok {
			return q, fmt.Errorf("unparsed Contact: %w", ErrBadRequest)
		}
		if c.Address.Wildcard {
			q.wildcard = true
			continue
		}
		if s := strings.ToLower(c.Address.Scheme); s != "sip" && s != "sips" {
			return q, fmt.Errorf("contact scheme %q: %w", c.Address.Scheme, ErrBadRequest)
		}
		rc := regContact{uri: *c.Address.Clone()}
		if v, ok := c.Params.Get("expires"); ok {
			d, err := parseSeconds(v)
			if err != nil {
				return q, fmt.Errorf("contact expires %q: %w", v, ErrBadRequest)
			}
			rc.expires = &d
		}
		q.contacts = append(q.contacts, rc)
	}
	return q, nil
}

// parseSeconds reads a delta-seconds value; huge values are capped, not refused (RFC
// 3261 §20.19 allows up to 2**32-1 and the registrar clamps anyway).
func parseSeconds(s string) (time.Duration, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return 0, errors.New("empty")
	}
	for _, c := range s {
		if c < '0' || c > '9' {
			return 0, errors.New("not a number")
		}
	}
	if len(s) > 10 {
		return time.Duration(1<<32-1) * time.Second, nil
	}
	n, err := strconv.ParseUint(s, 10, 64)
	if err != nil {
		return 0, err
	}
	return time.Duration(min(n, 1<<32-1)) * time.Second, nil
}

// onRegister is the registrar (RFC 3261 §10.3): the address of record must be SIP, the
// phone must authenticate as the AOR's own user, and then its bindings change.
func (s *Server) onRegister(req *sip.Request, tx sip.ServerTransaction) {
	src := sourceOf(req)
	q, err := parseRegister(req, src)
	if err != nil {
		s.respondErr(tx, req, err)
		return
	}
	user, ok := s.authenticate(req, tx)
	if !ok {
		return
	}
	if !s.users[user] || user != q.aor {
		s.log.Info("sip REGISTER for another identity", "user", user, "aor", q.aor, "src", src)
		s.respondErr(tx, req, ErrForbidden)
		return
	}
	now := s.clock()
	bindings, err := s.reg.apply(q, now)
	if errors.Is(err, ErrIntervalTooBrief) {
		s.respondErr(tx, req, err, sip.NewHeader("Min-Expires", itoa(int(s.cfg.MinExpires/time.Second))))
		return
	}
	if err != nil {
		s.respondErr(tx, req, err)
		return
	}
	res := sip.NewResponseFromRequest(req, 200, "OK", nil)
	for _, b := range bindings {
		c := &sip.ContactHeader{Address: *b.uri.Clone(), Params: sip.NewParams()}
		c.Params.Add("expires", itoa(int(b.Expires.Sub(now).Round(time.Second)/time.Second)))
		res.AppendHeader(c)
	}
	res.AppendHeader(sip.NewHeader("Date", now.UTC().Format(http.TimeFormat)))
	if err := tx.Respond(res); err != nil {
		s.log.Debug("sip respond REGISTER", "err", err)
	}
	s.log.Info("sip registration", logAgentID, q.aor, "bindings", len(bindings), "src", src, "transport", q.transport)
}
