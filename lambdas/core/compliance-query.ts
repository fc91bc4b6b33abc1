import * as z from 'zod';
import { EnvironmentName, TargetName } from './change-request';
import { ValidationError } from './errors';

/**
 * The parameters of `GET /reports/compliance` and `cmv report compliance`, and the period they
 * name. A period is half-open, [from, to): consecutive months (`from=2026-01-01&to=2026-02-01`,
 * then `from=2026-02-01&to=2026-03-01`) count each change once.
 */

/** The longest period one report covers: a year, leap day included (366 days). */
export const MAX_REPORT_DAYS = 366;
/** The period when `from` is not given: the 30 days before `to`. */
export const DEFAULT_REPORT_DAYS = 30;
const DAY_MS = 86_400_000;

/**
 * A time: an ISO-8601 date-time with `Z` or an offset, or a date (its 00:00 UTC); normalized to the
 * ledger's form (`toISOString`, UTC with milliseconds), so that it compares with entry times as text.
 */
const When = z
  .union([z.iso.datetime({ offset: true }), z.iso.date()], { error: 'must be an ISO-8601 date-time (2026-03-01T00:00:00Z) or date (2026-03-01)' })
  .transform((v) => new Date(v).toISOString());

/** The query string of `GET /reports/compliance`; an unknown parameter is refused. */
export const ComplianceReportQuery = z.strictObject({
  from: When.optional(),
  to: When.optional(),
  target: TargetName.optional(),
  environment: EnvironmentName.optional(),
  format: z.enum(['json', 'csv', 'html']).default('json'),
});
export type ComplianceReportQuery = z.infer<typeof ComplianceReportQuery>;

/**
 * The period of a report: `to` defaults to `now`, `from` to {@link DEFAULT_REPORT_DAYS} days before `to`.
 * @returns ISO-8601 times (UTC, milliseconds)
 * @throws ValidationError (400) on `to` when it is before `from`, on `from` when the period is longer than {@link MAX_REPORT_DAYS} days
 */
export function reportPeriod(query: { from?: string; to?: string }, now: Date): { from: string; to: string } {
  const to = query.to ?? now.toISOString();
  const from = query.from ?? new Date(Date.parse(to) - DEFAULT_REPORT_DAYS * DAY_MS).toISOString();
  if (Date.parse(to) < Date.parse(from)) throw ValidationError.field('to', `must not be before from (${from})`);
  if (Date.parse(to) - Date.parse(from) > MAX_REPORT_DAYS * DAY_MS) {
    throw ValidationError.field('from', `must be at most ${MAX_REPORT_DAYS} days before to (${to}): a report covers one year at most`);
  }
  return { from, to };
}
