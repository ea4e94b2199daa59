-- Organisations, users and refresh tokens (MySQL/MariaDB).
CREATE TABLE organizations (
    id          VARCHAR(36)  NOT NULL PRIMARY KEY,
    name        VARCHAR(200) NOT NULL,
    created_at  DATETIME(6)  NOT NULL,
    updated_at  DATETIME(6)  NOT NULL
) CHARACTER SET utf8mb4;

CREATE TABLE users (
    id             VARCHAR(36)  NOT NULL PRIMARY KEY,
    org_id         VARCHAR(36)  NOT NULL,
    email          VARCHAR(254) COLLATE utf8mb4_bin NOT NULL,
    full_name      VARCHAR(200) NOT NULL,
    password_hash  VARCHAR(100) NOT NULL,
    role           VARCHAR(32)  NOT NULL,
    is_active      BOOLEAN      NOT NULL DEFAULT TRUE,
    created_at     DATETIME(6)  NOT NULL,
    updated_at     DATETIME(6)  NOT NULL,
    CONSTRAINT users_org_fk FOREIGN KEY (org_id) REFERENCES organizations (id) ON DELETE CASCADE
) CHARACTER SET utf8mb4;
CREATE UNIQUE INDEX users_email_key ON users (email);
CREATE INDEX users_org_role_idx ON users (org_id, role);

CREATE TABLE refresh_tokens (
    id          VARCHAR(36) NOT NULL PRIMARY KEY,
    family_id   VARCHAR(36) NOT NULL,
    user_id     VARCHAR(36) NOT NULL,
    org_id      VARCHAR(36) NOT NULL,
    token_hash  VARCHAR(64) COLLATE utf8mb4_bin NOT NULL,
    expires_at  DATETIME(6) NOT NULL,
    used_at     DATETIME(6) NULL,
    revoked_at  DATETIME(6) NULL,
    created_at  DATETIME(6) NOT NULL,
    CONSTRAINT refresh_tokens_user_fk FOREIGN KEY (user_id) REFERENCES users (id) ON DELETE CASCADE,
    CONSTRAINT refresh_tokens_org_fk FOREIGN KEY (org_id) REFERENCES organizations (id) ON DELETE CASCADE
) CHARACTER SET utf8mb4;
CREATE UNIQUE INDEX refresh_tokens_hash_key ON refresh_tokens (token_hash);
CREATE INDEX refresh_tokens_family_idx ON refresh_tokens (family_id);
CREATE INDEX refresh_tokens_user_idx ON refresh_tokens (user_id);
