-- Single sign-on (API v1.1 §5). Mirrors sqlite/010_oidc.sql.
CREATE TABLE oidc_links (
  iss        text NOT NULL,
  sub        text NOT NULL,
  user_id    bigint NOT NULL REFERENCES users(id),
  created_at timestamptz NOT NULL,
  PRIMARY KEY (iss, sub)
);
CREATE INDEX oidc_links_user ON oidc_links (user_id);
CREATE INDEX users_verified_email ON users (lower(email)) WHERE email_verified;
