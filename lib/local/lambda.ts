import type { KeyObject } from 'node:crypto';
import { createHash, randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import { readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import {
  CreateAliasCommand,
  CreateCodeSigningConfigCommand,
  CreateFunctionCommand,
  DeleteFunctionCommand,
  DeleteProvisionedConcurrencyConfigCommand,
  GetAliasCommand,
  GetFunctionCodeSigningConfigCommand,
  GetFunctionCommand,
  GetFunctionConfigurationCommand,
  GetProvisionedConcurrencyConfigCommand,
  InvokeCommand,
  ListAliasesCommand,
  ListVersionsByFunctionCommand,
  PublishVersionCommand,
  PutFunctionCodeSigningConfigCommand,
  PutProvisionedConcurrencyConfigCommand,
  UpdateAliasCommand,
  UpdateFunctionCodeCommand,
  UpdateFunctionConfigurationCommand,
} from '@aws-sdk/client-lambda';
import { z } from 'zod';
import type { AwsClient, AwsCommand, AwsOutput } from '../../lambdas/adapters/aws-client';
import { unzipSource } from '../../lambdas/core/artifact';
import type { LocalCloudWatch } from './cloudwatch';
import { CommandTable } from './command-table';
import { CodeSigningConfigState, checkCodeSignature, newCodeSigningConfig } from './lambda-code-signing';
import { checkEnvironment, checkRouting } from './lambda-limits';
import { ALLOCATION_SECONDS, checkProvisionedRequest, noConfig, type ProvisionedState, provisionedOut } from './lambda-provisioned';
import { writeSourceFiles } from './source-dir';
import { jsonOf, readStoreFile, type StoreLog, writeStoreFile } from './store-file';

interface VersionState {
  readonly codeSha256: string;
  readonly env: Record<string, string>;
  /** `$LATEST`: the function's description (its configuration); a version: the one it was published with. */
  readonly description: string;
  /** A published version: {@link fingerprint} of `$LATEST` when it was published (absent in state saved before it existed). */
  readonly publishedFrom?: string;
  /** Lambda's RevisionId of this configuration: `$LATEST`'s changes with every update (absent in state saved before it existed). */
  readonly revisionId?: string;
}

interface AliasState {
  functionVersion: string;
  weights: Record<string, number>;
  revisionId: string;
}

interface FunctionState {
  readonly name: string;
  readonly handler: string;
  latest: VersionState;
  versions: Record<string, VersionState>;
  aliases: Record<string, AliasState>;
  /** The number the next published version gets; absent in state saved before deletes existed. */
  nextVersion?: number;
  /** Provisioned concurrency by version number or alias name (lambda-provisioned.ts); absent in state saved before it existed. */
  provisioned?: Record<string, ProvisionedState>;
  /** The ARN of the function's code signing configuration (lambda-code-signing.ts), if it has one. */
  codeSigningConfigArn?: string;
}

const SavedVersion = z.looseObject({
  codeSha256: z.string(),
  env: z.record(z.string(), z.string()),
  description: z.string(),
  publishedFrom: z.string().optional(),
  revisionId: z.string().optional(),
});
/** What {@link LocalLambda.load} needs of a function's state file; a file that is not this is quarantined. */
const SavedFunction = z.looseObject({
  name: z.string(),
  handler: z.string(),
  latest: SavedVersion,
  versions: z.record(z.string(), SavedVersion),
  aliases: z.record(z.string(), z.looseObject({ functionVersion: z.string(), weights: z.record(z.string(), z.number()), revisionId: z.string() })),
  nextVersion: z.number().optional(),
  codeSigningConfigArn: z.string().optional(),
});

const err = (name: string, message: string) => Object.assign(new Error(message), { name });

/** Where the code signing configurations are kept, beside the functions' state files. */
const CODE_SIGNING_CONFIGS = 'code-signing-configs.json';

/**
 * Lambda's refusal of a RevisionId that is not the function's (or alias's) current one, with the
 * message Lambda sends (LocalStack's snapshot of it).
 */
function checkRevision(expected: string | undefined, current: string | undefined): void {
  if (expected === undefined || expected === current) return;
  throw err(
    'PreconditionFailedException',
    'The Revision Id provided does not match the latest Revision Id. Call the GetFunction/GetAlias API to retrieve the latest Revision Id',
  );
}

/** Runs one published version in its own worker thread, with its own environment (its config). */
const WORKER = `
const { parentPort, workerData } = require('node:worker_threads');
// Like Lambda, an error while loading the handler (the init phase) fails each invocation instead of the host.
let mod, initError;
try { mod = require(workerData.file); } catch (e) { initError = e; }
parentPort.on('message', async ({ id, event, init }) => {
  // Provisioned concurrency initializes an environment without invoking it: only whether the init phase succeeded.
  if (init) return parentPort.postMessage({ id, ok: !initError, result: initError ? String(initError && initError.message) : null, ms: 0 });
  const started = performance.now();
  try {
    if (initError) throw initError;
    const result = await mod[workerData.exportName](event, { functionName: workerData.functionName, functionVersion: workerData.version, awsRequestId: id });
    parentPort.postMessage({ id, ok: true, result: result === undefined ? null : result, ms: performance.now() - started });
  } catch (e) {
    parentPort.postMessage({ id, ok: false, result: { errorType: (e && e.name) || 'Error', errorMessage: String(e && e.message), trace: String(e && e.stack).split('\\n') }, ms: performance.now() - started });
  }
});`;

/**
 * Local stand-in for Lambda: functions with `$LATEST` code and environment, immutable published
 * versions, aliases with weighted routing and a RevisionId, and Invoke through an alias. Same
 * commands, outputs and errors as Lambda (ResourceNotFoundException, PreconditionFailedException on a
 * stale RevisionId — of an alias on UpdateAlias, of `$LATEST` on UpdateFunctionCode,
 * UpdateFunctionConfiguration and PublishVersion, each update giving `$LATEST` a new one as it
 * completes — InvalidParameterValueException when PublishVersion's CodeSha256 does not match),
 * ListVersionsByFunction, and DeleteFunction of a published version (ResourceConflictException while
 * an alias routes to it); version numbers are never reused. It refuses what Lambda refuses
 * (lambda-limits.ts): environments over 4 KB, alias routings other than one weighted published
 * version besides the primary. PublishVersion returns the latest version instead of a new one only
 * when `$LATEST`'s code and configuration did not change since it was published. Code signing as
 * Lambda's (lambda-code-signing.ts): CreateCodeSigningConfig, Put/GetFunctionCodeSigningConfig, and
 * a function with a configuration accepts code (CreateFunction, UpdateFunctionCode) only as that
 * configuration allows, its signature checked with the signing profile's public key, never trusted.
 * Workers of versions that are not deleted
 * keep running, so the previous live version answers a rollback warm.
 * Each version runs in a worker thread whose `process.env` is that version's config; every Invoke
 * records AWS/Lambda metrics (Invocations, Errors, Duration) in the local CloudWatch. State lives
 * under `<dataDir>/lambda`: `<name>.json` per function and the code zips, each replaced atomically.
 */
export class LocalLambda implements AwsClient {
  private readonly functions = new Map<string, FunctionState>();
  private readonly workers = new Map<string, Worker>();
  private readonly pending = new Map<string, (r: { ok: boolean; result: unknown; ms: number }) => void>();

  /**
   * @param speed - how many times faster than the wall clock the runtime's clock runs (provisioned
   *   concurrency takes {@link ALLOCATION_SECONDS} of it to allocate)
   */
  private readonly codeSigningConfigs = new Map<string, CodeSigningConfigState>();

  /**
   * @param publicKeyOf - Signer's public key of a signing profile version (the local Signer's
   *   `publicKeyOf`): what the code signature checks verify with; without it, every signature fails them
   */
  constructor(
    private readonly root: string,
    private readonly cloudwatch: LocalCloudWatch,
    private readonly log?: StoreLog,
    private readonly speed = 1,
    private readonly publicKeyOf: (profileVersionArn: string) => KeyObject | undefined = () => undefined,
  ) {}

  /**
   * Loads functions saved by an earlier run. A state file that does not parse is moved to
   * `<name>.json.corrupt-<time>` and reported on the log and stderr; that function is then unknown.
   */
  async load(names: readonly string[]): Promise<void> {
    const configs = await readStoreFile(join(this.root, CODE_SIGNING_CONFIGS), {
      parse: jsonOf(z.array(CodeSigningConfigState)),
      lost: 'the code signing configurations (functions that had one accept any code until it is made again)',
      log: this.log,
    });
    for (const c of configs ?? []) this.codeSigningConfigs.set(c.CodeSigningConfigArn, c);
    for (const name of names) {
      const fn = await readStoreFile(join(this.root, `${name}.json`), {
        parse: jsonOf(SavedFunction),
        lost: `the function ${name} (its versions and aliases)`,
        log: this.log,
      });
      if (!fn) continue;
      // State saved before revisions existed: $LATEST gets one, as every Lambda configuration has.
      const loaded = fn as FunctionState;
      if (!loaded.latest.revisionId) loaded.latest = { ...loaded.latest, revisionId: randomUUID() };
      this.functions.set(name, loaded);
    }
  }

  private static readonly commands = new CommandTable<LocalLambda>('LocalLambda')
    .on(CreateFunctionCommand, (s, c) => s.createFunction(c.input))
    .on(CreateAliasCommand, (s, c) => s.createAlias(c.input))
    .on(CreateCodeSigningConfigCommand, (s, c) => s.createCodeSigningConfig(c.input))
    .on(PutFunctionCodeSigningConfigCommand, (s, c) => s.putFunctionCodeSigningConfig(c.input))
    .on(GetFunctionCodeSigningConfigCommand, (s, c) => s.getFunctionCodeSigningConfig(c.input))
    .on(UpdateFunctionCodeCommand, (s, c) => s.updateCode(c.input))
    .on(UpdateFunctionConfigurationCommand, (s, c) => s.updateConfiguration(c.input))
    .on(GetFunctionCommand, (s, c) => s.getFunction(c.input))
    .on(GetFunctionConfigurationCommand, (s, c) => s.getConfiguration(c.input))
    .on(ListAliasesCommand, (s, c) => s.listAliases(c.input))
    .on(PublishVersionCommand, (s, c) => s.publishVersion(c.input))
    .on(ListVersionsByFunctionCommand, (s, c) => s.listVersions(s.fn(c.input.FunctionName), c.input.Marker, c.input.MaxItems))
    .on(DeleteFunctionCommand, (s, c) => s.deleteFunction(c.input))
    .on(GetAliasCommand, (s, c) => s.aliasOut(s.fn(c.input.FunctionName), c.input.Name ?? ''))
    .on(UpdateAliasCommand, (s, c) => s.updateAlias(c.input))
    .on(PutProvisionedConcurrencyConfigCommand, (s, c) => s.putProvisioned(c.input))
    .on(GetProvisionedConcurrencyConfigCommand, (s, c) => s.getProvisioned(c.input))
    .on(DeleteProvisionedConcurrencyConfigCommand, (s, c) => s.deleteProvisioned(c.input))
    .on(InvokeCommand, (s, c) => s.invoke(c.input.FunctionName ?? '', c.input.Qualifier, c.input.Payload as Uint8Array | string | undefined));

  /** Answers the Lambda API the runtime and the adapters use (functions, versions, aliases, Invoke); refuses any other command. */
  async send<Input extends object, Output extends AwsOutput>(command: AwsCommand<Input, Output>): Promise<Output> {
    return LocalLambda.commands.dispatch(this, command);
  }

  private async createFunction(input: CreateFunctionCommand['input']): Promise<unknown> {
    const { FunctionName = '', Handler = 'index.handler', Code, Environment, Description = '' } = input;
    if (this.functions.has(FunctionName)) throw err('ResourceConflictException', `Function already exist: ${FunctionName}`);
    checkEnvironment(Environment?.Variables ?? {});
    const zip = Code?.ZipFile ?? new Uint8Array();
    const codeSigningConfigArn = input.CodeSigningConfigArn;
    if (codeSigningConfigArn) this.checkSignature(zip, codeSigningConfigArn);
    const latest = await this.storeCode(FunctionName, zip, Environment?.Variables ?? {}, Description);
    const fn: FunctionState = {
      name: FunctionName,
      handler: Handler,
      latest,
      versions: {},
      aliases: {},
      ...(codeSigningConfigArn ? { codeSigningConfigArn } : {}),
    };
    this.functions.set(FunctionName, fn);
    // Like Lambda: `Publish` creates version 1 of the new function along with it.
    if (input.Publish) {
      fn.versions['1'] = { ...latest, publishedFrom: fingerprint(latest), revisionId: randomUUID() };
      fn.nextVersion = 2;
      await this.extract(fn.name, '1');
    }
    await this.save(fn);
    return this.configuration(fn, input.Publish ? '1' : '$LATEST');
  }

  private async createAlias(input: CreateAliasCommand['input']): Promise<unknown> {
    const fn = this.fn(input.FunctionName);
    const functionVersion = input.FunctionVersion ?? '$LATEST';
    const weights = input.RoutingConfig?.AdditionalVersionWeights ?? {};
    this.checkRoute(fn, functionVersion, weights);
    const alias: AliasState = { functionVersion, weights, revisionId: randomUUID() };
    fn.aliases[input.Name ?? ''] = alias;
    await this.save(fn);
    return this.aliasOut(fn, input.Name ?? '');
  }

  private async updateCode(input: UpdateFunctionCodeCommand['input']): Promise<unknown> {
    const fn = this.fn(input.FunctionName);
    checkRevision(input.RevisionId, fn.latest.revisionId);
    const zip = input.ZipFile ?? new Uint8Array();
    // Like Lambda: the package is checked against the function's code signing configuration before it is accepted.
    if (fn.codeSigningConfigArn) this.checkSignature(zip, fn.codeSigningConfigArn);
    return this.update(fn, await this.storeCode(fn.name, zip, fn.latest.env, fn.latest.description));
  }

  /** CreateCodeSigningConfig (lambda-code-signing.ts). */
  private async createCodeSigningConfig(input: CreateCodeSigningConfigCommand['input']): Promise<unknown> {
    const config = newCodeSigningConfig(input);
    this.codeSigningConfigs.set(config.CodeSigningConfigArn, config);
    await writeStoreFile(join(this.root, CODE_SIGNING_CONFIGS), JSON.stringify([...this.codeSigningConfigs.values()], null, 2));
    return { CodeSigningConfig: config };
  }

  /** PutFunctionCodeSigningConfig: from now on the function's code is checked against it (the code it has stays). */
  private async putFunctionCodeSigningConfig(input: PutFunctionCodeSigningConfigCommand['input']): Promise<unknown> {
    const fn = this.fn(input.FunctionName);
    const arn = input.CodeSigningConfigArn ?? '';
    if (!this.codeSigningConfigs.has(arn))
      throw err(
        'CodeSigningConfigNotFoundException',
        `The code signing configuration cannot be found. Check that the provided configuration is not deleted: ${arn}.`,
      );
    fn.codeSigningConfigArn = arn;
    await this.save(fn);
    return { CodeSigningConfigArn: arn, FunctionName: fn.name };
  }

  private async getFunctionCodeSigningConfig(input: GetFunctionCodeSigningConfigCommand['input']): Promise<unknown> {
    const fn = this.fn(input.FunctionName);
    return { CodeSigningConfigArn: fn.codeSigningConfigArn ?? '', FunctionName: fn.name };
  }

  /**
   * Lambda's checks of a package against a code signing configuration (lambda-code-signing.ts).
   * @throws CodeSigningConfigNotFoundException, InvalidCodeSignatureException or CodeVerificationFailedException, as Lambda
   */
  private checkSignature(zip: Uint8Array, codeSigningConfigArn: string): void {
    const config = this.codeSigningConfigs.get(codeSigningConfigArn);
    if (!config) throw err('CodeSigningConfigNotFoundException', `The code signing configuration cannot be found: ${codeSigningConfigArn}.`);
    checkCodeSignature(zip, config, this.publicKeyOf, new Date());
  }

  private async updateConfiguration(input: UpdateFunctionConfigurationCommand['input']): Promise<unknown> {
    const fn = this.fn(input.FunctionName);
    const { Environment, Description, RevisionId } = input;
    checkRevision(RevisionId, fn.latest.revisionId);
    // Like Lambda: an omitted setting keeps its value; `Environment` without `Variables` clears them.
    const env = Environment ? (Environment.Variables ?? {}) : fn.latest.env;
    checkEnvironment(env);
    return this.update(fn, { ...fn.latest, env, description: Description ?? fn.latest.description });
  }

  private async getFunction(input: GetFunctionCommand['input']): Promise<unknown> {
    const fn = this.fn(input.FunctionName);
    return { Configuration: this.configuration(fn, input.Qualifier ?? '$LATEST') };
  }

  private async getConfiguration(input: GetFunctionConfigurationCommand['input']): Promise<unknown> {
    const fn = this.fn(input.FunctionName);
    const qualifier = input.Qualifier ?? '$LATEST';
    if (qualifier !== '$LATEST' && !fn.versions[qualifier] && !fn.aliases[qualifier])
      throw err('ResourceNotFoundException', `Function not found: ${fn.name}:${qualifier}`);
    return this.configuration(fn, fn.aliases[qualifier]?.functionVersion ?? qualifier);
  }

  private async listAliases(input: ListAliasesCommand['input']): Promise<unknown> {
    const fn = this.fn(input.FunctionName);
    return { Aliases: Object.keys(fn.aliases).map((name) => this.aliasOut(fn, name)) };
  }

  private async publishVersion(input: PublishVersionCommand['input']): Promise<unknown> {
    const fn = this.fn(input.FunctionName);
    // Like Lambda (and LocalStack's snapshot of it): the RevisionId first, then the CodeSha256.
    checkRevision(input.RevisionId, fn.latest.revisionId);
    if (input.CodeSha256 && input.CodeSha256 !== fn.latest.codeSha256) {
      throw err(
        'InvalidParameterValueException',
        `CodeSha256 (${input.CodeSha256}) is different from current CodeSha256 in $LATEST (${fn.latest.codeSha256}). Please try again from a fresh state.`,
      );
    }
    // Like Lambda: nothing changed since the latest version was published → that version, not a new
    // one. Only the latest counts: code and config equal to an older version's publish a new version.
    const last = fn.versions[String(nextVersion(fn) - 1)];
    const unchanged = last && (last.publishedFrom ?? fingerprint({ ...last, description: fn.latest.description })) === fingerprint(fn.latest);
    const version = unchanged ? String(nextVersion(fn) - 1) : String(nextVersion(fn));
    if (!unchanged) {
      fn.versions[version] = {
        ...fn.latest,
        description: input.Description ?? fn.latest.description,
        publishedFrom: fingerprint(fn.latest),
        revisionId: randomUUID(),
      };
      fn.nextVersion = Number(version) + 1;
      await this.extract(fn.name, version);
      await this.save(fn);
    }
    return this.configuration(fn, version);
  }

  private async deleteFunction(input: DeleteFunctionCommand['input']): Promise<unknown> {
    const fn = this.fn(input.FunctionName);
    if (!input.Qualifier) throw new Error('LocalLambda deletes published versions only (DeleteFunction with a Qualifier), not whole functions');
    await this.deleteVersion(fn, input.Qualifier);
    return {};
  }

  private async updateAlias(input: UpdateAliasCommand['input']): Promise<unknown> {
    const fn = this.fn(input.FunctionName);
    const alias = fn.aliases[input.Name ?? ''];
    if (!alias) throw err('ResourceNotFoundException', `Alias not found: ${input.Name}`);
    if (input.RevisionId && input.RevisionId !== alias.revisionId) {
      throw err(
        'PreconditionFailedException',
        'The Revision Id provided does not match the latest Revision Id. Call the GetAlias API to retrieve the latest Revision Id',
      );
    }
    const target = input.FunctionVersion ?? alias.functionVersion;
    const { RoutingConfig } = input;
    const weights = RoutingConfig ? (RoutingConfig.AdditionalVersionWeights ?? {}) : alias.weights;
    this.checkRoute(fn, target, weights);
    Object.assign(alias, { functionVersion: target, weights, revisionId: randomUUID() });
    await this.save(fn);
    return this.aliasOut(fn, input.Name ?? '');
  }

  /**
   * PutProvisionedConcurrencyConfig: on a published version or an alias only, within the account's
   * concurrency (lambda-provisioned.ts); the config starts IN_PROGRESS, and is READY (or FAILED,
   * when the version's init fails) {@link ALLOCATION_SECONDS} later on the runtime's clock.
   */
  private async putProvisioned(input: PutProvisionedConcurrencyConfigCommand['input']): Promise<unknown> {
    const fn = this.fn(input.FunctionName);
    const qualifier = input.Qualifier;
    const known = qualifier !== undefined && (qualifier in fn.versions || qualifier in fn.aliases);
    const others = [...this.functions.values()].flatMap((f) =>
      Object.entries(f.provisioned ?? {})
        .filter(([q]) => f !== fn || q !== qualifier)
        .map(([, p]) => p.requested),
    );
    checkProvisionedRequest(qualifier, known, input.ProvisionedConcurrentExecutions, others);
    const now = Date.now();
    const state: ProvisionedState = {
      requested: input.ProvisionedConcurrentExecutions ?? 0,
      status: 'IN_PROGRESS',
      lastModified: new Date(now).toISOString(),
      readyAt: new Date(now + (ALLOCATION_SECONDS * 1000) / this.speed).toISOString(),
    };
    fn.provisioned = { ...fn.provisioned, [qualifier ?? '']: state };
    await this.save(fn);
    return provisionedOut(state);
  }

  private async getProvisioned(input: GetProvisionedConcurrencyConfigCommand['input']): Promise<unknown> {
    const fn = this.fn(input.FunctionName);
    const state = fn.provisioned?.[input.Qualifier ?? ''];
    if (!state) throw noConfig('get');
    if (state.status === 'IN_PROGRESS' && Date.parse(state.readyAt) <= Date.now()) {
      const version = fn.aliases[input.Qualifier ?? '']?.functionVersion ?? input.Qualifier ?? '';
      const init = await this.initialize(fn, version);
      state.status = init.ok ? 'READY' : 'FAILED';
      if (!init.ok) state.reason = `FUNCTION_ERROR_INIT_FAILURE: ${String(init.result)}`;
      await this.save(fn);
    }
    return provisionedOut(state);
  }

  private async deleteProvisioned(input: DeleteProvisionedConcurrencyConfigCommand['input']): Promise<unknown> {
    const fn = this.fn(input.FunctionName);
    const qualifier = input.Qualifier ?? '';
    if (!fn.provisioned?.[qualifier]) throw noConfig('delete');
    const { [qualifier]: _gone, ...rest } = fn.provisioned;
    fn.provisioned = rest;
    await this.save(fn);
    return {};
  }

  /** Starts the version's worker and reports whether its init phase (loading the handler) succeeded. */
  private async initialize(fn: FunctionState, version: string): Promise<{ ok: boolean; result: unknown }> {
    const worker = await this.worker(fn, version);
    const id = randomUUID();
    return new Promise((resolve) => {
      this.pending.set(id, resolve);
      worker.postMessage({ id, init: true });
    });
  }

  /** Stops every worker. */
  async stop(): Promise<void> {
    await Promise.all([...this.workers.values()].map((w) => w.terminate()));
    this.workers.clear();
  }

  private async invoke(functionName: string, qualifier: string | undefined, payload: Uint8Array | string | undefined) {
    const fn = this.fn(functionName);
    const alias = qualifier ? fn.aliases[qualifier] : undefined;
    let version = qualifier && !alias ? qualifier : (alias?.functionVersion ?? '$LATEST');
    if (alias) {
      let roll = Math.random();
      for (const [v, w] of Object.entries(alias.weights)) {
        if (roll < w) {
          version = v;
          break;
        }
        roll -= w;
      }
    }
    const event = JSON.parse(payload ? Buffer.from(payload).toString('utf8') || 'null' : 'null');
    const worker = await this.worker(fn, version);
    const id = randomUUID();
    const out = await new Promise<{ ok: boolean; result: unknown; ms: number }>((resolve) => {
      this.pending.set(id, resolve);
      worker.postMessage({ id, event });
    });
    // The dimension sets Lambda publishes: by function, by version or alias, and by alias and the version it ran
    // (CloudWatch finds a metric by its whole set of dimensions, so each is a metric of its own).
    const resource = `${fn.name}:${qualifier ?? '$LATEST'}`;
    const dimensionSets: Record<string, string>[] = [
      { FunctionName: fn.name },
      { FunctionName: fn.name, Resource: resource },
      { FunctionName: fn.name, Resource: resource, ExecutedVersion: version },
    ];
    for (const d of dimensionSets) {
      this.cloudwatch.record('AWS/Lambda', 'Invocations', d, 1);
      this.cloudwatch.record('AWS/Lambda', 'Errors', d, out.ok ? 0 : 1);
      this.cloudwatch.record('AWS/Lambda', 'Duration', d, out.ms);
    }
    return {
      StatusCode: 200,
      ExecutedVersion: version,
      ...(out.ok ? {} : { FunctionError: 'Unhandled' }),
      Payload: new Uint8Array(Buffer.from(JSON.stringify(out.result))),
    };
  }

  private async worker(fn: FunctionState, version: string): Promise<Worker> {
    const key = `${fn.name}:${version}`;
    const existing = this.workers.get(key);
    if (existing) return existing;
    const state = version === '$LATEST' ? fn.latest : fn.versions[version];
    if (!state) throw err('ResourceNotFoundException', `Function not found: ${key}`);
    const dir = version === '$LATEST' ? await this.extract(fn.name, '$LATEST') : join(this.root, fn.name, version);
    if (!existsSync(dir)) await this.extract(fn.name, version);
    const [modulePath, exportName] = splitHandler(fn.handler);
    const worker = new Worker(WORKER, {
      eval: true,
      env: { ...state.env, AWS_LAMBDA_FUNCTION_NAME: fn.name, AWS_LAMBDA_FUNCTION_VERSION: version, AWS_REGION: 'local', TZ: 'UTC' },
      workerData: { file: join(dir, modulePath), exportName, functionName: fn.name, version },
    });
    worker.on('message', (m: { id: string; ok: boolean; result: unknown; ms: number }) => {
      this.pending.get(m.id)?.(m);
      this.pending.delete(m.id);
    });
    worker.unref();
    this.workers.set(key, worker);
    return worker;
  }

  private async storeCode(name: string, zip: Uint8Array, env: Record<string, string>, description: string): Promise<VersionState> {
    const codeSha256 = createHash('sha256').update(zip).digest('base64');
    await writeStoreFile(join(this.root, name, 'code', `${Buffer.from(codeSha256, 'base64').toString('hex')}.zip`), zip);
    return { codeSha256, env, description, revisionId: randomUUID() };
  }

  /**
   * Applies an update of `$LATEST` as Lambda does, in two revisions: the answer carries the revision
   * of the update in progress (`LastUpdateStatus` InProgress), and the update's completion — at once
   * here — gives `$LATEST` another. So the RevisionId an update answers with is stale by the time a
   * waiter sees the update done (aws/aws-sdk#377): a caller that chains updates reads the revision again.
   */
  private async update(fn: FunctionState, next: VersionState): Promise<unknown> {
    const inProgress = randomUUID();
    fn.latest = { ...next, revisionId: randomUUID() };
    await this.save(fn);
    return { ...this.configuration(fn, '$LATEST'), RevisionId: inProgress, LastUpdateStatus: 'InProgress' };
  }

  private async extract(name: string, version: string): Promise<string> {
    const fn = this.fn(name);
    const state = version === '$LATEST' ? fn.latest : fn.versions[version];
    const dir = join(this.root, name, version === '$LATEST' ? 'latest' : version);
    await rm(dir, { recursive: true, force: true });
    const zip = await readFile(join(this.root, name, 'code', `${Buffer.from(state.codeSha256, 'base64').toString('hex')}.zip`));
    await writeSourceFiles(dir, unzipSource(zip));
    return dir;
  }

  /**
   * An alias route Lambda accepts: the routing rules (checkRouting), then every version it names published (or `$LATEST` alone).
   * @throws ValidationException, InvalidParameterValueException or ResourceNotFoundException, as Lambda
   */
  private checkRoute(fn: FunctionState, primary: string, weights: Record<string, number>): void {
    checkRouting(primary, weights);
    for (const v of [primary, ...Object.keys(weights)]) {
      if (v !== '$LATEST' && !fn.versions[v]) throw err('ResourceNotFoundException', `Function not found: ${fn.name}:${v}`);
    }
  }

  private fn(name: string | undefined): FunctionState {
    const fn = this.functions.get(name ?? '');
    if (!fn) throw err('ResourceNotFoundException', `Function not found: ${name}`);
    return fn;
  }

  /** ListVersionsByFunction: `$LATEST` first, then the published versions ascending; at most 50 per page, like Lambda. */
  private listVersions(fn: FunctionState, marker: string | undefined, maxItems = 50) {
    const all = ['$LATEST', ...Object.keys(fn.versions).sort((a, b) => Number(a) - Number(b))];
    const start = marker === undefined ? 0 : Number(marker);
    if (!Number.isInteger(start) || start < 0 || start > all.length) throw err('InvalidParameterValueException', `Invalid Marker: ${marker}`);
    const end = start + Math.min(Math.max(maxItems, 1), 50);
    return { Versions: all.slice(start, end).map((v) => this.configuration(fn, v)), ...(end < all.length ? { NextMarker: String(end) } : {}) };
  }

  /**
   * DeleteFunction of one published version, as Lambda: never `$LATEST`, never a version an alias
   * routes to (ResourceConflictException, weighted routes included). Stops the version's worker and
   * removes its extracted code; the code zip stays (other versions may share it). Its number is not reused.
   */
  private async deleteVersion(fn: FunctionState, version: string): Promise<void> {
    if (version === '$LATEST') throw err('InvalidParameterValueException', '$LATEST version cannot be deleted without deleting the function.');
    if (!fn.versions[version]) throw err('ResourceNotFoundException', `Function not found: ${fn.name}:${version}`);
    const aliases = Object.entries(fn.aliases)
      .filter(([, a]) => a.functionVersion === version || version in a.weights)
      .map(([name]) => name);
    if (aliases.length > 0) {
      throw err(
        'ResourceConflictException',
        `Unable to delete version ${version} of ${fn.name} because the following aliases reference it: [${aliases.join(', ')}]`,
      );
    }
    fn.nextVersion = nextVersion(fn);
    delete fn.versions[version];
    // Like Lambda: a deleted version's provisioned concurrency goes with it.
    if (fn.provisioned?.[version]) delete fn.provisioned[version];
    await this.save(fn);
    const key = `${fn.name}:${version}`;
    const worker = this.workers.get(key);
    this.workers.delete(key);
    await worker?.terminate();
    await rm(join(this.root, fn.name, version), { recursive: true, force: true });
  }

  private configuration(fn: FunctionState, version: string) {
    const state = version === '$LATEST' ? fn.latest : fn.versions[version];
    if (!state) throw err('ResourceNotFoundException', `Function not found: ${fn.name}:${version}`);
    return {
      FunctionName: fn.name,
      Version: version,
      Handler: fn.handler,
      CodeSha256: state.codeSha256,
      Environment: { Variables: state.env },
      State: 'Active',
      LastUpdateStatus: 'Successful',
      Description: state.description,
      RevisionId: state.revisionId,
    };
  }

  private aliasOut(fn: FunctionState, name: string) {
    const alias = fn.aliases[name];
    if (!alias) throw err('ResourceNotFoundException', `Alias not found: ${fn.name}:${name}`);
    return { Name: name, FunctionVersion: alias.functionVersion, RoutingConfig: { AdditionalVersionWeights: alias.weights }, RevisionId: alias.revisionId };
  }

  private async save(fn: FunctionState): Promise<void> {
    await writeStoreFile(join(this.root, `${fn.name}.json`), JSON.stringify(fn, null, 2));
  }
}

/** The next version number: Lambda never reuses one, even after a delete (state saved before `nextVersion`: the highest + 1). */
function nextVersion(fn: FunctionState): number {
  return fn.nextVersion ?? Math.max(0, ...Object.keys(fn.versions).map(Number)) + 1;
}

/** What PublishVersion compares: `$LATEST`'s code and configuration (environment in any key order, description). */
function fingerprint(state: VersionState): string {
  const env = Object.entries(state.env).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return JSON.stringify([state.codeSha256, env, state.description]);
}

/** `src/index.handler` → [`src/index.js`, `handler`]. */
function splitHandler(handler: string): [string, string] {
  const dot = handler.lastIndexOf('.');
  return [`${handler.slice(0, dot)}.js`, handler.slice(dot + 1)];
}
