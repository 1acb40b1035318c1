package api

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"

	"github.com/omnigate/omnigate/session"
)

// MaxBodyBytes caps every request body; a larger one is answered with 413.
const MaxBodyBytes = 1 << 20

// request is a JSON request body that can check itself once decoded.
type request interface {
	validate() error
}

// decodeJSON reads exactly one JSON object from body into v and validates it. Unknown
// fields, trailing data after the object and a body that is not an object are errors
// (session.ErrInvalid, so 400); an empty body is one too unless allowEmpty. A body
// over MaxBodyBytes fails with *http.MaxBytesError (413) when body is a
// http.MaxBytesReader.
func decodeJSON(body io.Reader, v request, allowEmpty bool) error {
	dec := json.NewDecoder(body)
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		var tooBig *http.MaxBytesError
		switch {
		case errors.As(err, &tooBig):
			return fmt.Errorf("request body over %d bytes: %w", MaxBodyBytes, err)
		case errors.Is(err, io.EOF) && allowEmpty:
			return v.validate()
		case errors.Is(err, io.EOF):
			return fmt.Errorf("request body is empty: %w", session.ErrInvalid)
		}
		return fmt.Errorf("invalid JSON body: %s: %w", jsonProblem(err), session.ErrInvalid)
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			return fmt.Errorf("request body over %d bytes: %w", MaxBodyBytes, err)
		}
		return fmt.Errorf("invalid JSON body: unexpected data after the object: %w", session.ErrInvalid)
	}
	return v.validate()
}

// jsonProblem says what is wrong with a body in words that do not depend on Go type
// names.
func jsonProblem(err error) string {
	var typeErr *json.UnmarshalTypeError
	if errors.As(err, &typeErr) {
		if typeErr.Field == "" {
			return "expected a JSON object"
		}
		return fmt.Sprintf("field %q has the wrong type", typeErr.Field)
	}
	return err.Error()
}

// emptyRequest is a body that carries nothing (logout, ws-ticket, extra-contact); any
// field in it is an error.
type emptyRequest struct{}

func (*emptyRequest) validate() error { return nil }
