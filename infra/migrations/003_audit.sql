-- Auditor access: API tokens kept in the database (as hashes only), and a record of every export of the
-- register handed to anyone, so an auditor can see what was pulled, by whom, for which period.

-- Tokens issued and revoked with `packages/api/src/audit/cli/tokens.ts`. The token itself is never stored.
-- A name is used once: `api:<name>` in the timeline must always mean the same token, so a revoked token
-- keeps its row (and its name) for good.
CREATE TABLE api_tokens (
  name text PRIMARY KEY CHECK (name ~ '^[A-Za-z0-9][A-Za-z0-9._@-]{0,99}$'),
  role text NOT NULL CHECK (role IN ('viewer', 'responder', 'admin', 'auditor')),
  sha256 text NOT NULL UNIQUE CHECK (sha256 ~ '^[0-9a-f]{64}$'),
  created_at timestamptz(3) NOT NULL,
  created_by text NOT NULL CHECK (length(btrim(created_by)) > 0),
  revoked_at timestamptz(3),
  revoked_by text,
  CHECK ((revoked_at IS NULL) = (revoked_by IS NULL)),
  CHECK (revoked_at IS NULL OR revoked_at >= created_at)
);

-- The only change a token row may take is its revocation, once. Everything else (role, hash, name,
-- un-revoking) would rewrite who could do what, when; a new token is issued instead.
CREATE FUNCTION vigil_api_tokens_revoke_only() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  IF OLD.revoked_at IS NULL AND NEW.revoked_at IS NOT NULL
     AND NEW.name = OLD.name AND NEW.role = OLD.role AND NEW.sha256 = OLD.sha256
     AND NEW.created_at = OLD.created_at AND NEW.created_by = OLD.created_by THEN
    RETURN NEW;
  END IF;
  RAISE EXCEPTION 'api token % can only be revoked, once; issue a new token instead', OLD.name
    USING ERRCODE = 'insufficient_privilege';
END;
$$;

CREATE TRIGGER api_tokens_revoke_only BEFORE UPDATE ON api_tokens
  FOR EACH ROW EXECUTE FUNCTION vigil_api_tokens_revoke_only();
CREATE TRIGGER api_tokens_no_delete BEFORE DELETE OR TRUNCATE ON api_tokens
  FOR EACH STATEMENT EXECUTE FUNCTION vigil_refuse_change();

-- API processes LISTEN on this channel and reload their token cache at once, so a revoked token stops
-- working within the time of a round trip, not at the next periodic refresh. Sent on commit.
CREATE FUNCTION vigil_api_tokens_changed() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  PERFORM pg_notify('vigil_api_tokens', TG_OP);
  RETURN NULL;
END;
$$;

CREATE TRIGGER api_tokens_changed AFTER INSERT OR UPDATE ON api_tokens
  FOR EACH STATEMENT EXECUTE FUNCTION vigil_api_tokens_changed();

-- Every export of the register: each audit API request and each evidence bundle written by the CLI.
-- `content_sha256` is the digest of what was handed out (the response body; a bundle's manifest.json),
-- so a file an auditor holds can be matched to the request that produced it.
CREATE TABLE audit_exports (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  at timestamptz(3) NOT NULL,
  -- `api:<token name>` or `cli:<user>`.
  principal text NOT NULL CHECK (length(btrim(principal)) > 0),
  -- The token's role; null for the CLI, which runs with the database's own credentials.
  role text CHECK (role IN ('viewer', 'responder', 'admin', 'auditor')),
  kind text NOT NULL CHECK (kind IN ('population', 'summary', 'report', 'sample', 'timeline', 'bundle')),
  format text NOT NULL CHECK (format IN ('json', 'csv', 'html', 'bundle')),
  period_from timestamptz(3),
  period_to timestamptz(3),
  -- Incidents in the export (timeline entries for a timeline).
  row_count integer NOT NULL CHECK (row_count >= 0),
  -- Whatever else shaped the export: sample seed and size, incident id.
  parameters jsonb NOT NULL DEFAULT '{}' CHECK (jsonb_typeof(parameters) = 'object'),
  content_sha256 text NOT NULL CHECK (content_sha256 ~ '^[0-9a-f]{64}$'),
  CHECK ((period_from IS NULL) = (period_to IS NULL)),
  CHECK (period_from < period_to)
);
CREATE INDEX audit_exports_at ON audit_exports (at);

CREATE TRIGGER audit_exports_append_only BEFORE UPDATE OR DELETE OR TRUNCATE ON audit_exports
  FOR EACH STATEMENT EXECUTE FUNCTION vigil_refuse_change();
