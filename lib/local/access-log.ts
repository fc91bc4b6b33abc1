import { appendFileSync, mkdirSync } from 'node:fs';
import { dirname } from 'node:path';

/**
 * One request as the local API server's access log keeps it: a JSON line, like the access log of
 * the API Gateway stage in AWS (lib/constructs/cmv-api.ts). `caller` is null when unauthenticated,
 * `resource` the route's path template (null when no route matched); `path` the request's path —
 * or the template where the path carries a credential (the approval link). Invokes also carry the
 * function version that ran and whether it failed.
 */
export interface AccessLogEntry {
  readonly time: string;
  readonly requestId: string;
  readonly caller: string | null;
  readonly method: string;
  readonly resource: string | null;
  readonly path: string;
  readonly status: number;
  readonly latencyMs: number;
  readonly executedVersion?: string;
  readonly outcome?: string;
}

/**
 * Appends entries to a JSON-lines file (e.g. `<dataDir>/logs/api-access.jsonl`). Synchronously, so
 * that a caller who got its answer finds its line: the server writes it before it answers.
 */
export class AccessLog {
  constructor(readonly file: string) {
    mkdirSync(dirname(file), { recursive: true });
  }

  write(entry: AccessLogEntry): void {
    appendFileSync(this.file, `${JSON.stringify(entry)}\n`);
  }
}
