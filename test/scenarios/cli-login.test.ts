import { execFile } from 'node:child_process';
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { readCredentials, type StoredCredentials, writeCredentials } from '../../lib/client/auth/credentials-file';
import { fakeIdToken, SRP_CHALLENGE } from '../fixtures/cognito';

const ROOT = resolve(__dirname, '..', '..');
const TSX = join(ROOT, 'node_modules', '.bin', 'tsx');
const CLI = join(ROOT, 'bin', 'cmv.ts');

/** An HTTP server on 127.0.0.1 that records each request and answers with `answer`. */
async function recordingServer(answer: (target: string, input: Record<string, unknown>) => { status?: number; body: unknown }) {
  const requests: { target: string; path: string; headers: IncomingHttpHeaders; input: Record<string, unknown> }[] = [];
  const server: Server = createServer((req, res) => {
    let body = '';
    req.on('data', (chunk) => {
      body += chunk;
    });
    req.on('end', () => {
      const target = String(req.headers['x-amz-target'] ?? '').replace('AWSCognitoIdentityProviderService.', '');
      const input = body ? JSON.parse(body) : {};
      requests.push({ target, path: req.url ?? '', headers: req.headers, input });
      const out = answer(target, input);
      res.statusCode = out.status ?? 200;
      res.setHeader('content-type', 'application/x-amz-json-1.1');
      res.end(JSON.stringify(out.body));
    });
  });
  await new Promise<void>((listening) => server.listen(0, '127.0.0.1', listening));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, requests, close: () => new Promise((closed) => server.close(closed)) };
}

/** Runs `cmv …` with `stdin` piped in; never rejects. */
const cmv = (args: string[], env: Record<string, string | undefined>, stdin = '') =>
  new Promise<{ code: number; stdout: string; stderr: string }>((done) => {
    const child = execFile(
      TSX,
      [CLI, ...args],
      { env: { ...process.env, CMV_TOKEN: undefined, CMV_USER: undefined, AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true', ...env } },
      (err, stdout, stderr) => done({ code: err ? Number((err as { code?: number }).code ?? 1) : 0, stdout, stderr }),
    );
    child.stdin?.end(stdin);
  });

const in1h = () => Math.floor(Date.now() / 1000) + 3600;

describe('cmv login / logout and the stored sign-in', () => {
  jest.setTimeout(60_000);
  let dir: string;
  let env: Record<string, string>;
  const credentialsFile = () => join(dir, 'cmv', 'credentials.json');
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'cmv-cli-login-'));
    env = { XDG_CONFIG_HOME: dir, CMV_USER_POOL_ID: 'eu-west-1_AbCdEf123', CMV_CLIENT_ID: 'cli-client-id' };
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('signs in with the answers piped in, and stores the tokens with mode 0600', async () => {
    // Arrange: a Cognito endpoint that asks for the password proof, then a TOTP code.
    const idToken = fakeIdToken({ 'cognito:username': 'alice', exp: in1h() });
    const cognito = await recordingServer((target, input) => {
      if (target === 'InitiateAuth') return { body: SRP_CHALLENGE };
      if (input.ChallengeName === 'PASSWORD_VERIFIER') return { body: { ChallengeName: 'SOFTWARE_TOKEN_MFA', Session: 's1', ChallengeParameters: {} } };
      return { body: { AuthenticationResult: { IdToken: idToken, RefreshToken: 'refresh-1', AccessToken: 'a', ExpiresIn: 3600 } } };
    });
    try {
      // Act
      const out = await cmv(
        ['login', '--username', 'alice'],
        { ...env, AWS_ENDPOINT_URL_COGNITO_IDENTITY_PROVIDER: cognito.url },
        'Secret-Pass-123!\n123456\n',
      );

      // Assert
      expect(out.stderr).not.toMatch(/^cmv:/m);
      expect(out.code).toBe(0);
      expect(out.stdout).toContain(`signed in as alice; tokens stored in ${credentialsFile()}`);
      expect(cognito.requests.map((r) => r.target)).toEqual(['InitiateAuth', 'RespondToAuthChallenge', 'RespondToAuthChallenge']);
      expect((await stat(credentialsFile())).mode & 0o777).toBe(0o600);
      expect(await readCredentials(credentialsFile())).toMatchObject({ username: 'alice', idToken, refreshToken: 'refresh-1', region: 'eu-west-1' });
    } finally {
      await cognito.close();
    }
  });

  it('says in one sentence that the password is wrong and exits 1, without a stack trace, storing nothing', async () => {
    const cognito = await recordingServer(() => ({
      status: 400,
      body: { __type: 'NotAuthorizedException', message: 'Incorrect username or password.' },
    }));
    try {
      const out = await cmv(['login', '--username', 'alice'], { ...env, AWS_ENDPOINT_URL_COGNITO_IDENTITY_PROVIDER: cognito.url }, 'wrong\n');

      expect(out.code).toBe(1);
      const errors = out.stderr.split('\n').filter((line) => line.startsWith('cmv:') || /^\s+at /.test(line));
      expect(errors).toEqual([
        'cmv: The username or password is wrong, or the sign-in took too long (Cognito allows 3 minutes per step): run cmv login again.',
      ]);
      await expect(stat(credentialsFile())).rejects.toMatchObject({ code: 'ENOENT' });
    } finally {
      await cognito.close();
    }
  });

  it('refuses a pool id that is not one, naming the option', async () => {
    const out = await cmv(['login'], { ...env, CMV_USER_POOL_ID: 'AbCdEf123' });

    expect(out.code).toBe(1);
    expect(out.stderr.trim()).toBe('cmv: --user-pool-id must be a user pool id such as eu-west-1_AbCdEf123 (the stack output UserPoolId); got "AbCdEf123".');
  });

  describe('API commands', () => {
    let api: Awaited<ReturnType<typeof recordingServer>>;
    beforeEach(async () => {
      api = await recordingServer(() => ({ body: { items: [] } }));
    });
    afterEach(async () => {
      await api.close();
    });
    const stored = (idToken: string, expiresAt: Date): StoredCredentials => ({
      userPoolId: 'eu-west-1_AbCdEf123',
      clientId: 'cli-client-id',
      region: 'eu-west-1',
      username: 'alice',
      idToken,
      refreshToken: 'refresh-1',
      expiresAt: expiresAt.toISOString(),
    });

    it('send the stored ID token when CMV_TOKEN is not set, and CMV_TOKEN when it is', async () => {
      const idToken = fakeIdToken({ 'cognito:username': 'alice', exp: in1h() });
      await writeCredentials(credentialsFile(), stored(idToken, new Date(in1h() * 1000)));

      const withStored = await cmv(['list'], { ...env, CMV_API_URL: api.url });
      const withEnv = await cmv(['list'], { ...env, CMV_API_URL: api.url, CMV_TOKEN: 'from-env' });

      expect([withStored.code, withEnv.code]).toEqual([0, 0]);
      expect(api.requests.map((r) => r.headers.authorization)).toEqual([idToken, 'from-env']);
    });

    it('refresh an expired stored ID token first, and send the new one', async () => {
      const newToken = fakeIdToken({ 'cognito:username': 'alice', exp: in1h() });
      await writeCredentials(credentialsFile(), stored('expired-token', new Date(Date.now() - 60_000)));
      const cognito = await recordingServer(() => ({ body: { AuthenticationResult: { IdToken: newToken, AccessToken: 'a', ExpiresIn: 3600 } } }));
      try {
        const out = await cmv(['list'], { ...env, CMV_API_URL: api.url, AWS_ENDPOINT_URL_COGNITO_IDENTITY_PROVIDER: cognito.url });

        expect(out.code).toBe(0);
        expect(cognito.requests.map((r) => [r.target, r.input])).toEqual([
          ['InitiateAuth', { AuthFlow: 'REFRESH_TOKEN_AUTH', ClientId: 'cli-client-id', AuthParameters: { REFRESH_TOKEN: 'refresh-1' } }],
        ]);
        expect(api.requests.map((r) => r.headers.authorization)).toEqual([newToken]);
        expect((await readCredentials(credentialsFile()))?.idToken).toBe(newToken);
      } finally {
        await cognito.close();
      }
    });

    it('hint at cmv login when the API answers 401', async () => {
      const unauthorized = await recordingServer(() => ({ status: 401, body: { message: 'Unauthorized' } }));
      try {
        const out = await cmv(['list'], { ...env, CMV_API_URL: unauthorized.url });

        expect(out.code).toBe(2);
        expect(out.stderr.trim()).toBe('cmv: 401: Unauthorized — sign in with cmv login or set CMV_TOKEN (locally: set CMV_USER)');
      } finally {
        await unauthorized.close();
      }
    });
  });

  it('logout revokes the refresh token and removes the credentials file', async () => {
    await writeCredentials(credentialsFile(), {
      userPoolId: 'eu-west-1_AbCdEf123',
      clientId: 'cli-client-id',
      region: 'eu-west-1',
      username: 'alice',
      idToken: 'id',
      refreshToken: 'refresh-1',
      expiresAt: new Date().toISOString(),
    });
    const cognito = await recordingServer(() => ({ body: {} }));
    try {
      const out = await cmv(['logout'], { ...env, AWS_ENDPOINT_URL_COGNITO_IDENTITY_PROVIDER: cognito.url });

      expect(out.code).toBe(0);
      expect(out.stdout.trim()).toBe(`signed out: removed ${credentialsFile()}`);
      expect(cognito.requests.map((r) => [r.target, r.input])).toEqual([['RevokeToken', { ClientId: 'cli-client-id', Token: 'refresh-1' }]]);
      await expect(stat(credentialsFile())).rejects.toMatchObject({ code: 'ENOENT' });
    } finally {
      await cognito.close();
    }
  });
});
