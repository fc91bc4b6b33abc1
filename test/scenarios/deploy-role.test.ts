import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { ApiError } from '../../lib/client/api-client';
import { ROOT } from '../../lib/local/runtime';
import { approveByBob, EXAMPLE, exampleChange, type Stack, startStack, waitForStatus } from '../integration/local-stack';

/**
 * A target in another AWS account on the local stack: its target.json names a deploy role, so the
 * stack grants the handlers acting on targets sts:AssumeRole on it (and nothing on its function),
 * and the local STS has the role with the documented permissions. Registration and a deployment go
 * through the assumed role; a role the stack does not grant is refused at registration (400), and a
 * change to a target whose role is gone fails with STS's reason.
 */
jest.setTimeout(240_000);

const ROLE = 'arn:aws:iam::111122223333:role/cmv-deploy';
const TARGET = 'benefit-calculator-xacct';
const SESSION_PRINCIPAL = (changeId: string) => `arn:aws:sts::111122223333:assumed-role/cmv-deploy/cmv-${changeId}`;

describe('a target deployed through its deploy role (local stack)', () => {
  let stack: Stack;
  let dir: string;
  let deployedId: string;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'cmv-deploy-role-'));
    const file = JSON.parse(await readFile(join(ROOT, 'test', 'fixtures', 'targets', 'cross-account.target.json'), 'utf8'));
    // One folder per target file: the stack names a target's constructs after its folder.
    await mkdir(join(dir, TARGET));
    const target = join(dir, TARGET, 'target.json');
    await writeFile(target, JSON.stringify({ ...file, source: join(EXAMPLE, 'service') }));
    stack = await startStack({
      speed: 600,
      targets: [target],
      deployRoles: [{ roleArn: ROLE, target: { name: TARGET, functionName: TARGET } }],
      digestEveryMs: 0,
    });
    const { changeId } = await stack.api.propose(await exampleChange('1.1.0-seasonal-bonus.json', { target: TARGET }));
    await approveByBob(stack, changeId);
    deployedId = changeId;
  });
  afterAll(async () => {
    await stack?.stop();
    await rm(dir, { recursive: true, force: true });
  });

  it('deploys through the assumed role: STS saw the AssumeRole of the change, and Lambda the calls as that role', async () => {
    const done = await waitForStatus(stack.api, deployedId, ['deployed', 'rolled_back', 'failed', 'tests_failed']);

    expect(done).toMatchObject({ status: 'deployed', version: '1.1.0' });
    expect(stack.runtime.sts.assumed).toContainEqual({
      roleArn: ROLE,
      sessionName: `cmv-${deployedId}`,
      by: expect.stringMatching(/^arn:aws:sts::000000000000:assumed-role\//),
    });
    const asRole = (stack.runtime.iam?.sessionCalls ?? []).filter((c) => c.principalArn === SESSION_PRINCIPAL(deployedId)).map((c) => c.operation);
    expect(asRole).toEqual(expect.arrayContaining(['lambda:PublishVersion', 'lambda:UpdateAlias', 'cloudwatch:PutMetricAlarm', 'cloudwatch:DescribeAlarms']));
    // CMV's own roles have no grant on this function: a call made with them would have been denied.
    expect(stack.runtime.iam?.denials).toEqual([]);
    expect(await stack.api.target(TARGET)).toMatchObject({ liveVersion: '1.1.0' });
  });

  it('refuses with 400 on deployRoleArn a registration naming a role the stack does not grant, writing nothing', async () => {
    const {
      source,
      handler: _h,
      runtime: _r,
      traffic: _t,
      deployRoleArn: _d,
      ...rest
    } = JSON.parse(await readFile(join(ROOT, 'test', 'fixtures', 'targets', 'cross-account.target.json'), 'utf8'));
    const other = 'arn:aws:iam::111122223333:role/not-granted';

    const answer = await stack.api
      .request(
        'POST',
        '/targets',
        { ...rest, name: 'elsewhere', functionName: 'elsewhere', deployRoleArn: other, artifact: pathToFileURL(join(EXAMPLE, 'service')).href },
        'dana',
      )
      .catch((err: unknown) => err);

    expect(answer).toBeInstanceOf(ApiError);
    expect(answer).toMatchObject({
      status: 400,
      body: {
        errors: [
          {
            path: 'deployRoleArn',
            message: expect.stringMatching(
              /could not assume the deploy role .*not-granted.*AccessDenied: User: .* is not authorized to perform: sts:AssumeRole on resource: .*not-granted/,
            ),
          },
        ],
      },
    });
    expect(stack.runtime.sts.assumed.some((a) => a.roleArn === other)).toBe(false);
    await expect(stack.api.target('elsewhere')).rejects.toMatchObject({ status: 404 });
  });

  it('fails a change with STS’s reason and a ChangeFailed entry when the role no longer exists', async () => {
    await waitForStatus(stack.api, deployedId, ['deployed', 'rolled_back', 'failed']);
    stack.runtime.sts.deleteRole(ROLE);
    const { changeId } = await stack.api.propose(await exampleChange('1.2.0-itemised-dependants.json', { target: TARGET }));
    await approveByBob(stack, changeId);

    const failed = await waitForStatus(stack.api, changeId, ['deployed', 'rolled_back', 'failed']);

    expect(failed.status).toBe('failed');
    expect(failed.reason).toMatch(new RegExp(`could not assume the deploy role ${ROLE} \\(session cmv-${changeId}\\): AccessDenied`));
    const audit = await stack.api.request<{ items: { type: string; details: { reason?: string } }[] }>('GET', `/audit?changeId=${changeId}`, undefined, 'dana');
    expect(audit.items.find((e) => e.type === 'ChangeFailed')?.details.reason).toBe(failed.reason);
    const target = await stack.runtime.services.store.getTarget(TARGET);
    expect([target?.liveVersion, target?.deployingChangeId]).toEqual(['1.1.0', undefined]);
  });
});
