package sip

import (
	"crypto/hmac"
	"crypto/md5"
	"crypto/rand"
	"crypto/sha256"
	"crypto/sha512"
	"crypto/subtle"
	"encoding/base64"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"hash"
	"strconv"
	"strings"
	"sync"
	"time"
)

// Digest authentication, server side (RFC 3261 §22, RFC 7616 as RFC 8760 brings it to
// SIP). We challenge with qop=auth only, for each configured algorithm in order of
// preference, keep only HA1 values (never passwords), sign our nonces so they need no
// state until used, and track nonce counts to refuse replays.

// digestAlgorithm is a digest hash algorithm.
type digestAlgorithm uint8

const (
	algMD5 digestAlgorithm = iota
	algSHA256
	algSHA512256
	numDigestAlgorithms
)

func (a digestAlgorithm) String() string {
	switch a {
	case algMD5:
		return "MD5"
	case algSHA256:
		return "SHA-256"
	case algSHA512256:
		return "SHA-512-256"
	}
	return "unknown"
}

// parseDigestAlgorithm reads an algorithm name; a missing one means MD5 (RFC 2617).
func parseDigestAlgorithm(s string) (digestAlgorithm, bool) {
	switch strings.ToUpper(s) {
	case "", "MD5":
		return algMD5, true
	case "SHA-256":
		return algSHA256, true
	case "SHA-512-256":
		return algSHA512256, true
	}
	return 0, false
}

func (a digestAlgorithm) newHash() hash.Hash {
	switch a {
	case algSHA256:
		return sha256.New()
	case algSHA512256:
		return sha512.New512_256()
	}
	return md5.New()
}

// h is H(parts joined by ':') in lower-case hex.
func (a digestAlgorithm) h(parts ...string) string {
	hh := a.newHash()
	for i, p := range parts {
		if i > 0 {
			hh.Write([]byte{':'})
		}
		hh.Write([]byte(p))
	}
	return hex.EncodeToString(hh.Sum(nil))
}

// digestHA1 is H(username:realm:password).
func digestHA1(a digestAlgorithm, username, realm, password string) string {
	return a.h(username, realm, password)
}

// digestResponse is the request-digest for qop=auth (RFC 7616 §3.4.1).
func digestResponse(a digestAlgorithm, ha1, nonce, nc, cnonce, qop, method, uri string) string {
	ha2 := a.h(method, uri)
	return a.h(ha1, nonce, nc, cnonce, qop, ha2)
}

// Limits on an Authorization header we parse.
const (
	maxAuthHeader = 4096
	maxAuthParams = 32
)

// digestCredentials is a parsed Authorization header with the Digest scheme.
type digestCredentials struct {
	username, realm, nonce, uri, response string
	algorithm, cnonce, opaque, qop, nc    string
}

var errBadCredentials = errors.New("malformed digest credentials")

// parseDigestCredentials parses `Digest name=value, name="quoted", …`. It is strict:
// duplicate or oversized parameters, unterminated quotes and missing required
// parameters are errors; unknown parameters are ignored.
func parseDigestCredentials(v string) (digestCredentials, error) {
	var c digestCredentials
	if len(v) > maxAuthHeader {
		return c, fmt.Errorf("header of %d bytes: %w", len(v), errBadCredentials)
	}
	v = strings.TrimLeft(v, " \t")
	if len(v) < 7 || !strings.EqualFold(v[:6], "Digest") || (v[6] != ' ' && v[6] != '\t') {
		return c, fmt.Errorf("not the Digest scheme: %w", errBadCredentials)
	}
	params, err := parseAuthParams(v[7:])
	if err != nil {
		return c, err
	}
	for name, val := range params {
		switch name {
		case "username":
			c.username = val
		case "realm":
			c.realm = val
		case "nonce":
			c.nonce = val
		case "uri":
			c.uri = val
		case "response":
			c.response = val
		case "algorithm":
			c.algorithm = val
		case "cnonce":
			c.cnonce = val
		case "opaque":
			c.opaque = val
		case "qop":
			c.qop = val
		case "nc":
			c.nc = val
		case "userhash":
			if !strings.EqualFold(val, "false") {
				return c, fmt.Errorf("userhash is not supported: %w", errBadCredentials)
			}
		}
	}
	for _, p := range [...]struct{ name, val string }{{"username", c.username}, {"realm", c.realm}, {"nonce", c.nonce}, {"uri", c.uri}, {"response", c.response}} {
		if p.val == "" {
			return c, fmt.Errorf("missing %s: %w", p.name, errBadCredentials)
		}
	}
	if c.qop != "" {
		if c.qop != "auth" {
			return c, fmt.Errorf("qop %q: %w", c.qop, errBadCredentials)
		}
		if c.cnonce == "" || len(c.nc) != 8 {
			return c, fmt.Errorf("qop without cnonce or 8-digit nc: %w", errBadCredentials)
		}
		if _, err := strconv.ParseUint(c.nc, 16, 32); err != nil {
			return c, fmt.Errorf("nc %q: %w", c.nc, errBadCredentials)
		}
	}
	return c, nil
}

// parseAuthParams parses a comma-separated auth-param list (RFC 7235 §2.1): names are
// tokens, compared case-insensitively; values are tokens or quoted strings.
func parseAuthParams(s string) (map[string]string, error) {
	params := map[string]string{}
	i := 0
	skipWS := func() {
		for i < len(s) && (s[i] == ' ' || s[i] == '\t') {
			i++
		}
	}
	for {
		skipWS()
		if i == len(s) {
			break
		}
		start := i
		for i < len(s) && isTokenChar(s[i]) {
			i++
		}
		if i == start {
			return nil, fmt.Errorf("expected a parameter name at %d: %w", i, errBadCredentials)
		}
		name := strings.ToLower(s[start:i])
		skipWS()
		if i == len(s) || s[i] != '=' {
			return nil, fmt.Errorf("parameter %q has no value: %w", name, errBadCredentials)
		}
		i++
		skipWS()
		var val string
		if i < len(s) && s[i] == '"' {
			i++
			var b strings.Builder
			closed := false
			for i < len(s) {
				ch := s[i]
				if ch == '\\' && i+1 < len(s) {
					b.WriteByte(s[i+1])
					i += 2
					continue
				}
				if ch == '"' {
					closed = true
					i++
					break
				}
				if ch < 0x20 && ch != '\t' || ch == 0x7f {
					return nil, fmt.Errorf("control character in %q: %w", name, errBadCredentials)
				}
				b.WriteByte(ch)
				i++
			}
			if !closed {
				return nil, fmt.Errorf("unterminated quote in %q: %w", name, errBadCredentials)
			}
			val = b.String()
		} else {
			start := i
			for i < len(s) && isTokenChar(s[i]) {
				i++
			}
			if i == start {
				return nil, fmt.Errorf("parameter %q has an empty value: %w", name, errBadCredentials)
			}
			val = s[start:i]
		}
		if len(val) > 1024 {
			return nil, fmt.Errorf("parameter %q too long: %w", name, errBadCredentials)
		}
		if _, dup := params[name]; dup {
			return nil, fmt.Errorf("repeated parameter %q: %w", name, errBadCredentials)
		}
		if len(params) == maxAuthParams {
			return nil, fmt.Errorf("more than %d parameters: %w", maxAuthParams, errBadCredentials)
		}
		params[name] = val
		skipWS()
		if i == len(s) {
			break
		}
		if s[i] != ',' {
			return nil, fmt.Errorf("expected ',' at %d: %w", i, errBadCredentials)
		}
		i++
	}
	if len(params) == 0 {
		return nil, fmt.Errorf("no parameters: %w", errBadCredentials)
	}
	return params, nil
}

// isTokenChar is RFC 7230 tchar.
func isTokenChar(c byte) bool {
	switch {
	case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z', c >= '0' && c <= '9':
		return true
	}
	return strings.IndexByte("!#$%&'*+-.^_`|~", c) >= 0
}

// challengeValue is one WWW-Authenticate value.
func challengeValue(realm, nonce string, a digestAlgorithm, stale bool) string {
	v := fmt.Sprintf(`Digest realm="%s", nonce="%s", algorithm=%s, qop="auth"`, realm, nonce, a)
	if stale {
		v += ", stale=true"
	}
	return v
}

// nonceStore issues HMAC-signed nonces (time, random, MAC) and remembers the highest
// nonce count used with each, so a captured Authorization cannot be replayed.
type nonceStore struct {
	secret []byte
	ttl    time.Duration
	max    int

	mu   sync.Mutex
	used map[string]nonceUse
}

type nonceUse struct {
	nc      uint32
	expires time.Time
}

const nonceBytes = 8 + 8 + 16

func newNonceStore(ttl time.Duration, max int) *nonceStore {
	secret := make([]byte, 32)
	if _, err := rand.Read(secret); err != nil {
		panic(err) // crypto/rand does not fail on supported platforms
	}
	return &nonceStore{secret: secret, ttl: ttl, max: max, used: map[string]nonceUse{}}
}

func (n *nonceStore) mac(b []byte) []byte {
	m := hmac.New(sha256.New, n.secret)
	m.Write(b)
	return m.Sum(nil)[:16]
}

func (n *nonceStore) issue(now time.Time) string {
	var b [nonceBytes]byte
	binary.BigEndian.PutUint64(b[:8], uint64(now.UnixNano()))
	if _, err := rand.Read(b[8:16]); err != nil {
		panic(err)
	}
	copy(b[16:], n.mac(b[:16]))
	return base64.RawURLEncoding.EncodeToString(b[:])
}

// check reports whether we issued nonce, and whether it is still fresh.
func (n *nonceStore) check(nonce string, now time.Time) (ours, fresh bool) {
	b, err := base64.RawURLEncoding.DecodeString(nonce)
	if err != nil || len(b) != nonceBytes {
		return false, false
	}
	if !hmac.Equal(b[16:], n.mac(b[:16])) {
		return false, false
	}
	issued := time.Unix(0, int64(binary.BigEndian.Uint64(b[:8])))
	age := now.Sub(issued)
	return true, age >= -time.Second && age <= n.ttl
}

// use records nonce count nc for nonce; false means a replay (a count not above the
// last one) or a full table.
func (n *nonceStore) use(nonce string, nc uint32, now time.Time) bool {
	n.mu.Lock()
	defer n.mu.Unlock()
	if u, ok := n.used[nonce]; ok {
		if nc <= u.nc {
			return false
		}
		n.used[nonce] = nonceUse{nc: nc, expires: u.expires}
		return true
	}
	if len(n.used) >= n.max {
		for k, u := range n.used {
			if now.After(u.expires) {
				delete(n.used, k)
			}
		}
		if len(n.used) >= n.max {
			return false // re-challenge: stale=true gives the client a fresh nonce
		}
	}
	n.used[nonce] = nonceUse{nc: nc, expires: now.Add(n.ttl + time.Second)}
	return true
}

// digestSecret is one identity's HA1 for every algorithm.
type digestSecret [numDigestAlgorithms]string

func newDigestSecret(username, realm, password string) digestSecret {
	var s digestSecret
	for a := range numDigestAlgorithms {
		s[a] = digestHA1(a, username, realm, password)
	}
	return s
}

// authenticator checks Authorization headers against known identities.
type authenticator struct {
	realm  string
	algs   []digestAlgorithm // challenge order
	nonces *nonceStore
	ids    map[string]digestSecret
	dummy  digestSecret // unknown users are checked against this, so they cost the same
}

func newAuthenticator(realm string, algs []digestAlgorithm, ttl time.Duration, ids map[string]digestSecret) *authenticator {
	dummyPw := make([]byte, 16)
	if _, err := rand.Read(dummyPw); err != nil {
		panic(err)
	}
	return &authenticator{
		realm:  realm,
		algs:   algs,
		nonces: newNonceStore(ttl, 100000),
		ids:    ids,
		dummy:  newDigestSecret("-", realm, hex.EncodeToString(dummyPw)),
	}
}

// authResult is what verify concluded.
type authResult struct {
	user  string // the authenticated identity when ok
	ok    bool
	stale bool // the response was right but the nonce is old or was used: re-challenge with stale=true
}

// verify checks one Authorization header value for method. Every failure looks the
// same to the caller (a fresh challenge), whatever it was: no such user, a wrong
// password, a nonce we did not issue.
func (a *authenticator) verify(method, header string, now time.Time) authResult {
	if header == "" {
		return authResult{}
	}
	c, err := parseDigestCredentials(header)
	if err != nil || c.qop != "auth" || c.realm != a.realm {
		return authResult{}
	}
	alg, ok := parseDigestAlgorithm(c.algorithm)
	if !ok || !a.offers(alg) {
		return authResult{}
	}
	ours, fresh := a.nonces.check(c.nonce, now)
	if !ours {
		return authResult{}
	}
	secret, known := a.ids[c.username]
	if !known {
		secret = a.dummy
	}
	want := digestResponse(alg, secret[alg], c.nonce, c.nc, c.cnonce, c.qop, method, c.uri)
	match := subtle.ConstantTimeCompare([]byte(want), []byte(strings.ToLower(c.response))) == 1
	if !match || !known {
		return authResult{}
	}
	if !fresh {
		return authResult{stale: true}
	}
	nc, _ := strconv.ParseUint(c.nc, 16, 32)
	if !a.nonces.use(c.nonce, uint32(nc), now) {
		return authResult{stale: true}
	}
	return authResult{user: c.username, ok: true}
}

func (a *authenticator) offers(alg digestAlgorithm) bool {
	for _, x := range a.algs {
		if x == alg {
			return true
		}
	}
	return false
}

// challenges returns the WWW-Authenticate values for a 401: one per algorithm, most
// preferred first, all with the same fresh nonce.
func (a *authenticator) challenges(now time.Time, stale bool) []string {
	nonce := a.nonces.issue(now)
	out := make([]string, 0, len(a.algs))
	for _, alg := range a.algs {
		out = append(out, challengeValue(a.realm, nonce, alg, stale))
	}
	return out
}
