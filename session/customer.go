package session

import "time"

// IdentityKind is the channel family of a customer identity.
type IdentityKind string

const (
	IdentityPhone   IdentityKind = "phone"
	IdentityEmail   IdentityKind = "email"
	IdentityVisitor IdentityKind = "visitor" // a web chat visitor id
	IdentitySocial  IdentityKind = "social"
)

// Identity is one way to reach a customer.
type Identity struct {
	Kind  IdentityKind
	Value string
}

// Customer is a person with identities on many channels (SPEC §1, W7).
type Customer struct {
	ID         string
	Name       string
	Identities []Identity
	CreatedAt  time.Time
}

// Has reports whether the customer owns the identity.
func (c *Customer) Has(id Identity) bool {
	for _, x := range c.Identities {
		if x == id {
			return true
		}
	}
	return false
}

// AddIdentity adds id if it is new and not empty; it reports whether it was added.
func (c *Customer) AddIdentity(id Identity) bool {
	if id.Value == "" || c.Has(id) {
		return false
	}
	c.Identities = append(c.Identities, id)
	return true
}

// Clone returns a deep copy.
func (c *Customer) Clone() *Customer {
	x := *c
	x.Identities = append([]Identity(nil), c.Identities...)
	return &x
}
