package webchat

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"fmt"
)

// tokens signs and checks chat tokens. A token is
//
//	base64url( len(interaction id) | interaction id | len(visitor id) | visitor id | HMAC-SHA256 )
//
// with one-byte lengths and the MAC over everything before it, so a customer can
// reattach to its chat after a reconnect without the server keeping any state.
type tokens struct{ key []byte }

func (t tokens) mac(b []byte) []byte {
	m := hmac.New(sha256.New, t.key)
	m.Write(b)
	return m.Sum(nil)
}

// issue returns the token for a chat. Ids longer than 255 bytes cannot be encoded;
// the engine's and ours are 32.
func (t tokens) issue(interactionID, visitorID string) (string, error) {
	if len(interactionID) == 0 || len(interactionID) > 255 || len(visitorID) == 0 || len(visitorID) > 255 {
		return "", fmt.Errorf("chat token: id length out of range: %w", ErrBadToken)
	}
	b := make([]byte, 0, 2+len(interactionID)+len(visitorID)+sha256.Size)
	b = append(b, byte(len(interactionID)))
	b = append(b, interactionID...)
	b = append(b, byte(len(visitorID)))
	b = append(b, visitorID...)
	b = append(b, t.mac(b)...)
	return base64.RawURLEncoding.EncodeToString(b), nil
}

// parse checks a token's signature and returns the ids it carries.
func (t tokens) parse(s string) (interactionID, visitorID string, err error) {
	b, err := base64.RawURLEncoding.DecodeString(s)
	if err != nil || len(b) < 2+sha256.Size {
		return "", "", ErrBadToken
	}
	body, sum := b[:len(b)-sha256.Size], b[len(b)-sha256.Size:]
	if !hmac.Equal(sum, t.mac(body)) {
		return "", "", ErrBadToken
	}
	n := int(body[0])
	if n == 0 || 1+n >= len(body) {
		return "", "", ErrBadToken
	}
	iid := string(body[1 : 1+n])
	rest := body[1+n:]
	m := int(rest[0])
	if m == 0 || 1+m != len(rest) {
		return "", "", ErrBadToken
	}
	return iid, string(rest[1:]), nil
}
