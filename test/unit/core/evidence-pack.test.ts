import { createHash } from 'node:crypto';
import { strFromU8, strToU8, unzipSync } from 'fflate';
import { canaryReport, canaryReportSha256 } from '../../../lambdas/core/canary-report';
import { canonicalSha256 } from '../../../lambdas/core/canonical-hash';
import type { Change } from '../../../lambdas/core/change';
import { buildDigest, type SignedDigest, signDigest } from '../../../lambdas/core/digest';
import { ConflictError, NotFoundError } from '../../../lambdas/core/errors';
import { type Manifest, verifyEvidence, zipEvidenceFiles } from '../../../lambdas/core/evidence-pack';
import type { LedgerEntry } from '../../../lambdas/core/ledger';
import type { AuditQuery, LedgerReader, Page } from '../../../lambdas/core/ports';
import { buildEvidencePack } from '../../../lambdas/core/use-cases/evidence-pack';
import type { Services } from '../../../lambdas/core/use-cases/services';
import { keyPairSigner, MemoryDigests, MemoryLedger } from './ledger-fakes';

/** The in-memory ledger's reads, with GET /audit's query by change. */
const readerOf = (ledger: MemoryLedger): LedgerReader => ({
  query: async (q: AuditQuery): Promise<Page<LedgerEntry>> => ({
    items: [...ledger.chains.values()]
      .flat()
      .filter((e) => e.changeId === q.changeId)
      .reverse(),
  }),
  heads: () => ledger.heads(),
  head: (chain) => ledger.head(chain),
  entries: (chain, afterSeq) => ledger.entries(chain, afterSeq),
});

const CHANGE = {
  changeId: 'chg-1',
  target: 'svc',
  title: 'seasonal bonus',
  version: '1.1.0',
  baseVersion: '1.0.0',
  status: 'deployed',
  deployment: {
    strategy: 'alias-weights',
    functionName: 'svc',
    alias: 'live',
    fromVersion: '1.0.0',
    fromFunctionVersion: '1',
    toFunctionVersion: '2',
    startedAt: '2026-03-01T09:00:06.000Z',
    steps: [10, 100],
    bakeSeconds: 60,
    currentWeight: 100,
    history: [{ weight: 10, at: '2026-03-01T09:00:07.000Z', checkedAt: '2026-03-01T09:00:08.000Z', decision: 'promote', reason: 'healthy' }],
    outcome: 'deployed',
    endedAt: '2026-03-01T09:00:09.000Z',
  },
  plan: { approvers: ['cab'], policySha256: 'p'.repeat(64), canary: { steps: [10, 100], bakeSeconds: 60 } },
  approvals: [{ approver: 'bob', roles: ['approver'], decision: 'approve', comment: 'ok', at: '2026-03-01T09:00:05.000Z' }],
  tests: { passed: true, buildId: 'b-1', buildStatus: 'SUCCEEDED', reportUri: 's3://artifacts/reports/chg-1/tests.json', at: '2026-03-01T09:00:03.000Z' },
  createdAt: '2026-03-01T09:00:00.000Z',
  updatedAt: '2026-03-01T09:00:09.000Z',
};
const TEST_REPORT = strToU8('{"suites":[{"suite":"unit","passed":true}]}\n');
const sha256 = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');
/** What the entries ending the tests and the deployment record of the files the pack holds. */
const RECORDED: Record<string, Record<string, unknown>> = {
  ChangeProposed: { planSha256: canonicalSha256(CHANGE.plan) },
  ChangeApproved: { decision: 'approve', comment: 'ok', roles: ['approver'] },
  TestsPassed: { report: { uri: CHANGE.tests.reportUri, sha256: sha256(TEST_REPORT) } },
  ChangeDeployed: { canaryReport: { sha256: canaryReportSha256(canaryReport(CHANGE as unknown as Change)) } },
};

/** A target chain where chg-1's entries are interleaved with chg-2's, and digests before, after and long after its last entry. */
async function world() {
  const ledger = new MemoryLedger();
  const digests = new MemoryDigests();
  const signer = keyPairSigner();
  const digestNow = async () => {
    const signed = await signDigest(buildDigest(await digests.latest(), await ledger.heads(), new Date('2026-03-02T00:00:00Z')), signer);
    await digests.put(signed);
    return signed;
  };
  const entry = (changeId: string, type: string) =>
    ledger.append({
      type,
      target: 'svc',
      changeId,
      actor: type === 'ChangeApproved' ? 'bob' : 'alice',
      details: { type, ...(changeId === 'chg-1' ? RECORDED[type] : {}) },
    });
  entry('chg-0', 'ChangeProposed');
  await digestNow(); // #1: before chg-1
  entry('chg-1', 'ChangeProposed');
  entry('chg-2', 'ChangeProposed');
  entry('chg-1', 'TestsPassed');
  entry('chg-1', 'ChangeApproved');
  ledger.append({ type: 'ChangeProposed', target: 'other', changeId: 'chg-3', actor: 'carol', details: {} });
  await digestNow(); // #2: after chg-1's Approved, before its last entry
  entry('chg-2', 'TestsPassed');
  entry('chg-1', 'ChangeDeployed');
  entry('chg-2', 'Approved');
  await digestNow(); // #3: the first after chg-1's last entry
  entry('chg-2', 'Deployed');
  await digestNow(); // #4
  const svc = {
    store: { getChange: async (id: string) => (id === 'chg-1' ? CHANGE : undefined) },
    ledger: readerOf(ledger),
    digests,
    signer,
    artifacts: { read: async (uri: string) => (uri === CHANGE.tests.reportUri ? TEST_REPORT : Promise.reject(new Error(`no ${uri}`))) },
    now: () => new Date('2026-03-03T00:00:00Z'),
  } as unknown as Services;
  return { svc, ledger, digests, signer, digestNow };
}

/** Takes a pack apart, lets `edit` change its files, and packs them again with a manifest that matches: only the ledger checks can catch it. */
function repack(zip: Uint8Array, edit: (files: Record<string, Uint8Array>) => void): Uint8Array {
  const files = unzipSync(zip);
  edit(files);
  const manifest = JSON.parse(strFromU8(files['manifest.json'])) as Manifest;
  const listed = { ...manifest, files: manifest.files.map((f) => ({ ...f, sha256: sha256(files[f.path]), bytes: files[f.path].length })) };
  return zipEvidenceFiles({ ...files, 'manifest.json': strToU8(JSON.stringify(listed, null, 2)) });
}
const editJson = (files: Record<string, Uint8Array>, path: string, edit: (value: never) => unknown) => {
  files[path] = strToU8(JSON.stringify(edit(JSON.parse(strFromU8(files[path])) as never), null, 2));
};

describe('evidence pack', () => {
  let zip: Uint8Array;
  let w: Awaited<ReturnType<typeof world>>;
  beforeAll(async () => {
    w = await world();
    zip = (await buildEvidencePack(w.svc, 'chg-1')).zip;
  });

  it('holds the change, plan, votes, test result and report, canary report, its entries, the proof, the digest and the key, each in the manifest with its SHA-256', () => {
    const files = unzipSync(zip);
    const manifest = JSON.parse(strFromU8(files['manifest.json'])) as Manifest;

    expect(Object.keys(files).sort()).toEqual([
      'canary-report.json',
      'change.json',
      'digest.json',
      'ledger/entries.json',
      'ledger/proof.json',
      'manifest.json',
      'plan.json',
      'public-key.pem',
      'tests/report.json',
      'tests/result.json',
      'votes.json',
    ]);
    expect(manifest.files.map((f) => [f.path, f.sha256])).toEqual(
      Object.keys(files)
        .filter((p) => p !== 'manifest.json')
        .sort()
        .map((p) => [p, sha256(files[p])]),
    );
    expect(files['tests/report.json']).toEqual(TEST_REPORT);
    expect(JSON.parse(strFromU8(files['ledger/entries.json'])).map((e: LedgerEntry) => e.details.type)).toEqual([
      'ChangeProposed',
      'TestsPassed',
      'ChangeApproved',
      'ChangeDeployed',
    ]);
  });

  it('is proven to the first digest after the change’s last entry, with only the content hashes of the other changes’ entries between', () => {
    const files = unzipSync(zip);
    const proofs = JSON.parse(strFromU8(files['ledger/proof.json']));

    expect(JSON.parse(strFromU8(files['digest.json'])).digest.seq).toBe(3);
    expect(proofs).toEqual([
      expect.objectContaining({
        chain: 'target:svc',
        fromSeq: 2,
        head: expect.objectContaining({ seq: 8 }),
        links: [
          { seq: 3, contentHash: expect.any(String) },
          { seq: 6, contentHash: expect.any(String) },
          { seq: 8, contentHash: expect.any(String) },
        ],
      }),
    ]);
  });

  it('verifies offline, with and without the public key an auditor kept', () => {
    expect(verifyEvidence(zip)).toEqual({
      valid: true,
      changeId: 'chg-1',
      entries: 4,
      digestSeq: 3,
      failures: [],
      attested: [
        { path: 'canary-report.json', entry: 'target:svc#7' },
        { path: 'tests/report.json', entry: 'target:svc#4' },
        { path: 'plan.json', entry: 'target:svc#2' },
        { path: 'votes.json', entry: 'target:svc#5' },
      ],
    });
    expect(verifyEvidence(zip, { publicKey: w.signer.pem }).valid).toBe(true);
  });

  it('answers 404 for an unknown change and 409 when no digest covers the change’s last entry yet', async () => {
    await expect(buildEvidencePack(w.svc, 'chg-9')).rejects.toThrow(NotFoundError);
    w.ledger.append({ type: 'ReviewRecorded', target: 'svc', changeId: 'chg-1', actor: 'dana', details: {} });

    await expect(buildEvidencePack(w.svc, 'chg-1')).rejects.toThrow(ConflictError);
    await expect(buildEvidencePack(w.svc, 'chg-1')).rejects.toThrow(/retry after the next digest.*POST \/audit\/digests/);
    await w.digestNow();
    const later = (await buildEvidencePack(w.svc, 'chg-1')).zip;
    expect(verifyEvidence(later)).toMatchObject({ valid: true, entries: 5, digestSeq: 5 });
  });

  describe('any changed byte fails it, naming what failed', () => {
    const files = () => unzipSync(zip);
    it.each([
      'canary-report.json',
      'change.json',
      'digest.json',
      'ledger/entries.json',
      'ledger/proof.json',
      'plan.json',
      'public-key.pem',
      'tests/report.json',
      'tests/result.json',
      'votes.json',
      'manifest.json',
    ])('a byte of %s', (path) => {
      // Files are stored uncompressed: the file's bytes are in the archive as they are.
      const content = Buffer.from(files()[path]);
      const at = Buffer.from(zip).indexOf(content);
      expect(at).toBeGreaterThan(0);
      const bad = Buffer.from(zip);
      const i = at + Math.floor(content.length / 2);
      bad[i] = bad[i] === 0x41 ? 0x42 : 0x41;

      const result = verifyEvidence(bad);

      expect(result.valid).toBe(false);
      // A byte of the manifest changes a file's listed SHA-256 (or its JSON): the failure names both.
      if (path !== 'manifest.json') expect(result.failures[0].part).toBe(path);
      expect(result.failures[0].message).toContain(path);
    });

    it('a byte of a zip header (the first file’s time): the archive', () => {
      const bad = Buffer.from(zip);
      bad[10] ^= 0x01;

      expect(verifyEvidence(bad).failures).toEqual([{ part: 'archive', message: expect.stringMatching(/^archive: its bytes are not the canonical archive/) }]);
    });

    it('a byte appended: the archive', () => {
      expect(verifyEvidence(Buffer.concat([Buffer.from(zip), Buffer.of(0)])).valid).toBe(false);
    });

    it('not a zip at all', () => {
      expect(verifyEvidence(strToU8('hello')).failures[0]).toEqual({ part: 'archive', message: expect.stringMatching(/^archive: not a zip archive/) });
    });
  });

  describe('a pack rewritten with a manifest to match fails on the ledger', () => {
    it('a canary report rewritten (a rollback shown as healthy): not the report whose SHA-256 the entry ending the deployment records', () => {
      const bad = repack(zip, (f) => editJson(f, 'canary-report.json', (r: Record<string, unknown>) => ({ ...r, reason: 'all healthy' })));

      expect(verifyEvidence(bad).failures).toEqual([
        {
          part: 'canary-report.json',
          message: expect.stringMatching(
            /^canary-report\.json: not the canary report the ledger recorded at target:svc#7 \(its SHA-256 is [0-9a-f]{64}, the entry records [0-9a-f]{64}\)$/,
          ),
        },
      ]);
    });

    it('a test report rewritten: not the report whose SHA-256 the test result entry records', () => {
      const bad = repack(zip, (f) => {
        f['tests/report.json'] = strToU8('{"suites":[{"suite":"unit","passed":true},{"suite":"integration","passed":true}]}\n');
      });

      expect(verifyEvidence(bad).failures).toEqual([
        { part: 'tests/report.json', message: expect.stringMatching(/^tests\/report\.json: not the test report the ledger recorded at target:svc#4 /) },
      ]);
    });

    it('a plan rewritten (fewer approvers): not the plan whose SHA-256 the proposal recorded', () => {
      const bad = repack(zip, (f) => editJson(f, 'plan.json', (p: Record<string, unknown>) => ({ ...p, approvers: [] })));

      expect(verifyEvidence(bad).failures).toEqual([
        { part: 'plan.json', message: expect.stringMatching(/^plan\.json: not the plan the ledger recorded at target:svc#2 /) },
      ]);
    });

    it('a vote rewritten, added or left out: not the votes the ledger recorded', () => {
      const rewritten = repack(zip, (f) => editJson(f, 'votes.json', (vs: { comment: string }[]) => vs.map((v) => ({ ...v, comment: 'looks great' }))));
      const added = repack(zip, (f) =>
        editJson(f, 'votes.json', (vs: object[]) => [
          ...vs,
          { approver: 'mallory', roles: ['approver'], decision: 'approve', comment: '', at: '2026-03-01T09:00:06.000Z' },
        ]),
      );
      const left = repack(zip, (f) => editJson(f, 'votes.json', () => []));

      expect(verifyEvidence(rewritten).failures).toEqual([
        {
          part: 'votes.json',
          message: 'votes.json: vote 1 (bob approve "looks great") is not the vote the ledger recorded at target:svc#5 (bob approve "ok")',
        },
      ]);
      expect(verifyEvidence(added).failures).toEqual([{ part: 'votes.json', message: 'votes.json: holds 2 votes, the ledger records 1 (target:svc#5)' }]);
      expect(verifyEvidence(left).failures).toEqual([{ part: 'votes.json', message: 'votes.json: holds 0 votes, the ledger records 1 (target:svc#5)' }]);
    });

    it('a file the ledger vouches for left out of the pack and its manifest: missing', () => {
      const bad = repack(zip, (f) => {
        delete f['tests/report.json'];
        const manifest = JSON.parse(strFromU8(f['manifest.json'])) as Manifest;
        f['manifest.json'] = strToU8(JSON.stringify({ ...manifest, files: manifest.files.filter((m) => m.path !== 'tests/report.json') }));
      });

      expect(verifyEvidence(bad).failures).toEqual([
        { part: 'tests/report.json', message: 'tests/report.json: missing, but the ledger records a test report at target:svc#4' },
      ]);
    });

    it('an entry altered: its hash', () => {
      const bad = repack(zip, (f) => editJson(f, 'ledger/entries.json', (es: LedgerEntry[]) => es.map((e, i) => (i === 1 ? { ...e, actor: 'mallory' } : e))));

      expect(verifyEvidence(bad).failures).toEqual([
        { part: 'ledger/entries.json', message: 'ledger/entries.json: entry target:svc#4 was altered: its content does not hash to its hash' },
        expect.objectContaining({ part: 'ledger/proof.json' }),
      ]);
    });

    it('an entry altered and re-hashed: the links no longer lead to the head the digest names', () => {
      const bad = repack(zip, (f) =>
        editJson(f, 'ledger/entries.json', (es: LedgerEntry[]) => {
          const { hashEntry } = jest.requireActual('../../../lambdas/core/ledger');
          return es.map((e, i) => (i === 1 ? { ...e, actor: 'mallory', hash: hashEntry({ ...e, actor: 'mallory' }) } : e));
        }),
      );

      expect(verifyEvidence(bad).failures).toEqual([
        { part: 'ledger/proof.json', message: expect.stringMatching(/^ledger\/proof\.json: target:svc#5: does not link to the entry before it/) },
      ]);
    });

    it('an entry left out: the proof misses its seq', () => {
      const bad = repack(zip, (f) => editJson(f, 'ledger/entries.json', (es: LedgerEntry[]) => es.filter((_, i) => i !== 1)));

      expect(verifyEvidence(bad).failures).toEqual([{ part: 'ledger/proof.json', message: 'ledger/proof.json: target:svc#4: missing from the proof' }]);
    });

    it('a link of another change altered: the change’s next entry no longer links to it', () => {
      const bad = repack(zip, (f) =>
        editJson(f, 'ledger/proof.json', (ps: { links: { contentHash: string }[] }[]) => [
          { ...ps[0], links: ps[0].links.map((l, i) => (i === 0 ? { ...l, contentHash: '0'.repeat(64) } : l)) },
        ]),
      );

      expect(verifyEvidence(bad).failures).toEqual([
        { part: 'ledger/proof.json', message: "ledger/proof.json: target:svc#4: does not link to the entry before it (its prevHash is not that entry's hash)" },
      ]);
    });

    it('the last link altered: the links lead elsewhere than the head the digest names', () => {
      const bad = repack(zip, (f) =>
        editJson(f, 'ledger/proof.json', (ps: { links: { contentHash: string }[] }[]) => [
          { ...ps[0], links: ps[0].links.map((l, i) => (i === 2 ? { ...l, contentHash: '0'.repeat(64) } : l)) },
        ]),
      );

      expect(verifyEvidence(bad).failures).toEqual([
        { part: 'ledger/proof.json', message: expect.stringMatching(/^ledger\/proof\.json: target:svc: the links lead to [0-9a-f]{64}, not to the head #8 /) },
      ]);
    });

    it('an inclusion proof altered: the Merkle root', () => {
      const bad = repack(zip, (f) =>
        editJson(f, 'ledger/proof.json', (ps: { inclusion: { path: string[] } }[]) => [
          { ...ps[0], inclusion: { ...ps[0].inclusion, path: ps[0].inclusion.path.map(() => 'f'.repeat(64)) } },
        ]),
      );

      expect(verifyEvidence(bad).failures).toEqual([
        { part: 'ledger/proof.json', message: "ledger/proof.json: target:svc: the head's Merkle inclusion proof does not lead to digest #3's root" },
      ]);
    });

    it('the digest altered: its hash', () => {
      const bad = repack(zip, (f) => editJson(f, 'digest.json', (d: SignedDigest) => ({ ...d, digest: { ...d.digest, time: '2027-01-01T00:00:00.000Z' } })));

      expect(verifyEvidence(bad).failures).toEqual([
        { part: 'digest.json', message: 'digest.json: digest #3 was altered: its hash does not match its content' },
      ]);
    });

    it('the digest and its key replaced by a forger’s: holds alone, fails against the key the auditor kept', async () => {
      const forger = keyPairSigner();
      const forged = await signDigest(JSON.parse(strFromU8(unzipSync(zip)['digest.json'])).digest, forger);
      const bad = repack(zip, (f) => {
        f['digest.json'] = strToU8(JSON.stringify(forged, null, 2));
        f['public-key.pem'] = strToU8(forger.pem);
      });

      expect(verifyEvidence(bad).valid).toBe(true);
      expect(verifyEvidence(bad, { publicKey: w.signer.pem }).failures).toEqual([
        { part: 'public-key.pem', message: 'public-key.pem: not the public key you kept (--public-key): the digest may be signed by another key' },
      ]);
    });

    it('the key replaced alone: the signature', () => {
      const bad = repack(zip, (f) => {
        f['public-key.pem'] = strToU8(keyPairSigner().pem);
      });

      expect(verifyEvidence(bad).failures).toEqual([
        { part: 'digest.json', message: 'digest.json: digest #3 is not signed by the digest key: its signature does not verify' },
      ]);
    });
  });
});
