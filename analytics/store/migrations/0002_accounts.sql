-- Accounts, failed sign-ins and the session-signing secret, shared by every app process
-- (analytics/auth.py keeps them in data/auth/users.sqlite for the local store).
CREATE TABLE users (
    username TEXT PRIMARY KEY, role TEXT NOT NULL, password_hash TEXT NOT NULL,
    created_at DOUBLE PRECISION NOT NULL, token_generation BIGINT NOT NULL DEFAULT 0
);
CREATE UNIQUE INDEX users_lower ON users (lower(username));
CREATE TABLE failures (key TEXT NOT NULL, at DOUBLE PRECISION NOT NULL);
CREATE INDEX failures_key ON failures (key, at);
CREATE TABLE app_secret (id INTEGER PRIMARY KEY CHECK (id = 1), secret TEXT NOT NULL);
