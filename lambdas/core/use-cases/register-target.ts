import { z } from 'zod';
import { sha256Base64, unzipSource, zipSource } from '../artifact';
import { FunctionConfig, SemanticVersion, TargetName } from '../change-request';
import { ConflictError, ForbiddenError } from '../errors';
import { TestSuite } from '../policy/change-policy';
import { WriteConflictError } from '../ports';
import type { Target } from '../target';
import {
  AlarmSettings,
  CanarySettings,
  CodeDeploySettings,
  DEFAULT_ALARMS,
  DEFAULT_CANARY,
  DeploymentStrategy,
  RetentionSettings,
  SmokeTest,
} from '../target-settings';
import type { Caller, Services } from './services';

/** The body of POST /targets (and an example's target.json). Times in s, rates in %. */
export const TargetRegistration = z.strictObject({
  name: TargetName,
  description: z.string().max(500).default(''),
  functionName: z.string().regex(/^[A-Za-z0-9_-]{1,64}$/, 'must be a Lambda function name'),
  alias: z
    .string()
    .regex(/^[A-Za-z][A-Za-z0-9_-]{0,127}$/)
    .default('live'),
  environment: z
    .string()
    .regex(/^[a-z][a-z0-9-]{0,31}$/)
    .default('production'),
  /** The command of each test suite, run in the unzipped artifact (`node --test`, `npm audit --audit-level=high`…). */
  testSuites: z.partialRecord(TestSuite, z.string().min(1)).refine((s) => Object.keys(s).length > 0, 'needs at least one suite'),
  initialVersion: SemanticVersion.default('1.0.0'),
  artifact: z.string().regex(/^(file|s3):\/\/.+/, 'must be a file:// path or an s3:// URI'),
  config: FunctionConfig.default({}),
  strategy: DeploymentStrategy.default('alias-weights'),
  canary: CanarySettings.default(DEFAULT_CANARY),
  codeDeploy: CodeDeploySettings.default({ deploymentConfig: 'CodeDeployDefault.LambdaCanary10Percent5Minutes', customConfigs: [] }),
  alarms: AlarmSettings.default(DEFAULT_ALARMS),
  smokeTests: z.array(SmokeTest).max(20).default([]),
  retention: RetentionSettings.default({ keepVersions: 5 }),
});
export type TargetRegistration = z.infer<typeof TargetRegistration>;

/**
 * Registers a service: publishes its initial version (code and config) and points the alias at it,
 * records the target and its first version (which counts as tested: it is what runs today).
 * @throws ForbiddenError (403) without release_admin; ConflictError (409) when already registered
 */
export async function registerTarget(svc: Services, caller: Caller, reg: TargetRegistration): Promise<Target> {
  if (!caller.roles.includes('release_admin')) throw new ForbiddenError('registering a target needs the release_admin role');
  if (await svc.store.getTarget(reg.name)) throw new ConflictError(`target ${reg.name} is already registered`);
  const zip = zipSource(unzipSource(await svc.artifacts.read(reg.artifact)));
  const sha256 = sha256Base64(zip);
  const uri = await svc.artifacts.write(`artifacts/${reg.name}/${Buffer.from(sha256, 'base64').toString('hex')}.zip`, zip, 'application/zip');
  const published = await svc.functions.publish(reg.functionName, zip, reg.config, sha256, `${reg.name} ${reg.initialVersion} (registered)`);
  const alias = await svc.functions.getAlias(reg.functionName, reg.alias);
  await svc.functions.updateAlias(reg.functionName, reg.alias, { functionVersion: published.functionVersion }, alias.revisionId);
  const now = svc.now().toISOString();
  const target: Target = {
    name: reg.name,
    description: reg.description,
    functionName: reg.functionName,
    alias: reg.alias,
    environment: reg.environment,
    testSuites: reg.testSuites,
    strategy: reg.strategy,
    canary: reg.canary,
    codeDeploy: reg.codeDeploy,
    alarms: reg.alarms,
    smokeTests: reg.smokeTests,
    retention: reg.retention,
    liveVersion: reg.initialVersion,
    liveFunctionVersion: published.functionVersion,
    revision: 1,
    registeredAt: now,
    updatedAt: now,
  };
  try {
    await svc.store.commit(
      [
        { kind: 'target', record: target, expectedRevision: null },
        {
          kind: 'version',
          record: {
            target: reg.name,
            version: reg.initialVersion,
            changeId: null,
            artifact: { uri, sha256, bytes: zip.byteLength },
            config: reg.config,
            testsPassed: true,
            functionVersion: published.functionVersion,
            revision: 1,
            createdAt: now,
          },
          expectedRevision: null,
        },
      ],
      {
        type: 'TargetRegistered',
        target: reg.name,
        actor: caller.id,
        details: { version: reg.initialVersion, functionName: reg.functionName, functionVersion: published.functionVersion, artifactSha256: sha256 },
      },
    );
  } catch (err) {
    if (err instanceof WriteConflictError) throw new ConflictError(`target ${reg.name} is already registered`);
    throw err;
  }
  return target;
}
