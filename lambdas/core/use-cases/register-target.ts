import * as z from 'zod';
import { actorFields } from '../actor';
import { sha256Base64, unzipSource, zipSource } from '../artifact';
import { EnvironmentName, FunctionConfig, SemanticVersion, TargetName } from '../change-request';
import { ConflictError, DeployRoleError, ForbiddenError, NotFoundError, ValidationError } from '../errors';
import { promotionOf, TestSuite } from '../policy/change-policy';
import { type FunctionHost, WriteConflictError } from '../ports';
import { DeployRoleArn, promotionRouteProblem } from '../promotion';
import { DEFAULT_STRATEGY, StrategyName } from '../strategies/names';
import type { StackTarget, Target } from '../target';
import {
  AlarmSettings,
  BlueGreenSettings,
  CanarySettings,
  CodeDeploySettings,
  DEFAULT_ALARMS,
  DEFAULT_BLUE_GREEN,
  DEFAULT_CANARY,
  DEFAULT_KEEP_DAYS,
  RetentionSettings,
  SmokeTest,
} from '../target-settings';
import { signBundle } from './bundles';
import type { Caller, Services } from './services';
import { onTarget } from './target-services';

/** The body of POST /targets (and an example's target.json). Times in s, rates in %. */
export const TargetRegistration = z.strictObject({
  name: TargetName,
  description: z.string().max(500).default(''),
  functionName: z.string().regex(/^[A-Za-z0-9_-]{1,64}$/, 'must be a Lambda function name'),
  alias: z
    .string()
    .regex(/^[A-Za-z][A-Za-z0-9_-]{0,127}$/)
    .default('live'),
  environment: EnvironmentName.default('production'),
  /** The registered target of the same service in the next environment, where versions deployed here are advanced to. */
  promotesTo: TargetName.optional(),
  /** The role CMV assumes to deploy to a function in another AWS account. */
  deployRoleArn: DeployRoleArn.optional(),
  /** The command of each test suite, run in the unzipped artifact (`node --test`, `npm audit --audit-level=high`…). */
  testSuites: z.partialRecord(TestSuite, z.string().min(1)).refine((s) => Object.keys(s).length > 0, 'needs at least one suite'),
  initialVersion: SemanticVersion.default('1.0.0'),
  artifact: z.string().regex(/^(file|s3):\/\/.+/, 'must be a file:// path or an s3:// URI'),
  config: FunctionConfig.default({}),
  strategy: StrategyName.default(DEFAULT_STRATEGY),
  canary: CanarySettings.default(DEFAULT_CANARY),
  codeDeploy: CodeDeploySettings.default({ deploymentConfig: 'CodeDeployDefault.LambdaCanary10Percent5Minutes', customConfigs: [] }),
  blueGreen: BlueGreenSettings.default(DEFAULT_BLUE_GREEN),
  alarms: AlarmSettings.default(DEFAULT_ALARMS),
  smokeTests: z.array(SmokeTest).max(20).default([]),
  retention: RetentionSettings.default({ keepVersions: 5, keepDays: DEFAULT_KEEP_DAYS }),
});
export type TargetRegistration = z.infer<typeof TargetRegistration>;

/**
 * Registers a service: CMV takes charge of a function whose alias already serves the registered
 * code and config, and records that as the target's first version (which counts as tested: it is
 * what runs today). Registration never moves an alias and never publishes: the alias must route to
 * one published version alone whose code (Lambda's `CodeSha256`) and environment equal the
 * artifact (re-zipped deterministically) and `config`. A function belongs to one target only: the
 * claim on its name is written in the same transaction as the target, so of two registrations
 * naming the same function one is refused. The artifact is stored only once the checks passed.
 * Then the first version's bundle is signed (`signBundle`, its `BundleSigned` entry).
 * @throws ForbiddenError (403) without release_admin
 * @throws ValidationError (400) naming `name`, `functionName` or `alias` when the deployment's grants
 *   (`settings.stackTargets`) do not cover the target: its deploy steps would be denied; naming
 *   `promotesTo` when it is not a registered target of a later environment (the policy's promotion order)
 * @throws ConflictError (409) when the target is already registered, its function belongs to another
 *   target, or the alias does not serve exactly the registered code and config
 * @throws NotFoundError (404) when the function or its alias does not exist
 */
export async function registerTarget(svc: Services, caller: Caller, reg: TargetRegistration): Promise<Target> {
  if (!caller.roles.includes('release_admin')) throw new ForbiddenError('registering a target needs the release_admin role');
  requireGranted(svc.settings.stackTargets, reg);
  if (await svc.store.getTarget(reg.name)) throw new ConflictError(`target ${reg.name} is already registered`);
  await requirePromotionTarget(svc, reg);
  const owner = await functionOwner(svc, reg.functionName);
  if (owner) throw new ConflictError(`function ${reg.functionName} already belongs to target ${owner}: a function belongs to one target`);
  const zip = zipSource(unzipSource(await readArtifact(svc, reg.artifact)));
  const sha256 = sha256Base64(zip);
  const live = await servedVersion(svc, reg, sha256);
  const uri = await svc.artifacts.write(`artifacts/${reg.name}/${Buffer.from(sha256, 'base64').toString('hex')}.zip`, zip, 'application/zip');
  const now = svc.now().toISOString();
  const target: Target = {
    name: reg.name,
    description: reg.description,
    functionName: reg.functionName,
    alias: reg.alias,
    environment: reg.environment,
    ...(reg.promotesTo ? { promotesTo: reg.promotesTo } : {}),
    ...(reg.deployRoleArn ? { deployRoleArn: reg.deployRoleArn } : {}),
    testSuites: reg.testSuites,
    strategy: reg.strategy,
    canary: reg.canary,
    codeDeploy: reg.codeDeploy,
    blueGreen: reg.blueGreen,
    alarms: reg.alarms,
    smokeTests: reg.smokeTests,
    retention: reg.retention,
    liveVersion: reg.initialVersion,
    liveFunctionVersion: live,
    route: { functionVersion: live },
    revision: 1,
    registeredAt: now,
    updatedAt: now,
  };
  try {
    await svc.store.commit(
      [
        { kind: 'target', record: target, expectedRevision: null },
        { kind: 'function', functionName: reg.functionName, target: reg.name },
        {
          kind: 'version',
          record: {
            target: reg.name,
            version: reg.initialVersion,
            changeId: null,
            artifact: { uri, sha256, bytes: zip.byteLength },
            config: reg.config,
            testsPassed: true,
            functionVersion: live,
            revision: 1,
            createdAt: now,
          },
          expectedRevision: null,
        },
      ],
      {
        type: 'TargetRegistered',
        target: reg.name,
        ...actorFields(caller),
        details: {
          version: reg.initialVersion,
          functionName: reg.functionName,
          functionVersion: live,
          artifactSha256: sha256,
          environment: reg.environment,
          ...(reg.promotesTo ? { promotesTo: reg.promotesTo } : {}),
          ...(reg.deployRoleArn ? { deployRoleArn: reg.deployRoleArn } : {}),
        },
      },
    );
  } catch (err) {
    if (err instanceof WriteConflictError && err.index === 1) {
      throw new ConflictError(`function ${reg.functionName} already belongs to target ${(await functionOwner(svc, reg.functionName)) ?? 'another target'}`);
    }
    if (err instanceof WriteConflictError) throw new ConflictError(`target ${reg.name} is already registered`);
    throw err;
  }
  // After the commit: the signature covers the version as recorded (signBundle checks the stored code against it).
  await signBundle(svc, reg.name, reg.initialVersion, caller);
  return target;
}

/**
 * Refuses a registration that the deployment's grants do not cover (when it says which they cover):
 * its deploy steps would be denied — the alarms they arm are granted by target name
 * (`cmv-<target>-…`), the Lambda actions on the stack's function and alias only.
 * @throws ValidationError (400) naming the field that differs from the stack's target
 */
function requireGranted(stackTargets: readonly StackTarget[] | undefined, reg: TargetRegistration): void {
  if (!stackTargets) return;
  const granted = stackTargets.find((t) => t.name === reg.name);
  if (!granted) {
    const names = stackTargets.map((t) => t.name).join(', ') || 'none';
    throw ValidationError.field(
      'name',
      `the stack grants deployments (the alarms cmv-<target>-…, the function, its alias) to the targets of its target.json files only (${names}), not to "${reg.name}": add the service's target.json to the stack and deploy it, then register`,
    );
  }
  for (const field of ['functionName', 'alias', 'deployRoleArn'] as const) {
    if (granted[field] !== reg[field]) {
      throw ValidationError.field(field, `the stack grants target ${reg.name}'s deployments on ${field} "${granted[field]}", not "${reg[field]}"`);
    }
  }
}

/**
 * Refuses a `promotesTo` that names no registered target, the target itself, or a target whose
 * environment does not come after this one's in the policy's promotion order.
 * @throws ValidationError (400) on the field `promotesTo`
 */
async function requirePromotionTarget(svc: Services, reg: TargetRegistration): Promise<void> {
  if (!reg.promotesTo) return;
  if (reg.promotesTo === reg.name) throw ValidationError.field('promotesTo', 'must name another target, not the target itself');
  const next = await svc.store.getTarget(reg.promotesTo);
  if (!next) throw ValidationError.field('promotesTo', `target ${reg.promotesTo} is not registered: register the next environment's target first`);
  const problem = promotionRouteProblem(promotionOf(await svc.policy()).order, reg.environment, next.environment);
  if (problem) throw ValidationError.field('promotesTo', `${reg.name} (${reg.environment}) cannot promote to ${next.name} (${next.environment}): ${problem}`);
}

/** The target a function belongs to: its claim, or (targets registered before claims existed) a target naming it. */
async function functionOwner(svc: Services, functionName: string): Promise<string | undefined> {
  return (await svc.store.getFunctionOwner(functionName)) ?? (await svc.store.listTargets()).find((t) => t.functionName === functionName)?.name;
}

/**
 * The published version the alias serves, checked to run exactly the registered code and config.
 * @throws ConflictError (409) naming what differs
 */
async function servedVersion(svc: Services, reg: TargetRegistration, sha256: string): Promise<string> {
  try {
    return await servedVersionOf(onTarget(svc, reg, `register-${reg.name}`).functions, reg, sha256);
  } catch (err) {
    // A role CMV cannot assume is a registration to fix, not a conflict with the function's state.
    if (err instanceof DeployRoleError) throw ValidationError.field('deployRoleArn', err.message);
    throw err;
  }
}

/** {@link servedVersion} through `functions`: CMV's own, or the deploy role's. */
async function servedVersionOf(functions: FunctionHost, reg: TargetRegistration, sha256: string): Promise<string> {
  const alias = await functions.getAlias(reg.functionName, reg.alias);
  const where = `alias ${reg.alias} of ${reg.functionName}`;
  if (alias.additionalVersion && (alias.additionalWeight ?? 0) > 0) {
    throw new ConflictError(
      `${where} splits traffic between versions ${alias.functionVersion} and ${alias.additionalVersion}; register it once it serves one version`,
    );
  }
  if (!/^\d+$/.test(alias.functionVersion)) {
    throw new ConflictError(`${where} points at ${alias.functionVersion}, not a published version; publish the code it runs and point the alias at it`);
  }
  const served = await functions.describeVersion(reg.functionName, alias.functionVersion);
  const moving = 'registration never moves a live alias: register the code and config it serves, then propose changes';
  if (served.codeSha256 !== sha256) {
    throw new ConflictError(
      `${where} serves version ${alias.functionVersion}, whose code (CodeSha256 ${served.codeSha256}) is not the artifact's (${sha256}); ${moving}`,
    );
  }
  const differing = [...new Set([...Object.keys(served.env), ...Object.keys(reg.config)])].filter((k) => served.env[k] !== reg.config[k]).sort();
  if (differing.length > 0) {
    throw new ConflictError(
      `${where} serves version ${alias.functionVersion}, whose config differs from the registered one in ${differing.join(', ')}; ${moving}`,
    );
  }
  return alias.functionVersion;
}

/**
 * The registration's artifact. One that does not exist or cannot be read as given is the caller's
 * mistake, answered on the registration's own field.
 * @throws ValidationError (field `artifact`) when the artifact store refuses the URI or has no such object
 */
async function readArtifact(svc: Services, uri: string): Promise<Uint8Array> {
  try {
    return await svc.artifacts.read(uri);
  } catch (err) {
    if (err instanceof NotFoundError) throw ValidationError.field('artifact', err.message);
    if (err instanceof ValidationError) throw ValidationError.field('artifact', err.errors.map((e) => e.message).join('; '));
    throw err;
  }
}
