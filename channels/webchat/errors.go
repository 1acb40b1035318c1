package webchat

import (
	"errors"

	"github.com/omnigate/omnigate/routing"
	"github.com/omnigate/omnigate/session"
)

var (
	// ErrBadFrame is a client frame that is not JSON, not an object, has an unknown
	// type or lacks a field its type needs.
	ErrBadFrame = errors.New("bad frame")
	// ErrTooLong is a message (or a start field) over its length limit.
	ErrTooLong = errors.New("too long")
	// ErrBadToken is a chat token that is malformed or not signed by this server.
	ErrBadToken = errors.New("invalid chat token")
)

// customerError is the one place where an error becomes what the customer reads. It
// reports internal when the cause is ours (a store failure, a bug): that is logged,
// and the customer reads a generic sentence.
func customerError(err error) (msg string, internal bool) {
	switch {
	case errors.Is(err, ErrTooLong), errors.Is(err, routing.ErrTooLong):
		return err.Error(), false
	case errors.Is(err, ErrBadFrame), errors.Is(err, ErrBadToken), errors.Is(err, session.ErrInvalid):
		return err.Error(), false
	case errors.Is(err, routing.ErrNotFound):
		return "this conversation no longer exists", false
	case errors.Is(err, routing.ErrConflict), errors.Is(err, session.ErrInvalidTransition):
		return "this conversation has ended", false
	}
	return "something went wrong, please try again", true
}
