import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { ChangePilot, configChange } from './crash-drivers';
import { duplicates, killAll, ledgerOf, type Rig, runChain, startRig, summary, TARGET } from './crash-rig';

/**
 * Issue #9: the healthy life of a config-only alias-weights change, killed (SIGKILL, at a named
 * crash point) at every state its execution enters and between every record and the side effect
 * around it, and started again on the same data each time: it still deploys, once.
 */
jest.setTimeout(600_000);

/** In the order the change's life reaches them; each run dies at one and the next goes on from there. */
const POINTS = [
  'aws:StartExecution',
  'state:PlanChange',
  'commit:TestsStarted',
  'state:TestsBeforeApproval',
  'state:RunTests',
  'state:RecordTestsPassed',
  'commit:TestsPassed',
  'state:RequestApproval',
  'commit:ApprovalRequested',
  'commit:ChangeApproved',
  // The restart delivers the recorded vote from the re-entered approval wait.
  'aws:SendTaskSuccess',
  'state:ScheduleDeployment',
  'state:InChangeWindow',
  'state:StartDeployment',
  'commit:DeploymentStarted',
  // The code's signing job: started and not yet recorded (the restart's start with the same token gets the same job), then recorded.
  'aws:StartSigningJob',
  'commit:CodeSigningStarted',
  'aws:UpdateFunctionCode',
  'aws:UpdateFunctionConfiguration',
  'aws:PublishVersion',
  'commit:VersionPublished',
  'state:ChooseStrategy',
  'state:SmokeTestsBeforeTraffic',
  'commit:SmokeTestsPassed',
  // 50 %: the record commits, the run dies; the next one finishes the move and dies right after it.
  'state:ShiftTraffic',
  'commit:TrafficShifted',
  'aws:UpdateAlias',
  'state:AfterShift',
  'state:Bake',
  // The bake keeps its task token and schedules its wake; the restart enters the same wait, keeps its deadline (passed by then) and wakes at once.
  'aws:CreateSchedule',
  // Woken at the bake's end, the check decides the step and records it before the Choice.
  'state:CheckCanary',
  'commit:CanaryStepChecked',
  'state:CanaryDecision',
  // 100 %: the shift records and moves the alias in one run, which dies after the move.
  'state:ShiftTraffic',
  'aws:UpdateAlias',
  'commit:CanaryStepChecked',
  'state:DeferredTestsDue',
  'state:SmokeTestsAfterTraffic',
  'commit:SmokeTestsPassed',
  'state:Promote',
  // Promote finishes any move first, records, then syncs: both syncs, and the record between them.
  'aws:UpdateAlias',
  'commit:ChangeDeployed',
  'aws:UpdateAlias',
  'state:RetireVersions',
  'state:Deployed',
];

let rig: Rig;
beforeAll(async () => {
  rig = await startRig();
});
afterAll(async () => {
  await killAll();
  await rig?.dispose();
});

describe('crash at every point of a healthy alias-weights change', () => {
  it('deploys the change once, with the alias on the new version alone and a ledger that verifies', async () => {
    // Arrange: a config-only change (code of 1.0.0, new config), a short canary (2 s bakes at speed 60: the wake is scheduled, not due at once).
    const pilot = new ChangePilot(rig, await configChange('1.1.0', 1110, { steps: [50, 100], bakeSeconds: 120 }));

    // Act
    const { last, api, runs } = await runChain(rig, POINTS, pilot);

    // Assert
    try {
      const changeId = pilot.changeId as string;
      const change = await api.change(changeId);
      expect(change.status).toBe('deployed');
      const target = await api.target(TARGET);
      expect(target.liveVersion).toBe('1.1.0');
      expect(target.alias).toMatchObject({
        functionVersion: change.deployment?.toFunctionVersion,
        routingPercent: { [change.deployment?.toFunctionVersion as string]: 100 },
      });
      expect(target.route).toEqual({ functionVersion: change.deployment?.toFunctionVersion });
      expect(await api.verify('erin')).toMatchObject({ valid: true });
      const entries = await ledgerOf(api, changeId);
      expect(duplicates(entries)).toEqual([]);
      expect(entries.map((e) => e.type)).toEqual([
        'ChangeProposed',
        // The workflow's first step signs the bundle: once, whichever crash point it was retried through.
        'BundleSigned',
        'TestsStarted',
        'TestsPassed',
        'ApprovalRequested',
        'ChangeApproved',
        'DeploymentStarted',
        // One signing job, whichever crash point it was retried through.
        'CodeSigningStarted',
        'VersionPublished',
        'SmokeTestsPassed',
        'TrafficShifted',
        'CanaryStepChecked',
        'TrafficShifted',
        'CanaryStepChecked',
        'SmokeTestsPassed',
        'ChangeDeployed',
      ]);
      // Signer ran one job for the change's code, never a second one for a retry.
      expect((await readdir(join(rig.dataDir, 'signer', 'jobs'))).filter((f) => f.endsWith('.json'))).toHaveLength(1);
      console.log(summary(runs));
    } finally {
      await last.kill();
    }
  });
});
