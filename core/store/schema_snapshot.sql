-- alembic revision: 0012
CREATE TABLE alembic_version (
	version_num VARCHAR(32) NOT NULL, 
	CONSTRAINT alembic_version_pkc PRIMARY KEY (version_num)
)
--
CREATE TABLE ledger_entries (
	seq INTEGER NOT NULL, 
	ticket_id INTEGER NOT NULL, 
	version INTEGER NOT NULL, 
	entry_type VARCHAR(32) NOT NULL, 
	at DATETIME NOT NULL, 
	actor VARCHAR(200), 
	handoff_id VARCHAR(64), 
	from_group VARCHAR(200), 
	from_person VARCHAR(200), 
	to_group VARCHAR(200), 
	to_person VARCHAR(200), 
	kind VARCHAR(32), 
	reason TEXT, 
	data JSON NOT NULL, 
	recorded_at DATETIME NOT NULL, 
	CONSTRAINT pk_ledger_entries PRIMARY KEY (seq), 
	CONSTRAINT uq_ledger_entries_ticket_id_version UNIQUE (ticket_id, version), 
	CONSTRAINT fk_ledger_entries_ticket_id FOREIGN KEY(ticket_id) REFERENCES tickets (id)
)
--
CREATE INDEX ix_ledger_entries_handoff_id ON ledger_entries (handoff_id)
--
CREATE TABLE inbox (
	id INTEGER NOT NULL, 
	source VARCHAR(100) NOT NULL, 
	event_id VARCHAR(200) NOT NULL, 
	received_at DATETIME NOT NULL, 
	payload JSON NOT NULL, 
	status VARCHAR(16) NOT NULL, 
	attempts INTEGER NOT NULL, 
	claimed_until DATETIME, 
	processed_at DATETIME, 
	last_error TEXT, ticket VARCHAR(210), 
	CONSTRAINT pk_inbox PRIMARY KEY (id), 
	CONSTRAINT uq_inbox_source_event_id UNIQUE (source, event_id)
)
--
CREATE INDEX ix_inbox_status_received_at ON inbox (status, received_at)
--
CREATE TABLE outbox (
	id INTEGER NOT NULL, 
	idempotency_key VARCHAR(255) NOT NULL, 
	channel VARCHAR(32) NOT NULL, 
	ticket_id INTEGER, 
	payload JSON NOT NULL, 
	status VARCHAR(16) NOT NULL, 
	attempts INTEGER NOT NULL, 
	next_attempt_at DATETIME NOT NULL, 
	claimed_until DATETIME, 
	created_at DATETIME NOT NULL, 
	sent_at DATETIME, 
	last_error TEXT, 
	CONSTRAINT pk_outbox PRIMARY KEY (id), 
	CONSTRAINT uq_outbox_idempotency_key UNIQUE (idempotency_key), 
	CONSTRAINT fk_outbox_ticket_id FOREIGN KEY(ticket_id) REFERENCES tickets (id)
)
--
CREATE INDEX ix_outbox_status_next_attempt_at ON outbox (status, next_attempt_at)
--
CREATE TABLE timers (
	id INTEGER NOT NULL, 
	timer_key VARCHAR(255) NOT NULL, 
	ticket_id INTEGER NOT NULL, 
	kind VARCHAR(32) NOT NULL, 
	handoff_id VARCHAR(64), 
	due_at DATETIME NOT NULL, 
	payload JSON NOT NULL, 
	claimed_until DATETIME, 
	CONSTRAINT pk_timers PRIMARY KEY (id), 
	CONSTRAINT uq_timers_timer_key UNIQUE (timer_key), 
	CONSTRAINT fk_timers_ticket_id FOREIGN KEY(ticket_id) REFERENCES tickets (id)
)
--
CREATE INDEX ix_timers_due_at ON timers (due_at)
--
CREATE TRIGGER ledger_entries_append_only_update BEFORE UPDATE ON ledger_entries
BEGIN SELECT RAISE(ABORT, 'the ledger is append-only: entries cannot be changed or removed'); END
--
CREATE TRIGGER ledger_entries_append_only_delete BEFORE DELETE ON ledger_entries
BEGIN SELECT RAISE(ABORT, 'the ledger is append-only: entries cannot be changed or removed'); END
--
CREATE TABLE link_tokens (
	token_id VARCHAR(64) NOT NULL, 
	handoff_id VARCHAR(64) NOT NULL, 
	receiver VARCHAR(200) NOT NULL, 
	action VARCHAR(16) NOT NULL, 
	used_at DATETIME NOT NULL, 
	CONSTRAINT pk_link_tokens PRIMARY KEY (token_id)
)
--
CREATE INDEX ix_link_tokens_handoff_id ON link_tokens (handoff_id)
--
CREATE TABLE checkpoints (
	instance VARCHAR(100) NOT NULL, 
	value TEXT NOT NULL, 
	updated_at DATETIME NOT NULL, 
	CONSTRAINT pk_checkpoints PRIMARY KEY (instance)
)
--
CREATE TABLE escalation_reviews (
	handoff_id VARCHAR(64) NOT NULL, 
	ticket_id INTEGER NOT NULL, 
	state VARCHAR(16) NOT NULL, 
	opened_at DATETIME NOT NULL, 
	CONSTRAINT pk_escalation_reviews PRIMARY KEY (handoff_id), 
	CONSTRAINT fk_escalation_reviews_ticket_id FOREIGN KEY(ticket_id) REFERENCES tickets (id)
)
--
CREATE INDEX ix_escalation_reviews_state ON escalation_reviews (state)
--
CREATE TABLE "tickets" (
	id INTEGER NOT NULL, 
	instance VARCHAR(100) NOT NULL, 
	external_id VARCHAR(200) NOT NULL, 
	holder_group VARCHAR(200), 
	holder_person VARCHAR(200), 
	owner VARCHAR(200), 
	version INTEGER NOT NULL, 
	bounces INTEGER NOT NULL, 
	first_assigned_at DATETIME, 
	holder_since DATETIME, 
	created_at DATETIME NOT NULL, 
	subject TEXT, 
	requester VARCHAR(320), 
	priority VARCHAR(64), 
	category VARCHAR(200), 
	status VARCHAR(64), 
	url TEXT, 
	tool_group VARCHAR(200), 
	tool_person VARCHAR(200), 
	last_activity_at DATETIME, 
	requester_name VARCHAR(320), 
	replies JSON, 
	unverified BOOLEAN DEFAULT 0 NOT NULL, 
	open_handoff VARCHAR(64), 
	lost VARCHAR(16), 
	CONSTRAINT pk_tickets PRIMARY KEY (id), 
	CONSTRAINT uq_tickets_instance_external_id UNIQUE (instance, external_id)
)
--
CREATE INDEX ix_tickets_to_look_at ON tickets (instance, unverified, open_handoff)
--
CREATE TABLE api_tokens (
	token_id VARCHAR(32) NOT NULL, 
	token_sha256 VARCHAR(64) NOT NULL, 
	person VARCHAR(200) NOT NULL, 
	note TEXT DEFAULT '' NOT NULL, 
	created_at DATETIME NOT NULL, 
	last_used_at DATETIME, 
	revoked_at DATETIME, 
	CONSTRAINT pk_api_tokens PRIMARY KEY (token_id)
)
--
CREATE UNIQUE INDEX uq_api_tokens_token_sha256 ON api_tokens (token_sha256)
--
CREATE TABLE away_periods (
	id INTEGER NOT NULL, 
	person VARCHAR(200) NOT NULL, 
	starts_at DATETIME NOT NULL, 
	ends_at DATETIME NOT NULL, 
	deputy VARCHAR(200), 
	note TEXT DEFAULT '' NOT NULL, 
	set_by VARCHAR(200) NOT NULL, 
	created_at DATETIME NOT NULL, 
	cancelled_at DATETIME, 
	CONSTRAINT pk_away_periods PRIMARY KEY (id)
)
--
CREATE INDEX ix_away_periods_ends_at ON away_periods (ends_at)
--
CREATE TABLE away_returns (
	period_key VARCHAR(400) NOT NULL, 
	person VARCHAR(200) NOT NULL, 
	sent_at DATETIME NOT NULL, 
	CONSTRAINT pk_away_returns PRIMARY KEY (period_key)
)
--
CREATE INDEX ix_inbox_status_id ON inbox (status, id)
--
CREATE INDEX ix_inbox_ticket_status_id ON inbox (ticket, status, id)
--
CREATE INDEX ix_outbox_ticket_channel_status ON outbox (ticket_id, channel, status, id)
