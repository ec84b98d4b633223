/**
 * Racing for a stale deploy lock: in every round a stale lock is left in the bucket (expired, with one or
 * several versions), then four `mwaa dags push` runs start within 300 ms of each other, with the
 * emulator holding back chosen lock calls (a seeded choice per round) so that the racers' reads and
 * conditional writes interleave differently. The racers run in-process, each with its own context, SDK
 * clients and release id: what orders their calls is the emulator's seeded holding, not the CPU, and a
 * process costs ~0.4 s of CPU to start (test/integration/deploy-process.test.ts races two real
 * processes; bench/campaign.mjs, category 5, races processes over more rounds). Every round: never two pushes holding the lock at once
 * (normally exactly one deploys; a racer that starts after the winner released the lock deploys after
 * it, on top of its release); the others exit 1 naming the deploy lock; no release of the round is
 * rolled back; the bucket holds the last release; the lock is gone afterwards (the stale one does not
 * come back).
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { PutObjectCommand } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { prng } from '../helpers/prng.js';
import {
  BUCKET,
  createEnvironment,
  dagFile,
  objectText,
  snapshot,
  startDeployWorld,
  writeProject,
  type DeployWorld,
} from './deploy-helpers.js';

const RACERS = 4;
/** (bench/campaign.mjs, category 5, races more rounds with other seeds, outside the test suite) */
const ROUNDS = 4;
const FILES = 12;
let w: DeployWorld;
/** rounds in which exactly one push deployed: the racers really met the lock */
let singleWinnerRounds = 0;

/** (--no-check: the project check is not what the race is about) */
function push(): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return w.cli(['--json', 'dags', 'push', '--yes', '--no-check']);
}

/** A lock left by a deploy that died long ago: expired, written `versions` times (it had renewed). */
async function staleLock(versions: number, round: number): Promise<void> {
  for (let v = 0; v < versions; v++) {
    const body = {
      schema: 1,
      owner: 'ci@build-7',
      host: 'build-7',
      pid: 4242,
      command: 'mwaa dags push',
      environment: 'deploytest',
      releaseId: `20200101-00000${v}-dead`,
      acquiredAt: '2020-01-01T00:00:00.000Z',
      expiresAt: `2020-01-01T00:1${v}:00.000Z`,
      round,
    };
    await w.emu.s3.send(
      new PutObjectCommand({ Bucket: BUCKET, Key: '.mwaa/lock.json', Body: `${JSON.stringify(body)}\n`, ContentType: 'application/json' }),
    );
  }
}

beforeAll(async () => {
  w = await startDeployWorld();
  await createEnvironment(w.emu);
  writeProject(w.dir, {});
});
afterAll(async () => {
  await w?.close();
});

describe('racing for a stale deploy lock', () => {
  for (let round = 1; round <= ROUNDS; round++) {
    it(`round ${round}: of ${RACERS} racing pushes, never two hold the lock at once`, async () => {
      const random = prng(round);
      for (let i = 0; i < FILES; i++)
        writeFileSync(join(w.dir, `dags/dag_${String(i).padStart(2, '0')}.py`), dagFile(`dag_${i}`, `# round ${round}\n`));
      await staleLock(1 + Math.floor(random() * 3), round);
      // the winner stays busy long enough for every racer to meet its lock
      await w.emu.delay({ service: 's3', operation: 'PutObject', match: { Key: 'dags/dag_00.py' }, delayMs: 2000 });
      // hold back some racers' lock calls, so that reads and conditional writes interleave differently
      for (const operation of ['GetObject', 'HeadObject', 'PutObject', 'DeleteObject']) {
        if (random() < 0.6) {
          await w.emu.delay({
            service: 's3',
            operation,
            match: { Key: '.mwaa/lock.json' },
            after: Math.floor(random() * 4),
            times: 1 + Math.floor(random() * 2),
            delayMs: 200 + Math.floor(random() * 1300),
          });
        }
      }
      const started: Array<Promise<{ code: number | null; stdout: string; stderr: string }>> = [];
      for (let i = 0; i < RACERS; i++) {
        started.push(push());
        await new Promise((r) => setTimeout(r, Math.floor(random() * (300 / RACERS))));
      }
      const results = await Promise.all(started);
      await w.emu.clearFaults();

      const winners = results.filter((r) => r.code === 0);
      const losers = results.filter((r) => r.code !== 0);
      for (const loser of losers) {
        expect(loser.code, loser.stderr).toBe(1);
        // with --json the error is the last line on stdout
        const error = JSON.parse(loser.stdout.trim().split('\n').at(-1) ?? '{}').error as { code: string; message: string };
        expect(error.code, loser.stdout).toBe('deploy.locked');
        expect(error.message).toMatch(
          /the deploy lock of s3:\/\/deploy-test-bucket is held by \S+ \(pid \d+, mwaa .*dags push, release \S+, since /,
        );
      }
      // Two pushes may both deploy only one after the other (a racer that starts late takes the lock
      // once the winner released it): a push plans again under the lock, so the later release's base is
      // the earlier one. Two releases on the same base would mean both held the lock at once.
      expect(winners.length, results.map((r) => `exit ${r.code}: ${r.stderr}`).join('\n---\n')).toBeGreaterThanOrEqual(1);
      const released = winners
        .map((r) => JSON.parse(r.stdout) as { id: string; base?: string; status: string; dags: Record<string, { versionId: string }> })
        .sort((a, b) => (a.id < b.id ? -1 : 1));
      for (let k = 1; k < released.length; k++) expect(released[k].base, 'two pushes held the lock at once').toBe(released[k - 1].id);
      if (winners.length === 1) singleWinnerRounds++;
      const release = released[released.length - 1];
      for (const r of released) expect(r.status).toBe('succeeded');

      // the history: the last winner's release is current; nothing of this round was rolled back
      const list = JSON.parse((await w.cli(['--json', 'releases', 'list'])).stdout) as {
        current: string;
        releases: Array<{ id: string; status: string; message?: string }>;
      };
      expect(list.current).toBe(release.id);
      const newest = list.releases.filter((r) => r.id >= released[0].id);
      expect(newest.map((r) => [r.id, r.status]).sort()).toEqual(released.map((r) => [r.id, 'succeeded']));
      expect(list.releases.filter((r) => r.status !== 'succeeded')).toEqual([]);

      // the bucket is the last winner's release, and no lock is left (the stale one did not come back)
      const s = await snapshot(w.emu);
      for (const [key, state] of Object.entries(release.dags)) expect(s.latest[key], key).toBe(state.versionId);
      expect(await objectText(w.emu, 'dags/dag_00.py')).toBe(dagFile('dag_0', `# round ${round}\n`));
      expect(await objectText(w.emu, '.mwaa/lock.json')).toBeUndefined();
    });
  }

  it('the rounds really raced: in most of them exactly one push deployed', () => {
    expect(singleWinnerRounds).toBeGreaterThanOrEqual(ROUNDS / 2);
  });
});
