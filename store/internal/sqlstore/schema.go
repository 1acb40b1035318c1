package sqlstore

import "strings"

// Types are a dialect's column types, filled into the shared schema so the two
// backends cannot drift apart in tables, columns or indexes.
type Types struct {
	Key    string // text that is compared and ordered bytewise: ids, states, queues
	Int    string // a 64-bit integer
	Bool   string
	Time   string // what a time.Time argument is stored as
	JSON   string // a codec document
	Serial string // the events' seq: a 64-bit primary key the database assigns, increasing
}

// Schema1 is version 1 of the schema in a dialect. It has shipped: never change
// what it returns; add a migration instead.
func Schema1(t Types) string {
	return strings.NewReplacer(
		"{key}", t.Key, "{int}", t.Int, "{bool}", t.Bool,
		"{time}", t.Time, "{json}", t.JSON, "{serial}", t.Serial,
	).Replace(schema1)
}

const schema1 = `
CREATE TABLE customers (
	id         {key} PRIMARY KEY,
	created_at {time} NOT NULL,
	data       {json} NOT NULL
);
CREATE TABLE customer_identities (
	kind        {key} NOT NULL,
	value       {key} NOT NULL,
	customer_id {key} NOT NULL,
	PRIMARY KEY (kind, value)
);
CREATE INDEX customer_identities_customer ON customer_identities (customer_id);
CREATE TABLE sessions (
	id          {key} PRIMARY KEY,
	customer_id {key} NOT NULL,
	state       {key} NOT NULL,
	created_at  {time} NOT NULL,
	data        {json} NOT NULL
);
CREATE INDEX sessions_customer ON sessions (customer_id, state, created_at);
CREATE INDEX sessions_state ON sessions (state, created_at, id);
CREATE TABLE interactions (
	id          {key} PRIMARY KEY,
	session_id  {key} NOT NULL,
	customer_id {key} NOT NULL,
	state       {key} NOT NULL,
	final       {bool} NOT NULL,
	queue       {key} NOT NULL,
	agent_id    {key} NOT NULL,
	seq         {int} NOT NULL,
	created_at  {time} NOT NULL,
	data        {json} NOT NULL
);
CREATE INDEX interactions_open ON interactions (seq, id) WHERE NOT final;
CREATE INDEX interactions_session ON interactions (session_id, created_at, id);
CREATE INDEX interactions_created ON interactions (created_at, id);
CREATE INDEX interactions_state ON interactions (state, created_at);
CREATE INDEX interactions_queue ON interactions (queue, created_at);
CREATE INDEX interactions_agent ON interactions (agent_id, created_at);
CREATE TABLE events (
	seq            {serial},
	session_id     {key} NOT NULL,
	interaction_id {key} NOT NULL,
	data           {json} NOT NULL
);
CREATE INDEX events_session ON events (session_id, seq);
CREATE TABLE messages (
	id             {key} PRIMARY KEY,
	interaction_id {key} NOT NULL,
	seq            {int} NOT NULL,
	data           {json} NOT NULL,
	UNIQUE (interaction_id, seq)
);
`
