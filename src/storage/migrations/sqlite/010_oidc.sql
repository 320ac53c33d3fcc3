-- Single sign-on (API v1.1 §5): an identity of an OpenID provider, (iss, sub), linked to one account.
CREATE TABLE oidc_links (
  iss        TEXT NOT NULL,
  sub        TEXT NOT NULL,
  user_id    INTEGER NOT NULL REFERENCES users(id),
  created_at TEXT NOT NULL,
  PRIMARY KEY (iss, sub)
) WITHOUT ROWID;
CREATE INDEX oidc_links_user ON oidc_links (user_id);
-- A verified address names the account a first sign-in links to (compared case-insensitively).
CREATE INDEX users_verified_email ON users (lower(email)) WHERE email_verified = 1;
