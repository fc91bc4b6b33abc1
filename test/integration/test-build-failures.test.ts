import { cp, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { EXAMPLE, exampleChange, executionEnded, type Stack, startStack, TARGET, waitForStatus } from './local-stack';

/**
 * A test build that fails without a failing suite, on the local stack (the real ASL file, the local
 * CodeBuild running the buildspec's runner, DynamoDB Local): the change ends `failed`, with the
 * reason, not `tests_failed`.
 */
jest.setTimeout(180_000);

describe('test build failures (local stack)', () => {
  let stack: Stack;
  let sources: string;
  beforeAll(async () => {
    sources = await mkdtemp(join(tmpdir(), 'cmv-it-sources-'));
    stack = await startStack({ speed: 60, sourceRoot: sources });
  });
  afterAll(async () => {
    await stack?.stop();
    await rm(sources, { recursive: true, force: true });
  });

  it('ends a change failed, with the reason, when the service’s dependencies do not install (package.json and its lockfile disagree)', async () => {
    // Arrange: the example service, declaring a dependency its lockfile does not name.
    const service = join(sources, 'service');
    await cp(join(EXAMPLE, 'service'), service, { recursive: true });
    const pkg = JSON.parse(await readFile(join(service, 'package.json'), 'utf8')) as Record<string, unknown>;
    await writeFile(join(service, 'package.json'), JSON.stringify({ ...pkg, dependencies: { dep: 'file:dep' } }, null, 2));

    // Act
    const { changeId } = await stack.api.propose(
      await exampleChange('1.1.0-seasonal-bonus.json', {
        version: '1.0.1',
        title: 'A dependency without its lockfile entry',
        code: { artifact: pathToFileURL(service).href },
      }),
    );
    const change = await waitForStatus(stack.api, changeId, ['failed', 'tests_failed', 'awaiting_approval'], 90_000);

    // Assert: failed with why; the install is on the change; no suite ran; the workflow ended through RecordTestsFailed in Failed.
    expect(change).toMatchObject({
      status: 'failed',
      reason: expect.stringMatching(/^the test build could not install the service's dependencies \(npm ci --no-audit --no-fund\) \(build cmv-change-tests:/),
      tests: { passed: false, buildStatus: 'FAILED', install: { command: 'npm ci --no-audit --no-fund', passed: false }, suites: [] },
    });
    const execution = await executionEnded(stack, changeId);
    expect(execution).toMatchObject({ status: 'FAILED', error: 'ChangeFailed' });
    const states = execution.history.map((h) => h.state);
    expect(states).toContain('RecordTestsFailed');
    expect(states).not.toContain('TestsFailed');
    const versions = await stack.api.versions(TARGET);
    expect(versions.items.find((v) => v.version === '1.0.1')).toMatchObject({ testsPassed: false });
  });
});
