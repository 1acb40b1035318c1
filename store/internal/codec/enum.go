package codec

import "fmt"

// enum is a session enum with a wire name.
type enum interface {
	~uint8
	String() string
}

// parseEnum is the inverse of String for any uint8 enum. It tries every value, so
// a constant added to the model needs no change here, and even an out-of-range
// value ("state(12)") reads back as itself.
func parseEnum[E enum](kind, s string) (E, error) {
	for i := range 256 {
		if e := E(i); e.String() == s {
			return e, nil
		}
	}
	return 0, fmt.Errorf("unknown %s %q", kind, s)
}
