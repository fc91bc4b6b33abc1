import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { CreateAliasCommand, CreateFunctionCommand } from '@aws-sdk/client-lambda';
import { unzipSource, zipSource } from '../../lambdas/core/artifact';
import { ValidationError } from '../../lambdas/core/errors';
import { registerTarget, TargetRegistration } from '../../lambdas/core/use-cases/register-target';
import { ApiError } from '../../lib/client/api-client';
import { LOCAL_NAMES } from '../../lib/local/aws-names';
import { ROOT } from '../../lib/local/runtime';
import { EXAMPLE, type Stack, startStack, TARGET } from '../integration/local-stack';

/**
 * POST /targets on the local stack: a function belongs to exactly one target, and registration
 * never moves an alias — it adopts the version the alias serves when that runs the registered code
 * and config, and refuses anything else with 409, writing nothing.
 */
jest.setTimeout(180_000);

describe('POST /targets (local stack)', () => {
  let stack: Stack;
  let example: Record<string, unknown>;
  let dir: string;
  beforeAll(async () => {
    const file = JSON.parse(await readFile(join(EXAMPLE, 'target.json'), 'utf8'));
    // The functions these tests create are in the stack, as in AWS, where a function becomes a target's
    // by its target.json in the stack (its grants), then POST /targets; not registered at start.
    dir = await mkdtemp(join(tmpdir(), 'cmv-targets-'));
    const stackTargets = await Promise.all(
      ['other-config', 'adopted', 'contested', 'via-cli', 'never-created'].map(async (name) => {
        // One folder per target file: the stack names a target's constructs after its folder.
        const path = join(dir, name, 'target.json');
        await mkdir(join(dir, name));
        await writeFile(path, JSON.stringify({ ...file, name, functionName: name, source: join(EXAMPLE, file.source) }));
        return path;
      }),
    );
    stack = await startStack({ speed: 60, stackTargets });
    const { source, handler: _h, runtime: _r, traffic: _t, ...rest } = file;
    example = { ...rest, artifact: pathToFileURL(join(EXAMPLE, source)).href };
  });
  afterAll(async () => {
    await stack?.stop();
    await rm(dir, { recursive: true, force: true });
  });

  const register = (body: unknown) =>
    stack.api.request<{ name: string; liveFunctionVersion: string }>('POST', '/targets', body, 'dana').then(
      (t) => ({ status: 201, body: t as unknown }),
      (err: unknown) => (err instanceof ApiError ? { status: err.status, body: err.body as unknown } : Promise.reject(err)),
    );

  /** A new local function whose alias serves version 1 with the example's code and `config`. */
  const createFunction = async (name: string, config: Record<string, string>) => {
    const zip = zipSource(unzipSource(await stack.runtime.services.artifacts.read(String(example.artifact))));
    await stack.runtime.lambda.send(
      new CreateFunctionCommand({
        FunctionName: name,
        Handler: 'src/index.handler',
        Role: 'r',
        Code: { ZipFile: zip },
        Environment: { Variables: config },
        Publish: true,
      }),
    );
    await stack.runtime.lambda.send(new CreateAliasCommand({ FunctionName: name, Name: 'live', FunctionVersion: '1' }));
  };

  it("refuses with 409 a registration naming another target's function, and moves nothing", async () => {
    // Arrange
    const before = await stack.api.target(TARGET);
    const head = await stack.runtime.services.ledger.heads();

    // Act: the example's own function under a new name, with other config (the hijack a tester found).
    const answer = await register({ ...example, name: 'hijack', config: { ...(example.config as object), MAX_WEEKLY_BENEFIT: '1' } });

    // Assert
    expect(answer).toMatchObject({
      status: 409,
      body: { message: expect.stringMatching(/function benefit-calculator already belongs to target benefit-calculator/) },
    });
    const after = await stack.api.target(TARGET);
    expect(after.alias).toEqual(before.alias);
    expect(await stack.runtime.services.ledger.heads()).toEqual(head);
    await expect(stack.api.target('hijack')).rejects.toMatchObject({ status: 404 });
  });

  it('refuses with 404 a registration naming a function the stack grants but Lambda does not have, and writes nothing', async () => {
    // Arrange: never-created is in the stack (its grants), its function was never deployed.
    const head = await stack.runtime.services.ledger.heads();

    // Act
    const answer = await register({ ...example, name: 'never-created', functionName: 'never-created' });

    // Assert
    expect(answer).toMatchObject({ status: 404, body: { message: expect.stringMatching(/alias live of never-created does not exist/) } });
    expect(await stack.runtime.services.ledger.heads()).toEqual(head);
    await expect(stack.api.target('never-created')).rejects.toMatchObject({ status: 404 });
  });

  it.each([
    ['an object S3 does not have', `s3://${LOCAL_NAMES.artifactBucket}/nowhere/missing.zip`],
    ['a local file that does not exist', pathToFileURL(join(ROOT, 'examples', 'missing.zip')).href],
  ])('refuses with 400 on the field artifact a registration whose artifact is %s, and writes nothing', async (_case, artifact) => {
    // Arrange
    const head = await stack.runtime.services.ledger.heads();

    // Act
    const answer = await register({ ...example, name: 'never-created', functionName: 'never-created', artifact });

    // Assert
    expect(answer).toMatchObject({ status: 400, body: { errors: [{ path: 'artifact', message: expect.stringContaining('missing.zip') }] } });
    expect(await stack.runtime.services.ledger.heads()).toEqual(head);
    await expect(stack.api.target('never-created')).rejects.toMatchObject({ status: 404 });
  });

  it('refuses with 409 a registration whose alias serves other code or config, and never moves the alias', async () => {
    // Arrange: a function serving the example with another maximum.
    await createFunction('other-config', { ...(example.config as Record<string, string>), MAX_WEEKLY_BENEFIT: '999' });
    const head = await stack.runtime.services.ledger.heads();

    // Act
    const answer = await register({ ...example, name: 'other-config', functionName: 'other-config' });

    // Assert
    expect(answer).toMatchObject({ status: 409, body: { message: expect.stringMatching(/config differs from the registered one in MAX_WEEKLY_BENEFIT/) } });
    expect(await stack.runtime.services.functions.getAlias('other-config', 'live')).toMatchObject({ functionVersion: '1' });
    expect(await stack.runtime.services.functions.listVersions('other-config')).toEqual(['1']);
    expect(await stack.runtime.services.ledger.heads()).toEqual(head);
  });

  it("refuses with 400, naming the field, a registration the stack's grants do not cover, and writes nothing", async () => {
    // Arrange: the services as in AWS, where the stack grants deployments of its own target.json only (CMV_STACK_TARGETS)
    const services = stack.runtime.services;
    const inAws = { ...services, settings: { ...services.settings, stackTargets: [{ name: TARGET, functionName: 'benefit-calculator', alias: 'live' }] } };
    const dana = await services.directory.find('dana');
    if (!dana) throw new Error('examples/users.json has no dana');
    await createFunction('not-in-stack', example.config as Record<string, string>);
    const head = await services.ledger.heads();
    const attempt = (body: Record<string, unknown>) =>
      registerTarget(inAws, dana, TargetRegistration.parse({ ...example, ...body })).then(
        () => 'registered',
        (err: unknown) => err,
      );

    // Act: a target the stack does not know (its alarms cmv-not-in-stack-* were never granted), and the stack's own
    // target with another alias (the stack grants benefit-calculator:live only)
    const unknown = await attempt({ name: 'not-in-stack', functionName: 'not-in-stack' });
    const otherAlias = await attempt({ name: TARGET, alias: 'prod' });

    // Assert
    expect(unknown).toBeInstanceOf(ValidationError);
    expect(unknown).toMatchObject({
      statusCode: 400,
      errors: [{ path: 'name', message: expect.stringMatching(/alarms cmv-<target>-.*only \(benefit-calculator\), not to "not-in-stack"/) }],
    });
    expect(otherAlias).toMatchObject({ statusCode: 400, errors: [{ path: 'alias', message: expect.stringMatching(/"live", not "prod"/) }] });
    expect(await services.ledger.heads()).toEqual(head);
    await expect(stack.api.target('not-in-stack')).rejects.toMatchObject({ status: 404 });
  });

  it.each([
    ['a sub-minute alarm period', { periodSeconds: 30 }, 'alarms.periodSeconds', /multiple of 60 s/],
    ['an evaluation range over a day', { periodSeconds: 300, evaluationPeriods: 289 }, 'alarms.evaluationPeriods', /at most 86400 s/],
    [
      'a custom alarm with 31 dimensions',
      {
        custom: [
          {
            name: 'wide',
            namespace: 'Benefits',
            metricName: 'ClaimsDeclined',
            statistic: 'Sum',
            threshold: 1,
            dimensions: Object.fromEntries(Array.from({ length: 31 }, (_, i) => [`D${i}`, 'v'])),
          },
        ],
      },
      'alarms.custom.0.dimensions',
      /at most 30 dimensions/,
    ],
  ])('refuses with 400 alarm settings CloudWatch would refuse (%s), naming the field, and writes nothing', async (_what, change, path, reason) => {
    // Arrange: a function the registration would otherwise adopt.
    const name = `alarms-${path.split('.').pop()?.toLowerCase()}`;
    await createFunction(name, example.config as Record<string, string>);
    const head = await stack.runtime.services.ledger.heads();

    // Act
    const answer = await register({ ...example, name, functionName: name, alarms: { ...(example.alarms as object), ...change } });

    // Assert
    expect(answer).toMatchObject({ status: 400, body: { errors: [{ path, message: expect.stringMatching(reason) }] } });
    expect(await stack.runtime.services.ledger.heads()).toEqual(head);
    await expect(stack.api.target(name)).rejects.toMatchObject({ status: 404 });
  });

  it.each([
    ['a negative number of days', -1, /Too small/],
    ['a fraction of a day', 1.5, /expected int/],
  ])('refuses with 400 a retention keepDays that is %s, naming the field, and writes nothing', async (_what, keepDays, reason) => {
    // Arrange
    const head = await stack.runtime.services.ledger.heads();

    // Act
    const answer = await register({ ...example, name: 'adopted', functionName: 'adopted', retention: { keepVersions: 5, keepDays } });

    // Assert
    expect(answer).toMatchObject({ status: 400, body: { errors: [{ path: 'retention.keepDays', message: expect.stringMatching(reason) }] } });
    expect(await stack.runtime.services.ledger.heads()).toEqual(head);
  });

  it('adopts the version the alias serves when it runs the registered code and config', async () => {
    await createFunction('adopted', example.config as Record<string, string>);

    const answer = await register({ ...example, name: 'adopted', functionName: 'adopted' });

    expect(answer).toMatchObject({ status: 201, body: { name: 'adopted', liveFunctionVersion: '1' } });
    expect((await stack.api.target('adopted')).alias).toMatchObject({ functionVersion: '1' });
  });

  it('registers a function once when two registrations race for it', async () => {
    await createFunction('contested', example.config as Record<string, string>);

    const answers = await Promise.all(['contested-a', 'contested-b', 'contested-c'].map((name) => register({ ...example, name, functionName: 'contested' })));

    expect(answers.map((a) => a.status).sort()).toEqual([201, 409, 409]);
    const owners = (await stack.api.request<{ items: { name: string; functionName: string }[] }>('GET', '/targets')).items.filter(
      (t) => t.functionName === 'contested',
    );
    expect(owners).toHaveLength(1);
    expect(await stack.api.verify('erin')).toMatchObject({ valid: true });
  });
  it('registers a service from its target.json with `cmv register` (its source named by file://, locally)', async () => {
    // Arrange: the function as the stack deploys it (the target file's code and config on version 1, the alias on it)
    await createFunction('via-cli', example.config as Record<string, string>);

    // Act
    const { stdout } = await promisify(execFile)(
      process.execPath,
      [join(ROOT, 'node_modules', 'tsx', 'dist', 'cli.mjs'), join(ROOT, 'bin', 'cmv.ts'), 'register', join(dir, 'via-cli', 'target.json')],
      { cwd: ROOT, env: { ...process.env, CMV_API_URL: stack.runtime.url, CMV_USER: 'dana', CMV_ARTIFACT_BUCKET: '' } },
    );

    // Assert
    expect(stdout).toMatch(/^registered via-cli 1\.0\.0 \(function via-cli:live → version 1\)/);
    await expect(stack.api.target('via-cli')).resolves.toMatchObject({ name: 'via-cli', liveVersion: '1.0.0', liveFunctionVersion: '1' });
  });
});
