import { writeSync } from 'node:fs';
import type { ChangeStore } from '../../lambdas/core/ports';

/**
 * Named crash points of the local runtime, for crash tests: `CMV_CRASH_AT` names one or more
 * (comma-separated), and the first one reached kills the process at once with SIGKILL — a real
 * `kill -9`: no `finally`, no exit handler, no buffered write runs after it. The points, all in
 * lib/local (the handlers and the core know nothing of them):
 * - `state:<StateName>` — the local Step Functions entered the state and saved it as the execution's
 *   current state (where a restart resumes), before the state does anything;
 * - `commit:<LedgerEntryType>` — `ChangeStore.commit` of such an entry succeeded, before its caller
 *   goes on: between a record and the side effect that follows it;
 * - `aws:<Command>` — a stand-in executed the command (e.g. `UpdateAlias`, `PublishVersion`,
 *   `SendTaskSuccess`, `CreateDeployment`) for the workflow, the API or an event handler, before its
 *   result returns: between a side effect and the record that follows it. The reconciler's own calls
 *   (the sweep) are not points, so that `aws:UpdateAlias` is the next move the workflow or an
 *   operator makes, not the sweep's routine re-sync.
 *
 * `<point>#<n>` is the n-th time the point is reached in this process (default: the first).
 * Before dying, the point is written to stderr as `CMV crash point reached: <point>#<n>`. The entry
 * `trace` writes every point passed (`CMV crash point passed: <point>#<n>`), to find a chain's order.
 */
export class CrashPoints {
  private readonly armed: ReadonlyMap<string, number>;
  private readonly trace: boolean;
  private readonly reached = new Map<string, number>();

  /**
   * @param spec - `CMV_CRASH_AT`: comma-separated points, e.g. `state:ShiftTraffic,commit:TrafficShifted#2`, or `trace`; empty or undefined: none
   * @throws Error naming the entry that is not `<kind>:<name>[#n]` with kind state, commit or aws, nor `trace`
   */
  constructor(spec: string | undefined) {
    const armed = new Map<string, number>();
    const entries = (spec ?? '').split(',').map((s) => s.trim());
    this.trace = entries.includes('trace');
    for (const entry of entries) {
      if (!entry || entry === 'trace') continue;
      const m = /^((?:state|commit|aws):[A-Za-z0-9]+)(?:#([1-9][0-9]*))?$/.exec(entry);
      if (!m) throw new Error(`CMV_CRASH_AT: '${entry}' is not state:<State>, commit:<EntryType> or aws:<Command>, optionally followed by #<n>`);
      armed.set(m[1], Number(m[2] ?? 1));
    }
    this.armed = armed;
  }

  /** Whether any point is armed or traced (the runtime wraps nothing otherwise). */
  get any(): boolean {
    return this.armed.size > 0 || this.trace;
  }

  /** Counts one passage through `point` and kills the process when that passage is armed. */
  reach(point: string): void {
    const n = (this.reached.get(point) ?? 0) + 1;
    this.reached.set(point, n);
    if (this.trace) writeSync(2, `CMV crash point passed: ${point}#${n}\n`);
    if (this.armed.get(point) !== n) return;
    // Synchronous: the line is in the pipe before the signal; nothing else runs after the kill.
    writeSync(2, `CMV crash point reached: ${point}#${n}\n`);
    process.kill(process.pid, 'SIGKILL');
  }

  /** The store, with `commit:<type>` reached after each commit that succeeded. */
  store<S extends ChangeStore>(store: S): S {
    if (!this.any) return store;
    return new Proxy(store, {
      get: (target, key, receiver) => {
        if (key !== 'commit') return Reflect.get(target, key, receiver);
        return async (...args: Parameters<ChangeStore['commit']>) => {
          const entry = await target.commit(...args);
          this.reach(`commit:${args[1].type}`);
          return entry;
        };
      },
    });
  }

  /** The client, with `aws:<Command>` reached after each command its `send` answered (`UpdateAliasCommand` → `aws:UpdateAlias`). */
  client<C extends { send(command: never): Promise<unknown> }>(client: C): C {
    if (!this.any) return client;
    return new Proxy(client, {
      get: (target, key, receiver) => {
        if (key !== 'send') return Reflect.get(target, key, receiver);
        return async (command: object) => {
          const out = await (target.send as (c: object) => Promise<unknown>)(command);
          this.reach(`aws:${command.constructor.name.replace(/Command$/, '')}`);
          return out;
        };
      },
    });
  }
}
