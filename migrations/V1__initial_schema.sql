-- RinglyPro schema, version 1: the whole product.
-- Every tenant row carries client_id. Money is integer: cents for balances and
-- amounts, thousandths of a dollar ("mills") for per-minute and per-message rates.
-- Instants are UTC text in RFC 3339 ("2026-11-26T09:40:07Z"); appointments keep
-- the business's local date and time plus its IANA time zone.

CREATE TABLE clients (
    id                          INTEGER PRIMARY KEY,
    business_name               TEXT    NOT NULL,
    business_phone              TEXT    NOT NULL,
    business_type               TEXT,
    website_url                 TEXT,
    ringlypro_number            TEXT UNIQUE,
    twilio_number_sid           TEXT,
    owner_name                  TEXT,
    owner_phone                 TEXT,
    owner_email                 TEXT,
    address                     TEXT,
    directions                  TEXT,
    custom_greeting             TEXT,
    custom_greeting_es          TEXT,
    -- JSON: {"mon":[["09:00","17:00"]], ..., "sun":[]}
    business_hours              TEXT    NOT NULL DEFAULT '{"mon":[["09:00","17:00"]],"tue":[["09:00","17:00"]],"wed":[["09:00","17:00"]],"thu":[["09:00","17:00"]],"fri":[["09:00","17:00"]],"sat":[],"sun":[]}',
    timezone                    TEXT    NOT NULL DEFAULT 'America/New_York',
    appointment_duration        INTEGER NOT NULL DEFAULT 30 CHECK (appointment_duration BETWEEN 5 AND 480),
    buffer_minutes              INTEGER NOT NULL DEFAULT 0 CHECK (buffer_minutes BETWEEN 0 AND 240),
    min_notice_minutes          INTEGER NOT NULL DEFAULT 60 CHECK (min_notice_minutes >= 0),
    booking_horizon_days        INTEGER NOT NULL DEFAULT 60 CHECK (booking_horizon_days BETWEEN 1 AND 730),
    booking_enabled             INTEGER NOT NULL DEFAULT 1,
    sms_notifications           INTEGER NOT NULL DEFAULT 1,
    reminder_lead_minutes       INTEGER NOT NULL DEFAULT 1440 CHECK (reminder_lead_minutes >= 0),
    after_hours_mode            TEXT    NOT NULL DEFAULT 'book' CHECK (after_hours_mode IN ('book', 'voicemail')),
    languages                   TEXT    NOT NULL DEFAULT 'en,es',
    default_language            TEXT    NOT NULL DEFAULT 'en' CHECK (default_language IN ('en', 'es')),
    voice_en                    TEXT,
    voice_es                    TEXT,
    monthly_free_minutes        INTEGER NOT NULL DEFAULT 100 CHECK (monthly_free_minutes >= 0),
    per_minute_rate_mills       INTEGER NOT NULL DEFAULT 100 CHECK (per_minute_rate_mills >= 0),
    sms_rate_mills              INTEGER NOT NULL DEFAULT 50 CHECK (sms_rate_mills >= 0),
    low_balance_threshold_cents INTEGER NOT NULL DEFAULT 100 CHECK (low_balance_threshold_cents >= 0),
    rachel_enabled              INTEGER NOT NULL DEFAULT 1,
    ai_paused_by_billing        INTEGER NOT NULL DEFAULT 0,
    active                      INTEGER NOT NULL DEFAULT 1,
    forwarding_status           TEXT,
    stripe_customer_id          TEXT,
    stripe_payment_method_id    TEXT,
    auto_reload_enabled         INTEGER NOT NULL DEFAULT 0,
    auto_reload_amount_cents    INTEGER NOT NULL DEFAULT 2000 CHECK (auto_reload_amount_cents >= 0),
    auto_reload_threshold_cents INTEGER NOT NULL DEFAULT 500 CHECK (auto_reload_threshold_cents >= 0),
    ics_token                   TEXT UNIQUE,
    contact_count               INTEGER NOT NULL DEFAULT 0,   -- kept by triggers, for fast pagination
    created_at                  TEXT    NOT NULL,
    updated_at                  TEXT    NOT NULL
);

CREATE TABLE users (
    id                    INTEGER PRIMARY KEY,
    client_id             INTEGER NOT NULL REFERENCES clients(id) ON DELETE CASCADE,
    email                 TEXT    NOT NULL UNIQUE,
    password_hash         TEXT    NOT NULL,
    first_name            TEXT,
    last_name             TEXT,
    phone_number          TEXT,
    role                  TEXT    NOT NULL DEFAULT 'owner' CHECK (role IN ('owner', 'staff')),
    language              TEXT    NOT NULL DEFAULT 'en' CHECK (language IN ('en', 'es')),
    token_version         INTEGER NOT NULL DEFAULT 0,
    terms_accepted        INTEGER NOT NULL DEFAULT 0,
    email_verified        INTEGER NOT NULL DEFAULT 0,
    onboarding_completed  INTEGER NOT NULL DEFAULT 0,
    last_login_at         TEXT,
    created_at            TEXT    NOT NULL,
    updated_at            TEXT    NOT NULL
);
CREATE INDEX users_client ON users (client_id);

CREATE TABLE services (
    id                INTEGER PRIMARY KEY,
    client_id         INTEGER NOT NULL REFERENCES clients(id) ON DELETE CASCADE,
    name              TEXT    NOT NULL,
    name_es           TEXT,
    description       TEXT,
    price_cents       INTEGER CHECK (price_cents >= 0),
    duration_minutes  INTEGER CHECK (duration_minutes > 0),
    position          INTEGER NOT NULL DEFAULT 0,
    active            INTEGER NOT NULL DEFAULT 1,
    created_at        TEXT    NOT NULL,
    updated_at        TEXT    NOT NULL
);
CREATE INDEX services_client ON services (client_id, position);

CREATE TABLE faq_entries (
    id          INTEGER PRIMARY KEY,
    client_id   INTEGER NOT NULL REFERENCES clients(id) ON DELETE CASCADE,
    language    TEXT    NOT NULL DEFAULT 'en' CHECK (language IN ('en', 'es')),
    question    TEXT    NOT NULL,
    answer      TEXT    NOT NULL,
    keywords    TEXT,
    position    INTEGER NOT NULL DEFAULT 0,
    created_at  TEXT    NOT NULL,
    updated_at  TEXT    NOT NULL
);
CREATE INDEX faq_client ON faq_entries (client_id, language, position);

CREATE TABLE closures (
    id          INTEGER PRIMARY KEY,
    client_id   INTEGER NOT NULL REFERENCES clients(id) ON DELETE CASCADE,
    from_date   TEXT    NOT NULL,
    to_date     TEXT    NOT NULL,
    start_time  TEXT,               -- with end_time: only part of each day is closed
    end_time    TEXT,
    reason      TEXT    NOT NULL DEFAULT '',
    created_at  TEXT    NOT NULL,
    CHECK (from_date <= to_date)
);
CREATE INDEX closures_client ON closures (client_id, from_date);

CREATE TABLE contacts (
    id                 INTEGER PRIMARY KEY,
    client_id          INTEGER NOT NULL REFERENCES clients(id) ON DELETE CASCADE,
    first_name         TEXT    NOT NULL,
    last_name          TEXT    NOT NULL DEFAULT '',
    phone              TEXT    NOT NULL,
    email              TEXT,
    notes              TEXT,
    status             TEXT    NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'inactive', 'blocked')),
    source             TEXT    NOT NULL DEFAULT 'manual',
    language           TEXT    CHECK (language IN ('en', 'es')),
    last_contacted_at  TEXT,
    created_at         TEXT    NOT NULL,
    updated_at         TEXT    NOT NULL,
    UNIQUE (client_id, phone)
);
CREATE UNIQUE INDEX contacts_email ON contacts (client_id, email) WHERE email IS NOT NULL;
CREATE INDEX contacts_created ON contacts (client_id, created_at);
CREATE INDEX contacts_name ON contacts (client_id, last_name, first_name);

-- Full-text search over contacts. Phone digits are indexed whole, without the
-- country code, and as the last 7 and last 4 digits so partial numbers match.
CREATE VIRTUAL TABLE contacts_fts USING fts5 (
    first_name, last_name, email, notes, phone_digits,
    content = '',
    contentless_delete = 1,
    detail = column,
    prefix = '2 3 4',
    tokenize = 'unicode61 remove_diacritics 2'
);
CREATE TRIGGER contacts_count_insert AFTER INSERT ON contacts BEGIN
    UPDATE clients SET contact_count = contact_count + 1 WHERE id = new.client_id;
END;
CREATE TRIGGER contacts_count_delete AFTER DELETE ON contacts BEGIN
    UPDATE clients SET contact_count = contact_count - 1 WHERE id = old.client_id;
END;
CREATE TRIGGER contacts_fts_insert AFTER INSERT ON contacts BEGIN
    INSERT INTO contacts_fts (rowid, first_name, last_name, email, notes, phone_digits)
    VALUES (new.id, new.first_name, new.last_name, new.email, new.notes,
            substr(new.phone, 2) || ' ' || substr(new.phone, 3) || ' ' || substr(new.phone, -7) || ' ' || substr(new.phone, -4));
END;
CREATE TRIGGER contacts_fts_delete AFTER DELETE ON contacts BEGIN
    DELETE FROM contacts_fts WHERE rowid = old.id;
END;
CREATE TRIGGER contacts_fts_update AFTER UPDATE OF first_name, last_name, email, notes, phone ON contacts BEGIN
    DELETE FROM contacts_fts WHERE rowid = old.id;
    INSERT INTO contacts_fts (rowid, first_name, last_name, email, notes, phone_digits)
    VALUES (new.id, new.first_name, new.last_name, new.email, new.notes,
            substr(new.phone, 2) || ' ' || substr(new.phone, 3) || ' ' || substr(new.phone, -7) || ' ' || substr(new.phone, -4));
END;

CREATE TABLE appointments (
    id                  INTEGER PRIMARY KEY,
    client_id           INTEGER NOT NULL REFERENCES clients(id) ON DELETE CASCADE,
    contact_id          INTEGER REFERENCES contacts(id) ON DELETE SET NULL,
    service_id          INTEGER REFERENCES services(id) ON DELETE SET NULL,
    customer_name       TEXT    NOT NULL,
    customer_phone      TEXT    NOT NULL,
    customer_email      TEXT,
    appointment_date    TEXT    NOT NULL,   -- business-local YYYY-MM-DD
    appointment_time    TEXT    NOT NULL,   -- business-local HH:MM
    timezone            TEXT    NOT NULL,
    starts_at           TEXT    NOT NULL,   -- the same instant in UTC
    duration            INTEGER NOT NULL DEFAULT 30 CHECK (duration > 0),
    purpose             TEXT,
    notes               TEXT,
    status              TEXT    NOT NULL DEFAULT 'confirmed'
                        CHECK (status IN ('confirmed', 'pending', 'cancelled', 'completed', 'no_show')),
    confirmation_code   TEXT    NOT NULL,
    source              TEXT    NOT NULL DEFAULT 'manual',
    language            TEXT    NOT NULL DEFAULT 'en' CHECK (language IN ('en', 'es')),
    call_sid            TEXT,
    reminder_sent       INTEGER NOT NULL DEFAULT 0,
    confirmation_sent   INTEGER NOT NULL DEFAULT 0,
    reschedule_requested INTEGER NOT NULL DEFAULT 0,
    cancel_reason       TEXT,
    cancelled_at        TEXT,
    created_at          TEXT    NOT NULL,
    updated_at          TEXT    NOT NULL,
    UNIQUE (client_id, confirmation_code)
);
-- Two active bookings of the same slot are impossible; a cancelled slot can be booked again.
CREATE UNIQUE INDEX appointments_active_slot ON appointments (client_id, appointment_date, appointment_time)
    WHERE status IN ('confirmed', 'pending');
CREATE INDEX appointments_date ON appointments (client_id, appointment_date, appointment_time);
CREATE INDEX appointments_contact ON appointments (contact_id);
CREATE INDEX appointments_reminders ON appointments (reminder_sent, status, starts_at);

CREATE TABLE appointment_history (
    id              INTEGER PRIMARY KEY,
    client_id       INTEGER NOT NULL REFERENCES clients(id) ON DELETE CASCADE,
    appointment_id  INTEGER NOT NULL REFERENCES appointments(id) ON DELETE CASCADE,
    from_status     TEXT,
    to_status       TEXT    NOT NULL,
    change          TEXT    NOT NULL,   -- created, rescheduled, cancelled, status, edited
    detail          TEXT,
    changed_by      TEXT    NOT NULL,   -- user:<id>, voice, sms, system
    created_at      TEXT    NOT NULL
);
CREATE INDEX appointment_history_appt ON appointment_history (appointment_id, id);

CREATE TABLE calls (
    id                       INTEGER PRIMARY KEY,
    client_id                INTEGER NOT NULL REFERENCES clients(id) ON DELETE CASCADE,
    contact_id               INTEGER REFERENCES contacts(id) ON DELETE SET NULL,
    twilio_call_sid          TEXT    NOT NULL UNIQUE,
    direction                TEXT    NOT NULL DEFAULT 'inbound',
    from_number              TEXT    NOT NULL,
    to_number                TEXT    NOT NULL,
    status                   TEXT    NOT NULL DEFAULT 'in-progress',
    duration                 INTEGER,
    language                 TEXT,
    outcome                  TEXT,
    recording_url            TEXT,
    recording_sid            TEXT,
    recording_duration       INTEGER,
    voicemail_transcription  TEXT,
    cost_cents               INTEGER,
    billed                   INTEGER NOT NULL DEFAULT 0,
    is_test                  INTEGER NOT NULL DEFAULT 0,
    start_time               TEXT,
    end_time                 TEXT,
    answered_by              TEXT,
    hangup_cause             TEXT,
    caller_name              TEXT,
    notes                    TEXT,
    created_at               TEXT    NOT NULL,
    updated_at               TEXT    NOT NULL
);
CREATE INDEX calls_client ON calls (client_id, created_at);
CREATE INDEX calls_contact ON calls (contact_id);

CREATE TABLE call_turns (
    id           INTEGER PRIMARY KEY,
    client_id    INTEGER NOT NULL REFERENCES clients(id) ON DELETE CASCADE,
    call_id      INTEGER NOT NULL REFERENCES calls(id) ON DELETE CASCADE,
    seq          INTEGER NOT NULL,
    state        TEXT    NOT NULL,
    caller_text  TEXT,
    digits       TEXT,
    confidence   REAL,
    reply_text   TEXT    NOT NULL,
    server_ms    REAL    NOT NULL,
    created_at   TEXT    NOT NULL,
    UNIQUE (call_id, seq)
);

CREATE TABLE call_sessions (
    call_sid        TEXT    PRIMARY KEY,
    client_id       INTEGER NOT NULL REFERENCES clients(id) ON DELETE CASCADE,
    state           TEXT    NOT NULL,   -- JSON of the voice state machine
    turn            INTEGER NOT NULL DEFAULT 0,
    last_request    TEXT,               -- hash of the last request, for retries
    last_response   TEXT,               -- the TwiML answered to it
    created_at      TEXT    NOT NULL,
    updated_at      TEXT    NOT NULL
);
CREATE INDEX call_sessions_client ON call_sessions (client_id, updated_at);

CREATE TABLE messages (
    id              INTEGER PRIMARY KEY,
    client_id       INTEGER NOT NULL REFERENCES clients(id) ON DELETE CASCADE,
    contact_id      INTEGER REFERENCES contacts(id) ON DELETE SET NULL,
    appointment_id  INTEGER REFERENCES appointments(id) ON DELETE SET NULL,
    twilio_sid      TEXT UNIQUE,
    direction       TEXT    NOT NULL CHECK (direction IN ('inbound', 'outbound')),
    from_number     TEXT    NOT NULL,
    to_number       TEXT    NOT NULL,
    body            TEXT    NOT NULL,
    kind            TEXT    NOT NULL DEFAULT 'manual',
    status          TEXT    NOT NULL,
    error_code      TEXT,
    error_message   TEXT,
    cost_cents      INTEGER,
    billed          INTEGER NOT NULL DEFAULT 0,
    sent_at         TEXT,
    delivered_at    TEXT,
    created_at      TEXT    NOT NULL,
    updated_at      TEXT    NOT NULL
);
CREATE INDEX messages_client ON messages (client_id, created_at);
CREATE INDEX messages_contact ON messages (contact_id);
CREATE INDEX messages_thread_from ON messages (client_id, from_number, created_at);
CREATE INDEX messages_thread_to ON messages (client_id, to_number, created_at);

CREATE TABLE sms_opt_outs (
    client_id      INTEGER NOT NULL REFERENCES clients(id) ON DELETE CASCADE,
    phone          TEXT    NOT NULL,
    keyword        TEXT    NOT NULL,
    opted_out_at   TEXT    NOT NULL,
    PRIMARY KEY (client_id, phone)
);

CREATE TABLE credit_accounts (
    id                        INTEGER PRIMARY KEY,
    client_id                 INTEGER NOT NULL UNIQUE REFERENCES clients(id) ON DELETE CASCADE,
    balance_cents             INTEGER NOT NULL DEFAULT 0 CHECK (balance_cents >= 0),
    debt_cents                INTEGER NOT NULL DEFAULT 0 CHECK (debt_cents >= 0),
    free_minutes_used         INTEGER NOT NULL DEFAULT 0,
    free_minutes_month        TEXT,   -- YYYY-MM in the tenant's time zone the counter belongs to
    total_minutes_used        INTEGER NOT NULL DEFAULT 0,
    total_amount_spent_cents  INTEGER NOT NULL DEFAULT 0,
    last_usage_date           TEXT,
    low_balance_notified      INTEGER NOT NULL DEFAULT 0,
    zero_balance_notified     INTEGER NOT NULL DEFAULT 0,
    auto_reload_in_flight     INTEGER NOT NULL DEFAULT 0,
    created_at                TEXT    NOT NULL,
    updated_at                TEXT    NOT NULL
);

CREATE TABLE credit_ledger (
    id                  INTEGER PRIMARY KEY,
    client_id           INTEGER NOT NULL REFERENCES clients(id) ON DELETE CASCADE,
    kind                TEXT    NOT NULL CHECK (kind IN ('usage', 'payment', 'refund', 'adjustment', 'debt', 'debt_recovery')),
    amount_cents        INTEGER NOT NULL,   -- signed change to the balance
    balance_after_cents INTEGER NOT NULL,
    minutes             INTEGER,
    free_minutes        INTEGER,
    paid_minutes        INTEGER,
    call_sid            TEXT,
    message_id          INTEGER,
    payment_id          INTEGER,
    description         TEXT    NOT NULL DEFAULT '',
    idempotency_key     TEXT    NOT NULL UNIQUE,
    created_at          TEXT    NOT NULL
);
CREATE INDEX credit_ledger_client ON credit_ledger (client_id, id);

CREATE TABLE payments (
    id                   INTEGER PRIMARY KEY,
    client_id            INTEGER NOT NULL REFERENCES clients(id) ON DELETE CASCADE,
    provider             TEXT    NOT NULL DEFAULT 'stripe',
    kind                 TEXT    NOT NULL DEFAULT 'manual' CHECK (kind IN ('manual', 'checkout', 'auto_reload')),
    payment_intent_id    TEXT UNIQUE,
    checkout_session_id  TEXT UNIQUE,
    amount_cents         INTEGER NOT NULL CHECK (amount_cents > 0),
    refunded_cents       INTEGER NOT NULL DEFAULT 0,
    status               TEXT    NOT NULL DEFAULT 'pending'
                         CHECK (status IN ('pending', 'succeeded', 'failed', 'refunded', 'disputed', 'canceled')),
    failure_message      TEXT,
    idempotency_key      TEXT    NOT NULL UNIQUE,
    created_at           TEXT    NOT NULL,
    updated_at           TEXT    NOT NULL
);
CREATE INDEX payments_client ON payments (client_id, created_at);

CREATE TABLE notifications (
    id          INTEGER PRIMARY KEY,
    client_id   INTEGER NOT NULL REFERENCES clients(id) ON DELETE CASCADE,
    kind        TEXT    NOT NULL,
    title       TEXT    NOT NULL,
    body        TEXT    NOT NULL,
    read_at     TEXT,
    created_at  TEXT    NOT NULL
);
CREATE INDEX notifications_client ON notifications (client_id, id);

CREATE TABLE webhook_events (
    id            INTEGER PRIMARY KEY,
    provider      TEXT    NOT NULL,
    event_id      TEXT    NOT NULL,
    event_type    TEXT,
    client_id     INTEGER REFERENCES clients(id) ON DELETE SET NULL,
    received_at   TEXT    NOT NULL,
    processed_at  TEXT,
    UNIQUE (provider, event_id)
);

CREATE TABLE outbox (
    id               INTEGER PRIMARY KEY,
    client_id        INTEGER REFERENCES clients(id) ON DELETE CASCADE,
    channel          TEXT    NOT NULL CHECK (channel IN ('sms', 'email')),
    recipient        TEXT    NOT NULL,
    subject          TEXT,
    body             TEXT    NOT NULL,
    html_body        TEXT,
    message_id       INTEGER REFERENCES messages(id) ON DELETE SET NULL,
    idempotency_key  TEXT    NOT NULL UNIQUE,
    status           TEXT    NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'sending', 'sent', 'failed', 'held')),
    attempts         INTEGER NOT NULL DEFAULT 0,
    next_attempt_at  TEXT    NOT NULL,
    last_error       TEXT,
    provider_id      TEXT,
    created_at       TEXT    NOT NULL,
    sent_at          TEXT
);
CREATE INDEX outbox_due ON outbox (status, next_attempt_at);
CREATE INDEX outbox_client ON outbox (client_id, id);

CREATE TABLE password_reset_tokens (
    id          INTEGER PRIMARY KEY,
    user_id     INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    token_hash  TEXT    NOT NULL UNIQUE,   -- SHA-256 hex of the token; the token itself is never stored
    expires_at  TEXT    NOT NULL,
    used_at     TEXT,
    created_at  TEXT    NOT NULL
);
CREATE INDEX password_reset_user ON password_reset_tokens (user_id);

-- Node-wide settings (first-run setup token hash and the like).
CREATE TABLE app_settings (
    key    TEXT PRIMARY KEY,
    value  TEXT NOT NULL
);
