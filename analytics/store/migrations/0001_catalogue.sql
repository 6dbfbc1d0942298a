-- The shared catalogue: the same tables as the local store's SQLite catalogue
-- (analytics/store/local.py), in PostgreSQL. Text timestamps (ISO 8601, UTC) as there.
CREATE TABLE uploads (
    seq BIGSERIAL UNIQUE,  -- insertion order (SQLite's rowid)
    upload_id TEXT PRIMARY KEY, file_name TEXT NOT NULL, content_hash TEXT NOT NULL,
    uploader TEXT NOT NULL, created_at TEXT NOT NULL, rows BIGINT NOT NULL,
    beneficiaries BIGINT NOT NULL, fee_paisa BIGINT NOT NULL,
    period_start TEXT, period_end TEXT,
    status TEXT NOT NULL CHECK (status IN ('active', 'replaced', 'rolled_back')),
    replaces TEXT, is_sample INTEGER NOT NULL DEFAULT 0, note TEXT
);
CREATE INDEX uploads_hash ON uploads (content_hash);
CREATE TABLE upload_files (
    upload_id TEXT NOT NULL REFERENCES uploads (upload_id), path TEXT NOT NULL,
    fy INTEGER NOT NULL, fq INTEGER NOT NULL, rows BIGINT NOT NULL, replaced_by TEXT,
    PRIMARY KEY (upload_id, path)
);
CREATE TABLE changes (
    change_id BIGSERIAL PRIMARY KEY, at TEXT NOT NULL, action TEXT NOT NULL,
    upload_id TEXT, actor TEXT, detail TEXT,
    version BIGINT UNIQUE  -- the data version a data change made (NULL for audit-only entries)
);
CREATE TABLE decisions (
    decision_id BIGSERIAL PRIMARY KEY, kind TEXT NOT NULL, key TEXT NOT NULL, value TEXT NOT NULL,
    code TEXT, actor TEXT NOT NULL, change_id BIGINT NOT NULL, withdrawn_change_id BIGINT
);
-- header mappings the office taught the Upload page (a JSON file beside the local store)
CREATE TABLE header_mappings (header TEXT PRIMARY KEY, field TEXT NOT NULL);
