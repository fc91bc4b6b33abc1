import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { CreateAliasCommand, CreateFunctionCommand } from '@aws-sdk/client-lambda';
import { unzipSource, zipSource } from '../../lambdas/core/artifact';
import { ApiError } from '../../lib/client/api-client';
import { EXAMPLE, type Stack, startStack, TARGET } from './local-stack';

/**
 * POST /targets on the local stack: a function belongs to exactly one target, and registration
 * never moves an alias — it adopts the version the alias serves when that runs the registered code
 * and config, and refuses anything else with 409, writing nothing.
 */
jest.setTimeout(180_000);

describe('POST /targets (local stack)', () => {
  let stack: Stack;
  let example: Record<string, unknown>;
  beforeAll(async () => {
    stack = await startStack({ speed: 60 });
    const { source, handler: _h, runtime: _r, traffic: _t, ...rest } = JSON.parse(await readFile(join(EXAMPLE, 'target.json'), 'utf8'));
    example = { ...rest, artifact: pathToFileURL(join(EXAMPLE, source)).href };
  });
  afterAll(async () => {
    await stack?.stop();
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
});
