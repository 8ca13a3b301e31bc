#!/usr/bin/env node
// Verifies a Vigil evidence bundle with nothing but Node (>= 18): no Vigil code, no packages, no network.
//
//   node verify-bundle.mjs <bundle directory> --public-key register-public.pem [--kept kept-checkpoints.jsonl]
//
// Checks, in this order (docs/audit.md, "Verifying a bundle", gives every format and an openssl + jq recipe):
//   1. manifest.json is signed by the register's key (Ed25519 over the RFC 8785 canonical JSON of the
//      manifest without its "signature" member), and every file entry carries its own signature, so a file
//      altered together with its manifest entry is still named;
//   2. every listed file has the SHA-256 and size its entry says;
//   3. the checkpoint in the manifest, and every checkpoint in checkpoints.json, is signed, each names the
//      hash of the one before, and each tree is proven (RFC 6962 consistency proof) to extend the one before;
//   4. every timeline entry in timelines.json hashes to what it says, and is proven (RFC 6962 inclusion
//      proof, proofs.json) to be in the tree of the bundle's signed checkpoint;
//   5. every event payload in evidence.jsonl hashes (SHA-256 of its canonical JSON) to what the timeline entry
//      that kept it says, every payload the timeline kept is there unless a purge is on record, and every
//      purge in evidence.jsonl is the one the timeline records;
//   6. each checkpoint you kept from earlier (a witness file, Slack, an earlier bundle) is in that history.
// Exit 0: all of that holds; 1: something was altered (each file is named); 2: nothing could be checked.
import { createHash, createPublicKey, verify } from 'node:crypto';
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { pathToFileURL } from 'node:url';

export const BUNDLE_FORMAT = 'vigil-audit-bundle/2';
export const CHECKPOINT_FORMAT = 'vigil-checkpoint/1';
export const FILE_ENTRY_FORMAT = 'vigil-bundle-file/1';
export const GENESIS_HASH = '0'.repeat(64);

/** RFC 8785 (JCS) for JSON data: keys sorted by UTF-16 code units, no whitespace, ECMAScript numbers. */
export function canonicalJson(value) {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const keys = Object.keys(value).filter((key) => value[key] !== undefined).sort();
    return `{${keys.map((key) => `${JSON.stringify(key)}:${canonicalJson(value[key])}`).join(',')}}`;
  }
  const text = JSON.stringify(value);
  if (text === undefined) throw new TypeError('value has no JSON representation');
  return text;
}

export function sha256Hex(content) {
  return createHash('sha256').update(content).digest('hex');
}

/** The object a signature covers: the object itself without its `signature` member. */
export function signedBytes(object) {
  const rest = { ...object };
  delete rest.signature;
  return Buffer.from(canonicalJson(rest), 'utf8');
}

/** The id of a key: SHA-256 (hex) of its DER SubjectPublicKeyInfo, as `openssl pkey -pubin -outform DER` writes. */
export function keyId(publicKey) {
  return sha256Hex(publicKey.export({ type: 'spki', format: 'der' }));
}

export function verifySignature(object, publicKey) {
  if (typeof object?.signature !== 'string') return false;
  try {
    return verify(null, signedBytes(object), publicKey, Buffer.from(object.signature, 'base64'));
  } catch {
    return false;
  }
}

/** A checkpoint's hash, which the next checkpoint names as `previous`: SHA-256 of its signed bytes. */
export function checkpointHash(checkpoint) {
  return sha256Hex(signedBytes(checkpoint));
}

/** sha256(prev_hash || canonical JSON of {incidentId, kind, actor, at, data}), hex: the timeline chain. */
export function timelineEntryHash(prevHash, entry) {
  const { incidentId, kind, actor, at, data } = entry;
  return createHash('sha256')
    .update(prevHash, 'utf8')
    .update(canonicalJson({ incidentId, kind, actor, at, data }), 'utf8')
    .digest('hex');
}

const H = (...parts) => createHash('sha256').update(Buffer.concat(parts)).digest();
const LEAF = Buffer.from([0]);
const NODE = Buffer.from([1]);

/** RFC 6962 leaf hash of a timeline entry: SHA-256(0x00 || the entry's 32-byte hash). */
export function leafHash(entryHashHex) {
  return H(LEAF, Buffer.from(entryHashHex, 'hex')).toString('hex');
}

/** RFC 9162 §2.1.3.2: the audit path proves leaf `index` is in the tree of `size` leaves with `root`. */
export function verifyInclusion(leafHex, index, size, proof, root) {
  if (!Number.isInteger(index) || !Number.isInteger(size) || index < 0 || index >= size) return false;
  let fn = index;
  let sn = size - 1;
  let r = Buffer.from(leafHex, 'hex');
  for (const hex of proof) {
    const p = Buffer.from(hex, 'hex');
    if (sn === 0) return false;
    if (fn % 2 === 1 || fn === sn) {
      r = H(NODE, p, r);
      while (fn % 2 === 0 && fn !== 0) {
        fn = Math.floor(fn / 2);
        sn = Math.floor(sn / 2);
      }
    } else {
      r = H(NODE, r, p);
    }
    fn = Math.floor(fn / 2);
    sn = Math.floor(sn / 2);
  }
  return sn === 0 && r.toString('hex') === root;
}

/** RFC 9162 §2.1.4.2: the proof shows the tree (size1, root1) is a prefix of the tree (size2, root2). */
export function verifyConsistency(size1, size2, proof, root1, root2) {
  if (!Number.isInteger(size1) || !Number.isInteger(size2) || size1 < 0 || size1 > size2) return false;
  if (size1 === size2) return proof.length === 0 && root1 === root2;
  if (size1 === 0) return proof.length === 0;
  const path = proof.map((hex) => Buffer.from(hex, 'hex'));
  if ((size1 & (size1 - 1)) === 0) path.unshift(Buffer.from(root1, 'hex'));
  if (path.length === 0) return false;
  let fn = size1 - 1;
  let sn = size2 - 1;
  while (fn % 2 === 1) {
    fn = Math.floor(fn / 2);
    sn = Math.floor(sn / 2);
  }
  let fr = path[0];
  let sr = path[0];
  for (const c of path.slice(1)) {
    if (sn === 0) return false;
    if (fn % 2 === 1 || fn === sn) {
      fr = H(NODE, c, fr);
      sr = H(NODE, c, sr);
      while (fn % 2 === 0 && fn !== 0) {
        fn = Math.floor(fn / 2);
        sn = Math.floor(sn / 2);
      }
    } else {
      sr = H(NODE, sr, c);
    }
    fn = Math.floor(fn / 2);
    sn = Math.floor(sn / 2);
  }
  return sn === 0 && fr.toString('hex') === root1 && sr.toString('hex') === root2;
}

export class BundleUnreadableError extends Error {
  name = 'BundleUnreadableError';
}

async function readJson(dir, name) {
  try {
    return JSON.parse(await readFile(path.join(dir, name), 'utf8'));
  } catch {
    return undefined;
  }
}

/**
 * Checks a signed checkpoint history: signatures, `previous` links from the first checkpoint on, and a
 * consistency proof between each checkpoint and the one before. Returns what is wrong, one line each.
 */
export function checkHistory(history, publicKey) {
  const problems = [];
  const checkpoints = Array.isArray(history?.checkpoints) ? history.checkpoints : [];
  const proofs = Array.isArray(history?.consistency) ? history.consistency : [];
  if (checkpoints.length === 0) return ['holds no checkpoint'];
  let previous = null;
  checkpoints.forEach((checkpoint, i) => {
    const label = `checkpoint #${checkpoint?.seq}`;
    if (checkpoint?.format !== CHECKPOINT_FORMAT) problems.push(`${label}: not a ${CHECKPOINT_FORMAT}`);
    if (checkpoint?.seq !== i + 1) problems.push(`${label}: expected #${i + 1} (the history must start at #1, without gaps)`);
    if (!verifySignature(checkpoint, publicKey)) problems.push(`${label}: signature does not verify`);
    const expected = previous ? checkpointHash(previous) : null;
    if (checkpoint?.previous !== expected) problems.push(`${label}: does not name the hash of the checkpoint before it`);
    if (previous) {
      const proof = proofs.find((entry) => entry?.fromSeq === previous.seq && entry?.toSeq === checkpoint.seq);
      const ok = proof && verifyConsistency(previous.treeSize, checkpoint.treeSize, proof.proof, previous.root, checkpoint.root);
      if (!ok) problems.push(`${label}: no valid consistency proof from #${previous.seq} (tree ${previous.treeSize}) to tree ${checkpoint.treeSize}`);
    }
    previous = checkpoint;
  });
  return problems;
}

/**
 * Verifies the bundle in `dir` against the register's public key (PEM) and, optionally, checkpoints the
 * auditor kept from earlier. Throws BundleUnreadableError when there is nothing to check against.
 */
export async function verifyBundle(dir, { publicKeyPem, kept = [] }) {
  let publicKey;
  try {
    publicKey = createPublicKey(publicKeyPem);
  } catch (error) {
    throw new BundleUnreadableError(`the public key is not a PEM public key: ${error.message}`);
  }
  let manifestBytes;
  try {
    manifestBytes = await readFile(path.join(dir, 'manifest.json'));
  } catch (error) {
    throw new BundleUnreadableError(`cannot read ${path.join(dir, 'manifest.json')}: ${error.message}`);
  }
  let manifest;
  try {
    manifest = JSON.parse(manifestBytes.toString('utf8'));
  } catch (error) {
    throw new BundleUnreadableError(`manifest.json is not JSON: ${error.message}`);
  }
  if (manifest?.format !== BUNDLE_FORMAT || !Array.isArray(manifest.files)) {
    throw new BundleUnreadableError(`manifest.json is not a ${BUNDLE_FORMAT} manifest`);
  }

  const problems = [];
  const problem = (file, text) => problems.push({ file, problem: text });
  const ownKeyId = keyId(publicKey);
  if (manifest.keyId !== ownKeyId) {
    problem('manifest.json', `signed with key ${manifest.keyId}, not the given key ${ownKeyId}`);
  } else if (!verifySignature(manifest, publicKey)) {
    problem('manifest.json', 'signature does not verify: the manifest was altered');
  }

  const plain = /^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$/;
  for (const entry of manifest.files) {
    const name = String(entry?.name);
    if (!plain.test(name) || name === 'manifest.json') {
      problem('manifest.json', `lists ${JSON.stringify(name)}, which is not a plain file name`);
      continue;
    }
    const signed = { format: FILE_ENTRY_FORMAT, bundleId: manifest.bundleId, name, sha256: entry.sha256, bytes: entry.bytes, signature: entry.signature };
    if (!verifySignature(signed, publicKey)) {
      problem(name, 'its manifest entry was altered (the entry signature does not verify)');
    }
    let content;
    try {
      content = await readFile(path.join(dir, name));
    } catch {
      problem(name, 'missing');
      continue;
    }
    const digest = sha256Hex(content);
    if (digest !== entry.sha256) problem(name, `SHA-256 differs: manifest ${entry.sha256}, file ${digest}`);
    else if (content.length !== entry.bytes) problem(name, `${content.length} bytes, manifest says ${entry.bytes}`);
  }
  const listed = new Set(['manifest.json', ...manifest.files.map((entry) => String(entry?.name))]);
  const unlisted = (await readdir(dir)).filter((name) => !listed.has(name)).sort();

  const checkpoint = manifest.checkpoint;
  if (!verifySignature(checkpoint, publicKey)) problem('manifest.json', 'the checkpoint signature does not verify');

  const history = await readJson(dir, 'checkpoints.json');
  for (const text of checkHistory(history, publicKey)) problem('checkpoints.json', text);
  const last = history?.checkpoints?.at?.(-1);
  if (!last || checkpointHash(last) !== checkpointHash(checkpoint ?? {})) {
    problem('checkpoints.json', 'does not end with the manifest checkpoint');
  }

  const proofsChecked = await checkEntries(dir, checkpoint, problem);
  const evidence = manifest.files.some((entry) => entry?.name === 'evidence.jsonl')
    ? await checkEvidence(dir, problem)
    : { kept: 0, purged: 0 };
  const keptResults = kept.map((earlier) => checkKept(earlier, history, publicKey, problem));
  return {
    ok: problems.length === 0,
    manifest,
    manifestSha256: sha256Hex(manifestBytes),
    problems,
    unlisted,
    checkpoint,
    proofsChecked,
    evidence,
    kept: keptResults,
  };
}

/** What the timeline of each incident says about its payloads: kept (by hash), and let go (by hash). */
function payloadsInTimeline(timelines) {
  const byIncident = new Map();
  for (const incident of timelines?.incidents ?? []) {
    const kept = new Map();
    const gone = new Map();
    for (const entry of incident.timeline ?? []) {
      const data = entry.data ?? {};
      for (const item of Array.isArray(data.evidenceKept) ? data.evidenceKept : []) kept.set(item.eventId, item.sha256);
      for (const item of Array.isArray(data.evidenceDropped) ? data.evidenceDropped : []) gone.set(item.eventId, item.sha256);
      if (entry.kind === 'evidence-purged') {
        for (const item of Array.isArray(data.purged) ? data.purged : []) gone.set(item.eventId, item.sha256);
      }
    }
    byIncident.set(incident.id, { ref: incident.ref, kept, gone, seen: new Set(), seenGone: new Set() });
  }
  return byIncident;
}

/**
 * evidence.jsonl against the timelines (whose entries step 4 proved): each kept payload hashes to the hash the
 * timeline recorded when it was taken in; nothing the timeline kept is missing without a purge on record.
 */
async function checkEvidence(dir, problem) {
  const result = { kept: 0, purged: 0 };
  let text;
  try {
    text = await readFile(path.join(dir, 'evidence.jsonl'), 'utf8');
  } catch {
    return result;
  }
  const chain = payloadsInTimeline(await readJson(dir, 'timelines.json'));
  const lines = text.split('\n').filter((line) => line.length > 0);
  for (const [index, line] of lines.entries()) {
    let item;
    try {
      item = JSON.parse(line);
    } catch {
      problem('evidence.jsonl', `line ${index + 1} is not JSON`);
      continue;
    }
    const incident = chain.get(item?.incidentId);
    const where = `event ${item?.eventId} of ${incident?.ref ?? item?.incidentId}`;
    if (!incident) {
      problem('evidence.jsonl', `line ${index + 1}: ${where} belongs to no incident of timelines.json`);
    } else if (item.kind === 'kept') {
      const digest = sha256Hex(Buffer.from(canonicalJson(item.event), 'utf8'));
      if (digest !== item.sha256 || incident.kept.get(item.eventId) !== digest) {
        problem('evidence.jsonl', `${where} does not match the hash its timeline recorded: it was altered`);
      } else if (incident.gone.has(item.eventId)) {
        problem('evidence.jsonl', `${where} is here although its timeline records it purged`);
      } else {
        incident.seen.add(item.eventId);
        result.kept += 1;
      }
    } else if (item.kind === 'purged') {
      if (incident.gone.get(item.eventId) !== item.sha256) {
        problem('evidence.jsonl', `${where}: a purge its timeline does not record`);
      } else {
        incident.seenGone.add(item.eventId);
        result.purged += 1;
      }
    } else {
      problem('evidence.jsonl', `line ${index + 1}: unknown kind ${JSON.stringify(item.kind)}`);
    }
  }
  for (const incident of chain.values()) {
    for (const eventId of incident.kept.keys()) {
      if (!incident.seen.has(eventId) && !incident.gone.has(eventId)) {
        problem('evidence.jsonl', `event ${eventId} of ${incident.ref} is missing: its timeline kept it and records no purge`);
      }
    }
    for (const eventId of incident.gone.keys()) {
      if (!incident.seenGone.has(eventId)) problem('evidence.jsonl', `the purge of event ${eventId} of ${incident.ref} is missing`);
    }
  }
  return result;
}

/** Every timeline entry: its hash from its content, its chain link, and its inclusion in the checkpoint. */
async function checkEntries(dir, checkpoint, problem) {
  const timelines = await readJson(dir, 'timelines.json');
  const proofs = await readJson(dir, 'proofs.json');
  if (!timelines || !proofs) {
    problem(timelines ? 'proofs.json' : 'timelines.json', 'missing or not JSON');
    return 0;
  }
  if (proofs.treeSize !== checkpoint?.treeSize || proofs.root !== checkpoint?.root) {
    problem('proofs.json', `proves against tree ${proofs.treeSize}, not the checkpoint's tree ${checkpoint?.treeSize}`);
  }
  const byId = new Map((proofs.entries ?? []).map((entry) => [entry.id, entry]));
  let checked = 0;
  for (const incident of timelines.incidents ?? []) {
    for (const entry of incident.timeline ?? []) {
      if (timelineEntryHash(entry.prevHash, entry) !== entry.hash) {
        problem('timelines.json', `entry ${entry.id} of ${incident.ref} does not match its hash: it was altered`);
        continue;
      }
      const proof = byId.get(entry.id);
      const included =
        proof && proof.hash === entry.hash &&
        verifyInclusion(leafHash(entry.hash), entry.id - 1, checkpoint.treeSize, proof.proof, checkpoint.root);
      if (!included) {
        problem('proofs.json', `entry ${entry.id} of ${incident.ref} is not proven to be in checkpoint #${checkpoint?.seq}`);
        continue;
      }
      checked += 1;
    }
  }
  return checked;
}

/** A checkpoint the auditor kept: it must be signed and be the very checkpoint of that number in the history. */
function checkKept(earlier, history, publicKey, problem) {
  const label = `kept checkpoint #${earlier?.seq} (tree ${earlier?.treeSize})`;
  if (!verifySignature(earlier, publicKey)) {
    problem('kept checkpoints', `${label}: its signature does not verify; it is not one of this register's`);
    return { seq: earlier?.seq, consistent: false };
  }
  const same = (history?.checkpoints ?? []).find((checkpoint) => checkpoint.seq === earlier.seq);
  if (!same) {
    problem('checkpoints.json', `${label} is not in the bundle's history (the bundle ends at #${history?.checkpoints?.at?.(-1)?.seq})`);
    return { seq: earlier.seq, consistent: false };
  }
  if (checkpointHash(same) !== checkpointHash(earlier)) {
    problem('checkpoints.json', `${label} differs from #${same.seq} in the bundle: the register's history was rewritten`);
    return { seq: earlier.seq, consistent: false };
  }
  return { seq: earlier.seq, consistent: true };
}

/** Kept checkpoints: a JSON array, a checkpoints.json ({checkpoints: [...]}), or JSON lines (a witness file). */
export function parseKept(text) {
  const trimmed = text.trim();
  if (trimmed === '') return [];
  if (trimmed.startsWith('[')) return JSON.parse(trimmed);
  if (trimmed.startsWith('{') && !trimmed.includes('\n')) {
    const one = JSON.parse(trimmed);
    return Array.isArray(one.checkpoints) ? one.checkpoints : [one];
  }
  try {
    const whole = JSON.parse(trimmed);
    if (Array.isArray(whole.checkpoints)) return whole.checkpoints;
  } catch {
    // JSON lines
  }
  return trimmed.split('\n').filter((line) => line.trim() !== '').map((line) => JSON.parse(line));
}

export const USAGE = `usage: verify-bundle <bundle directory> --public-key <PEM file> [--kept <checkpoints file>]
  --public-key  the register's Ed25519 public key (GET /v1/register/public-key, or from the operator)
  --kept        checkpoints you kept from earlier: a witness file (JSON lines), a checkpoints.json, or a JSON array
  Exit 0: signed, every file intact, every entry proven; 1: something altered (named); 2: nothing checked.`;

/** The command line; returns the exit code. */
export async function main(argv, out = console.log, err = console.error) {
  const args = [...argv];
  let dir;
  let keyFile;
  let keptFile;
  while (args.length > 0) {
    const arg = args.shift();
    if (arg === '--public-key') keyFile = args.shift();
    else if (arg === '--kept') keptFile = args.shift();
    else if (!arg.startsWith('-') && dir === undefined) dir = arg;
    else {
      err(`unexpected argument ${arg}\n${USAGE}`);
      return 2;
    }
  }
  if (!dir || !keyFile) {
    err(USAGE);
    return 2;
  }
  let check;
  try {
    const publicKeyPem = await readFile(keyFile, 'utf8');
    const kept = keptFile ? parseKept(await readFile(keptFile, 'utf8')) : [];
    check = await verifyBundle(dir, { publicKeyPem, kept });
  } catch (error) {
    err(error instanceof BundleUnreadableError ? error.message : `could not verify: ${error.message}`);
    return 2;
  }
  for (const { file, problem } of check.problems) {
    err(`${problem === 'missing' ? 'MISSING' : 'ALTERED'} ${file}: ${problem}`);
  }
  for (const name of check.unlisted) err(`not in the manifest, not checked: ${name}`);
  if (!check.ok) {
    const files = [...new Set(check.problems.map((entry) => entry.file))];
    err(`bundle NOT intact: ${files.join(', ')}`);
    return 1;
  }
  for (const line of successReport(check, keyFile)) out(line);
  return 0;
}

/**
 * What an intact bundle proves, and what this program could not know on its own: an auditor copies these
 * lines into the workpapers, so the limits are stated as plainly as the results.
 */
export function successReport(check, keyFile) {
  const { manifest, checkpoint } = check;
  const lines = [
    `bundle ok: signature valid, ${manifest.files.length} files match manifest.json`,
    `manifest sha256: ${check.manifestSha256}`,
    `period: [${manifest.period.from}, ${manifest.period.to}), generated ${manifest.generatedAt}`,
    `population: ${manifest.population.incidents} incidents`,
    `checkpoint #${checkpoint.seq}: tree ${checkpoint.treeSize}, root ${checkpoint.root}, at ${checkpoint.at}`,
    `timeline entries proven in the checkpoint: ${check.proofsChecked}`,
    `evidence payloads matching their timelines: ${check.evidence.kept} kept, ${check.evidence.purged} purged on record`,
    ...check.kept.map((kept) => `kept checkpoint #${kept.seq}: consistent with this bundle`),
    'checked:',
    `  - manifest.json and each of its file entries are signed by the key in ${keyFile} (key id ${manifest.keyId})`,
    `  - each of the ${manifest.files.length} listed files has the SHA-256 and size of its signed entry`,
    `  - checkpoints #1 to #${checkpoint.seq} are signed, chained and consistent; #${checkpoint.seq} is the manifest's`,
    `  - ${check.proofsChecked} timeline entries hash correctly and are proven included in checkpoint #${checkpoint.seq}`,
    `  - ${check.evidence.kept} event payloads in evidence.jsonl hash to what their proven timeline entries recorded,` +
      ` none the timeline kept is missing without a recorded purge, and ${check.evidence.purged} purges match their entries`,
    'NOT checked (do these yourself):',
    `  - that ${keyFile} is the register's published key: compare key id ${manifest.keyId} with the key id the` +
      ' operator published (`openssl pkey -pubin -in KEY -outform DER | sha256sum` on the key from' +
      ' GET /v1/register/public-key or from the operator; docs/register-proof.md)',
    `  - that this is the export the register recorded: the export log (GET /v1/audit/exports) must have a` +
      ` "bundle" row whose contentSha256 is ${check.manifestSha256}`,
  ];
  if (check.kept.length === 0) {
    lines.push(
      "  - that the register's history matches checkpoints you kept earlier: none were given (--kept FILE)",
    );
  }
  lines.push('  - anything in the directory not listed in the manifest');
  return lines;
}

// Run only when this very file is the script: bundled into a service, import.meta.url is the bundle's own
// URL and would match that service's argv[1] too, so the file name must be this one's as well.
const script = process.argv[1] ? path.resolve(process.argv[1]) : '';
if (path.basename(script) === 'verify-bundle.mjs' && import.meta.url === pathToFileURL(script).href) {
  process.exitCode = await main(process.argv.slice(2));
}
