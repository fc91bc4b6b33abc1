import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { strFromU8, unzipSync } from 'fflate';
import { type CanaryReport, canaryReportSha256 } from '../../lambdas/core/canary-report';
import { ApiError } from '../../lib/client/api-client';
import { ROOT } from '../../lib/local/runtime';
import { approveByBob, exampleChange, type Stack, startStack, trafficUntil, waitForStatus } from '../integration/local-stack';

/**
 * The evidence pack over real HTTP on the local stack (IAM enforced: the handler's role must allow
 * each call it makes): a change run to deployed, a digest made, the pack downloaded with the API
 * and the CLI and verified offline by `cmv verify --evidence`; one byte changed fails it.
 */
jest.setTimeout(240_000);

const ENDED = ['deployed', 'rolled_back', 'failed', 'tests_failed', 'rejected', 'expired'] as const;

describe('evidence pack (local stack)', () => {
  let stack: Stack;
  let dir: string;
  let changeId: string;

  const cmv = (args: string[], user = 'erin') =>
    new Promise<{ code: number; stdout: string; stderr: string }>((done) => {
      execFile(
        join(ROOT, 'node_modules', '.bin', 'tsx'),
        [join(ROOT, 'bin', 'cmv.ts'), ...args],
        { cwd: dir, env: { ...process.env, CMV_API_URL: stack.runtime.url, CMV_USER: user, AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' } },
        (err, stdout, stderr) => done({ code: err ? Number((err as { code?: number }).code ?? 1) : 0, stdout, stderr }),
      );
    });

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'cmv-evidence-'));
    // No digest on a timer during the test: the test makes the one it needs.
    stack = await startStack({ speed: 60, digestEveryMs: 0 });
    changeId = (await stack.api.propose(await exampleChange('1.1.0-seasonal-bonus.json'))).changeId;
    await approveByBob(stack, changeId);
    const ended = waitForStatus(stack.api, changeId, ENDED, 120_000);
    await trafficUntil(stack.api, ended);
    expect((await ended).status).toBe('deployed');
    await stack.api.digest('erin');
  });

  afterAll(async () => {
    await stack?.stop();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('downloads the pack of a deployed change (auditor), which `cmv verify --evidence` verifies offline with the key the auditor kept', async () => {
    // Arrange
    const publicKey = (await stack.api.verify('erin')).publicKey ?? '';
    await writeFile(join(dir, 'digest-key.pem'), publicKey);

    // Act
    const zip = await stack.api.evidence(changeId, 'erin');
    await writeFile(join(dir, 'api.zip'), zip);
    const verified = await cmv(['verify', '--evidence', 'api.zip', '--public-key', 'digest-key.pem']);

    // Assert
    const files = unzipSync(zip);
    const entries = JSON.parse(strFromU8(files['ledger/entries.json'])) as { changeId: string; type: string }[];
    expect(entries.every((e) => e.changeId === changeId)).toBe(true);
    expect(entries.map((e) => e.type)).toEqual(expect.arrayContaining(['ChangeProposed', 'TestsPassed', 'ChangeApproved', 'TrafficShifted']));
    expect(entries.length).toBe((await stack.api.audit({ changeId, limit: '500' }, 'erin')).items.length);
    expect(JSON.parse(strFromU8(files['votes.json']))).toEqual([expect.objectContaining({ approver: 'bob', decision: 'approve' })]);
    expect(files['tests/report.json']).toBeDefined();
    expect(strFromU8(files['public-key.pem'])).toBe(publicKey);
    expect(verified).toMatchObject({ code: 0, stderr: '' });
    expect(verified.stdout).toMatch(
      new RegExp(
        `^evidence valid: api\\.zip, change ${changeId}: .* ${entries.length} ledger entries proven to signed digest #\\d+, signed with the key in digest-key\\.pem`,
      ),
    );
  });

  it('checks the canary report and the test report against the SHA-256 their ledger entries recorded, not only against the manifest', async () => {
    // Arrange
    const zip = await stack.api.evidence(changeId, 'erin');
    const files = unzipSync(zip);
    const entries = JSON.parse(strFromU8(files['ledger/entries.json'])) as { chain: string; seq: number; type: string; details: Record<string, never> }[];
    const deployed = entries.find((e) => e.type === 'ChangeDeployed');
    const tested = entries.find((e) => e.type === 'TestsPassed');
    const live = JSON.parse(await stack.api.text(`/changes/${changeId}/report`, 'erin')) as CanaryReport;

    // Act
    await writeFile(join(dir, 'checked.zip'), zip);
    const verified = await cmv(['verify', '--evidence', 'checked.zip']);

    // Assert: the entry that ended the deployment holds the report's hash, which the live report still has
    expect(deployed?.details).toMatchObject({ canaryReport: { sha256: canaryReportSha256(live) } });
    expect(canaryReportSha256(JSON.parse(strFromU8(files['canary-report.json'])))).toBe(canaryReportSha256(live));
    expect(tested?.details).toMatchObject({ report: { sha256: createHash('sha256').update(files['tests/report.json']).digest('hex') } });
    expect(verified.code).toBe(0);
    const proposed = entries.find((e) => e.type === 'ChangeProposed');
    const approved = entries.find((e) => e.type === 'ChangeApproved');
    expect(verified.stdout).toContain(
      `canary-report.json matches the SHA-256 recorded at ${deployed?.chain}#${deployed?.seq}, tests/report.json at ${tested?.chain}#${tested?.seq}, plan.json at ${proposed?.chain}#${proposed?.seq}, votes.json at ${approved?.chain}#${approved?.seq}`,
    );
  });

  it('records each download as a read of the audit trail: who, and which change', async () => {
    // Arrange
    const before = (await stack.api.audit({ type: 'AuditQueried', limit: '500' }, 'erin')).items.length;

    // Act
    await stack.api.evidence(changeId, 'dana');

    // Assert: two reads more, the query before (recorded once it ran) and the download, newest first
    const reads = (await stack.api.audit({ type: 'AuditQueried', limit: '500' }, 'erin')).items as { actor: string; details: Record<string, unknown> }[];
    expect(reads.length).toBe(before + 2);
    expect(reads[0]).toMatchObject({ actor: 'dana', details: { endpoint: 'GET /changes/{id}/evidence', query: { changeId } } });
  });

  it('`cmv evidence <id> -o FILE` writes the pack (release admin); one byte changed fails `cmv verify --evidence`, naming the file', async () => {
    // Act
    const got = await cmv(['evidence', changeId, '-o', 'cli.zip'], 'dana');
    const zip = await readFile(join(dir, 'cli.zip'));
    const verified = await cmv(['verify', '--evidence', 'cli.zip']);
    const bad = Buffer.from(zip);
    // votes.json is the archive's last file (the manifest and change.json name bob too, before it).
    const votes = bad.lastIndexOf(Buffer.from('"approver": "bob"'));
    bad[votes + '"approver": "'.length] = 'B'.charCodeAt(0);
    await writeFile(join(dir, 'bad.zip'), bad);
    const refused = await cmv(['verify', '--evidence', 'bad.zip']);

    // Assert
    expect(got).toMatchObject({ code: 0, stderr: '' });
    expect(got.stdout).toMatch(/^cli\.zip: evidence of .* proven to signed digest #\d+/);
    expect(verified.code).toBe(0);
    expect(votes).toBeGreaterThan(0);
    expect(refused.code).toBe(1);
    expect(refused.stdout).toMatch(/^EVIDENCE INVALID: bad\.zip\n {2}votes\.json: changed — its SHA-256 is [0-9a-f]{64}, manifest\.json lists [0-9a-f]{64}\n/);
  });

  it('answers 404 for an unknown change, 403 to a requester or an approver, 406 without Accept: application/zip', async () => {
    // Act
    const unknown = await stack.api.evidence('chg-does-not-exist', 'erin').catch((e: ApiError) => e);
    const requester = await stack.api.evidence(changeId, 'alice').catch((e: ApiError) => e);
    const approver = await stack.api.evidence(changeId, 'bob').catch((e: ApiError) => e);
    const asJson = await fetch(`${stack.runtime.url}/changes/${changeId}/evidence`, { headers: { 'x-user': 'erin', accept: 'application/json' } });

    // Assert
    expect(unknown).toMatchObject({ status: 404 });
    expect(requester).toMatchObject({ status: 403 });
    expect(approver).toMatchObject({ status: 403 });
    expect(asJson.status).toBe(406);
    expect(((await asJson.json()) as { message: string }).message).toMatch(/send Accept: application\/zip/);
  });

  it('answers 409 for a change no signed digest covers yet, telling to retry after the next digest', async () => {
    // Arrange: a change proposed after the last digest
    const { changeId: fresh } = await stack.api.propose(await exampleChange('1.3.0-round-to-cents.json'));

    // Act
    const err = await stack.api.evidence(fresh, 'erin').catch((e: ApiError) => e);

    // Assert
    expect(err).toBeInstanceOf(ApiError);
    expect(err).toMatchObject({ status: 409, body: { message: expect.stringMatching(/retry after the next digest.*POST \/audit\/digests/) } });
    await waitForStatus(stack.api, fresh, ENDED);
  });
});
