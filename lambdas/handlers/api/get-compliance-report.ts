import type { APIGatewayProxyResult } from 'aws-lambda';
import { ComplianceReportQuery, reportPeriod } from '../../core/compliance-query';
import { reportCsv } from '../../core/compliance-report-csv';
import { COMPLIANCE_READERS } from '../../core/policy/change-policy';
import { recordAuditRead } from '../../core/use-cases/record-audit-read';
import { reportCompliance } from '../../core/use-cases/report-compliance';
import type { Services } from '../../core/use-cases/services';
import { type AwsPorts, awsServices } from '../aws-services';
import { apiHandler, lazy } from '../http/api-handler';
import { compliancePage } from '../http/compliance-view';
import { callerOf, json, parseWith, requireRole } from '../http/middleware';
import { htmlResponse } from '../http/page-shell';

const text = (contentType: string, body: string, headers: Record<string, string> = {}): APIGatewayProxyResult => ({
  statusCode: 200,
  headers: { 'content-type': contentType, 'cache-control': 'no-store', ...headers },
  body,
});

/**
 * GET /reports/compliance?from=&to=&target=&environment=&format= → 200 the compliance report of the
 * changes proposed in [from, to) (default: the 30 days before now) to the registered targets the
 * filters match: JSON (default), CSV (`format=csv`, an attachment) or an HTML page with charts
 * (`format=html`, one CSP, no script). 400 a bad parameter, `to` before `from`, a period over 366
 * days or holding more changes than one report reads; 403 not one of COMPLIANCE_READERS; 503 the read
 * could not be recorded (its `AuditQueried` entry, with the period resolved, is appended before the answer).
 */
export const makeHandler = (svc: Services) =>
  apiHandler(svc, undefined, async (event) => {
    const caller = callerOf(event);
    requireRole(caller, ...COMPLIANCE_READERS);
    const query = parseWith(ComplianceReportQuery, event.queryStringParameters ?? {}, 'query');
    const period = reportPeriod(query, svc.now());
    const report = await reportCompliance(svc, { ...period, target: query.target, environment: query.environment });
    await recordAuditRead(svc, caller, 'GET /reports/compliance', { ...query, ...period });
    if (query.format === 'csv') {
      const name = `cmv-compliance-${period.from.slice(0, 10)}-${period.to.slice(0, 10)}.csv`;
      return text('text/csv; charset=utf-8; header=present', reportCsv(report), { 'content-disposition': `attachment; filename="${name}"` });
    }
    if (query.format === 'html') {
      return htmlResponse(200, compliancePage(report));
    }
    return json(200, report);
  });

/** The AWS services this handler calls besides the tables (its role may call exactly these). */
export const awsPorts: AwsPorts = {};

export const handler = lazy(() => makeHandler(awsServices(awsPorts)));
