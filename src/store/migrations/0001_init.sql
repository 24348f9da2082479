-- 0001_init.sql: the first schema: tenants and their configuration, people and access,
-- customers and conversations, routing, technicians and appointments, knowledge, events.
--
-- Rules: every row but tenants/users (and the global auth tables sessions and
-- login_attempts) carries tenant_id, and indexes lead with tenant_id. Child rows refer to
-- their parent through (tenant_id, id) so a row can never point at another tenant's row.
-- Times are Unix seconds (INTEGER); JSON is TEXT declared JSON; flags are BOOLEAN (0/1).

CREATE TABLE tenants (
	id INTEGER PRIMARY KEY,
	slug TEXT NOT NULL UNIQUE,
	name TEXT NOT NULL,
	timezone TEXT NOT NULL,
	settings JSON NOT NULL DEFAULT '{}',
	created_at INTEGER NOT NULL
);

CREATE TABLE business_hours (
	tenant_id INTEGER NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
	weekday INTEGER NOT NULL CHECK (weekday BETWEEN 0 AND 6),
	open_min INTEGER NOT NULL CHECK (open_min BETWEEN 0 AND 1439),
	close_min INTEGER NOT NULL CHECK (close_min > open_min AND close_min <= 1440),
	PRIMARY KEY (tenant_id, weekday, open_min)
);

CREATE TABLE holidays (
	tenant_id INTEGER NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
	date TEXT NOT NULL,
	name TEXT NOT NULL,
	PRIMARY KEY (tenant_id, date)
);

CREATE TABLE service_zips (
	tenant_id INTEGER NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
	zip TEXT NOT NULL,
	PRIMARY KEY (tenant_id, zip)
);

CREATE TABLE services (
	id INTEGER PRIMARY KEY,
	tenant_id INTEGER NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
	code TEXT NOT NULL,
	name TEXT NOT NULL,
	trade TEXT NOT NULL,
	price_cents INTEGER NOT NULL DEFAULT 0 CHECK (price_cents >= 0),
	price_kind TEXT NOT NULL CHECK (price_kind IN ('fixed', 'from', 'monthly', 'estimate')),
	duration_windows INTEGER NOT NULL DEFAULT 1 CHECK (duration_windows >= 0),
	description TEXT,
	UNIQUE (tenant_id, code)
);

CREATE TABLE users (
	id INTEGER PRIMARY KEY,
	email TEXT NOT NULL UNIQUE,
	name TEXT NOT NULL,
	password_hash TEXT,
	is_platform_admin BOOLEAN NOT NULL DEFAULT 0,
	disabled BOOLEAN NOT NULL DEFAULT 0,
	created_at INTEGER NOT NULL
);

CREATE TABLE memberships (
	tenant_id INTEGER NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
	user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
	role TEXT NOT NULL CHECK (role IN ('admin', 'supervisor', 'agent')),
	PRIMARY KEY (tenant_id, user_id)
);
CREATE INDEX memberships_user ON memberships (user_id);

CREATE TABLE sessions (
	token_hash TEXT PRIMARY KEY,
	user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
	csrf_token TEXT NOT NULL,
	created_at INTEGER NOT NULL,
	expires_at INTEGER NOT NULL,
	last_seen INTEGER NOT NULL
);
CREATE INDEX sessions_user ON sessions (user_id);
CREATE INDEX sessions_expires ON sessions (expires_at);

CREATE TABLE api_keys (
	id INTEGER PRIMARY KEY,
	tenant_id INTEGER NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
	name TEXT NOT NULL,
	prefix TEXT NOT NULL,
	key_hash TEXT NOT NULL UNIQUE,
	created_at INTEGER NOT NULL,
	revoked_at INTEGER
);
CREATE INDEX api_keys_tenant ON api_keys (tenant_id, id);

CREATE TABLE login_attempts (
	id INTEGER PRIMARY KEY,
	key TEXT NOT NULL,
	at INTEGER NOT NULL,
	success BOOLEAN NOT NULL
);
CREATE INDEX login_attempts_key ON login_attempts (key, at);
CREATE INDEX login_attempts_at ON login_attempts (at);

CREATE TABLE customers (
	id INTEGER PRIMARY KEY,
	tenant_id INTEGER NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
	name TEXT,
	address TEXT,
	zip TEXT,
	notes TEXT,
	created_at INTEGER NOT NULL,
	updated_at INTEGER NOT NULL,
	UNIQUE (tenant_id, id)
);

CREATE TABLE customer_identities (
	tenant_id INTEGER NOT NULL,
	kind TEXT NOT NULL CHECK (kind IN ('phone', 'email', 'chat', 'portal')),
	value TEXT NOT NULL,
	customer_id INTEGER NOT NULL,
	PRIMARY KEY (tenant_id, kind, value),
	FOREIGN KEY (tenant_id, customer_id) REFERENCES customers (tenant_id, id) ON DELETE CASCADE
);
CREATE INDEX customer_identities_customer ON customer_identities (tenant_id, customer_id);

CREATE TABLE conversations (
	id INTEGER PRIMARY KEY,
	tenant_id INTEGER NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
	customer_id INTEGER,
	status TEXT NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'waiting', 'closed')),
	owner_kind TEXT NOT NULL DEFAULT 'ai' CHECK (owner_kind IN ('ai', 'human')),
	owner_user_id INTEGER REFERENCES users(id) ON DELETE SET NULL,
	channels JSON NOT NULL DEFAULT '[]',
	state JSON NOT NULL DEFAULT '{}',
	last_seq INTEGER NOT NULL DEFAULT 0,
	created_at INTEGER NOT NULL,
	updated_at INTEGER NOT NULL,
	UNIQUE (tenant_id, id),
	FOREIGN KEY (tenant_id, customer_id) REFERENCES customers (tenant_id, id)
);
CREATE INDEX conversations_status ON conversations (tenant_id, status, updated_at);
CREATE INDEX conversations_customer ON conversations (tenant_id, customer_id);

CREATE TABLE messages (
	id INTEGER PRIMARY KEY,
	tenant_id INTEGER NOT NULL,
	conversation_id INTEGER NOT NULL,
	seq INTEGER NOT NULL CHECK (seq > 0),
	sender TEXT NOT NULL CHECK (sender IN ('customer', 'ai', 'agent', 'system')),
	sender_user_id INTEGER REFERENCES users(id) ON DELETE SET NULL,
	channel TEXT NOT NULL,
	text TEXT NOT NULL,
	client_msg_id TEXT,
	nlu JSON,
	created_at INTEGER NOT NULL,
	UNIQUE (tenant_id, conversation_id, seq),
	FOREIGN KEY (tenant_id, conversation_id) REFERENCES conversations (tenant_id, id)
		ON DELETE CASCADE
);
CREATE UNIQUE INDEX messages_client_msg ON messages (tenant_id, conversation_id, client_msg_id)
	WHERE client_msg_id IS NOT NULL;

-- The packet a human sees when the AI hands a conversation over.
CREATE TABLE handoffs (
	id INTEGER PRIMARY KEY,
	tenant_id INTEGER NOT NULL,
	conversation_id INTEGER NOT NULL,
	priority INTEGER NOT NULL DEFAULT 2,
	reasons JSON NOT NULL DEFAULT '[]',
	packet JSON NOT NULL,
	created_at INTEGER NOT NULL,
	FOREIGN KEY (tenant_id, conversation_id) REFERENCES conversations (tenant_id, id)
		ON DELETE CASCADE
);
CREATE INDEX handoffs_conversation ON handoffs (tenant_id, conversation_id);

CREATE TABLE agent_skills (
	tenant_id INTEGER NOT NULL,
	user_id INTEGER NOT NULL,
	skill TEXT NOT NULL,
	level INTEGER NOT NULL DEFAULT 1 CHECK (level BETWEEN 0 AND 10),
	PRIMARY KEY (tenant_id, user_id, skill),
	FOREIGN KEY (tenant_id, user_id) REFERENCES memberships (tenant_id, user_id)
		ON DELETE CASCADE
);

CREATE TABLE queues (
	id INTEGER PRIMARY KEY,
	tenant_id INTEGER NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
	name TEXT NOT NULL,
	skill TEXT,
	sla_seconds INTEGER NOT NULL DEFAULT 120,
	priority INTEGER NOT NULL DEFAULT 0,
	settings JSON NOT NULL DEFAULT '{}',
	UNIQUE (tenant_id, name),
	UNIQUE (tenant_id, id)
);

CREATE TABLE queue_entries (
	id INTEGER PRIMARY KEY,
	tenant_id INTEGER NOT NULL,
	queue_id INTEGER NOT NULL,
	conversation_id INTEGER NOT NULL,
	priority INTEGER NOT NULL DEFAULT 2,
	reason TEXT,
	status TEXT NOT NULL DEFAULT 'waiting'
		CHECK (status IN ('waiting', 'offered', 'assigned', 'abandoned', 'done')),
	entered_at INTEGER NOT NULL,
	sla_deadline INTEGER,
	assigned_user_id INTEGER REFERENCES users(id) ON DELETE SET NULL,
	assigned_at INTEGER,
	ended_at INTEGER,
	FOREIGN KEY (tenant_id, queue_id) REFERENCES queues (tenant_id, id) ON DELETE CASCADE,
	FOREIGN KEY (tenant_id, conversation_id) REFERENCES conversations (tenant_id, id)
		ON DELETE CASCADE
);
CREATE INDEX queue_entries_status ON queue_entries (tenant_id, status, queue_id, entered_at);
-- A conversation waits in at most one queue at a time.
CREATE UNIQUE INDEX queue_entries_live ON queue_entries (tenant_id, conversation_id)
	WHERE status IN ('waiting', 'offered', 'assigned');

CREATE TABLE callbacks (
	id INTEGER PRIMARY KEY,
	tenant_id INTEGER NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
	customer_id INTEGER,
	conversation_id INTEGER,
	phone TEXT,
	reason TEXT,
	promised_at INTEGER NOT NULL,
	status TEXT NOT NULL DEFAULT 'pending'
		CHECK (status IN ('pending', 'in_progress', 'done', 'cancelled', 'failed')),
	assigned_user_id INTEGER REFERENCES users(id) ON DELETE SET NULL,
	notes TEXT,
	created_at INTEGER NOT NULL,
	completed_at INTEGER,
	FOREIGN KEY (tenant_id, customer_id) REFERENCES customers (tenant_id, id),
	FOREIGN KEY (tenant_id, conversation_id) REFERENCES conversations (tenant_id, id)
);
CREATE INDEX callbacks_status ON callbacks (tenant_id, status, promised_at);

CREATE TABLE technicians (
	id INTEGER PRIMARY KEY,
	tenant_id INTEGER NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
	name TEXT NOT NULL,
	phone TEXT,
	email TEXT,
	active BOOLEAN NOT NULL DEFAULT 1,
	UNIQUE (tenant_id, id)
);

CREATE TABLE technician_trades (
	tenant_id INTEGER NOT NULL,
	technician_id INTEGER NOT NULL,
	trade TEXT NOT NULL,
	PRIMARY KEY (tenant_id, technician_id, trade),
	FOREIGN KEY (tenant_id, technician_id) REFERENCES technicians (tenant_id, id)
		ON DELETE CASCADE
);

CREATE TABLE technician_hours (
	tenant_id INTEGER NOT NULL,
	technician_id INTEGER NOT NULL,
	weekday INTEGER NOT NULL CHECK (weekday BETWEEN 0 AND 6),
	start_min INTEGER NOT NULL CHECK (start_min BETWEEN 0 AND 1439),
	end_min INTEGER NOT NULL CHECK (end_min > start_min AND end_min <= 1440),
	PRIMARY KEY (tenant_id, technician_id, weekday, start_min),
	FOREIGN KEY (tenant_id, technician_id) REFERENCES technicians (tenant_id, id)
		ON DELETE CASCADE
);

CREATE TABLE technician_zips (
	tenant_id INTEGER NOT NULL,
	technician_id INTEGER NOT NULL,
	zip TEXT NOT NULL,
	PRIMARY KEY (tenant_id, technician_id, zip),
	FOREIGN KEY (tenant_id, technician_id) REFERENCES technicians (tenant_id, id)
		ON DELETE CASCADE
);

CREATE TABLE time_off (
	id INTEGER PRIMARY KEY,
	tenant_id INTEGER NOT NULL,
	technician_id INTEGER NOT NULL,
	start_at INTEGER NOT NULL,
	end_at INTEGER NOT NULL CHECK (end_at > start_at),
	reason TEXT,
	FOREIGN KEY (tenant_id, technician_id) REFERENCES technicians (tenant_id, id)
		ON DELETE CASCADE
);
CREATE INDEX time_off_technician ON time_off (tenant_id, technician_id, start_at);

CREATE TABLE oncall_shifts (
	id INTEGER PRIMARY KEY,
	tenant_id INTEGER NOT NULL,
	technician_id INTEGER NOT NULL,
	trade TEXT,
	start_at INTEGER NOT NULL,
	end_at INTEGER NOT NULL CHECK (end_at > start_at),
	FOREIGN KEY (tenant_id, technician_id) REFERENCES technicians (tenant_id, id)
		ON DELETE CASCADE
);
CREATE INDEX oncall_shifts_start ON oncall_shifts (tenant_id, start_at);

CREATE TABLE appointments (
	id INTEGER PRIMARY KEY,
	tenant_id INTEGER NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
	customer_id INTEGER NOT NULL,
	technician_id INTEGER,
	conversation_id INTEGER,
	service_code TEXT NOT NULL,
	trade TEXT NOT NULL,
	start_at INTEGER NOT NULL,
	end_at INTEGER NOT NULL CHECK (end_at > start_at),
	status TEXT NOT NULL DEFAULT 'scheduled'
		CHECK (status IN ('scheduled', 'en_route', 'on_site', 'completed', 'cancelled')),
	job_number TEXT NOT NULL,
	address TEXT,
	eta INTEGER,
	notes TEXT,
	created_at INTEGER NOT NULL,
	updated_at INTEGER NOT NULL,
	UNIQUE (tenant_id, job_number),
	UNIQUE (tenant_id, id),
	FOREIGN KEY (tenant_id, customer_id) REFERENCES customers (tenant_id, id),
	FOREIGN KEY (tenant_id, technician_id) REFERENCES technicians (tenant_id, id),
	FOREIGN KEY (tenant_id, conversation_id) REFERENCES conversations (tenant_id, id)
);
CREATE INDEX appointments_customer ON appointments (tenant_id, customer_id, start_at);
CREATE INDEX appointments_technician ON appointments (tenant_id, technician_id, start_at);

-- One row per appointment window a technician is booked for: the primary key makes a
-- double booking impossible, whichever node or thread tries it.
CREATE TABLE appointment_slots (
	tenant_id INTEGER NOT NULL,
	technician_id INTEGER NOT NULL,
	slot_start INTEGER NOT NULL,
	appointment_id INTEGER NOT NULL,
	PRIMARY KEY (tenant_id, technician_id, slot_start),
	FOREIGN KEY (tenant_id, appointment_id) REFERENCES appointments (tenant_id, id)
		ON DELETE CASCADE,
	FOREIGN KEY (tenant_id, technician_id) REFERENCES technicians (tenant_id, id)
);
CREATE INDEX appointment_slots_appointment ON appointment_slots (tenant_id, appointment_id);

CREATE TABLE invoices (
	id INTEGER PRIMARY KEY,
	tenant_id INTEGER NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
	customer_id INTEGER NOT NULL,
	appointment_id INTEGER,
	number TEXT NOT NULL,
	amount_cents INTEGER NOT NULL CHECK (amount_cents >= 0),
	status TEXT NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'paid', 'void')),
	issued_at INTEGER NOT NULL,
	due_at INTEGER,
	paid_at INTEGER,
	UNIQUE (tenant_id, number),
	FOREIGN KEY (tenant_id, customer_id) REFERENCES customers (tenant_id, id),
	FOREIGN KEY (tenant_id, appointment_id) REFERENCES appointments (tenant_id, id)
);
CREATE INDEX invoices_customer ON invoices (tenant_id, customer_id);

CREATE TABLE kb_articles (
	id INTEGER PRIMARY KEY,
	tenant_id INTEGER NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
	title TEXT NOT NULL,
	body TEXT NOT NULL,
	tags JSON NOT NULL DEFAULT '[]',
	updated_at INTEGER NOT NULL
);
CREATE INDEX kb_articles_tenant ON kb_articles (tenant_id, id);

-- Append-only: analytics and audit read it; nothing updates or deletes a row.
CREATE TABLE events (
	id INTEGER PRIMARY KEY,
	tenant_id INTEGER NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
	at INTEGER NOT NULL,
	kind TEXT NOT NULL,
	conversation_id INTEGER,
	actor TEXT,
	data JSON NOT NULL DEFAULT '{}'
);
CREATE INDEX events_tenant ON events (tenant_id, id);
CREATE INDEX events_kind ON events (tenant_id, kind, at);
CREATE INDEX events_conversation ON events (tenant_id, conversation_id)
	WHERE conversation_id IS NOT NULL;

CREATE TABLE outbox (
	id INTEGER PRIMARY KEY,
	tenant_id INTEGER NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
	channel TEXT NOT NULL,
	recipient TEXT NOT NULL,
	subject TEXT,
	body TEXT NOT NULL,
	status TEXT NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'sent', 'failed')),
	attempts INTEGER NOT NULL DEFAULT 0,
	next_attempt_at INTEGER NOT NULL,
	last_error TEXT,
	created_at INTEGER NOT NULL,
	sent_at INTEGER
);
CREATE INDEX outbox_tenant ON outbox (tenant_id, id);
-- The sender scans due rows across tenants (the one index not led by tenant_id).
CREATE INDEX outbox_due ON outbox (next_attempt_at) WHERE status = 'pending';
