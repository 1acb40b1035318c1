package codec

import (
	"fmt"
	"reflect"
	"testing"
	"time"

	"github.com/omnigate/omnigate/session"
)

// fill sets every field reachable from v to a non-zero value, so a field added to
// the model but forgotten by the codec fails the round trip below.
func fill(t *testing.T, v reflect.Value, name string) {
	t.Helper()
	switch v.Kind() {
	case reflect.String:
		v.SetString("v-" + name)
	case reflect.Int, reflect.Int64:
		v.SetInt(-int64(len(name)))
	case reflect.Uint8:
		v.SetUint(1) // the one value every enum names uniquely (Direction names 2 "inbound")
	case reflect.Bool:
		v.SetBool(true)
	case reflect.Struct:
		if v.Type() == reflect.TypeFor[time.Time]() {
			v.Set(reflect.ValueOf(time.Date(2025, 3, 4, 5, 6, 7, 123456789, time.FixedZone("X", 3600+len(name)))))
			return
		}
		for i := range v.NumField() {
			fill(t, v.Field(i), name+"."+v.Type().Field(i).Name)
		}
	case reflect.Slice:
		v.Set(reflect.MakeSlice(v.Type(), 2, 2))
		for i := range v.Len() {
			fill(t, v.Index(i), fmt.Sprintf("%s[%d]", name, i))
		}
	case reflect.Map:
		v.Set(reflect.MakeMap(v.Type()))
		k, e := reflect.New(v.Type().Key()).Elem(), reflect.New(v.Type().Elem()).Elem()
		fill(t, k, name+".key")
		fill(t, e, name+".elem")
		v.SetMapIndex(k, e)
	default:
		t.Fatalf("fill: %s has kind %s: teach fill about it", name, v.Kind())
	}
}

// roundTrip encodes every field of a T set, decodes it, and expects what norm says
// a store keeps.
func roundTrip[T any](t *testing.T, enc func(T) (string, error), dec func([]byte) (T, error), norm func(T) T) {
	t.Run(reflect.TypeFor[T]().String(), func(t *testing.T) {
		var in T
		v := reflect.ValueOf(&in).Elem()
		if v.Kind() == reflect.Pointer {
			v.Set(reflect.New(v.Type().Elem()))
			v = v.Elem()
		}
		fill(t, v, v.Type().Name())
		s, err := enc(in)
		if err != nil {
			t.Fatal(err)
		}
		got, err := dec([]byte(s))
		if err != nil {
			t.Fatal(err)
		}
		if want := norm(in); !reflect.DeepEqual(got, want) {
			t.Fatalf("round trip:\nwant %+v\ngot  %+v", want, got)
		}
	})
}

func TestRoundTripEveryField(t *testing.T) {
	roundTrip(t, EncodeInteraction, DecodeInteraction, Interaction)
	roundTrip(t, EncodeCustomer, DecodeCustomer, Customer)
	roundTrip(t, EncodeSession, DecodeSession, Session)
	// An event's seq is not in its document; the store passes it to DecodeEvent.
	const seq = 42
	roundTrip(t, EncodeEvent,
		func(b []byte) (session.Event, error) { return DecodeEvent(seq, b) },
		func(e session.Event) session.Event { e = Event(e); e.Seq = seq; return e })
	roundTrip(t, EncodeMessage, DecodeMessage, Message)
}

func TestTime(t *testing.T) {
	in := time.Date(2025, 1, 2, 3, 4, 5, 999999999, time.FixedZone("CET", 3600))
	got := Time(in)
	want := time.Date(2025, 1, 2, 2, 4, 5, 999999000, time.UTC)
	if got != want {
		t.Errorf("Time(%v) = %v, want %v", in, got, want)
	}
	if !Time(time.Time{}).IsZero() {
		t.Error("the zero time must stay zero")
	}
}

func TestEnumOutOfRangeRoundTrips(t *testing.T) {
	in := session.Interaction{ID: "i", State: session.State(200), Channel: session.Channel(77)}
	s, err := EncodeInteraction(&in)
	if err != nil {
		t.Fatal(err)
	}
	out, err := DecodeInteraction([]byte(s))
	if err != nil {
		t.Fatal(err)
	}
	if out.State != in.State || out.Channel != in.Channel {
		t.Errorf("got state %d channel %d", out.State, out.Channel)
	}
}

func TestDecodeRejectsUnknownName(t *testing.T) {
	if _, err := DecodeInteraction([]byte(`{"id":"i","state":"nonsense","channel":"chat","direction":"inbound"}`)); err == nil {
		t.Error("an unknown state name decoded without error")
	}
}
