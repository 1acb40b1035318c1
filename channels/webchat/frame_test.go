package webchat

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/omnigate/omnigate/routing"
	"github.com/omnigate/omnigate/session"
)

func TestDecodeClientFrame(t *testing.T) {
	max := session.MaxMessageLen
	for _, tc := range []struct {
		name, in string
		want     Frame
		err      error
	}{
		{"start", `{"type":"start","name":" Ann ","email":"a@b.c","phone":"+31","text":"hi"}`, Frame{Type: FrameStart, Name: "Ann", Email: "a@b.c", Phone: "+31", Text: "hi"}, nil},
		{"start without text", `{"type":"start","text":"  "}`, Frame{Type: FrameStart}, nil},
		{"start drops other fields", `{"type":"start","chat_token":"x"}`, Frame{Type: FrameStart}, nil},
		{"resume", `{"type":"resume","chat_token":"abc"}`, Frame{Type: FrameResume, ChatToken: "abc"}, nil},
		{"message", `{"type":"message","text":"hello"}`, Frame{Type: FrameMessage, Text: "hello"}, nil},
		{"message keeps spaces", `{"type":"message","text":" a "}`, Frame{Type: FrameMessage, Text: " a "}, nil},
		{"leave", `{"type":"leave","text":"bye"}`, Frame{Type: FrameLeave}, nil},
		{"unknown fields ignored", `{"type":"leave","v":2}`, Frame{Type: FrameLeave}, nil},
		{"message at the limit", `{"type":"message","text":"` + strings.Repeat("ü", max) + `"}`, Frame{Type: FrameMessage, Text: strings.Repeat("ü", max)}, nil},
		{"message over the limit", `{"type":"message","text":"` + strings.Repeat("ü", max+1) + `"}`, Frame{}, ErrTooLong},
		{"first text over the limit", `{"type":"start","text":"` + strings.Repeat("a", max+1) + `"}`, Frame{}, ErrTooLong},
		{"name too long", `{"type":"start","name":"` + strings.Repeat("n", routing.MaxNameLen+1) + `"}`, Frame{}, ErrTooLong},
		{"email too long", `{"type":"start","email":"` + strings.Repeat("e", routing.MaxIdentLen+1) + `"}`, Frame{}, ErrTooLong},
		{"empty message", `{"type":"message","text":""}`, Frame{}, ErrBadFrame},
		{"resume without token", `{"type":"resume","chat_token":""}`, Frame{}, ErrBadFrame},
		{"resume with a huge token", `{"type":"resume","chat_token":"` + strings.Repeat("t", maxTokenLen+1) + `"}`, Frame{}, ErrBadFrame},
		{"no type", `{}`, Frame{}, ErrBadFrame},
		{"unknown type", `{"type":"dance"}`, Frame{}, ErrBadFrame},
		{"type not a string", `{"type":1}`, Frame{}, ErrBadFrame},
		{"not an object", `"start"`, Frame{}, ErrBadFrame},
		{"null", `null`, Frame{}, ErrBadFrame},
		{"trailing data", `{"type":"leave"}{"type":"leave"}`, Frame{}, ErrBadFrame},
		{"empty", ``, Frame{}, ErrBadFrame},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := DecodeClientFrame([]byte(tc.in), max)
			if !errors.Is(err, tc.err) || (err != nil) != (tc.err != nil) {
				t.Fatalf("err = %v, want %v", err, tc.err)
			}
			if got != tc.want {
				t.Fatalf("frame = %+v, want %+v", got, tc.want)
			}
		})
	}
}

// FuzzDecodeClientFrame holds the frame decoder to its contract: no panic; an error
// or a valid frame, never both; a valid frame has a known type, only its own fields,
// texts within the limit and valid UTF-8, and comes from valid JSON.
func FuzzDecodeClientFrame(f *testing.F) {
	for _, s := range []string{
		`{"type":"start","name":"Ann","email":"a@b.c","phone":"1","text":"hi"}`,
		`{"type":"resume","chat_token":"AAAA"}`, `{"type":"message","text":"hello"}`, `{"type":"leave"}`,
		`{"type":"message","text":"\ud800"}`, `{"type":"start"} x`, `null`, `{"type":"message","text":"` + strings.Repeat("a", 30) + `"}`,
	} {
		f.Add([]byte(s), 20)
	}
	f.Fuzz(func(t *testing.T, data []byte, maxLen int) {
		if maxLen < 1 || maxLen > session.MaxMessageLen {
			maxLen = session.MaxMessageLen
		}
		fr, err := DecodeClientFrame(data, maxLen)
		if err != nil {
			if fr != (Frame{}) {
				t.Fatalf("error %v with a frame %+v", err, fr)
			}
			if !errors.Is(err, ErrBadFrame) && !errors.Is(err, ErrTooLong) {
				t.Fatalf("error %v is neither ErrBadFrame nor ErrTooLong", err)
			}
			return
		}
		if !json.Valid(data) {
			t.Fatalf("frame %+v from invalid JSON %q", fr, data)
		}
		for _, s := range []string{fr.Name, fr.Email, fr.Phone, fr.Text, fr.ChatToken} {
			if !utf8.ValidString(s) {
				t.Fatalf("invalid UTF-8 in %+v", fr)
			}
		}
		if n := utf8.RuneCountInString(fr.Text); n > maxLen {
			t.Fatalf("text of %d characters passed a limit of %d", n, maxLen)
		}
		switch fr.Type {
		case FrameStart:
			if fr.ChatToken != "" || utf8.RuneCountInString(fr.Name) > routing.MaxNameLen || len(fr.Email) > routing.MaxIdentLen || len(fr.Phone) > routing.MaxIdentLen {
				t.Fatalf("start frame %+v", fr)
			}
		case FrameResume:
			if fr.ChatToken == "" || len(fr.ChatToken) > maxTokenLen || fr.Text != "" || fr.Name != "" {
				t.Fatalf("resume frame %+v", fr)
			}
		case FrameMessage:
			if strings.TrimSpace(fr.Text) == "" || fr.ChatToken != "" || fr.Name != "" {
				t.Fatalf("message frame %+v", fr)
			}
		case FrameLeave:
			if fr != (Frame{Type: FrameLeave}) {
				t.Fatalf("leave frame %+v", fr)
			}
		default:
			t.Fatalf("frame of unknown type %v", fr.Type)
		}
	})
}
