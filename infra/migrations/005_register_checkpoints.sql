-- Signed checkpoints of the register's Merkle tree over the timeline (RFC 6962), chained to one another, and
-- a record of where each was published. A checkpoint is what makes a rewrite by someone able to write the
-- database visible: its signature needs the register's private key (not in the database) and its copies
-- sit with witnesses (an append-only file, a Slack channel) the database's administrator cannot rewrite.

CREATE TABLE register_checkpoints (
  seq bigint PRIMARY KEY CHECK (seq > 0),
  -- Timeline entries 1..tree_size are the tree's leaves.
  tree_size bigint NOT NULL CHECK (tree_size >= 0),
  root text NOT NULL CHECK (root ~ '^[0-9a-f]{64}$'),
  at timestamptz(3) NOT NULL,
  -- The hash of the checkpoint before it (SHA-256 of its signed bytes); null only for the first.
  previous text CHECK (previous ~ '^[0-9a-f]{64}$'),
  -- SHA-256 of the signing key's DER SubjectPublicKeyInfo.
  key_id text NOT NULL CHECK (key_id ~ '^[0-9a-f]{64}$'),
  -- Ed25519 over the canonical JSON of the checkpoint without its signature, base64.
  signature text NOT NULL,
  hash text NOT NULL UNIQUE CHECK (hash ~ '^[0-9a-f]{64}$'),
  -- Why it was made: the hourly schedule, an export, or by hand.
  reason text NOT NULL CHECK (reason IN ('schedule', 'export', 'manual')),
  CHECK ((seq = 1) = (previous IS NULL))
);

CREATE TRIGGER register_checkpoints_append_only BEFORE UPDATE OR DELETE OR TRUNCATE ON register_checkpoints
  FOR EACH STATEMENT EXECUTE FUNCTION vigil_refuse_change();

-- Each checkpoint's publication to each witness, once it succeeded; what is missing here is still to publish.
CREATE TABLE register_checkpoint_witnesses (
  checkpoint_seq bigint NOT NULL REFERENCES register_checkpoints (seq),
  witness text NOT NULL,
  published_at timestamptz(3) NOT NULL,
  -- What the witness answered (a Slack channel and ts, a file name).
  receipt jsonb NOT NULL DEFAULT '{}',
  PRIMARY KEY (checkpoint_seq, witness)
);

CREATE TRIGGER register_checkpoint_witnesses_append_only BEFORE UPDATE OR DELETE OR TRUNCATE
  ON register_checkpoint_witnesses FOR EACH STATEMENT EXECUTE FUNCTION vigil_refuse_change();
