import { DeploymentError, NotFoundError } from '../../../../lambdas/core/errors';
import { loadTarget, requireDeployment } from '../../../../lambdas/core/use-cases/deployment-records';
import { fakeServices, MemoryChangeStore } from '../../../fixtures/fakes';
import { aDeployment, aTarget, TARGET } from '../../../fixtures/records';

describe('loadTarget()', () => {
  it('loads a registered target', async () => {
    const { svc } = fakeServices({ fakes: { store: new MemoryChangeStore().seed({ targets: [aTarget()] }) } });

    expect(await loadTarget(svc, TARGET)).toEqual(aTarget());
  });

  it('throws NotFound (404) naming a target that is not registered', async () => {
    const { svc } = fakeServices();

    const loaded = loadTarget(svc, 'payroll');

    await expect(loaded).rejects.toThrow(NotFoundError);
    await expect(loaded).rejects.toThrow('target payroll is not registered');
  });
});

describe('requireDeployment()', () => {
  it('returns the deployment a change has', () => {
    const d = aDeployment();

    expect(requireDeployment(d, 'chg-1')).toBe(d);
  });

  it('throws DeploymentError when the change never started deploying', () => {
    const required = () => requireDeployment(undefined, 'chg-1');

    expect(required).toThrow(DeploymentError);
    expect(required).toThrow('change chg-1 has no deployment');
  });
});
