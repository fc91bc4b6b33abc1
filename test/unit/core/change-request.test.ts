import { ProposeChangeRequest } from '../../../lambdas/core/change-request';

/** A minimal valid POST /changes body; each test overrides one field. */
const valid = {
  target: 'benefit-calculator',
  title: 'Exclude seasonal bonuses',
  changeType: 'standard',
  riskLevel: 'medium',
  code: { diff: '--- a/x\n+++ b/x\n' },
};

/** The dotted paths of every issue, or [] when the body parses. */
function issuePaths(body: unknown): string[] {
  const result = ProposeChangeRequest.safeParse(body);
  return result.success ? [] : result.error.issues.map((issue) => issue.path.join('.'));
}

describe('change-request', () => {
  describe('ProposeChangeRequest', () => {
    it('accepts a request with a diff and applies the defaults: no bump (derived at intake), an empty description and no redeploy', () => {
      // Arrange
      const body = { ...valid };

      // Act
      const result = ProposeChangeRequest.safeParse(body);

      // Assert
      expect(result.success).toBe(true);
      expect(result.data).toEqual({ ...valid, description: '', redeploy: false });
    });

    it.each(['file:///home/dev/service', 's3://cmv-artifacts/benefit-calculator/1.1.0.zip'])('accepts a request when the artifact is %s', (artifact) => {
      const result = ProposeChangeRequest.safeParse({ ...valid, code: { artifact } });

      expect(result.success).toBe(true);
      expect(result.data?.code).toEqual({ artifact });
    });

    it('keeps an explicit version, bump and description when they are given', () => {
      const result = ProposeChangeRequest.safeParse({ ...valid, version: '2.0.0', bump: 'major', description: 'why' });

      expect(result.data).toMatchObject({ version: '2.0.0', bump: 'major', description: 'why' });
    });

    it.each(['Benefit_Calculator', 'x', '1service', 'a'.repeat(64)])('rejects the target when the name is %s', (target) => {
      expect(issuePaths({ ...valid, target })).toEqual(['target']);
    });

    it.each(['v1.2', '1.2', 'v1.2.0', '1.2.0.0', 'latest'])('rejects the version when it is %s (not a semantic version)', (version) => {
      expect(issuePaths({ ...valid, version })).toEqual(['version']);
    });

    it('rejects the baseVersion when it is not a semantic version', () => {
      expect(issuePaths({ ...valid, baseVersion: '1.0' })).toEqual(['baseVersion']);
    });

    it('rejects the body when it has an unknown field (strict)', () => {
      const result = ProposeChangeRequest.safeParse({ ...valid, risklevel: 'low' });

      expect(result.success).toBe(false);
      expect(result.error?.issues).toEqual([expect.objectContaining({ code: 'unrecognized_keys', path: [], keys: ['risklevel'] })]);
    });

    it('rejects the code when it has both a diff and an artifact', () => {
      expect(issuePaths({ ...valid, code: { diff: 'x', artifact: 's3://b/k' } })).toEqual(['code']);
    });

    it('rejects the code when it has neither a diff nor an artifact', () => {
      expect(issuePaths({ ...valid, code: {} })).toEqual(['code']);
    });

    it('rejects the diff when it is empty', () => {
      expect(issuePaths({ ...valid, code: { diff: '' } })).toEqual(['code.diff']);
    });

    it('rejects the artifact when it is an http:// URL', () => {
      expect(issuePaths({ ...valid, code: { artifact: 'http://example.org/service.zip' } })).toEqual(['code.artifact']);
    });

    it('accepts a config of valid environment variables', () => {
      const config = { MAX_WEEKLY_BENEFIT: '1105', log_level: 'debug' };

      const result = ProposeChangeRequest.safeParse({ ...valid, config });

      expect(result.data?.config).toEqual(config);
    });

    it('rejects the config when a key starts with AWS_ (reserved by Lambda)', () => {
      const result = ProposeChangeRequest.safeParse({ ...valid, config: { AWS_REGION: 'eu-west-1' } });

      expect(result.error?.issues.map((i) => i.path.join('.'))).toEqual(['config']);
      expect(result.error?.issues[0].message).toMatch(/AWS_ are reserved/);
    });

    it('rejects the config key when it starts with a digit', () => {
      expect(issuePaths({ ...valid, config: { '1BAD': 'x' } })).toEqual(['config.1BAD']);
    });

    it('rejects the config key when it is a single letter (Lambda needs at least two characters)', () => {
      // Lambda's API pattern for keys is [a-zA-Z]([a-zA-Z0-9_])+ (API_Environment); the module's own TSDoc says so too.
      expect(issuePaths({ ...valid, config: { X: '1' } })).toEqual(['config.X']);
    });

    it('rejects the config when it is over 4 KB in total', () => {
      const result = ProposeChangeRequest.safeParse({ ...valid, config: { BIG: 'x'.repeat(4096) } });

      expect(result.error?.issues.map((i) => i.path.join('.'))).toEqual(['config']);
      expect(result.error?.issues[0].message).toMatch(/4096 bytes/);
    });

    it('accepts a config of just under 4 KB in total', () => {
      // {"BIG":"…"} is 10 bytes of JSON around the value.
      expect(issuePaths({ ...valid, config: { BIG: 'x'.repeat(4086) } })).toEqual([]);
    });

    it('accepts canary steps that increase and end at 100', () => {
      const result = ProposeChangeRequest.safeParse({ ...valid, canary: { steps: [5, 25, 100], bakeSeconds: 30 } });

      expect(result.data?.canary).toEqual({ steps: [5, 25, 100], bakeSeconds: 30 });
    });

    it.each([
      [[10, 10, 100], /strictly increasing/],
      [[50, 10, 100], /strictly increasing/],
      [[10, 50], /end at 100/],
    ])('rejects the canary steps when they are %j', (steps, message) => {
      const result = ProposeChangeRequest.safeParse({ ...valid, canary: { steps } });

      expect(result.error?.issues.map((i) => i.path.join('.'))).toEqual(['canary.steps']);
      expect(result.error?.issues[0].message).toMatch(message);
    });
    it('accepts a health-driven ramp instead of steps (max defaults to 100)', () => {
      const result = ProposeChangeRequest.safeParse({ ...valid, canary: { ramp: { start: 5, increment: 20 }, bakeSeconds: 60 } });

      expect(result.data?.canary).toEqual({ ramp: { start: 5, increment: 20, max: 100 }, bakeSeconds: 60 });
    });

    it.each([
      [{ steps: [10, 100], ramp: { start: 5, increment: 20 } }, 'canary.ramp', 'give either steps or ramp, not both'],
      [{ bakeSeconds: 60 }, 'canary.steps', 'give steps (fixed weights) or ramp'],
      [{ ramp: { start: 50, increment: 10, max: 40 } }, 'canary.ramp.start', 'must be at most max (40), got 50'],
    ])('rejects the canary %j naming the field', (canary, path, message) => {
      const result = ProposeChangeRequest.safeParse({ ...valid, canary });

      expect(result.error?.issues.map((i) => [i.path.join('.'), i.message])).toEqual([[path, message]]);
    });
  });

  describe('the change request template', () => {
    const template = {
      category: 'schema',
      justification: 'Regulator deadline',
      impactAnalysis: { technicalRisk: 'low', securityRisk: 'none', downtimeMinutes: 0 },
      affectedComponents: ['benefit-calculator', 'claims-db'],
      rollbackPlan: 'activate 1.0.0',
      testingPlan: 'unit + a staged claim',
      requestedWindow: { start: '2026-12-05T02:00:00+01:00', end: '2026-12-05T04:00:00+01:00' },
      links: ['https://tickets.example.org/CHG-1', 'http://wiki.example.org/x'],
    };

    it('accepts every template field and keeps them as given', () => {
      const result = ProposeChangeRequest.safeParse({ ...valid, ...template });

      expect(result.success).toBe(true);
      expect(result.data).toMatchObject(template);
    });

    it.each([
      ['requestedWindow.end', { requestedWindow: { start: '2026-12-05T04:00:00+01:00', end: '2026-12-05T04:00:00+01:00' } }],
      ['requestedWindow.start', { requestedWindow: { start: '2026-12-05 02:00', end: '2026-12-05T04:00:00+01:00' } }],
      ['requestedWindow.end', { requestedWindow: { start: '2026-12-05T02:00:00+01:00', end: '2026-12-05T04:00:00' } }],
      ['links.0', { links: ['ftp://files.example.org/x'] }],
      ['links.0', { links: ['javascript:alert(1)'] }],
      ['links', { links: [] }],
      ['impactAnalysis.downtimeMinutes', { impactAnalysis: { technicalRisk: 'x', securityRisk: 'y', downtimeMinutes: -1 } }],
      ['impactAnalysis.downtimeMinutes', { impactAnalysis: { technicalRisk: 'x', securityRisk: 'y', downtimeMinutes: 2.5 } }],
      ['impactAnalysis.securityRisk', { impactAnalysis: { technicalRisk: 'x', downtimeMinutes: 0 } }],
      ['impactAnalysis.technicalRisk', { impactAnalysis: { technicalRisk: '   ', securityRisk: 'y', downtimeMinutes: 0 } }],
      ['affectedComponents', { affectedComponents: [] }],
      ['affectedComponents', { affectedComponents: ['a-service', 'a-service'] }],
      ['affectedComponents.0', { affectedComponents: ['Not A Target'] }],
      ['justification', { justification: '' }],
      ['category', { category: 'marketing' }],
    ])('rejects %s when it is %j', (path, bad) => {
      expect(issuePaths({ ...valid, ...bad })).toEqual([path]);
    });
  });
});
