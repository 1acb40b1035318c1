package webchat

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"
	"unicode/utf8"

	"github.com/omnigate/omnigate/routing"
)

// FrameType says what a client frame asks for.
type FrameType uint8

// The frames a customer's browser sends.
const (
	FrameUnknown FrameType = iota
	// FrameStart opens a chat: name, email, phone and an optional first text.
	FrameStart
	// FrameResume reattaches a socket to a chat by its chat token.
	FrameResume
	// FrameMessage is one customer message.
	FrameMessage
	// FrameLeave is the customer closing the chat.
	FrameLeave
)

var frameNames = [...]string{"unknown", "start", "resume", "message", "leave"}

func (t FrameType) String() string {
	if int(t) < len(frameNames) {
		return frameNames[t]
	}
	return fmt.Sprintf("frame(%d)", t)
}

// Frame is a decoded, checked client frame. Only the fields of its type are set.
type Frame struct {
	Type      FrameType
	Name      string // start
	Email     string // start
	Phone     string // start
	Text      string // start (optional), message (required)
	ChatToken string // resume
}

// maxTokenLen bounds a chat token: two ids of at most 255 bytes plus a MAC, in base64.
const maxTokenLen = 1024

type wireFrame struct {
	Type      string `json:"type"`
	Name      string `json:"name"`
	Email     string `json:"email"`
	Phone     string `json:"phone"`
	Text      string `json:"text"`
	ChatToken string `json:"chat_token"`
}

// DecodeClientFrame parses one client frame and checks it: a JSON object with a known
// type, the fields that type needs, nothing after the object, and texts of at most
// maxLen characters. Fields it does not know are ignored, so an older server and a
// newer widget still talk. It returns a frame or an error (wrapping ErrBadFrame or
// ErrTooLong), never both.
func DecodeClientFrame(data []byte, maxLen int) (Frame, error) {
	var w wireFrame
	dec := json.NewDecoder(bytes.NewReader(data))
	if err := dec.Decode(&w); err != nil {
		return Frame{}, fmt.Errorf("not a JSON object with string fields: %w", ErrBadFrame)
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return Frame{}, fmt.Errorf("data after the JSON object: %w", ErrBadFrame)
	}
	switch w.Type {
	case "start":
		f := Frame{Type: FrameStart, Name: strings.TrimSpace(w.Name), Email: strings.TrimSpace(w.Email), Phone: strings.TrimSpace(w.Phone)}
		if utf8.RuneCountInString(f.Name) > routing.MaxNameLen {
			return Frame{}, fmt.Errorf("name longer than %d characters: %w", routing.MaxNameLen, ErrTooLong)
		}
		if len(f.Email) > routing.MaxIdentLen || len(f.Phone) > routing.MaxIdentLen {
			return Frame{}, fmt.Errorf("email or phone longer than %d bytes: %w", routing.MaxIdentLen, ErrTooLong)
		}
		if strings.TrimSpace(w.Text) != "" {
			if err := checkText(w.Text, maxLen); err != nil {
				return Frame{}, err
			}
			f.Text = w.Text
		}
		return f, nil
	case "resume":
		if w.ChatToken == "" {
			return Frame{}, fmt.Errorf("resume needs a chat_token: %w", ErrBadFrame)
		}
		if len(w.ChatToken) > maxTokenLen {
			return Frame{}, fmt.Errorf("chat_token longer than %d bytes: %w", maxTokenLen, ErrBadFrame)
		}
		return Frame{Type: FrameResume, ChatToken: w.ChatToken}, nil
	case "message":
		if strings.TrimSpace(w.Text) == "" {
			return Frame{}, fmt.Errorf("message needs a text: %w", ErrBadFrame)
		}
		if err := checkText(w.Text, maxLen); err != nil {
			return Frame{}, err
		}
		return Frame{Type: FrameMessage, Text: w.Text}, nil
	case "leave":
		return Frame{Type: FrameLeave}, nil
	case "":
		return Frame{}, fmt.Errorf("frame has no type: %w", ErrBadFrame)
	}
	return Frame{}, fmt.Errorf("unknown frame type %q: %w", truncate(w.Type, 32), ErrBadFrame)
}

func checkText(s string, maxLen int) error {
	if n := utf8.RuneCountInString(s); n > maxLen {
		return fmt.Errorf("message has %d characters, at most %d are allowed: %w", n, maxLen, ErrTooLong)
	}
	return nil
}

// truncate shortens client input echoed in an error.
func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n] + "…"
}
