package storetest

import (
	"testing"

	"github.com/omnigate/omnigate/routing"
	"github.com/omnigate/omnigate/session"
)

func testCustomerByIdentity(t *testing.T, s routing.Store) {
	ctx := t.Context()
	phone := session.Identity{Kind: session.IdentityPhone, Value: "+4930123"}
	email := session.Identity{Kind: session.IdentityEmail, Value: "ada@example.com"}
	visitor := session.Identity{Kind: session.IdentityVisitor, Value: "+4930123"} // same value, other kind
	createdIn, createdWant := ts(0)
	c1 := &session.Customer{ID: "c1", Name: "Ada \x00 Łovelace", Identities: []session.Identity{phone, email}, CreatedAt: createdIn}
	c2 := &session.Customer{ID: "c2", Identities: []session.Identity{visitor}}
	commit(t, s, &routing.Change{Customers: []*session.Customer{c1, c2}})
	want := c1.Clone()
	want.CreatedAt = createdWant

	got, err := s.Customer(ctx, "c1")
	if err != nil {
		t.Fatal(err)
	}
	equal(t, "Customer", got, want)
	for _, id := range []session.Identity{phone, email} {
		got, err := s.CustomerByIdentity(ctx, id)
		if err != nil {
			t.Fatalf("%v: %v", id, err)
		}
		equal(t, "by "+string(id.Kind), got, want)
	}
	got, err = s.CustomerByIdentity(ctx, visitor)
	if err != nil || got.ID != "c2" {
		t.Errorf("by visitor: %v, %v, want c2", got, err)
	}

	// An identity dropped from the customer no longer finds it.
	c1.Identities = []session.Identity{phone}
	commit(t, s, &routing.Change{Customers: []*session.Customer{c1}})
	_, err = s.CustomerByIdentity(ctx, email)
	notFound(t, "dropped identity", err)

	// The last customer written with an identity owns it.
	c3 := &session.Customer{ID: "c3", Identities: []session.Identity{phone}}
	commit(t, s, &routing.Change{Customers: []*session.Customer{c3}})
	got, err = s.CustomerByIdentity(ctx, phone)
	if err != nil || got.ID != "c3" {
		t.Errorf("identity moved to c3: got %v, %v", got, err)
	}
}
