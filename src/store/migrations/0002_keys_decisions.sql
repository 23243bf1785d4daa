CREATE TABLE api_keys (
    id TEXT PRIMARY KEY,
    secret_sha256 TEXT NOT NULL UNIQUE,
    role TEXT NOT NULL,
    regions TEXT NOT NULL,
    label TEXT NOT NULL,
    created_at TEXT NOT NULL,
    revoked BIGINT NOT NULL DEFAULT 0
);
CREATE TABLE decisions (
    id BIGINT PRIMARY KEY,
    child_id TEXT NOT NULL,
    carer_id TEXT NOT NULL,
    decision TEXT NOT NULL,
    reason TEXT,
    actor TEXT NOT NULL,
    flagged BIGINT NOT NULL,
    created_at TEXT NOT NULL
);
CREATE INDEX decisions_child ON decisions (child_id, id);
