import { deriveBump, schemaFields } from '../../../lambdas/core/version-bump';

const bytes = (text: string) => Buffer.from(text);
const schema = (properties: Record<string, unknown>, required: string[] = []) => bytes(JSON.stringify({ type: 'object', properties, required }));
const SAME = { 'index.js': bytes('code') };

describe('deriveBump()', () => {
  it.each([
    ['nothing changes (a redeploy)', {}, { A: '1' }, SAME, 'patch', ['nothing changes (a redeploy)']],
    ['a value changes', {}, { A: '2' }, SAME, 'patch', ['changes the value of A']],
    ['a key is added and a value changes: the higher finding wins', {}, { A: '2', B: '1' }, SAME, 'minor', ['adds config key B']],
    ['a key is renamed (removed and added)', {}, { AA: '1' }, SAME, 'major', ['removes config key A']],
    [
      'code changes without a declared kind',
      {},
      { A: '1' },
      { 'index.js': bytes('new') },
      'minor',
      ['code changes and the request declares no kind (feature or fix)'],
    ],
    ['code changes, declared a fix', { kind: 'fix' }, { A: '1' }, { 'index.js': bytes('new') }, 'patch', ['declared a fix']],
    ['a file is added, declared a fix', { kind: 'fix' }, { A: '1' }, { ...SAME, 'extra.js': bytes('') }, 'patch', ['declared a fix']],
    ['declared breaking, with nothing else', { breaking: true }, { A: '1' }, SAME, 'major', ['declared breaking']],
  ] as const)('%s → %s', (_case, declared, config, files, bump, reasons) => {
    const decision = deriveBump(declared, { baseConfig: { A: '1' }, config, baseFiles: SAME, files });

    expect(decision).toEqual({ bump, reasons });
  });

  it('names every finding of the deciding level', () => {
    const decision = deriveBump({ breaking: true }, { baseConfig: { A: '1', B: '2' }, config: { C: '3' }, baseFiles: SAME, files: SAME });

    expect(decision).toEqual({ bump: 'major', reasons: ['declared breaking', 'removes config keys A, B'] });
  });

  it.each([
    ['a field removed', schema({ id: {}, wages: {} }), schema({ id: {} }), 'major', 'removes schema field wages (claim.schema.json)'],
    [
      'a nested field removed',
      schema({ q: { properties: { wages: {}, bonus: {} } } }),
      schema({ q: { properties: { wages: {} } } }),
      'major',
      'removes schema field q.bonus (claim.schema.json)',
    ],
    ['a field made required', schema({ id: {} }), schema({ id: {} }, ['id']), 'major', 'makes schema field id required (claim.schema.json)'],
    ['a field added', schema({ id: {} }), schema({ id: {}, note: {} }), 'minor', 'adds schema field note (claim.schema.json)'],
  ] as const)('reads the bundle’s JSON Schemas: %s is %s', (_case, before, after, bump, reason) => {
    const decision = deriveBump(
      { kind: 'fix' },
      { baseConfig: {}, config: {}, baseFiles: { 'claim.schema.json': before }, files: { 'claim.schema.json': after } },
    );

    expect(decision).toEqual({ bump, reasons: [reason] });
  });

  it('counts a removed schema file as major and an added one as minor', () => {
    expect(deriveBump({}, { baseConfig: {}, config: {}, baseFiles: { 'a.schema.json': schema({}) }, files: {} })).toEqual({
      bump: 'major',
      reasons: ['removes schema a.schema.json'],
    });
    expect(deriveBump({ kind: 'fix' }, { baseConfig: {}, config: {}, baseFiles: {}, files: { 'a.schema.json': schema({}) } })).toEqual({
      bump: 'minor',
      reasons: ['adds schema a.schema.json'],
    });
  });
});

describe('schemaFields()', () => {
  it('walks properties and array items into dotted paths, with the required ones', () => {
    const fields = schemaFields(
      schema({ claimId: {}, baseQuarters: { type: 'array', items: { properties: { quarter: {}, wages: {} }, required: ['quarter'] } } }, ['claimId']),
    );

    expect([...fields.fields].sort()).toEqual(['baseQuarters', 'baseQuarters.quarter', 'baseQuarters.wages', 'claimId']);
    expect([...fields.required].sort()).toEqual(['baseQuarters.quarter', 'claimId']);
  });

  it('finds no fields in a file that is not JSON', () => {
    expect(schemaFields(bytes('{ not json'))).toEqual({ fields: new Set(), required: new Set() });
  });
});
