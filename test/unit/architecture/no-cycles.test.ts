import { join } from 'node:path';
import madge from 'madge';

const root = join(__dirname, '../../..');

describe('lambdas/core', () => {
  it('has no circular imports (type imports included)', async () => {
    // Arrange / Act
    const graph = await madge(join(root, 'lambdas/core'), {
      fileExtensions: ['ts'],
      tsConfig: join(root, 'tsconfig.json'),
      detectiveOptions: { ts: { skipTypeImports: false } },
    });

    // Assert
    expect(graph.circular()).toEqual([]);
  }, 120_000);
});
