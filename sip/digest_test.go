package sip

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/emiago/sipgo/sip"
	"github.com/icholy/digest"
)

// RFC 2617 §3.5 and RFC 7616 §3.9.1 examples.
func TestDigestVectors(t *testing.T) {
	for _, tc := range []struct {
		name                                        string
		alg                                         digestAlgorithm
		user, realm, pass, nonce, cnonce, uri, want string
	}{
		{"RFC 2617 MD5", algMD5, "Mufasa", "testrealm@host.com", "Circle Of Life", "dcd98b7102dd2f0e8b11d0f600bfb0c093", "0a4f113b", "/dir/index.html", "6629fae49393a05397450978507c4ef1"},
		{"RFC 7616 MD5", algMD5, "Mufasa", "http-auth@example.org", "Circle of Life", "7ypf/xlj9XXwfDPEoM4URrv/xwf94BcCAzFZH4GiTo0v", "f2/wE4q74E6zIJEtWaHKaf5wv/H5QzzpXusqGemxURZJ", "/dir/index.html", "8ca523f5e9506fed4657c9700eebdbec"},
		{"RFC 7616 SHA-256", algSHA256, "Mufasa", "http-auth@example.org", "Circle of Life", "7ypf/xlj9XXwfDPEoM4URrv/xwf94BcCAzFZH4GiTo0v", "f2/wE4q74E6zIJEtWaHKaf5wv/H5QzzpXusqGemxURZJ", "/dir/index.html", "753927fa0e85d155564e2e272a28d1802ca10daf4496794697cf8db5856cb6c1"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ha1 := digestHA1(tc.alg, tc.user, tc.realm, tc.pass)
			if got := digestResponse(tc.alg, ha1, tc.nonce, "00000001", tc.cnonce, "auth", "GET", tc.uri); got != tc.want {
				t.Fatalf("response %s, want %s", got, tc.want)
			}
		})
	}
}

func TestParseDigestCredentials(t *testing.T) {
	c, err := parseDigestCredentials(`Digest username="Mufasa", realm="testrealm@host.com", nonce="dcd98b7102dd2f0e8b11d0f600bfb0c093", uri="/dir/index.html", qop=auth, nc=00000001, cnonce="0a4f113b", response="6629fae49393a05397450978507c4ef1", opaque="5ccc069c403ebaf9f0171e9517f40e41"`)
	if err != nil {
		t.Fatal(err)
	}
	if c.username != "Mufasa" || c.qop != "auth" || c.nc != "00000001" || c.opaque != "5ccc069c403ebaf9f0171e9517f40e41" {
		t.Fatalf("%+v", c)
	}
	c, err = parseDigestCredentials(`digest   USERNAME = "a\"b" ,realm="r",nonce="n",uri="sip:x",response="y"`)
	if err != nil || c.username != `a"b` {
		t.Fatalf("%+v %v", c, err)
	}
	for name, v := range map[string]string{
		"basic scheme":      `Basic dXNlcjpwYXNz`,
		"no parameters":     `Digest `,
		"missing response":  `Digest username="a", realm="r", nonce="n", uri="u"`,
		"unterminated":      `Digest username="a, realm="r", nonce="n", uri="u", response="x"`,
		"duplicate":         `Digest username="a", username="b", realm="r", nonce="n", uri="u", response="x"`,
		"auth-int":          `Digest username="a", realm="r", nonce="n", uri="u", response="x", qop=auth-int, nc=00000001, cnonce="c"`,
		"qop without nc":    `Digest username="a", realm="r", nonce="n", uri="u", response="x", qop=auth, cnonce="c"`,
		"nc not hex":        `Digest username="a", realm="r", nonce="n", uri="u", response="x", qop=auth, nc=0000000g, cnonce="c"`,
		"garbage separator": `Digest username="a"; realm="r"`,
		"userhash":          `Digest username="a", realm="r", nonce="n", uri="u", response="x", userhash=true`,
		"control char":      "Digest username=\"a\x01\", realm=\"r\", nonce=\"n\", uri=\"u\", response=\"x\"",
		"too long":          `Digest username="` + strings.Repeat("a", maxAuthHeader) + `"`,
	} {
		if _, err := parseDigestCredentials(v); !errors.Is(err, errBadCredentials) {
			t.Errorf("%s: err = %v", name, err)
		}
	}
}

// verifyAgainst builds credentials with an independent client implementation
// (icholy/digest, which sipgo uses) for a challenge of ours.
func credentialsFor(t *testing.T, chal, method, uri, user, pass string) string {
	t.Helper()
	c, err := digest.ParseChallenge(chal)
	if err != nil {
		t.Fatal(err)
	}
	cred, err := digest.Digest(c, digest.Options{Method: method, URI: uri, Username: user, Password: pass})
	if err != nil {
		t.Fatal(err)
	}
	return cred.String()
}

func TestAuthenticator(t *testing.T) {
	now := time.Unix(1_800_000_000, 0)
	ids := map[string]digestSecret{"bob": newDigestSecret("bob", "omnigate", "secret")}
	for _, alg := range []digestAlgorithm{algMD5, algSHA256, algSHA512256} {
		t.Run(alg.String(), func(t *testing.T) {
			a := newAuthenticator("omnigate", []digestAlgorithm{alg}, time.Minute, ids)
			chal := a.challenges(now, false)[0]
			good := credentialsFor(t, chal, "REGISTER", "sip:omnigate", "bob", "secret")
			if r := a.verify("REGISTER", good, now); !r.ok || r.user != "bob" {
				t.Fatalf("good credentials refused: %+v", r)
			}
			if r := a.verify("REGISTER", good, now); r.ok || !r.stale {
				t.Fatalf("replayed nonce count accepted: %+v", r)
			}
			if r := a.verify("INVITE", credentialsFor(t, chal, "REGISTER", "sip:omnigate", "bob", "secret"), now); r.ok {
				t.Fatalf("credentials for another method accepted: %+v", r)
			}
			if r := a.verify("REGISTER", credentialsFor(t, chal, "REGISTER", "sip:omnigate", "bob", "wrong"), now); r.ok || r.stale {
				t.Fatalf("wrong password: %+v", r)
			}
			if r := a.verify("REGISTER", credentialsFor(t, chal, "REGISTER", "sip:omnigate", "eve", "secret"), now); r.ok || r.stale {
				t.Fatalf("unknown user: %+v", r)
			}
			late := credentialsFor(t, chal, "REGISTER", "sip:omnigate", "bob", "secret")
			if r := a.verify("REGISTER", late, now.Add(2*time.Minute)); r.ok || !r.stale {
				t.Fatalf("expired nonce: %+v", r)
			}
			forged := strings.Replace(chal, `nonce="`, `nonce="A`, 1)
			if r := a.verify("REGISTER", credentialsFor(t, forged, "REGISTER", "sip:omnigate", "bob", "secret"), now); r.ok || r.stale {
				t.Fatalf("nonce we never issued: %+v", r)
			}
		})
	}
}

func TestAuthenticatorRefusesAlgorithmNotOffered(t *testing.T) {
	now := time.Unix(1_800_000_000, 0)
	ids := map[string]digestSecret{"bob": newDigestSecret("bob", "omnigate", "secret")}
	a := newAuthenticator("omnigate", []digestAlgorithm{algSHA256}, time.Minute, ids)
	chal := strings.Replace(a.challenges(now, false)[0], "SHA-256", "MD5", 1)
	if r := a.verify("INVITE", credentialsFor(t, chal, "INVITE", "sip:1000@x", "bob", "secret"), now); r.ok {
		t.Fatal("MD5 accepted although only SHA-256 was offered")
	}
}

func TestChallengesOrderAndStale(t *testing.T) {
	a := newAuthenticator("omnigate", []digestAlgorithm{algSHA256, algMD5}, time.Minute, nil)
	ch := a.challenges(time.Now(), true)
	if len(ch) != 2 || !strings.Contains(ch[0], "algorithm=SHA-256") || !strings.Contains(ch[1], "algorithm=MD5") {
		t.Fatalf("%q", ch)
	}
	for _, c := range ch {
		if !strings.Contains(c, `qop="auth"`) || !strings.HasSuffix(c, "stale=true") || !strings.Contains(c, `realm="omnigate"`) {
			t.Fatalf("%q", c)
		}
	}
}

func TestAnswerChallengeAgainstOurServer(t *testing.T) {
	now := time.Now()
	ids := map[string]digestSecret{"trunk": newDigestSecret("trunk", "carrier", "pw")}
	a := newAuthenticator("carrier", []digestAlgorithm{algSHA512256, algMD5}, time.Minute, ids)
	res := newTestResponse(401, a.challenges(now, false)...)
	name, value, err := answerChallenge(res, "INVITE", "sip:5551234@carrier.example", "trunk", "pw")
	if err != nil || name != "Authorization" {
		t.Fatal(name, err)
	}
	if r := a.verify("INVITE", value, now); !r.ok {
		t.Fatalf("our client's credentials refused by our server: %s", value)
	}
}

// FuzzDigestCredentials: the parser never panics, and what it accepts has every
// required field and a well-formed nonce count.
func FuzzDigestCredentials(f *testing.F) {
	f.Add(`Digest username="Mufasa", realm="testrealm@host.com", nonce="dcd98b7102dd2f0e8b11d0f600bfb0c093", uri="/dir/index.html", qop=auth, nc=00000001, cnonce="0a4f113b", response="6629fae49393a05397450978507c4ef1"`)
	f.Add(`Digest username="a\\\"b", realm=r, nonce=n, uri="sip:x", response=y, algorithm=SHA-256`)
	a := newAuthenticator("omnigate", []digestAlgorithm{algMD5, algSHA256}, time.Minute, map[string]digestSecret{"bob": newDigestSecret("bob", "omnigate", "pw")})
	now := time.Now()
	f.Fuzz(func(t *testing.T, v string) {
		c, err := parseDigestCredentials(v)
		if err == nil {
			if c.username == "" || c.realm == "" || c.nonce == "" || c.uri == "" || c.response == "" {
				t.Fatalf("accepted without a required field: %+v", c)
			}
			if c.qop != "" && (c.qop != "auth" || len(c.nc) != 8 || c.cnonce == "") {
				t.Fatalf("accepted a bad qop: %+v", c)
			}
		} else if !errors.Is(err, errBadCredentials) {
			t.Fatalf("error %v", err)
		}
		if r := a.verify("REGISTER", v, now); r.ok {
			t.Fatalf("fuzzed credentials authenticated: %q", v)
		}
	})
}

func newTestResponse(code int, challenges ...string) *sip.Response {
	res := sip.NewResponse(code, "Unauthorized")
	for _, c := range challenges {
		res.AppendHeader(sip.NewHeader("WWW-Authenticate", c))
	}
	return res
}
