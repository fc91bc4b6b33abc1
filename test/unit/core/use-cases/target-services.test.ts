import { roleSessionName } from '../../../../lambdas/core/deploy-role';
import { DeployRoleError } from '../../../../lambdas/core/errors';
import type { DeployRoles, TargetPorts } from '../../../../lambdas/core/ports';
import { finalizeDeployment, shiftTraffic, startDeployment } from '../../../../lambdas/core/use-cases/deploy';
import type { Services } from '../../../../lambdas/core/use-cases/services';
import { onTarget } from '../../../../lambdas/core/use-cases/target-services';
import { approved } from '../../../fixtures/deploying';
import { FakeAlarms, FakeCodeDeploy, FakeFunctionHost, fakeServices } from '../../../fixtures/fakes';
import { FUNCTION, TARGET } from '../../../fixtures/records';

const ROLE = 'arn:aws:iam::111122223333:role/cmv-deploy';
const OTHER_ROLE = 'arn:aws:iam::444455556666:role/cmv-deploy';

/** Deploy roles whose ports are `ports` for every role, recording each (role, session) asked for. */
function recordingRoles(ports: (roleArn: string) => TargetPorts): DeployRoles & { asked: [string, string][] } {
  const asked: [string, string][] = [];
  return {
    asked,
    ports: (roleArn, session) => {
      asked.push([roleArn, session]);
      return ports(roleArn);
    },
  };
}

describe('target-services', () => {
  describe('onTarget()', () => {
    it("gives CMV's own services for a target without a deploy role", () => {
      const { svc } = fakeServices();

      expect(onTarget(svc, { name: TARGET }, 'chg-1')).toBe(svc);
    });

    it("puts the role's function and alarm ports in place and keeps CMV's tables and artifacts", () => {
      const roleFunctions = new FakeFunctionHost();
      const roleAlarms = new FakeAlarms();
      const roles = recordingRoles(() => ({ functions: roleFunctions, alarms: roleAlarms }));
      const { svc } = fakeServices({ overrides: { deployRoles: roles, codeDeploy: new FakeCodeDeploy() } });

      const bound = onTarget(svc, { name: TARGET, deployRoleArn: ROLE }, 'chg-1');

      expect(bound.functions).toBe(roleFunctions);
      expect(bound.alarms).toBe(roleAlarms);
      expect(bound.store).toBe(svc.store);
      expect(bound.artifacts).toBe(svc.artifacts);
      // CMV's CodeDeploy application is in its own account.
      expect(bound.codeDeploy).toBeUndefined();
      expect(roles.asked).toEqual([[ROLE, 'cmv-chg-1']]);
    });

    it('binds services bound to one role to another, or back to none', () => {
      const ports = new Map<string, TargetPorts>([
        [ROLE, { functions: new FakeFunctionHost(), alarms: new FakeAlarms() }],
        [OTHER_ROLE, { functions: new FakeFunctionHost(), alarms: new FakeAlarms() }],
      ]);
      const { svc } = fakeServices({ overrides: { deployRoles: recordingRoles((r) => ports.get(r) as TargetPorts) } });
      const bound = onTarget(svc, { name: TARGET, deployRoleArn: ROLE }, 'chg-1');

      expect(onTarget(bound, { name: 'other', deployRoleArn: OTHER_ROLE }, 'chg-2').functions).toBe(ports.get(OTHER_ROLE)?.functions);
      expect(onTarget(bound, { name: 'own' }, 'chg-3')).toBe(svc);
    });

    it('rejects a target with a deploy role when the deployment can assume none', () => {
      const { svc } = fakeServices();

      expect(() => onTarget(svc, { name: TARGET, deployRoleArn: ROLE }, 'chg-1')).toThrow(DeployRoleError);
      expect(() => onTarget(svc, { name: TARGET, deployRoleArn: ROLE }, 'chg-1')).toThrow(
        /benefit-calculator deploys through the role arn:aws:iam::111122223333/,
      );
    });
  });

  describe('roleSessionName()', () => {
    it("names the session after what it is for, within AssumeRole's pattern and 64 characters", () => {
      expect(roleSessionName('7f6c1a9e-3b1d-4c55-9a0e-2d6f1b7c8e90')).toBe('cmv-7f6c1a9e-3b1d-4c55-9a0e-2d6f1b7c8e90');
      expect(roleSessionName('sync-a/b c')).toBe('cmv-sync-a-b-c');
      expect(roleSessionName(`retire-${'x'.repeat(80)}`)).toHaveLength(64);
    });
  });

  describe('a deployment of a target with a deploy role', () => {
    /** chg-1 approved; the target's function is reachable through its role's ports only (CMV's own host has none). */
    function approvedInAnotherAccount() {
      const fakes = approved();
      const target = fakes.store.targets.get(TARGET);
      if (!target) throw new Error('no target');
      fakes.store.targets.set(TARGET, { ...target, deployRoleArn: ROLE });
      const roles = recordingRoles(() => ({ functions: fakes.functions, alarms: fakes.alarms }));
      const own = { functions: new FakeFunctionHost(), alarms: new FakeAlarms() };
      const svc: Services = { ...fakes.svc, ...own, deployRoles: roles };
      return { ...fakes, svc, roles, own };
    }

    it('publishes, arms, shifts and finalizes through the role, each session named after the change', async () => {
      const { svc, roles, own, functions, alarms, store } = approvedInAnotherAccount();

      const state = await startDeployment(svc, 'chg-1');
      await shiftTraffic(svc, 'chg-1', { ...state, stepIndex: 1 });
      await finalizeDeployment(svc, 'chg-1');

      expect(store.changes.get('chg-1')?.status).toBe('deployed');
      expect((await functions.getAlias(FUNCTION, 'live')).functionVersion).toBe('2');
      expect(alarms.armed).toEqual([{ target: TARGET, functionVersion: '2' }]);
      expect(own.alarms.armed).toEqual([]);
      expect(new Set(roles.asked.map(([role]) => role))).toEqual(new Set([ROLE]));
      // The steps name the change; the sync after its end (the target unlocked) names the target.
      expect(new Set(roles.asked.map(([, session]) => session))).toEqual(new Set(['cmv-chg-1', `cmv-sync-${TARGET}`]));
    });

    it("refuses the codedeploy strategy, whose application is in CMV's account", async () => {
      const { svc, store } = approvedInAnotherAccount();
      const change = store.changes.get('chg-1');
      if (!change) throw new Error('no change');
      store.changes.set('chg-1', { ...change, plan: { ...change.plan, strategy: 'codedeploy' } });
      const withCodeDeploy: Services = {
        ...svc,
        codeDeploy: new FakeCodeDeploy(),
        settings: { ...svc.settings, codeDeploy: { application: 'cmv', hooks: {} } },
      };

      await expect(startDeployment(withCodeDeploy, 'chg-1')).rejects.toThrow(/codedeploy strategy deploys in CMV's own account only/);
      expect(store.changes.get('chg-1')?.status).toBe('awaiting_approval');
    });
  });
});
