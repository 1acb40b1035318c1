package webchat

import (
	"encoding/base64"
	"errors"
	"testing"
)

func TestTokens(t *testing.T) {
	tk := tokens{key: []byte("a key of some length here")}
	s, err := tk.issue("interaction-1", "visitor-9")
	if err != nil {
		t.Fatal(err)
	}
	iid, vid, err := tk.parse(s)
	if err != nil || iid != "interaction-1" || vid != "visitor-9" {
		t.Fatalf("parse = %q %q %v", iid, vid, err)
	}
	raw, _ := base64.RawURLEncoding.DecodeString(s)
	for i := range raw {
		b := append([]byte(nil), raw...)
		b[i] ^= 0x01
		if _, _, err := tk.parse(base64.RawURLEncoding.EncodeToString(b)); !errors.Is(err, ErrBadToken) {
			t.Fatalf("token with byte %d flipped: %v, want ErrBadToken", i, err)
		}
	}
	if _, _, err := (tokens{key: []byte("another key")}).parse(s); !errors.Is(err, ErrBadToken) {
		t.Fatalf("token under another key: %v", err)
	}
	for _, bad := range []string{"", "!!!", base64.RawURLEncoding.EncodeToString(make([]byte, 40))} {
		if _, _, err := tk.parse(bad); !errors.Is(err, ErrBadToken) {
			t.Fatalf("parse(%q) = %v", bad, err)
		}
	}
	for _, ids := range [][2]string{{"", "v"}, {"i", ""}, {string(make([]byte, 256)), "v"}} {
		if _, err := tk.issue(ids[0], ids[1]); err == nil {
			t.Fatalf("issue(%q, %q) accepted", ids[0], ids[1])
		}
	}
}

func TestConfigValidate(t *testing.T) {
	c := Config{}
	c.Defaults()
	if err := c.Validate(); err != nil || c.Queue != "sales" || c.MaxMessageLen != 10000 {
		t.Fatalf("defaults %+v: %v", c, err)
	}
	for name, bad := range map[string]Config{
		"limit over the engine's": {MaxMessageLen: 10001},
		"negative limit":          {MaxMessageLen: -1},
		"short secret":            {Secret: []byte("short")},
		"bad origin":              {AllowedOrigins: []string{"[x"}},
	} {
		if err := bad.Validate(); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
}
