import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { UpdateAliasCommand } from '@aws-sdk/client-lambda';
import type { ChangeStore } from '../../../lambdas/core/ports';
import { CrashPoints } from '../../../lib/local/faults';

const ROOT = join(__dirname, '..', '..', '..');

/** Runs `reach(point)` for each point in a child process armed with `spec`; how it ended. */
function reachInChild(spec: string, points: string[]) {
  const script = `const { CrashPoints } = require('./lib/local/faults'); const f = new CrashPoints(${JSON.stringify(spec)});
    for (const p of ${JSON.stringify(points)}) { f.reach(p); process.stdout.write('passed ' + p + '\\n'); }`;
  return spawnSync(process.execPath, ['--require', 'tsx/cjs', '-e', script], { cwd: ROOT, encoding: 'utf8' });
}

describe('CrashPoints', () => {
  describe('constructor', () => {
    it.each(['ShiftTraffic', 'state:', 'disk:Full', 'commit:TrafficShifted#0', 'aws:Update-Alias'])('rejects the entry %s, naming it', (entry) => {
      expect(() => new CrashPoints(`state:Bake,${entry}`)).toThrow(`'${entry}'`);
    });

    it('arms nothing for an empty or missing spec', () => {
      expect(new CrashPoints(undefined).any).toBe(false);
      expect(new CrashPoints(' , ').any).toBe(false);
    });
  });

  describe('reach()', () => {
    it('kills the process with SIGKILL at the armed occurrence, after reporting it, and not before', () => {
      // Act
      const out = reachInChild('commit:TrafficShifted#2', ['commit:TrafficShifted', 'state:Bake', 'commit:TrafficShifted', 'state:Never']);

      // Assert
      expect(out.signal).toBe('SIGKILL');
      expect(out.stdout).toBe('passed commit:TrafficShifted\npassed state:Bake\n');
      expect(out.stderr).toBe('CMV crash point reached: commit:TrafficShifted#2\n');
    });

    it('lets a process that never reaches its point run to its end', () => {
      // Act
      const out = reachInChild('aws:UpdateAlias', ['aws:GetAlias', 'state:ShiftTraffic']);

      // Assert
      expect(out.status).toBe(0);
      expect(out.signal).toBeNull();
    });
  });

  describe('store()', () => {
    it('reaches commit:<type> after a commit succeeded, and not after one that failed', async () => {
      // Arrange
      const faults = new CrashPoints('commit:Unreached');
      const reach = jest.spyOn(faults, 'reach').mockImplementation(() => {});
      const commit = jest.fn().mockResolvedValueOnce({ seq: 1 }).mockRejectedValueOnce(new Error('condition failed'));
      const store = faults.store({ commit, getChange: jest.fn() } as unknown as ChangeStore);
      const entry = { type: 'TrafficShifted', actor: 'workflow', details: {} };

      // Act
      await store.commit([], entry);
      await expect(store.commit([], entry)).rejects.toThrow('condition failed');

      // Assert
      expect(reach.mock.calls).toEqual([['commit:TrafficShifted']]);
      expect(commit).toHaveBeenCalledTimes(2);
    });
  });

  describe('client()', () => {
    it('reaches aws:<Command> after the command returned, before its caller sees the result', async () => {
      // Arrange
      const faults = new CrashPoints('aws:Unreached');
      const order: string[] = [];
      jest.spyOn(faults, 'reach').mockImplementation((point) => order.push(point));
      const client = faults.client({ send: async (_command: object) => order.push('sent') && { RevisionId: 'r2' } });

      // Act
      const out = await client.send(new UpdateAliasCommand({ FunctionName: 'f', Name: 'live' }));
      order.push('returned');

      // Assert
      expect(out).toEqual({ RevisionId: 'r2' });
      expect(order).toEqual(['sent', 'aws:UpdateAlias', 'returned']);
    });

    it('leaves the client as it is when nothing is armed', () => {
      const client = { send: async () => ({}) };
      expect(new CrashPoints('').client(client)).toBe(client);
    });
  });
});
