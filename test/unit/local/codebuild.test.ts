import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { strFromU8, strToU8 } from 'fflate';
import { S3ArtifactStore } from '../../../lambdas/adapters/s3-artifacts';
import { type SourceFiles, zipSource } from '../../../lambdas/core/artifact';
import type { TestReport } from '../../../lambdas/core/test-build';
import { LocalCodeBuild } from '../../../lib/local/codebuild';
import { LocalS3 } from '../../../lib/local/s3';

const PROJECT = 'cmv-change-tests';
const files = (entries: Record<string, unknown>): SourceFiles =>
  Object.fromEntries(Object.entries(entries).map(([path, content]) => [path, strToU8(typeof content === 'string' ? content : JSON.stringify(content))]));

/** A service with one dependency, a local package, and its lockfile as `npm install` wrote it (then, if `outOfStep`, a dependency added to package.json only). */
const serviceWithDependency = (outOfStep = false) =>
  files({
    'package.json': { name: 'svc', version: '1.0.0', dependencies: { dep: 'file:dep', ...(outOfStep ? { other: 'file:dep' } : {}) } },
    'package-lock.json': {
      name: 'svc',
      version: '1.0.0',
      lockfileVersion: 3,
      requires: true,
      packages: {
        '': { name: 'svc', version: '1.0.0', dependencies: { dep: 'file:dep' } },
        dep: { version: '1.0.0' },
        'node_modules/dep': { resolved: 'dep', link: true },
      },
    },
    'dep/package.json': { name: 'dep', version: '1.0.0', main: 'index.js' },
    'dep/index.js': 'module.exports = 42;',
  });

// Each build spawns node (and npm): seconds each on a loaded machine.
jest.setTimeout(60_000);

describe('LocalCodeBuild', () => {
  let dir: string;
  let artifacts: S3ArtifactStore;
  let codebuild: LocalCodeBuild;

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'cmv-codebuild-'));
    artifacts = new S3ArtifactStore(new LocalS3(join(dir, 's3')), 'cmv-artifacts');
    codebuild = new LocalCodeBuild(artifacts, join(dir, 'builds'), { projects: [PROJECT] });
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  /** Starts a build of `source` running `suites` as the RunTests state does; resolves to the outcome and the report. */
  const build = async (source: SourceFiles, suites: { suite: string; command: string }[], projectName = PROJECT) => {
    const artifactUri = await artifacts.write('changes/c-1/artifact.zip', zipSource(source), 'application/zip');
    const env = {
      CMV_CHANGE_ID: 'c-1',
      CMV_ARTIFACT_URI: artifactUri,
      CMV_TEST_SUITES: JSON.stringify(suites),
      CMV_REPORT_URI: artifacts.uriFor('reports/c-1/tests.json'),
    };
    const outcome = await codebuild
      .startBuildSync({
        ProjectName: projectName,
        EnvironmentVariablesOverride: Object.entries(env).map(([Name, Value]) => ({ Name, Type: 'PLAINTEXT', Value })),
      })
      .then((result) => ({ status: result.Build.BuildStatus }))
      .catch((err: Error) => ({ error: err.name, cause: err.message }));
    const report = await artifacts
      .read(artifacts.uriFor('reports/c-1/tests.json'))
      .then((bytes) => JSON.parse(strFromU8(bytes)) as TestReport)
      .catch(() => undefined);
    return { outcome, report };
  };

  describe('startBuildSync()', () => {
    it('rejects a project that does not exist with the error startBuild.sync raises, and runs nothing', async () => {
      // Act
      const { outcome, report } = await build(files({ 'index.js': '' }), [{ suite: 'unit', command: 'true' }], 'cmv-no-such-project');

      // Assert
      expect(outcome).toEqual({
        error: 'CodeBuild.ResourceNotFoundException',
        cause: expect.stringMatching(
          /^Project cannot be found: arn:aws:codebuild:local:000000000000:project\/cmv-no-such-project \(Service: AWSCodeBuild; Status Code: 400; Error Code: ResourceNotFoundException; Request ID: [0-9a-f-]{36}; Proxy: null\)$/,
        ),
      });
      expect(report).toBeUndefined();
    });

    it('installs the service’s dependencies with npm ci from its lockfile before its suites', async () => {
      // Act: the suite passes only if the dependency was installed.
      const { outcome, report } = await build(serviceWithDependency(), [
        { suite: 'unit', command: 'node -e "process.exit(require(\\"dep\\") === 42 ? 0 : 1)"' },
      ]);

      // Assert
      expect(outcome).toEqual({ status: 'SUCCEEDED' });
      expect(report?.install).toMatchObject({ command: 'npm ci --no-audit --no-fund', passed: true });
      expect(report?.suites).toMatchObject([{ suite: 'unit', passed: true }]);
    });

    it('fails the build without running a suite when the dependencies do not install (a lockfile out of step with package.json)', async () => {
      // Act
      const { outcome, report } = await build(serviceWithDependency(true), [{ suite: 'unit', command: 'true' }]);

      // Assert: failed as a build fails (the Build as the cause); the report says why and lists no suite.
      expect(outcome).toMatchObject({ error: 'States.TaskFailed', cause: expect.stringContaining('"BuildStatus":"FAILED"') });
      expect(report).toMatchObject({ install: { command: 'npm ci --no-audit --no-fund', passed: false }, suites: [] });
    });

    it('runs the suites without an install when the service has no lockfile', async () => {
      // Act
      const { outcome, report } = await build(files({ 'package.json': { name: 'svc', version: '1.0.0' } }), [
        { suite: 'unit', command: 'test ! -d node_modules' },
      ]);

      // Assert
      expect(outcome).toEqual({ status: 'SUCCEEDED' });
      expect(report?.install).toBeUndefined();
    });

    it('skips the install when the lockfile names no dependency (nothing to install)', async () => {
      // Arrange: the lockfile `npm install` writes for a package without dependencies.
      const lock = { name: 'svc', version: '1.0.0', lockfileVersion: 3, requires: true, packages: { '': { name: 'svc', version: '1.0.0' } } };

      // Act
      const { outcome, report } = await build(files({ 'package.json': { name: 'svc', version: '1.0.0' }, 'package-lock.json': lock }), [
        { suite: 'unit', command: 'true' },
      ]);

      // Assert
      expect(outcome).toEqual({ status: 'SUCCEEDED' });
      expect(report?.install).toBeUndefined();
    });

    it('runs npm ci, which fails the build, when package.json declares a dependency its empty lockfile does not name', async () => {
      // Arrange
      const lock = { name: 'svc', version: '1.0.0', lockfileVersion: 3, requires: true, packages: { '': { name: 'svc', version: '1.0.0' } } };
      const source = files({ 'package.json': { name: 'svc', version: '1.0.0', dependencies: { dep: 'file:dep' } }, 'package-lock.json': lock });

      // Act
      const { outcome, report } = await build(source, [{ suite: 'unit', command: 'true' }]);

      // Assert
      expect(outcome).toMatchObject({ error: 'States.TaskFailed' });
      expect(report).toMatchObject({ install: { passed: false }, suites: [] });
    });

    it('fails the build, after running every suite, when a suite fails', async () => {
      // Act
      const { outcome, report } = await build(files({ 'index.js': '' }), [
        { suite: 'unit', command: 'false' },
        { suite: 'lint', command: 'true' },
      ]);

      // Assert
      expect(outcome).toMatchObject({ error: 'States.TaskFailed', cause: expect.stringContaining('"BuildStatus":"FAILED"') });
      expect(report?.suites).toMatchObject([
        { suite: 'unit', passed: false },
        { suite: 'lint', passed: true },
      ]);
    });
  });
});
