-- ringlypro router, schema version 1: which node serves which Twilio number,
-- dashboard host names, and the webhooks held for a node that was down.
-- Instants are UTC text in RFC 3339.

CREATE TABLE nodes (
    id              INTEGER PRIMARY KEY,
    name            TEXT    NOT NULL UNIQUE,
    base_url        TEXT    NOT NULL,           -- http://host:port of the node, no path
    auth_token      TEXT,                       -- Twilio subaccount auth token of its numbers; NULL: the router's token
    healthy         INTEGER NOT NULL DEFAULT 0, -- last health check result, as the router saw it
    health_changed_at TEXT,
    last_error      TEXT,
    created_at      TEXT    NOT NULL,
    updated_at      TEXT    NOT NULL
);

CREATE TABLE numbers (
    number          TEXT    PRIMARY KEY,        -- E.164
    node_id         INTEGER NOT NULL REFERENCES nodes(id),
    fallback_phone  TEXT,                       -- E.164 a call is forwarded to while the node is down
    created_at      TEXT    NOT NULL,
    updated_at      TEXT    NOT NULL
);
CREATE INDEX numbers_node ON numbers (node_id);

CREATE TABLE hosts (
    host            TEXT    PRIMARY KEY,        -- lower case, no port: crm.salon.example
    node_id         INTEGER NOT NULL REFERENCES nodes(id),
    created_at      TEXT    NOT NULL
);
CREATE INDEX hosts_node ON hosts (node_id);

-- Webhooks (SMS, status and recording callbacks, voicemails) a node could not
-- take when they came; replayed in id order, unchanged, when it is back.
CREATE TABLE deferred (
    id              INTEGER PRIMARY KEY,
    node_id         INTEGER NOT NULL REFERENCES nodes(id),
    kind            TEXT    NOT NULL,
    number          TEXT,
    method          TEXT    NOT NULL,
    path            TEXT    NOT NULL,           -- path and query as received
    headers         TEXT    NOT NULL,           -- JSON [[name, value], ...]
    body            BLOB    NOT NULL,
    status          TEXT    NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'delivered', 'failed')),
    attempts        INTEGER NOT NULL DEFAULT 0,
    last_error      TEXT,
    received_at     TEXT    NOT NULL,
    delivered_at    TEXT
);
CREATE INDEX deferred_pending ON deferred (node_id, id) WHERE status = 'pending';
