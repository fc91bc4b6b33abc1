import { randomUUID } from 'node:crypto';
import { appendFile, mkdir, open, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { PutEventsCommand, type PutEventsCommandInput, type PutEventsResultEntry } from '@aws-sdk/client-eventbridge';
import type { AwsClient, AwsCommand, AwsOutput } from '../../lambdas/adapters/aws-client';
import { CommandTable } from './command-table';
import { compilePattern, type EventMatcher, type EventPattern } from './event-pattern';
import { report } from './store-file';

/** An event as EventBridge delivers it to a rule's target. `time` ISO-8601 without milliseconds. */
export interface BusEnvelope {
  readonly version: '0';
  readonly id: string;
  readonly 'detail-type': string;
  readonly source: string;
  readonly account: string;
  readonly time: string;
  readonly region: string;
  readonly resources: readonly string[];
  readonly detail: Record<string, unknown>;
}

interface LocalRule {
  readonly name: string;
  readonly matches: EventMatcher;
  readonly target: (event: BusEnvelope) => Promise<unknown>;
  readonly retryAttempts: number;
}

/** PutEvents takes at most 10 entries, and only custom sources (EventBridge refuses `aws.*`). */
const MAX_ENTRIES = 10;

/**
 * Local stand-in for the default EventBridge bus. PutEvents (≤ 10 entries, `Source` not `aws.*`,
 * `Detail` a JSON object — an invalid entry fails alone, with EventBridge's error code, as
 * `FailedEntryCount` says) and the events AWS services send ({@link emit}: the local CloudWatch's
 * alarm state changes) are appended to `<dir>/events.jsonl` — the bus that tests and `cmv events`
 * read — and delivered to every rule whose pattern matches, asynchronously and with retries (a
 * target that keeps failing is logged, as a dead-letter queue would hold it).
 *
 * An append cannot be made atomic with a rename, so the file may end with a line torn by a crash
 * (or, for a reader in another process, one still being written): {@link read} skips a line that
 * does not parse and reports it once, on the log and stderr; the first append of a run starts on a
 * new line when the file does not end with one, so the torn fragment never swallows the next event.
 */
export class LocalEventBridge implements AwsClient {
  private readonly rules: LocalRule[] = [];
  private readonly pending = new Set<Promise<void>>();
  private written: Promise<void> = Promise.resolve();
  /** Whether this run has checked the file's end before its first append. */
  private tailChecked = false;
  /** Line numbers already reported as skipped, so a reader that polls reports each once. */
  private readonly reported = new Set<number>();
  readonly file: string;

  constructor(
    private readonly dir: string,
    private readonly log: (line: string) => void = () => {},
  ) {
    this.file = join(dir, 'events.jsonl');
  }

  /**
   * Routes matching events to `target` (a rule with a Lambda target); a failed delivery is retried `retryAttempts` times.
   * @throws InvalidEventPatternException for a pattern PutRule refuses (the rule is not added)
   */
  putRule(name: string, pattern: EventPattern, target: (event: BusEnvelope) => Promise<unknown>, retryAttempts = 2): void {
    this.rules.push({ name, matches: compilePattern(pattern), target, retryAttempts });
  }

  private static readonly commands = new CommandTable<LocalEventBridge>('LocalEventBridge').on(PutEventsCommand, (bus, c) => bus.putEvents(c.input));

  /** Answers PutEvents; refuses any other command. */
  async send<Input extends object, Output extends AwsOutput>(command: AwsCommand<Input, Output>): Promise<Output> {
    return LocalEventBridge.commands.dispatch(this, command);
  }

  private async putEvents(input: PutEventsCommandInput): Promise<unknown> {
    const entries = input.Entries ?? [];
    if (entries.length === 0 || entries.length > MAX_ENTRIES) {
      throw Object.assign(new Error(`PutEvents takes 1 to ${MAX_ENTRIES} entries, got ${entries.length}`), { name: 'ValidationException' });
    }
    const results: PutEventsResultEntry[] = [];
    for (const e of entries) {
      let detail: unknown;
      try {
        detail = JSON.parse(e.Detail ?? '');
      } catch {
        detail = undefined;
      }
      if (!e.Source || !e.DetailType || typeof detail !== 'object' || detail === null || Array.isArray(detail)) {
        results.push({ ErrorCode: 'MalformedDetail', ErrorMessage: 'Source, DetailType and a JSON object Detail are required' });
        continue;
      }
      if (e.Source.startsWith('aws.')) {
        results.push({ ErrorCode: 'NotAuthorizedForSourceException', ErrorMessage: `Not authorized for the source ${e.Source}` });
        continue;
      }
      const event = this.envelope(e.Source, e.DetailType, detail as Record<string, unknown>, e.Resources ?? [], e.Time);
      this.accept(event);
      results.push({ EventId: event.id });
    }
    await this.written;
    return { FailedEntryCount: results.filter((r) => r.ErrorCode).length, Entries: results, $metadata: {} };
  }

  /** An event from an AWS service (e.g. a "CloudWatch Alarm State Change"), as the service puts it on the default bus. */
  emit(event: Omit<BusEnvelope, 'id'> & { id?: string }): void {
    this.accept({ ...event, id: event.id ?? randomUUID() });
  }

  /**
   * The events on the bus, oldest first; `filter` keeps those it matches (an EventBridge pattern).
   * A line that does not parse (torn by a crash, or still being appended) is skipped and reported once.
   */
  async read(filter?: EventPattern): Promise<BusEnvelope[]> {
    await this.written;
    const text = await readFile(this.file, 'utf8').catch(() => '');
    const lines = text.split('\n');
    const events: BusEnvelope[] = [];
    lines.forEach((line, i) => {
      if (line === '') return;
      try {
        events.push(JSON.parse(line) as BusEnvelope);
      } catch (err) {
        const last = i === lines.length - 1;
        this.skipped(i + 1, last ? 'is incomplete (torn by a crash, or still being written)' : `does not parse: ${(err as Error).message}`);
      }
    });
    if (!filter) return events;
    const matches = compilePattern(filter);
    return events.filter(matches);
  }

  /** Resolves when every delivery so far has ended (tests). */
  async settled(): Promise<void> {
    while (this.pending.size > 0) await Promise.allSettled([...this.pending]);
    await this.written;
  }

  private envelope(source: string, detailType: string, detail: Record<string, unknown>, resources: readonly string[], time?: Date): BusEnvelope {
    return {
      version: '0',
      id: randomUUID(),
      'detail-type': detailType,
      source,
      account: '000000000000',
      time: (time ?? new Date()).toISOString().replace(/\.\d+Z$/, 'Z'),
      region: 'local',
      resources,
      detail,
    };
  }

  private accept(event: BusEnvelope): void {
    const line = `${JSON.stringify(event)}\n`;
    this.written = this.written.then(async () => {
      await mkdir(this.dir, { recursive: true });
      await appendFile(this.file, (await this.endsTorn()) ? `\n${line}` : line);
    });
    for (const rule of this.rules.filter((r) => r.matches(event))) {
      const delivery = this.deliver(rule, event).finally(() => this.pending.delete(delivery));
      this.pending.add(delivery);
    }
  }

  /** Before this run's first append: whether the file ends inside a line (an earlier run died mid-append). */
  private async endsTorn(): Promise<boolean> {
    if (this.tailChecked) return false;
    this.tailChecked = true;
    const file = await open(this.file, 'r').catch(() => undefined);
    if (!file) return false;
    try {
      const { size } = await file.stat();
      if (size === 0) return false;
      const { buffer } = await file.read(Buffer.alloc(1), 0, 1, size - 1);
      if (buffer[0] === 0x0a) return false;
    } finally {
      await file.close();
    }
    report(`⚠  ${this.file} ends with an incomplete line (a crash mid-append): the next event starts on a new line, readers skip the torn one`, this.log);
    return true;
  }

  private skipped(lineNumber: number, why: string): void {
    if (this.reported.has(lineNumber)) return;
    this.reported.add(lineNumber);
    report(`⚠  ${this.file} line ${lineNumber} ${why}: skipped`, this.log);
  }

  private async deliver(rule: LocalRule, event: BusEnvelope): Promise<void> {
    for (let attempt = 0; ; attempt++) {
      try {
        await rule.target(event);
        return;
      } catch (err) {
        if (attempt >= rule.retryAttempts) {
          this.log(`rule ${rule.name}: ${event['detail-type']} ${event.id} not delivered after ${attempt + 1} attempts: ${(err as Error).message}`);
          return;
        }
        await new Promise((r) => setTimeout(r, 100 * 2 ** attempt));
      }
    }
  }
}
