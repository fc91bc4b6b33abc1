import type { APIGatewayProxyEvent, APIGatewayProxyResult } from 'aws-lambda';
import { canaryReport } from '../../../lambdas/core/canary-report';
import type { Change } from '../../../lambdas/core/change';
import { complianceReport } from '../../../lambdas/core/compliance-report';
import type { LedgerEntry } from '../../../lambdas/core/ledger';
import type { Services } from '../../../lambdas/core/use-cases/services';
import { makeHandler as approvalPage } from '../../../lambdas/handlers/api/approval-page';
import { makeHandler as complianceReportHandler } from '../../../lambdas/handlers/api/get-compliance-report';
import { makeHandler as reportHandler } from '../../../lambdas/handlers/api/get-report';
import { noticePage, reviewPage } from '../../../lambdas/handlers/http/approval-view';
import { compliancePage } from '../../../lambdas/handlers/http/compliance-view';
import { PAGE_CSP } from '../../../lambdas/handlers/http/page-shell';
import { reportPage } from '../../../lambdas/handlers/http/report-view';
import { rolledBackChange } from '../../fixtures/canary-changes';

const SCRIPT = '<script>alert("x")</script>';
const ESCAPED = '&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;';
/** A change whose every free text is a script. */
const hostile: Change = { ...rolledBackChange, title: SCRIPT, description: SCRIPT, reason: SCRIPT, config: { [SCRIPT]: SCRIPT } };

const entry = (seq: number, type: string, details: Record<string, unknown> = {}): LedgerEntry =>
  ({
    seq,
    chain: 'target:svc',
    changeId: SCRIPT,
    target: 'svc',
    type,
    actor: 'cmv-workflow',
    details,
    time: `2026-03-02T10:00:0${seq}.000Z`,
    hash: `h${seq}`,
    prevHash: '',
  }) as unknown as LedgerEntry;

/** Every HTML page, each holding text from a change (or the ledger) that is a script. */
const PAGES: [string, () => string][] = [
  ['the review page', () => reviewPage(hostile, SCRIPT, `+${SCRIPT}`, { [SCRIPT]: 'old' })],
  ['a notice page', () => noticePage(SCRIPT, SCRIPT)],
  ['the canary report page', () => reportPage(canaryReport({ ...hostile, target: SCRIPT }, { now: new Date('2026-03-03T00:00:00Z') }))],
  [
    'the compliance report page',
    () =>
      compliancePage(
        complianceReport({
          scope: { from: '2026-03-01T00:00:00.000Z', to: '2026-04-01T00:00:00.000Z', target: SCRIPT, targets: [SCRIPT] },
          asOf: '2026-04-01T00:00:00.000Z',
          changes: [
            {
              changeId: SCRIPT,
              reviewRequired: true,
              entries: [entry(1, 'ChangeProposed', { changeType: 'emergency', riskLevel: 'high', approvals: [{ name: SCRIPT, required: 1, eligible: [] }] })],
            },
          ],
        }),
      ),
  ],
];

describe('the HTML pages', () => {
  it.each(PAGES)('%s escapes text that is a script', (_page, render) => {
    // Act
    const page = render();

    // Assert
    expect(page).toContain(ESCAPED);
    expect(page).not.toContain('<script');
  });

  it.each(PAGES)('%s is one shell: doctype, title, style, main and footer', (_page, render) => {
    expect(render()).toMatch(
      /^<!doctype html>\n<html lang="en"><head>[\s\S]*<title>.* — CMV<\/title><style>[\s\S]*<\/style><\/head>\n<body><main[^>]*><h1>[\s\S]*<\/main>\n<footer>/,
    );
  });
});

describe('the HTML responses', () => {
  const svc = {
    settings: { linkKeys: { signing: async () => 'k', verifying: async () => ['k'] } },
    store: { getChange: async () => hostile, listTargets: async () => [], commit: async () => ({}) },
    ledger: { query: async () => ({ items: [] }) },
    now: () => new Date('2026-03-03T00:00:00Z'),
  } as unknown as Services;
  const event = (extra: Partial<APIGatewayProxyEvent>) =>
    ({
      httpMethod: 'GET',
      headers: { accept: 'text/html' },
      requestContext: { authorizer: { claims: { 'cognito:username': 'erin', 'cognito:groups': 'auditor' } } },
      ...extra,
    }) as unknown as APIGatewayProxyEvent;

  it('send the one CSP on the approval page, the canary report and the compliance report', async () => {
    // Act
    const responses = (await Promise.all([
      approvalPage(svc)(event({ pathParameters: { token: 'not-a-link' } }), {}),
      reportHandler(svc)(event({ pathParameters: { id: 'chg-1' } }), {}),
      complianceReportHandler(svc)(event({ queryStringParameters: { format: 'html' } }), {}),
    ])) as APIGatewayProxyResult[];

    // Assert
    expect(responses.map((r) => r.headers?.['content-type'])).toEqual(Array(3).fill('text/html; charset=utf-8'));
    expect(responses.map((r) => r.headers?.['content-security-policy'])).toEqual([PAGE_CSP, PAGE_CSP, PAGE_CSP]);
    expect(PAGE_CSP).toMatch(/^default-src 'none'; style-src 'sha256-[A-Za-z0-9+/]+=*';/);
    expect(PAGE_CSP).not.toMatch(/script-src|unsafe/);
  });
});
