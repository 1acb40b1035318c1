package codec

import (
	"maps"
	"time"

	"github.com/omnigate/omnigate/session"
)

// Time is t as every backend stores it: UTC, truncated to the microsecond that both
// SQLite (integer micros) and PostgreSQL (timestamptz) keep. The zero time stays zero.
func Time(t time.Time) time.Time {
	if t.IsZero() {
		return time.Time{}
	}
	return t.UTC().Truncate(time.Microsecond)
}

// Interaction returns a normalised deep copy of it.
func Interaction(it *session.Interaction) *session.Interaction {
	c := it.Clone()
	for _, t := range []*time.Time{&c.CreatedAt, &c.EnqueuedAt, &c.OfferedAt, &c.AcceptedAt, &c.EndedAt, &c.DoneAt} {
		*t = Time(*t)
	}
	if len(c.Tags) == 0 {
		c.Tags = nil
	}
	if len(c.Participants) == 0 {
		c.Participants = nil
	}
	for i := range c.Participants {
		p := &c.Participants[i]
		p.JoinedAt, p.LeftAt = Time(p.JoinedAt), Time(p.LeftAt)
	}
	if len(c.DeclinedBy) == 0 {
		c.DeclinedBy = nil
	}
	for k, v := range c.DeclinedBy {
		c.DeclinedBy[k] = Time(v)
	}
	return c
}

// Customer returns a normalised deep copy of c.
func Customer(c *session.Customer) *session.Customer {
	x := c.Clone()
	x.CreatedAt = Time(x.CreatedAt)
	if len(x.Identities) == 0 {
		x.Identities = nil
	}
	return x
}

// Session returns a normalised copy of s.
func Session(s *session.Session) *session.Session {
	x := *s
	x.CreatedAt, x.CompletedAt = Time(x.CreatedAt), Time(x.CompletedAt)
	return &x
}

// Event returns a normalised deep copy of e.
func Event(e session.Event) session.Event {
	e.At = Time(e.At)
	if len(e.Data) == 0 {
		e.Data = nil
	} else {
		e.Data = maps.Clone(e.Data)
	}
	return e
}

// Message returns a normalised copy of m.
func Message(m session.Message) session.Message {
	m.At = Time(m.At)
	return m
}
