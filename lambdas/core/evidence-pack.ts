import { createHash, createPublicKey } from 'node:crypto';
import canonicalize from 'canonicalize';
import { strFromU8, strToU8, unzipSync, type Zippable, zipSync } from 'fflate';
import { type CanaryReport, canaryReportSha256 } from './canary-report';
import { canonicalSha256 } from './canonical-hash';
import { checkDigest, type Digest, digestLeaves, type SignedDigest } from './digest';
import { contentHash, hashEntry, type LedgerEntry, linkHash } from './ledger';
import { LEGACY_CHAIN } from './ledger-legacy';
import { inclusionProof, leafHash, verifyInclusion } from './merkle';

/**
 * The evidence pack of one change (docs/design.md, "Evidence pack"): a zip anyone can open, its
 * files stored uncompressed in a fixed order with a fixed time, so that the same files always give
 * the same bytes and any changed byte of the archive is found offline:
 *
 *   manifest.json          format, change, time made; every other file with its SHA-256 and size
 *   change.json            the change as GET /changes/{id} answers it
 *   plan.json              the policy's decision (approvers, tests, window, canary, policy hash)
 *   votes.json             the approvers' votes
 *   tests/result.json      the test build's result; tests/report.json the report it wrote (if any)
 *   canary-report.json     the canary report (GET /changes/{id}/report)
 *   ledger/entries.json    every ledger entry of the change, by chain and seq
 *   ledger/proof.json      per chain: the links from the change's first entry to the head the digest names
 *   digest.json            the signed digest; public-key.pem its key (SPKI)
 *
 * {@link verifyEvidence} checks the files against the manifest, the archive against the canonical
 * one of its files, each entry's hash, the links up to the digest's head of each chain, that head's
 * Merkle inclusion in the digest's root, and the digest's signature. The manifest is inside the pack,
 * so it alone vouches for nothing: the attached reports are also checked against the SHA-256 their
 * ledger entries recorded when they were made (the test result's `report.sha256`, the deployment's
 * end's `canaryReport.sha256`), which the chain proof and the signed digest vouch for.
 */

/** The format of a pack's manifest (a verifier refuses others). */
export const EVIDENCE_FORMAT = 'cmv-evidence-pack/1';

/** Zip time of every file: a fixed one, so a pack's bytes depend only on its files. */
const PACK_EPOCH = new Date('1980-01-01T00:00:00Z');

/** A link of a chain proof: an entry of another change, by its content hash (a legacy entry whole: its hash covers its link). */
export type ProofLink = { readonly seq: number; readonly contentHash: string } | { readonly seq: number; readonly entry: LedgerEntry };

/** The proof that a change's entries of one chain lead to the head a digest names for that chain. */
export interface ChainProof {
  readonly chain: string;
  /** The change's first entry of the chain; the walk starts from its `prevHash`. */
  readonly fromSeq: number;
  /** Every other entry from `fromSeq` to `head.seq`, ascending. */
  readonly links: readonly ProofLink[];
  /** The chain's head as the digest names it. */
  readonly head: { readonly seq: number; readonly hash: string };
  /** RFC 6962 inclusion proof of the head's leaf in the digest's `headHash` (hex). */
  readonly inclusion: { readonly index: number; readonly size: number; readonly leafHash: string; readonly path: readonly string[] };
}

/** What a pack holds, before it is zipped. Times ISO-8601. */
export interface EvidenceParts {
  readonly changeId: string;
  readonly createdAt: string;
  readonly change: Record<string, unknown>;
  readonly plan: unknown;
  readonly votes: unknown;
  readonly testResult?: unknown;
  /** The test build's report, byte for byte as stored. */
  readonly testReport?: Uint8Array;
  readonly canaryReport: unknown;
  /** Every entry of the change (any order: packed by chain and seq). */
  readonly entries: readonly LedgerEntry[];
  readonly proofs: readonly ChainProof[];
  readonly digest: SignedDigest;
  readonly publicKey: string;
}

/** One file of the manifest. `bytes` is its size. */
export interface ManifestFile {
  readonly path: string;
  readonly sha256: string;
  readonly bytes: number;
}

export interface Manifest {
  readonly format: typeof EVIDENCE_FORMAT;
  readonly changeId: string;
  readonly createdAt: string;
  readonly digestSeq: number;
  readonly files: readonly ManifestFile[];
}

/** A failed check: the file (or `archive`) and what is wrong. */
export interface EvidenceFailure {
  readonly part: string;
  readonly message: string;
}

/** A file of the pack whose SHA-256 a ledger entry of the change records (`entry`: `<chain>#<seq>`). */
export interface AttestedFile {
  readonly path: string;
  readonly entry: string;
}

/** The outcome of {@link verifyEvidence}: valid iff no failure. */
export interface EvidenceVerification {
  readonly valid: boolean;
  readonly changeId?: string;
  readonly entries: number;
  readonly digestSeq?: number;
  readonly failures: readonly EvidenceFailure[];
  /** The files found equal to what the ledger recorded of them (a file the ledger records nothing of is vouched for by the manifest only). */
  readonly attested: readonly AttestedFile[];
}

const sha256Hex = (bytes: Uint8Array): string => createHash('sha256').update(bytes).digest('hex');
const pretty = (value: unknown): Uint8Array => strToU8(`${JSON.stringify(value, null, 2)}\n`);
const bySeq = (a: LedgerEntry, b: LedgerEntry) => (a.chain < b.chain ? -1 : a.chain > b.chain ? 1 : a.seq - b.seq);

/** The canonical zip of `files`: sorted by path, stored (no compression), fixed time. */
function zipFiles(files: Record<string, Uint8Array>): Uint8Array {
  const zippable: Zippable = {};
  for (const path of Object.keys(files).sort()) zippable[path] = [files[path], { mtime: PACK_EPOCH, level: 0 }];
  return zipSync(zippable, { level: 0 });
}

/**
 * Builds the proof of one chain from the change's entries of it and every entry of the chain from
 * the change's first one up to the digest's head for the chain.
 * @param chainEntries - the chain's entries with seq from the change's first to the digest's head, ascending
 * @throws Error when the digest does not name the chain, or the entries are not that range
 */
export function chainProofOf(changeId: string, chainEntries: readonly LedgerEntry[], digest: Digest): ChainProof {
  const first = chainEntries.find((e) => e.changeId === changeId);
  if (!first) throw new Error(`no entry of change ${changeId} among the chain's entries`);
  const chain = first.chain;
  const index = digest.chains.findIndex((c) => c.chain === chain);
  if (index < 0) throw new Error(`digest #${digest.seq} does not name chain ${chain}`);
  const head = digest.chains[index];
  const range = chainEntries.filter((e) => e.seq >= first.seq && e.seq <= head.seq);
  if (range.length !== head.seq - first.seq + 1 || range.some((e, i) => e.seq !== first.seq + i)) {
    throw new Error(`the entries of ${chain} from ${first.seq} to ${head.seq} are not all there`);
  }
  const links: ProofLink[] = range
    .filter((e) => e.changeId !== changeId)
    .map((e) => (chain === LEGACY_CHAIN ? { seq: e.seq, entry: e } : { seq: e.seq, contentHash: contentHash(e) }));
  const leaves = digestLeaves(digest.chains);
  return {
    chain,
    fromSeq: first.seq,
    links,
    head: { seq: head.seq, hash: head.hash },
    inclusion: { index, size: leaves.length, leafHash: leafHash(leaves[index]).toString('hex'), path: inclusionPath(leaves, index) },
  };
}

/** The audit path of leaf `index`, hex. */
function inclusionPath(leaves: Buffer[], index: number): string[] {
  return inclusionProof(leaves, index).map((h) => h.toString('hex'));
}

/** The pack's files, path → bytes, the manifest last (it lists the others). */
export function evidenceFiles(parts: EvidenceParts): Record<string, Uint8Array> {
  const files: Record<string, Uint8Array> = {
    'change.json': pretty(parts.change),
    'plan.json': pretty(parts.plan),
    'votes.json': pretty(parts.votes),
    'canary-report.json': pretty(parts.canaryReport),
    'ledger/entries.json': pretty([...parts.entries].sort(bySeq)),
    'ledger/proof.json': pretty(parts.proofs),
    'digest.json': pretty(parts.digest),
    'public-key.pem': strToU8(parts.publicKey),
  };
  if (parts.testResult !== undefined) files['tests/result.json'] = pretty(parts.testResult);
  if (parts.testReport) files['tests/report.json'] = parts.testReport;
  const manifest: Manifest = {
    format: EVIDENCE_FORMAT,
    changeId: parts.changeId,
    createdAt: parts.createdAt,
    digestSeq: parts.digest.digest.seq,
    files: Object.keys(files)
      .sort()
      .map((path) => ({ path, sha256: sha256Hex(files[path]), bytes: files[path].length })),
  };
  return { ...files, 'manifest.json': pretty(manifest) };
}

/** The pack of `parts`: a zip (bytes). */
export const packEvidence = (parts: EvidenceParts): Uint8Array => zipFiles(evidenceFiles(parts));

/** Re-zips files taken out of a pack (canonically): what a pack of those files is. */
export const zipEvidenceFiles = (files: Record<string, Uint8Array>): Uint8Array => zipFiles(files);

/** Verification options. */
export interface VerifyEvidenceOptions {
  /** A public key (PEM) the auditor kept: the pack's must be the same key. */
  readonly publicKey?: string;
}

/** Whether two PEMs are the same key (compared as DER, so line breaks and labels do not matter). */
function sameKey(a: string, b: string): boolean {
  try {
    const der = (pem: string) => createPublicKey(pem).export({ format: 'der', type: 'spki' });
    return der(a).equals(der(b));
  } catch {
    return false;
  }
}

/**
 * Verifies a pack offline: every file's SHA-256 against the manifest and the archive against the
 * canonical zip of its files; each entry's hash; the links of each chain proof from the change's
 * first entry to the head the digest names; that head's inclusion in the digest's Merkle root; the
 * digest's hash and signature with the pack's public key, which must be `options.publicKey` when given.
 * Never throws: every failure is listed with the file it is in.
 */
export function verifyEvidence(zip: Uint8Array, options: VerifyEvidenceOptions = {}): EvidenceVerification {
  const failures: EvidenceFailure[] = [];
  const fail = (part: string, message: string) => failures.push({ part, message });
  let files: Record<string, Uint8Array>;
  try {
    files = unzipSync(zip);
  } catch (err) {
    return { valid: false, entries: 0, attested: [], failures: [{ part: 'archive', message: `archive: not a zip archive (${(err as Error).message})` }] };
  }
  const manifestBytes = files['manifest.json'];
  if (!manifestBytes)
    return { valid: false, entries: 0, attested: [], failures: [{ part: 'manifest.json', message: 'manifest.json: missing from the archive' }] };
  const manifest = parse<Manifest>(manifestBytes, 'manifest.json', fail);
  if (!manifest || manifest.format !== EVIDENCE_FORMAT || !Array.isArray(manifest.files)) {
    if (manifest) fail('manifest.json', `manifest.json: not a ${EVIDENCE_FORMAT} manifest`);
    return { valid: false, entries: 0, attested: [], failures };
  }

  // 1. Every file as the manifest lists it, no more, no fewer.
  const listed = new Set<string>();
  for (const f of manifest.files) {
    listed.add(f.path);
    const bytes = files[f.path];
    if (!bytes) fail(f.path, `${f.path}: listed in manifest.json but missing from the archive`);
    else if (sha256Hex(bytes) !== f.sha256) fail(f.path, `${f.path}: changed — its SHA-256 is ${sha256Hex(bytes)}, manifest.json lists ${f.sha256}`);
  }
  for (const path of Object.keys(files)) {
    if (path !== 'manifest.json' && !listed.has(path)) fail(path, `${path}: in the archive but not listed in manifest.json`);
  }
  // 2. The archive itself: a changed header, name, time, comment or trailing byte changes no file.
  if (!Buffer.from(zipFiles(files)).equals(Buffer.from(zip))) {
    fail('archive', 'archive: its bytes are not the canonical archive of its files (a header, name, time, checksum, comment or trailing byte was changed)');
  }

  // 3. The ledger: entries, chain proofs, digest, key.
  const entries = files['ledger/entries.json'] ? parse<LedgerEntry[]>(files['ledger/entries.json'], 'ledger/entries.json', fail) : undefined;
  const proofs = files['ledger/proof.json'] ? parse<ChainProof[]>(files['ledger/proof.json'], 'ledger/proof.json', fail) : undefined;
  const signed = files['digest.json'] ? parse<SignedDigest>(files['digest.json'], 'digest.json', fail) : undefined;
  const pem = files['public-key.pem'] ? strFromU8(files['public-key.pem']) : undefined;
  for (const path of ['ledger/entries.json', 'ledger/proof.json', 'digest.json', 'public-key.pem']) {
    if (!files[path]) fail(path, `${path}: missing from the archive`);
  }
  if (pem !== undefined && options.publicKey !== undefined && !sameKey(pem, options.publicKey)) {
    fail('public-key.pem', 'public-key.pem: not the public key you kept (--public-key): the digest may be signed by another key');
  }
  if (signed && pem !== undefined) {
    const fault = safely(() => checkDigest(signed, pem));
    if (fault) fail('digest.json', `digest.json: ${typeof fault === 'string' ? fault : fault.detail}`);
  }
  if (Array.isArray(entries)) {
    for (const e of entries) {
      if (e?.changeId !== manifest.changeId)
        fail('ledger/entries.json', `ledger/entries.json: entry ${e?.chain}#${e?.seq} is not of change ${manifest.changeId}`);
      else if (safely(() => hashEntry(e)) !== e.hash)
        fail('ledger/entries.json', `ledger/entries.json: entry ${e.chain}#${e.seq} was altered: its content does not hash to its hash`);
    }
    if (entries.length === 0) fail('ledger/entries.json', 'ledger/entries.json: holds no entry');
  }
  if (Array.isArray(entries) && Array.isArray(proofs) && signed?.digest) {
    const chains = new Set(entries.map((e) => e?.chain));
    for (const chain of chains) if (!proofs.some((p) => p?.chain === chain)) fail('ledger/proof.json', `ledger/proof.json: no proof for chain ${chain}`);
    for (const proof of proofs) {
      const problem = safely(() => checkChainProof(proof, entries, signed.digest));
      if (problem) fail('ledger/proof.json', `ledger/proof.json: ${problem}`);
    }
  }
  if (signed?.digest && signed.digest.seq !== manifest.digestSeq)
    fail('manifest.json', `manifest.json: names digest #${manifest.digestSeq}, the pack holds #${signed.digest.seq}`);
  // 4. The attached reports against what their entries recorded.
  const attested = Array.isArray(entries) ? checkAttested(files, entries, fail) : [];
  return {
    valid: failures.length === 0,
    changeId: manifest.changeId,
    entries: Array.isArray(entries) ? entries.length : 0,
    digestSeq: signed?.digest?.seq,
    failures,
    attested,
  };
}

/** A report file and how the ledger records it: which entry field holds its SHA-256, and how the file is hashed. */
interface RecordedReport {
  readonly path: string;
  readonly name: string;
  /** The SHA-256 an entry's details record of it, if that entry records one. */
  readonly recorded: (details: Record<string, unknown>) => unknown;
  readonly hash: (bytes: Uint8Array) => string;
}

const RECORDED_REPORTS: readonly RecordedReport[] = [
  {
    path: 'canary-report.json',
    name: 'canary report',
    recorded: (d) => (d.canaryReport as { sha256?: unknown } | undefined)?.sha256,
    // Recorded as canonical JSON of the report object (canaryReportSha256): the pack's pretty-printed copy is parsed first.
    hash: (bytes) => canaryReportSha256(JSON.parse(strFromU8(bytes)) as CanaryReport),
  },
  {
    path: 'tests/report.json',
    name: 'test report',
    recorded: (d) => (d.report as { sha256?: unknown } | undefined)?.sha256,
    hash: sha256Hex,
  },
  {
    path: 'plan.json',
    name: 'plan',
    // The proposal's entry records the plan's canonical hash (propose-change.ts); the plan never changes afterwards.
    recorded: (d) => d.planSha256,
    hash: (bytes) => canonicalSha256(JSON.parse(strFromU8(bytes))),
  },
];

/** The entry types that record a vote (decide-approval.ts): the voter is the entry's actor. */
const VOTE_ENTRIES: ReadonlySet<string> = new Set(['ApprovalRecorded', 'ChangeApproved', 'ChangeRejected']);

/** A vote as votes.json holds it (the change's `approvals`). */
interface PackedVote {
  readonly approver?: unknown;
  readonly decision?: unknown;
  readonly comment?: unknown;
}

const voteText = (approver: unknown, decision: unknown, comment: unknown) => `${String(approver)} ${String(decision)} ${JSON.stringify(comment)}`;

/**
 * votes.json must hold exactly the votes the ledger recorded, in order: each vote's approver, decision
 * and comment those of its entry.
 * @returns the entries matched (`<chain>#<seq>`, comma-separated), or undefined when none was checked
 */
function checkVotes(files: Record<string, Uint8Array>, entries: readonly LedgerEntry[], fail: (part: string, message: string) => void): string | undefined {
  const recorded = entries.filter((e) => VOTE_ENTRIES.has(e.type)).sort((a, b) => (a.time === b.time ? a.seq - b.seq : a.time < b.time ? -1 : 1));
  const refs = recorded.map((e) => `${e.chain}#${e.seq}`).join(', ');
  const bytes = files['votes.json'];
  if (!bytes) {
    if (recorded.length > 0) fail('votes.json', `votes.json: missing, but the ledger records ${recorded.length} vote(s) (${refs})`);
    return undefined;
  }
  const votes = safely(() => JSON.parse(strFromU8(bytes)) as PackedVote[]);
  if (!Array.isArray(votes)) {
    fail('votes.json', 'votes.json: not a list of votes');
    return undefined;
  }
  if (votes.length !== recorded.length) {
    fail('votes.json', `votes.json: holds ${votes.length} votes, the ledger records ${recorded.length}${refs ? ` (${refs})` : ''}`);
    return undefined;
  }
  for (const [i, vote] of votes.entries()) {
    const e = recorded[i];
    const same = vote?.approver === e.actor && vote?.decision === e.details.decision && vote?.comment === e.details.comment;
    if (!same) {
      fail(
        'votes.json',
        `votes.json: vote ${i + 1} (${voteText(vote?.approver, vote?.decision, vote?.comment)}) is not the vote the ledger recorded at ${e.chain}#${e.seq} (${voteText(e.actor, e.details.decision, e.details.comment)})`,
      );
      return undefined;
    }
  }
  return recorded.length > 0 ? refs : undefined;
}

/**
 * Each report some entry of the change records a SHA-256 of (the latest such entry, by time then
 * seq) must be in the pack with that hash.
 * @returns the files found equal to their record
 */
function checkAttested(files: Record<string, Uint8Array>, entries: readonly LedgerEntry[], fail: (part: string, message: string) => void): AttestedFile[] {
  const attested: AttestedFile[] = [];
  const newestFirst = [...entries]
    .filter((e) => e && typeof e.details === 'object' && e.details)
    .sort((a, b) => (a.time === b.time ? b.seq - a.seq : a.time < b.time ? 1 : -1));
  for (const report of RECORDED_REPORTS) {
    const entry = newestFirst.find((e) => typeof report.recorded(e.details) === 'string');
    if (!entry) continue;
    const where = `${entry.chain}#${entry.seq}`;
    const recorded = report.recorded(entry.details) as string;
    const bytes = files[report.path];
    if (!bytes) {
      fail(report.path, `${report.path}: missing, but the ledger records a ${report.name} at ${where}`);
      continue;
    }
    const actual = safely(() => report.hash(bytes));
    if (actual === recorded) attested.push({ path: report.path, entry: where });
    else fail(report.path, `${report.path}: not the ${report.name} the ledger recorded at ${where} (its SHA-256 is ${actual}, the entry records ${recorded})`);
  }
  const votes = checkVotes(files, newestFirst, fail);
  if (votes) attested.push({ path: 'votes.json', entry: votes });
  return attested;
}

/**
 * Walks one chain proof: from the change's first entry's `prevHash`, each seq's link (the change's
 * own entry, hashed here, or another's content hash) up to the head, which must be the digest's for
 * the chain, and the head's leaf must be included in the digest's root.
 * @returns what is wrong, or undefined when the proof holds
 */
function checkChainProof(proof: ChainProof, entries: readonly LedgerEntry[], digest: Digest): string | undefined {
  const own = new Map(entries.filter((e) => e.chain === proof.chain).map((e) => [e.seq, e]));
  const others = new Map(proof.links.map((l) => [l.seq, l]));
  const first = own.get(proof.fromSeq);
  if (!first) return `${proof.chain}: the change has no entry #${proof.fromSeq}, where the proof starts`;
  let hash = first.prevHash;
  for (let seq = proof.fromSeq; seq <= proof.head.seq; seq++) {
    const entry = own.get(seq);
    const link = others.get(seq);
    if (entry && link) return `${proof.chain}#${seq}: both an entry of the change and a link of another`;
    if (entry) {
      if (entry.prevHash !== hash) return `${proof.chain}#${seq}: does not link to the entry before it (its prevHash is not that entry's hash)`;
      hash = hashEntry(entry);
    } else if (link && 'contentHash' in link) {
      hash = linkHash(link.contentHash, hash);
    } else if (link && 'entry' in link) {
      if (link.entry.prevHash !== hash || link.entry.seq !== seq) return `${proof.chain}#${seq}: the legacy entry does not link to the entry before it`;
      hash = hashEntry(link.entry);
    } else {
      return `${proof.chain}#${seq}: missing from the proof`;
    }
  }
  for (const seq of own.keys()) if (seq < proof.fromSeq || seq > proof.head.seq) return `${proof.chain}#${seq}: an entry of the change beyond the proof`;
  if (hash !== proof.head.hash) return `${proof.chain}: the links lead to ${hash}, not to the head #${proof.head.seq} ${proof.head.hash}`;
  const named = digest.chains.find((c) => c.chain === proof.chain);
  if (!named || named.seq !== proof.head.seq || named.hash !== proof.head.hash) {
    return `${proof.chain}: digest #${digest.seq} names another head (${named ? `#${named.seq} ${named.hash}` : 'none'}) than the proof's #${proof.head.seq}`;
  }
  const leaf = leafHash(Buffer.from(canonicalize({ chain: proof.chain, seq: proof.head.seq, hash: proof.head.hash }) ?? '', 'utf8'));
  const path = proof.inclusion.path.map((h) => Buffer.from(h, 'hex'));
  if (!verifyInclusion(proof.inclusion.index, proof.inclusion.size, leaf, path, Buffer.from(digest.headHash, 'hex'))) {
    return `${proof.chain}: the head's Merkle inclusion proof does not lead to digest #${digest.seq}'s root`;
  }
  return undefined;
}

function parse<T>(bytes: Uint8Array, path: string, fail: (part: string, message: string) => void): T | undefined {
  try {
    return JSON.parse(strFromU8(bytes)) as T;
  } catch (err) {
    fail(path, `${path}: not valid JSON (${(err as Error).message})`);
    return undefined;
  }
}

/** Runs a check on data that may have any shape: a throw is a failure too. */
function safely<T>(check: () => T): T | string {
  try {
    return check();
  } catch (err) {
    return `cannot be checked: ${(err as Error).message}`;
  }
}
