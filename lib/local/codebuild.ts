import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { unzipSource } from '../../lambdas/core/artifact';
import type { ArtifactStore } from '../../lambdas/core/ports';
import { TEST_BUILD_TIMEOUTS } from '../test-build-timeouts';
import { SUITE_RUNNER_SCRIPT } from '../test-suite-runner';
import { writeSourceFiles } from './source-dir';
import { writeStoreFile } from './store-file';

/** CodeBuild's environment variable override, as the ASL passes it. */
interface EnvOverride {
  readonly Name: string;
  readonly Value: string;
}

/** The part of CodeBuild's `Build` that the workflow reads. */
export interface LocalBuild {
  readonly Id: string;
  readonly Arn: string;
  readonly ProjectName: string;
  readonly BuildStatus: 'SUCCEEDED' | 'FAILED' | 'TIMED_OUT';
  readonly StartTime: string;
  readonly EndTime: string;
  readonly Logs: { readonly DeepLink: string };
}

/** Options of the local CodeBuild. */
export interface LocalCodeBuildOptions {
  /** The projects that exist (StartBuild of another fails as in AWS). */
  readonly projects: readonly string[];
  /**
   * Longest a build may run before it is stopped and ends TIMED_OUT, in ms.
   * @default TEST_BUILD_TIMEOUTS.buildMinutes (the CodeBuild project's build timeout)
   */
  readonly timeoutMs?: number;
}

/** Where the local builds live, in the ARNs they report. */
const ARN_PREFIX = 'arn:aws:codebuild:local:000000000000';

/**
 * Local stand-in for CodeBuild's `startBuild.sync` integration, doing what the buildspec does in
 * AWS: unzips the artifact named by `CMV_ARTIFACT_URI` into a temp dir (never outside it: writeSourceFiles), runs
 * SUITE_RUNNER_SCRIPT there (which installs the service's dependencies with `npm ci` when it has a
 * lockfile, then runs the suites of `CMV_TEST_SUITES`), uploads the report to `CMV_REPORT_URI`,
 * keeps the log under `<dataDir>/builds/<id>.log` (written whole, atomically), and answers like Step
 * Functions: the `{Build}` on success, a `States.TaskFailed` error whose cause is the Build as JSON
 * when the build ran and did not succeed, and `CodeBuild.ResourceNotFoundException` (AWS's message)
 * for a project that does not exist. It has no queue: every build starts at once.
 */
export class LocalCodeBuild {
  private readonly timeoutMs: number;

  constructor(
    private readonly artifacts: ArtifactStore,
    private readonly logDir: string,
    private readonly options: LocalCodeBuildOptions,
  ) {
    this.timeoutMs = options.timeoutMs ?? TEST_BUILD_TIMEOUTS.buildMinutes * 60_000;
  }

  /**
   * @throws `CodeBuild.ResourceNotFoundException` when the project does not exist
   * @throws `States.TaskFailed` (message: the Build as JSON) when the build ended other than SUCCEEDED
   */
  async startBuildSync(params: { ProjectName: string; EnvironmentVariablesOverride?: EnvOverride[] }): Promise<{ Build: LocalBuild }> {
    if (!this.options.projects.includes(params.ProjectName)) {
      // What StartBuild answers, as the Step Functions integration reports it (the Java SDK's message).
      const message = `Project cannot be found: ${ARN_PREFIX}:project/${params.ProjectName} (Service: AWSCodeBuild; Status Code: 400; Error Code: ResourceNotFoundException; Request ID: ${randomUUID()}; Proxy: null)`;
      throw Object.assign(new Error(message), { name: 'CodeBuild.ResourceNotFoundException' });
    }
    const env = Object.fromEntries((params.EnvironmentVariablesOverride ?? []).map((e) => [e.Name, e.Value]));
    const id = `${params.ProjectName}:${randomUUID()}`;
    const logFile = join(this.logDir, `${id.replace(':', '-')}.log`);
    const started = new Date().toISOString();
    const work = await mkdtemp(join(tmpdir(), 'cmv-build-'));
    let status: LocalBuild['BuildStatus'];
    let log = `[CMV local CodeBuild] build ${id}\n[CMV local CodeBuild] artifact ${env.CMV_ARTIFACT_URI}\n`;
    try {
      await writeSourceFiles(work, unzipSource(await this.artifacts.read(env.CMV_ARTIFACT_URI ?? '')));
      const report = join(work, '.cmv-report.json');
      const result = await run(
        'node',
        ['-e', SUITE_RUNNER_SCRIPT, report],
        work,
        { ...env, PATH: process.env.PATH ?? '', HOME: work, CI: 'true' },
        this.timeoutMs,
      );
      log += result.output;
      const key = /^s3:\/\/[^/]+\/(.+)$/.exec(env.CMV_REPORT_URI ?? '')?.[1];
      if (key) await this.artifacts.write(key, await readFile(report), 'application/json');
      status = result.timedOut ? 'TIMED_OUT' : result.code === 0 ? 'SUCCEEDED' : 'FAILED';
      log += `\n[CMV local CodeBuild] exit code ${result.code}: ${status}\n`;
    } catch (err) {
      status = 'FAILED';
      log += `\n[CMV local CodeBuild] ${(err as Error).message}\n`;
    } finally {
      await rm(work, { recursive: true, force: true });
    }
    await writeStoreFile(logFile, log);
    const build: LocalBuild = {
      Id: id,
      Arn: `${ARN_PREFIX}:build/${id}`,
      ProjectName: params.ProjectName,
      BuildStatus: status,
      StartTime: started,
      EndTime: new Date().toISOString(),
      Logs: { DeepLink: pathToFileURL(logFile).href },
    };
    if (status !== 'SUCCEEDED') throw Object.assign(new Error(JSON.stringify(build)), { name: 'States.TaskFailed' });
    return { Build: build };
  }
}

function run(
  command: string,
  args: string[],
  cwd: string,
  env: Record<string, string>,
  timeoutMs: number,
): Promise<{ code: number; output: string; timedOut: boolean }> {
  return new Promise((resolve) => {
    const child = spawn(command, args, { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill('SIGKILL');
    }, timeoutMs);
    child.stdout.on('data', (d) => {
      output += d;
    });
    child.stderr.on('data', (d) => {
      output += d;
    });
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code: code ?? 1, output, timedOut });
    });
  });
}
