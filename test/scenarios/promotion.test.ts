import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GetAliasCommand, GetFunctionConfigurationCommand } from '@aws-sdk/client-lambda';
import { stringify } from 'yaml';
import { sha256Base64, unzipSource } from '../../lambdas/core/artifact';
import type { Change } from '../../lambdas/core/change';
import { ROOT } from '../../lib/local/runtime';
import { approveByBob, EXAMPLE, exampleChange, type Stack, startStack, TARGET, waitForStatus } from '../integration/local-stack';

/**
 * Promotion between environments on the local stack: three targets of the example service —
 * development → staging → production (benefit-calculator) — under a policy that wants a change 1000 h
 * in development before staging and none in staging before production. A change deployed in staging
 * advances to production as the same artifact (byte-identical, same CodeSha256 in Lambda), linked
 * both ways; the refusals; two concurrent advances create one change.
 */
jest.setTimeout(240_000);

const STAGING = 'benefit-calculator-staging';
const DEVELOPMENT = 'benefit-calculator-dev';
const POLICY = {
  name: 'promotion integration policy',
  timeZone: 'UTC',
  rules: [{ id: 'all', match: {}, approvals: [{ name: 'Peer', roles: ['approver'], quorum: { count: 1 } }], tests: ['unit'], approvalTimeoutHours: 24 }],
  promotion: { order: ['development', 'staging', 'production'], requireHealthyHours: { staging: 1000 } },
};

/** POST /changes/{id}/advance as alice over HTTP, with an `Idempotency-Key` when given: status and body. */
async function advance(
  stack: Stack,
  changeId: string,
  body: unknown,
  key?: string,
): Promise<{ status: number; json: { changeId?: string; message?: string } }> {
  const res = await fetch(`${stack.runtime.url}/changes/${changeId}/advance`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-user': 'alice', ...(key ? { 'Idempotency-Key': key } : {}) },
    body: JSON.stringify(body),
  });
  return { status: res.status, json: (await res.json()) as { changeId?: string; message?: string } };
}

describe('POST /changes/{id}/advance (local stack)', () => {
  let stack: Stack;
  let dir: string;
  /** 1.1.0 (the seasonal-bonus diff) deployed in staging, and in development. */
  let staged: Change;
  let developed: Change;

  /** Proposes the example's 1.1.0 to `target`, bob approves it, and it is deployed. */
  async function deployed(target: string): Promise<Change> {
    const { changeId } = await stack.api.propose(await exampleChange('1.1.0-seasonal-bonus.json', { target }));
    await approveByBob(stack, changeId);
    const done = await waitForStatus(stack.api, changeId, ['deployed', 'rolled_back', 'failed', 'tests_failed']);
    expect(done.status).toBe('deployed');
    return done;
  }

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'cmv-promotion-'));
    const policyFile = join(dir, 'policy.yaml');
    await writeFile(policyFile, stringify(POLICY));
    const staging = JSON.parse(await readFile(join(ROOT, 'examples', 'benefit-calculator-staging', 'target.json'), 'utf8'));
    // One folder per target file (the stack names a target's constructs after its folder); the next environment's target first.
    const files = await Promise.all(
      [
        { ...staging, source: join(EXAMPLE, 'service') },
        { ...staging, name: DEVELOPMENT, functionName: DEVELOPMENT, environment: 'development', promotesTo: STAGING, source: join(EXAMPLE, 'service') },
      ].map(async (t) => {
        await mkdir(join(dir, t.name));
        await writeFile(join(dir, t.name, 'target.json'), JSON.stringify(t));
        return join(dir, t.name, 'target.json');
      }),
    );
    stack = await startStack({ speed: 600, policyFile, targets: [join(EXAMPLE, 'target.json'), ...files], digestEveryMs: 0 });
    [staged, developed] = await Promise.all([deployed(STAGING), deployed(DEVELOPMENT)]);
  });
  afterAll(async () => {
    await stack?.stop();
    await rm(dir, { recursive: true, force: true });
  });

  it('refuses an environment outside the promotion order with 400 on environment, a step back or sideways with 409, writing nothing', async () => {
    const unknown = await advance(stack, staged.changeId, { environment: 'qa' });
    const back = await advance(stack, staged.changeId, { environment: 'development' });
    const same = await advance(stack, staged.changeId, { environment: 'staging' });

    expect(unknown).toMatchObject({ status: 400, json: { errors: [{ path: 'environment' }] } });
    expect(back).toMatchObject({ status: 409, json: { message: expect.stringMatching(/development does not come after staging/) } });
    expect(same.status).toBe(409);
    expect((await stack.api.change(staged.changeId)).promotedTo).toBeUndefined();
  });

  it('refuses with 409, saying how long is left, a change not yet deployed the policy’s hours in its environment', async () => {
    const refusal = await advance(stack, developed.changeId, { environment: 'staging' });

    expect(refusal).toMatchObject({ status: 409, json: { message: expect.stringMatching(/requires 1000 h there before staging: \d+ h \d\d min left/) } });
    expect((await stack.api.change(developed.changeId)).promotedTo).toBeUndefined();
  });

  it('refuses with 409 a change that is not deployed', async () => {
    const { changeId } = await stack.api.propose(await exampleChange('1.1.0-seasonal-bonus.json', { target: STAGING, version: '1.9.0', redeploy: true }));

    const refusal = await advance(stack, changeId, { environment: 'production' });

    expect(refusal).toMatchObject({ status: 409, json: { message: expect.stringMatching(/only a deployed change advances/) } });
  });

  it('advances a change deployed in staging to production once of two concurrent requests, as the same bytes, linked both ways, deployed with the same CodeSha256', async () => {
    // Act: two advances at once, each with its own Idempotency-Key.
    const answers = await Promise.all(
      ['key-a', 'key-b'].map((key) => advance(stack, staged.changeId, { environment: 'production', reason: 'proved in staging' }, key)),
    );

    // Assert: one new change, the other refused naming it.
    expect(answers.map((a) => a.status).sort()).toEqual([201, 409]);
    const winner = answers.find((a) => a.status === 201) as { json: { changeId: string } };
    const loser = answers.find((a) => a.status === 409) as { json: { message: string } };
    expect(loser.json.message).toContain(`already advanced to production as change ${winner.json.changeId}`);
    const retried = await advance(
      stack,
      staged.changeId,
      { environment: 'production', reason: 'proved in staging' },
      answers[0].status === 201 ? 'key-a' : 'key-b',
    );
    expect(retried).toEqual({ status: 201, json: winner.json });
    const production = (await stack.api.changes({ target: TARGET })).items.filter((c) => c.promotedFrom);
    expect(production.map((c) => c.changeId)).toEqual([winner.json.changeId]);

    // The chain, both ways, and the same artifact.
    const promoted = await stack.api.change(winner.json.changeId);
    const source = await stack.api.change(staged.changeId);
    expect(promoted).toMatchObject({
      target: TARGET,
      version: staged.version,
      artifact: { sha256: staged.artifact.sha256 },
      promotedFrom: { changeId: staged.changeId, target: STAGING, environment: 'staging', version: staged.version, artifactSha256: staged.artifact.sha256 },
    });
    expect(promoted.promotedFrom?.tests).toMatchObject({ passed: true, suites: [{ suite: 'unit', passed: true }] });
    expect(source.promotedTo).toMatchObject({ changeId: promoted.changeId, target: TARGET, environment: 'production', by: 'alice' });
    const [sourceBytes, promotedBytes] = await Promise.all([staged.artifact.uri, promoted.artifact.uri].map((u) => stack.runtime.services.artifacts.read(u)));
    expect(Buffer.from(promotedBytes).equals(Buffer.from(sourceBytes))).toBe(true);
    const entries = (await stack.api.audit({ type: 'ChangeAdvanced' }, 'erin')).items;
    expect(entries.map((e) => [e.changeId, e.details.toChangeId])).toEqual([[staged.changeId, promoted.changeId]]);

    // Deployed in production under its own policy, running the very code staging runs.
    await approveByBob(stack, promoted.changeId);
    expect((await waitForStatus(stack.api, promoted.changeId, ['deployed', 'rolled_back', 'failed'])).status).toBe('deployed');
    const codeSha = async (fn: string) => {
      const alias = (await stack.runtime.lambda.send(new GetAliasCommand({ FunctionName: fn, Name: 'live' }))) as { FunctionVersion: string };
      const version = (await stack.runtime.lambda.send(new GetFunctionConfigurationCommand({ FunctionName: fn, Qualifier: alias.FunctionVersion }))) as {
        CodeSha256: string;
      };
      return version.CodeSha256;
    };
    // The artifact signed once (one Signer job: its token is the artifact's SHA-256), the same signed bytes in both functions.
    const stagedVersion = await stack.runtime.services.store.getVersion(STAGING, staged.version);
    const signed = await stack.runtime.services.artifacts.read(`s3://cmv-artifacts/code-signing/signed/${stagedVersion?.codeSigning?.jobId}.zip`);
    expect(unzipSource(signed)).toEqual(unzipSource(sourceBytes));
    expect(await codeSha(TARGET)).toBe(sha256Base64(signed));
    expect(await codeSha(STAGING)).toBe(sha256Base64(signed));
    // Once is enough: the change it went to was deployed.
    await expect(stack.api.advance(staged.changeId, { environment: 'production' })).rejects.toMatchObject({
      status: 409,
      message: expect.stringContaining(`already advanced to production as change ${promoted.changeId}`),
    });
  });
});
