// Package codec is the one serialisation of the session model that every store
// backend writes: a private JSON shape with explicit field names per type, and the
// normalisation applied to each value on its way in (times in UTC at microsecond
// precision, empty collections as nil), so SQLite, PostgreSQL and the in-memory
// store hand back exactly the same values.
//
// Enums are written by name ("queued", "chat"), so a reordering of a Go constant
// block never silently changes what old rows mean.
package codec
