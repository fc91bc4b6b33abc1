import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { DEFAULT_DATA_DIR, localDataDir } from '../../lib/local/data-dir';

const ROOT = resolve(__dirname, '..', '..');
const TSX = join(ROOT, 'node_modules', '.bin', 'tsx');
const CLI = join(ROOT, 'bin', 'cmv.ts');

/** Runs `cmv events …` from `cwd` with `env`; never rejects. */
const cmvEvents = (args: string[], cwd: string, env: Record<string, string | undefined>) =>
  new Promise<{ code: number; stdout: string; stderr: string }>((done) => {
    execFile(
      TSX,
      [CLI, 'events', ...args],
      { cwd, env: { ...process.env, AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true', ...env } },
      (err, stdout, stderr) => done({ code: err ? Number((err as { code?: number }).code ?? 1) : 0, stdout, stderr }),
    );
  });

describe('cmv events', () => {
  jest.setTimeout(60_000);
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'cmv-cli-events-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  describe('localDataDir()', () => {
    it("is the repository's .cmv — where `npm start` keeps its data — wherever it is called from, unless CMV_DATA_DIR says otherwise", () => {
      expect(DEFAULT_DATA_DIR).toBe(join(ROOT, '.cmv'));
      expect(localDataDir({})).toBe(join(ROOT, '.cmv'));
      expect(localDataDir({ CMV_DATA_DIR: 'elsewhere' })).toBe(resolve('elsewhere'));
    });
  });

  it('says where it looked, and how to point it elsewhere, when there is no bus there (exit 1, nothing on stdout)', async () => {
    const missing = join(dir, 'no-runtime');

    const out = await cmvEvents(['--data-dir', missing], tmpdir(), { CMV_DATA_DIR: undefined });

    expect(out.code).toBe(1);
    expect(out.stdout).toBe('');
    expect(out.stderr).toContain(`no local event bus at ${join(missing, 'events', 'events.jsonl')}`);
    expect(out.stderr).toMatch(/--data-dir/);
    expect(out.stderr).toMatch(/CMV_DATA_DIR/);
  });

  it('reads CMV_DATA_DIR from any working directory, and says so when no event matches', async () => {
    const runtime = join(dir, 'runtime');
    await mkdir(join(runtime, 'events'), { recursive: true });
    const event = {
      version: '0',
      id: 'e-1',
      'detail-type': 'Change Proposed',
      source: 'cmv',
      account: '000000000000',
      time: '2026-01-01T00:00:00Z',
      region: 'local',
      resources: [],
      detail: { changeId: 'c-1', target: 'benefit-calculator', actor: 'alice', seq: 1 },
    };
    await writeFile(join(runtime, 'events', 'events.jsonl'), `${JSON.stringify(event)}\n`);

    const all = await cmvEvents([], tmpdir(), { CMV_DATA_DIR: runtime });
    const none = await cmvEvents(['--change', 'c-2'], tmpdir(), { CMV_DATA_DIR: runtime });

    expect(all.code).toBe(0);
    expect(all.stdout.trim()).toBe('2026-01-01T00:00:00Z Change Proposed            benefit-calculator c-1 by alice #1');
    expect(none.code).toBe(0);
    expect(none.stdout).toBe('');
    expect(none.stderr).toContain(`no matching events in ${join(runtime, 'events', 'events.jsonl')} (1 event in all)`);
  });
});
