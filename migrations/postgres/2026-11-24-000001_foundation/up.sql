-- Organisations, users and refresh tokens (PostgreSQL).
CREATE TABLE organizations (
    id          VARCHAR(36)  NOT NULL PRIMARY KEY,
    name        VARCHAR(200) NOT NULL,
    created_at  TIMESTAMP    NOT NULL,
    updated_at  TIMESTAMP    NOT NULL
);

CREATE TABLE users (
    id             VARCHAR(36)  NOT NULL PRIMARY KEY,
    org_id         VARCHAR(36)  NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
    email          VARCHAR(254) NOT NULL,
    full_name      VARCHAR(200) NOT NULL,
    password_hash  VARCHAR(100) NOT NULL,
    role           VARCHAR(32)  NOT NULL,
    is_active      BOOLEAN      NOT NULL DEFAULT TRUE,
    created_at     TIMESTAMP    NOT NULL,
    updated_at     TIMESTAMP    NOT NULL
);
CREATE UNIQUE INDEX users_email_key ON users (email);
CREATE INDEX users_org_role_idx ON users (org_id, role);

CREATE TABLE refresh_tokens (
    id          VARCHAR(36) NOT NULL PRIMARY KEY,
    family_id   VARCHAR(36) NOT NULL,
    user_id     VARCHAR(36) NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    org_id      VARCHAR(36) NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
    token_hash  VARCHAR(64) NOT NULL,
    expires_at  TIMESTAMP    NOT NULL,
    used_at     TIMESTAMP,
    revoked_at  TIMESTAMP,
    created_at  TIMESTAMP    NOT NULL
);
CREATE UNIQUE INDEX refresh_tokens_hash_key ON refresh_tokens (token_hash);
CREATE INDEX refresh_tokens_family_idx ON refresh_tokens (family_id);
CREATE INDEX refresh_tokens_user_idx ON refresh_tokens (user_id);
