import { sha256Base64, unzipSource, zipSource } from '../../../../lambdas/core/artifact';
import { ConflictError, DeployRoleError, ForbiddenError, LedgerContentionError, NotFoundError, ValidationError } from '../../../../lambdas/core/errors';
import type { AliasRoute, StackTarget } from '../../../../lambdas/core/target';
import { registerTarget, TargetRegistration } from '../../../../lambdas/core/use-cases/register-target';
import type { Services } from '../../../../lambdas/core/use-cases/services';
import { FakeFunctionHost, type Fakes, fakeServices, MemoryArtifacts } from '../../../fixtures/fakes';
import { ALIAS, aTarget, caller, FUNCTION, sourceZip, TARGET } from '../../../fixtures/records';

const SOURCE = 's3://cmv-sources/benefit-calculator.zip';
/** The artifact as registration stores it: re-zipped deterministically. */
const ZIP = zipSource(unzipSource(sourceZip(1)));
const SHA = sha256Base64(ZIP);
const STORED = `mem://artifacts/${TARGET}/${Buffer.from(SHA, 'base64').toString('hex')}.zip`;
const dana = caller('dana', 'release_admin');

/** The body of POST /targets for benefit-calculator, defaults filled in as the API's schema fills them. */
const registration = (over: Record<string, unknown> = {}): TargetRegistration =>
  TargetRegistration.parse({ name: TARGET, functionName: FUNCTION, testSuites: { unit: 'npm test' }, artifact: SOURCE, config: { RATE: '1' }, ...over });

/**
 * The function's alias `live` serving version 2, which runs `code` with `env` (by default: the
 * artifact at SOURCE with RATE=1, so the registration matches); version 1 runs older code.
 */
async function arrange(served: { code?: Uint8Array; env?: Record<string, string>; route?: AliasRoute } = {}): Promise<Fakes> {
  const artifacts = new MemoryArtifacts();
  artifacts.objects.set(SOURCE, sourceZip(1));
  const functions = new FakeFunctionHost().addFunction(FUNCTION, ALIAS, ['old-code'], '1');
  const code = served.code ?? ZIP;
  await functions.publish(FUNCTION, code, served.env ?? { RATE: '1' }, sha256Base64(code));
  functions.moveAlias(FUNCTION, ALIAS, served.route ?? { functionVersion: '2' });
  return fakeServices({ fakes: { artifacts, functions } });
}

/** The services as in AWS, where the stack's grants cover `stackTargets` only. */
const granting = (svc: Services, stackTargets: StackTarget[]): Services => ({ ...svc, settings: { ...svc.settings, stackTargets } });

/** Nothing of the registration was written: no record, no claim, no ledger entry, no stored artifact, no alias move. */
function expectNothingWritten({ store, artifacts, functions }: Fakes): void {
  expect(store.targets.size).toBe(0);
  expect(store.versions.size).toBe(0);
  expect(store.functionOwners.size).toBe(0);
  expect(store.entries).toEqual([]);
  expect([...artifacts.objects.keys()]).toEqual([SOURCE]);
  expect(functions.updates).toEqual([]);
}

describe('registerTarget()', () => {
  it('records the target live on the version its alias serves, claims the function and stores the artifact, with a TargetRegistered entry', async () => {
    // Arrange
    const fakes = await arrange();
    const { svc, store, artifacts, functions, clock } = fakes;

    // Act
    const target = await registerTarget(svc, dana, registration());

    // Assert
    const now = clock.now().toISOString();
    expect(target).toMatchObject({
      name: TARGET,
      functionName: FUNCTION,
      alias: 'live',
      environment: 'production',
      strategy: 'alias-weights',
      liveVersion: '1.0.0',
      liveFunctionVersion: '2',
      route: { functionVersion: '2' },
      revision: 1,
      registeredAt: now,
      updatedAt: now,
    });
    expect(store.targets.get(TARGET)).toEqual(target);
    expect(store.functionOwners.get(FUNCTION)).toBe(TARGET);
    expect(await store.getVersion(TARGET, '1.0.0')).toEqual({
      target: TARGET,
      version: '1.0.0',
      changeId: null,
      artifact: { uri: STORED, sha256: SHA, bytes: ZIP.byteLength },
      config: { RATE: '1' },
      testsPassed: true,
      functionVersion: '2',
      // Signed after the registration committed (its own write).
      bundle: expect.objectContaining({ manifestUri: expect.stringMatching(/^mem:\/\/bundles\/benefit-calculator\/[0-9a-f]{64}\.json$/) }),
      revision: 2,
      createdAt: now,
    });
    expect(artifacts.objects.get(STORED)).toEqual(ZIP);
    expect(store.entries).toMatchObject([
      {
        type: 'TargetRegistered',
        target: TARGET,
        actor: 'dana',
        details: { version: '1.0.0', functionName: FUNCTION, functionVersion: '2', artifactSha256: SHA },
      },
      { type: 'BundleSigned', target: TARGET, actor: 'dana', details: { version: '1.0.0', files: expect.any(Number) } },
    ]);
    expect(functions.updates).toEqual([]);
    expect(functions.routeOf(FUNCTION, ALIAS)).toEqual({ functionVersion: '2' });
  });

  it('records the initial version the registration names', async () => {
    const { svc, store } = await arrange();

    await registerTarget(svc, dana, registration({ initialVersion: '2.4.1' }));

    expect(store.targets.get(TARGET)?.liveVersion).toBe('2.4.1');
    expect([...store.versions.values()].map((v) => v.version)).toEqual(['2.4.1']);
  });

  it.each([
    ['weight 0', 0],
    ['no weight', undefined],
  ])('registers an alias whose additional version gets no traffic (%s), as serving one version', async (_case, additionalWeight) => {
    const { svc } = await arrange({ route: { functionVersion: '2', additionalVersion: '1', additionalWeight } });

    expect((await registerTarget(svc, dana, registration())).liveFunctionVersion).toBe('2');
  });

  it('registers a target the stack grants, with its function and alias', async () => {
    const { svc, store } = await arrange();

    await registerTarget(granting(svc, [{ name: TARGET, functionName: FUNCTION, alias: ALIAS }]), dana, registration());

    expect(store.targets.has(TARGET)).toBe(true);
  });

  it('refuses a caller without release_admin with a 403, writing nothing', async () => {
    const fakes = await arrange();

    const registered = registerTarget(fakes.svc, caller('alice', 'requester', 'cab'), registration());

    await expect(registered).rejects.toThrow(ForbiddenError);
    await expect(registered).rejects.toThrow('registering a target needs the release_admin role');
    expectNothingWritten(fakes);
  });

  it.each([
    [
      'a target the stack does not grant',
      [{ name: 'payroll', functionName: 'payroll', alias: ALIAS }],
      {},
      'name',
      `the stack grants deployments (the alarms cmv-<target>-…, the function, its alias) to the targets of its target.json files only (payroll), not to "${TARGET}": add the service's target.json to the stack and deploy it, then register`,
    ],
    ['any target when the stack grants none', [], {}, 'name', expect.stringContaining('target.json files only (none), not to')],
    [
      'another function than the granted one',
      [{ name: TARGET, functionName: 'benefit-calculator-v2', alias: ALIAS }],
      {},
      'functionName',
      `the stack grants target ${TARGET}'s deployments on functionName "benefit-calculator-v2", not "${FUNCTION}"`,
    ],
    [
      'another alias than the granted one',
      [{ name: TARGET, functionName: FUNCTION, alias: ALIAS }],
      { alias: 'prod' },
      'alias',
      `the stack grants target ${TARGET}'s deployments on alias "live", not "prod"`,
    ],
  ])('refuses %s with a 400 naming the field, writing nothing', async (_case, stackTargets, over, path, message) => {
    // Arrange
    const fakes = await arrange();

    // Act
    const registered = registerTarget(granting(fakes.svc, stackTargets), dana, registration(over));

    // Assert
    await expect(registered).rejects.toThrow(ValidationError);
    await expect(registered).rejects.toMatchObject({ statusCode: 400, errors: [{ path, message }] });
    expectNothingWritten(fakes);
  });

  it.each([
    ['does not exist', 's3://cmv-sources/missing.zip'],
    ['is a local file that does not exist', 'file:///nowhere/a.zip'],
  ])('refuses an artifact that %s with a 400 on the field artifact, writing nothing', async (_case, artifact) => {
    // Arrange
    const fakes = await arrange();
    fakes.artifacts.read = async (uri: string) => {
      if (uri.startsWith('s3://')) throw new NotFoundError(`artifact ${uri} does not exist`);
      // As S3ArtifactStore refuses a local file (its field is the proposal's).
      throw ValidationError.field('code.artifact', `${uri} does not exist`);
    };

    // Act
    const registered = registerTarget(fakes.svc, dana, registration({ artifact }));

    // Assert
    await expect(registered).rejects.toThrow(ValidationError);
    await expect(registered).rejects.toMatchObject({ statusCode: 400, errors: [{ path: 'artifact', message: expect.stringContaining(artifact) }] });
    expectNothingWritten(fakes);
  });

  it('refuses a target already registered with a 409, leaving it as it was', async () => {
    // Arrange
    const { svc, store, artifacts } = await arrange();
    const existing = aTarget({ revision: 4 });
    store.seed({ targets: [existing] });

    // Act
    const registered = registerTarget(svc, dana, registration());

    // Assert
    await expect(registered).rejects.toThrow(ConflictError);
    await expect(registered).rejects.toThrow(`target ${TARGET} is already registered`);
    expect(store.targets.get(TARGET)).toEqual(existing);
    expect(store.entries).toEqual([]);
    expect(artifacts.objects.size).toBe(1);
  });

  it.each([
    ['claimed by another target', (f: Fakes) => f.store.functionOwners.set(FUNCTION, 'payroll')],
    ['named by a target registered before claims existed', (f: Fakes) => f.store.seed({ targets: [aTarget({ name: 'payroll' })] })],
  ])('refuses a function %s with a 409 naming its target', async (_case, claim) => {
    const fakes = await arrange();
    claim(fakes);

    const registered = registerTarget(fakes.svc, dana, registration());

    await expect(registered).rejects.toThrow(ConflictError);
    await expect(registered).rejects.toThrow(`function ${FUNCTION} already belongs to target payroll: a function belongs to one target`);
    expect(fakes.store.entries).toEqual([]);
    expect(fakes.store.targets.has(TARGET)).toBe(false);
  });

  it.each([
    [
      'an alias splitting traffic between two versions',
      { route: { functionVersion: '1', additionalVersion: '2', additionalWeight: 0.1 } },
      `alias live of ${FUNCTION} splits traffic between versions 1 and 2; register it once it serves one version`,
    ],
    [
      'an alias on $LATEST',
      { route: { functionVersion: '$LATEST' } },
      `alias live of ${FUNCTION} points at $LATEST, not a published version; publish the code it runs and point the alias at it`,
    ],
    [
      'an alias serving other code',
      { code: zipSource(unzipSource(sourceZip(2))) },
      `alias live of ${FUNCTION} serves version 2, whose code (CodeSha256 ${sha256Base64(zipSource(unzipSource(sourceZip(2))))}) is not the artifact's (${SHA}); registration never moves a live alias: register the code and config it serves, then propose changes`,
    ],
    [
      'an alias serving another config (the differing variables named, sorted: a changed one, an extra one)',
      { env: { RATE: '2', DEBUG: '1' } },
      `alias live of ${FUNCTION} serves version 2, whose config differs from the registered one in DEBUG, RATE; registration never moves a live alias: register the code and config it serves, then propose changes`,
    ],
  ])('refuses %s with a 409, moving and writing nothing', async (_case, served, message) => {
    // Arrange
    const fakes = await arrange(served);
    const before = fakes.functions.routeOf(FUNCTION, ALIAS);

    // Act
    const registered = registerTarget(fakes.svc, dana, registration());

    // Assert
    await expect(registered).rejects.toThrow(ConflictError);
    await expect(registered).rejects.toThrow(message);
    expectNothingWritten(fakes);
    expect(fakes.functions.routeOf(FUNCTION, ALIAS)).toEqual(before);
  });

  it('refuses a config with a variable the served version lacks, naming it', async () => {
    const fakes = await arrange();

    const registered = registerTarget(fakes.svc, dana, registration({ config: { RATE: '1', REGION: 'eu' } }));

    await expect(registered).rejects.toThrow(/config differs from the registered one in REGION;/);
    expectNothingWritten(fakes);
  });

  it.each([
    ['a function Lambda does not have', { functionName: 'payroll' }, 'function payroll does not exist'],
    ['an alias the function does not have', { alias: 'prod' }, `alias prod of ${FUNCTION} does not exist`],
  ])('refuses %s with a 404, writing nothing', async (_case, over, message) => {
    const fakes = await arrange();

    const registered = registerTarget(fakes.svc, dana, registration(over));

    await expect(registered).rejects.toThrow(NotFoundError);
    await expect(registered).rejects.toThrow(message);
    expectNothingWritten(fakes);
  });

  it('refuses with a 409 when a concurrent registration of the same name committed between the checks and the write', async () => {
    // Arrange
    const { svc, store } = await arrange();
    const theirs = aTarget({ description: 'registered by erin' });
    store.interleave(() => store.seed({ targets: [theirs] }));

    // Act
    const registered = registerTarget(svc, dana, registration());

    // Assert
    await expect(registered).rejects.toThrow(`target ${TARGET} is already registered`);
    expect(store.targets.get(TARGET)).toEqual(theirs);
    expect(store.versions.size).toBe(0);
    expect(store.entries).toEqual([]);
  });

  it('refuses with a 409 naming the winner when another target claimed the function between the checks and the write', async () => {
    // Arrange
    const { svc, store } = await arrange();
    store.interleave(() => store.functionOwners.set(FUNCTION, 'payroll'));

    // Act
    const registered = registerTarget(svc, dana, registration());

    // Assert
    await expect(registered).rejects.toThrow(ConflictError);
    await expect(registered).rejects.toThrow(`function ${FUNCTION} already belongs to target payroll`);
    expect(store.targets.has(TARGET)).toBe(false);
    expect(store.functionOwners.get(FUNCTION)).toBe('payroll');
    expect(store.entries).toEqual([]);
  });

  it('lets any other failure of the write through as it is', async () => {
    const { svc, store } = await arrange();
    jest.spyOn(store, 'commit').mockRejectedValueOnce(new LedgerContentionError('the ledger is busy'));

    await expect(registerTarget(svc, dana, registration())).rejects.toThrow(LedgerContentionError);
    expect(store.targets.has(TARGET)).toBe(false);
  });

  describe('promotesTo and deployRoleArn', () => {
    /** Registers benefit-calculator as a staging target promoting to `promotesTo`, with `next` registered already. */
    async function promoting(promotesTo: string, next = aTarget({ name: 'benefit-calculator-prod', functionName: 'prod-fn' })) {
      const fakes = await arrange();
      fakes.store.seed({ targets: [next] });
      return { fakes, register: () => registerTarget(fakes.svc, dana, registration({ environment: 'staging', promotesTo })) };
    }

    it('records the target of the next environment and the deploy role, with the TargetRegistered entry', async () => {
      const { fakes } = await promoting('benefit-calculator-prod');
      const roleArn = 'arn:aws:iam::123456789012:role/cmv-deploy';
      // The function is in the role's account: CMV's own host does not have it.
      const asked: string[] = [];
      const svc: Services = {
        ...fakes.svc,
        functions: new FakeFunctionHost(),
        deployRoles: {
          ports: (role, session) => {
            asked.push(`${role} ${session}`);
            return { functions: fakes.functions, alarms: fakes.alarms };
          },
        },
      };

      await registerTarget(svc, dana, registration({ environment: 'staging', promotesTo: 'benefit-calculator-prod', deployRoleArn: roleArn }));

      expect(asked).toEqual([`${roleArn} cmv-register-${TARGET}`]);
      expect(fakes.store.targets.get(TARGET)).toMatchObject({ environment: 'staging', promotesTo: 'benefit-calculator-prod', deployRoleArn: roleArn });
      expect(fakes.store.entries[0].details).toMatchObject({ environment: 'staging', promotesTo: 'benefit-calculator-prod', deployRoleArn: roleArn });
    });

    it('refuses with 400 on deployRoleArn a role CMV cannot assume, writing nothing', async () => {
      const fakes = await arrange();
      const denied = new DeployRoleError('CMV could not assume the deploy role arn:aws:iam::123456789012:role/cmv-deploy: AccessDenied');
      const refusing = new FakeFunctionHost();
      refusing.getAlias = async () => {
        throw denied;
      };
      const svc: Services = { ...fakes.svc, deployRoles: { ports: () => ({ functions: refusing, alarms: fakes.alarms }) } };

      const registering = registerTarget(svc, dana, registration({ deployRoleArn: 'arn:aws:iam::123456789012:role/cmv-deploy' }));

      await expect(registering).rejects.toThrow(ValidationError);
      await expect(registering).rejects.toMatchObject({ errors: [{ path: 'deployRoleArn', message: denied.message }] });
      expectNothingWritten(fakes);
    });

    it.each([
      ['a target that is not registered', 'nowhere', undefined, /promotesTo: target nowhere is not registered/],
      [
        'a target of an earlier environment',
        'benefit-calculator-dev',
        aTarget({ name: 'benefit-calculator-dev', environment: 'development' }),
        /development does not come after staging/,
      ],
      [
        'a target of the same environment',
        'benefit-calculator-other',
        aTarget({ name: 'benefit-calculator-other', environment: 'staging' }),
        /staging does not come after staging/,
      ],
      [
        'a target of an environment outside the promotion order',
        'benefit-calculator-qa',
        aTarget({ name: 'benefit-calculator-qa', environment: 'qa' }),
        /environment qa is not in the policy's promotion order/,
      ],
      ['the target itself', TARGET, undefined, /promotesTo: must name another target/],
    ])('refuses with 400 on promotesTo %s, writing nothing', async (_, promotesTo, next, message) => {
      const { fakes, register } = await promoting(promotesTo, next);
      fakes.store.targets.delete('benefit-calculator-prod');

      const refusal = register();

      await expect(refusal).rejects.toThrow(ValidationError);
      await expect(refusal).rejects.toThrow(message);
      expect(fakes.store.entries).toEqual([]);
    });

    it('refuses a deploy role that is not an IAM role ARN, naming the field', () => {
      const parsed = TargetRegistration.safeParse({ ...registration(), deployRoleArn: 'arn:aws:iam::123:user/alice' });

      expect(parsed.success).toBe(false);
      expect(parsed.error?.issues.map((i) => i.path.join('.'))).toEqual(['deployRoleArn']);
    });
  });
});
