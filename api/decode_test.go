package api

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"reflect"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/omnigate/omnigate/session"
)

// requestKinds are every body type the API decodes, with whether an empty body is
// allowed for it.
var requestKinds = []struct {
	name       string
	new        func() request
	allowEmpty bool
}{
	{"login", func() request { return &loginRequest{} }, false},
	{"state", func() request { return &stateRequest{} }, false},
	{"create", func() request { return &createRequest{} }, false},
	{"message", func() request { return &messageRequest{} }, false},
	{"reason", func() request { return &reasonRequest{} }, true},
	{"wrapup", func() request { return &wrapUpRequest{} }, true},
	{"transfer", func() request { return &transferRequest{} }, false},
	{"empty", func() request { return &emptyRequest{} }, true},
}

func TestDecodeJSON(t *testing.T) {
	for _, tc := range []struct {
		name, body string
		want       int // 0: accepted
	}{
		{"object", `{"text":"hi"}`, 0},
		{"surrounding whitespace", " \n{\"text\":\"hi\"}\t ", 0},
		{"unknown field", `{"text":"hi","x":1}`, 400},
		{"trailing object", `{"text":"hi"}{}`, 400},
		{"trailing garbage", `{"text":"hi"} x`, 400},
		{"array", `[{"text":"hi"}]`, 400},
		{"string", `"hi"`, 400},
		{"wrong type", `{"text":1}`, 400},
		{"truncated", `{"text":"hi"`, 400},
		{"empty", ``, 400},
		{"blank text", `{"text":"   "}`, 400},
		{"at the limit", `{"text":"` + strings.Repeat("a", session.MaxMessageLen) + `"}`, 0},
		{"over the limit", `{"text":"` + strings.Repeat("a", session.MaxMessageLen+1) + `"}`, 413},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := decodeJSON(strings.NewReader(tc.body), &messageRequest{}, false)
			got := 0
			if err != nil {
				got = statusOf(err)
			}
			if got != tc.want {
				t.Fatalf("status %d (%v), want %d", got, err, tc.want)
			}
		})
	}
	t.Run("body cap", func(t *testing.T) {
		body := `{"text":"` + strings.Repeat("a", MaxBodyBytes) + `"}`
		r := http.MaxBytesReader(nil, io.NopCloser(strings.NewReader(body)), MaxBodyBytes)
		if err := decodeJSON(r, &messageRequest{}, false); statusOf(err) != 413 {
			t.Fatalf("over-cap body: %v (status %d), want 413", err, statusOf(err))
		}
	})
}

// FuzzDecodeJSONRequest holds the request decoder to its contract for every body
// type: it never panics; it fails only with a client error (400 or 413, never 500);
// what it accepts is valid JSON (or empty, where allowed), survives a round trip
// unchanged, and for messages stays within the length limit.
func FuzzDecodeJSONRequest(f *testing.F) {
	for _, s := range []string{
		`{"username":"alice","password":"x"}`, `{"state":"available","reason":"Lunch"}`,
		`{"channel":"chat","queue":"sales","priority":2,"customer":{"name":"A","phone":"1","email":"a@b"}}`,
		`{"text":"hello"}`, `{"reason":""}`, `{"disposition":"resolved","tags":["a","b"],"notes":"n"}`,
		`{"queue":"support"}`, `{}`, ``, `null`, `{"text":"\ud800"}`, `{"a":1}`, `{} {}`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		for _, k := range requestKinds {
			v := k.new()
			err := decodeJSON(bytes.NewReader(data), v, k.allowEmpty)
			if err != nil {
				if code := statusOf(err); code != 400 && code != 413 {
					t.Fatalf("%s: %q failed with status %d: %v", k.name, data, code, err)
				}
				continue
			}
			if len(bytes.TrimSpace(data)) == 0 {
				if !k.allowEmpty {
					t.Fatalf("%s: empty body accepted", k.name)
				}
			} else if !json.Valid(data) {
				t.Fatalf("%s: invalid JSON %q accepted", k.name, data)
			}
			if m, ok := v.(*messageRequest); ok {
				if n := utf8.RuneCountInString(m.Text); n > session.MaxMessageLen || strings.TrimSpace(m.Text) == "" {
					t.Fatalf("message of %d characters accepted", n)
				}
			}
			again, err := json.Marshal(v)
			if err != nil {
				t.Fatalf("%s: re-encode: %v", k.name, err)
			}
			w := k.new()
			if err := decodeJSON(bytes.NewReader(again), w, k.allowEmpty); err != nil {
				t.Fatalf("%s: round trip of %s refused: %v", k.name, again, err)
			}
			if !reflect.DeepEqual(v, w) {
				t.Fatalf("%s: round trip changed %#v into %#v", k.name, v, w)
			}
		}
	})
}
