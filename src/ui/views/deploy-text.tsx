/**
 * Plain-text renderings of deploy plans, release lists and release records (no ink, no React: this
 * module is loaded on every deploy command, the live view only on a terminal).
 */
import type { ChalkInstance } from 'chalk';
import { formatDuration } from '../../core/duration.js';
import type { ReleaseRecord, ReleaseSummary } from '../../core/deploy/records.js';
import type { PlanJson } from '../../core/deploy/plan.js';
import type { RollbackPlan } from '../../core/deploy/rollback.js';
import { table } from '../io.js';

export type { PlanJson } from '../../core/deploy/plan.js';

const DRIFT_TEXT: Record<string, string> = {
  'changed-outside': 'changed outside mwaa since the last release',
  'deleted-outside': 'deleted outside mwaa since the last release',
  'added-outside': 'added outside mwaa (not in the last release)',
};

export function bytes(n: number): string {
  if (n < 1024) return `${n} B`;
  if (n < 1024 * 1024) return `${(n / 1024).toFixed(1)} KiB`;
  if (n < 1024 * 1024 * 1024) return `${(n / 1024 / 1024).toFixed(1)} MiB`;
  return `${(n / 1024 / 1024 / 1024).toFixed(2)} GiB`;
}

function capped(lines: string[], max: number | undefined, style: ChalkInstance): string[] {
  if (max === undefined || lines.length <= max) return lines;
  return [...lines.slice(0, max), style.dim(`  … and ${lines.length - max} more (\`mwaa dags diff\` lists them all)`)];
}

export function renderPlan(plan: PlanJson, style: ChalkInstance, options: { maxLines?: number; pruneKept?: boolean } = {}): string {
  const out: string[] = [];
  out.push(style.bold(`Plan for ${plan.environment} (s3://${plan.bucket}/${plan.dagPrefix ?? ''}):`));
  const driftByKey = new Map(plan.drift.map((d) => [d.key, d.kind]));
  const mark = (key: string) => (driftByKey.has(key) ? style.yellow(`  ! ${DRIFT_TEXT[driftByKey.get(key) as string]}`) : '');
  const fileLines = [
    ...plan.added.map((a) => `${style.green(`  + ${a.key}`)}${mark(a.key)}`),
    ...plan.changed.map((c) => `${style.yellow(`  ~ ${c.key}`)}${mark(c.key)}`),
    ...plan.removed.map((r) => `${style.red(`  - ${r.key}`)}${mark(r.key)}`),
  ];
  out.push(...capped(fileLines, options.maxLines, style));
  if (plan.kept.length > 0)
    out.push(style.dim(`  ${plan.kept.length} remote-only file${plan.kept.length === 1 ? '' : 's'} kept (--no-prune)`));
  if (plan.adopted.length > 0)
    out.push(
      style.dim(
        `  ${plan.adopted.length} file${plan.adopted.length === 1 ? '' : 's'} already in the bucket with the same bytes (adopted, not uploaded)`,
      ),
    );
  for (const a of plan.artifacts) {
    out.push(`  ${a.change ? style.yellow('~') : ' '} ${a.key}: ${a.reason}`);
  }
  if (plan.drift.length > 0) {
    out.push(
      style.yellow(
        `  drift: ${plan.drift.length} object${plan.drift.length === 1 ? ' was' : 's were'} changed outside mwaa; pushing overwrites ${plan.drift.length === 1 ? 'it' : 'them'}`,
      ),
    );
  }
  const c = plan.counts;
  out.push(`Summary: ${c.added} added, ${c.changed} changed, ${c.removed} removed, ${c.unchanged} unchanged`);
  out.push(`Environment update needed: ${plan.envUpdate.needed ? `yes — ${plan.envUpdate.reasons.join('; ')}` : 'no'}`);
  if (plan.empty) out.push(style.green('Nothing to deploy: the bucket and the environment match the project.'));
  return out.join('\n');
}

export function renderRollbackPlan(plan: RollbackPlan, style: ChalkInstance, options: { maxLines?: number } = {}): string {
  const out: string[] = [];
  out.push(style.bold(`Rollback of ${plan.environment} to release ${plan.target}${plan.current ? ` (current: ${plan.current})` : ''}:`));
  const lines = [
    ...plan.restore.map((r) => style.yellow(`  ~ ${r.key}  ← version ${r.versionId}`)),
    ...plan.remove.map((k) => style.red(`  - ${k}`)),
  ];
  out.push(...capped(lines, options.maxLines, style));
  for (const a of plan.artifacts) out.push(style.yellow(`  ~ ${a.key}: re-pin ${a.from ? `version ${a.from} → ` : ''}${a.to}`));
  for (const k of plan.kept) out.push(style.dim(`  the environment keeps ${k} (the release did not use it; MWAA cannot remove it)`));
  out.push(`Summary: ${plan.restore.length} restored, ${plan.remove.length} removed, ${plan.unchanged} unchanged`);
  out.push(`Environment update needed: ${plan.artifacts.length > 0 ? 'yes' : 'no'}`);
  if (plan.empty) out.push(style.green(`Nothing to do: the environment already matches release ${plan.target}.`));
  return out.join('\n');
}

function when(iso: string | undefined): string {
  if (!iso) return '';
  return iso.replace('T', ' ').replace(/\.\d+Z$/, 'Z');
}

/**
 * The release list. A release `in-progress` is either running (its deploy holds the lock: `running`)
 * or unfinished (its process ended before it recorded how it ended; `mwaa recover` finishes it).
 */
export function renderReleaseList(releases: ReleaseSummary[], current: string | undefined, style: ChalkInstance, running?: string): string {
  if (releases.length === 0) return 'No releases yet (deploy one with `mwaa dags push`).';
  const rows = [['ID', 'STARTED', 'STATUS', 'FILES (+/~/-)', 'ENV UPDATE', 'COMMIT', 'MESSAGE']];
  const unfinished: string[] = [];
  for (const r of releases) {
    const open = r.status === 'in-progress' || r.status === 'rollback-incomplete';
    if (open && r.id !== running) unfinished.push(r.id);
    const label = r.status === 'in-progress' ? (r.id === running ? 'in-progress (running)' : 'unfinished') : r.status;
    const status = r.id === current ? `${label} (current)` : label;
    const colored =
      r.status === 'succeeded'
        ? style.green(status)
        : r.status === 'rolled-back'
          ? style.yellow(status)
          : r.status === 'in-progress'
            ? style.cyan(status)
            : style.red(status);
    rows.push([
      r.id,
      when(r.startedAt),
      colored,
      `${r.counts.added}/${r.counts.changed}/${r.counts.removed}`,
      r.envUpdate ? 'yes' : 'no',
      r.commit ? r.commit.slice(0, 8) : '',
      r.kind === 'rollback' ? `${r.message ?? `rollback to ${r.target}`}` : (r.message ?? ''),
    ]);
  }
  const list = table(rows, style);
  if (unfinished.length === 0) return list;
  return `${list}\n\n${unfinished.join(', ')}: the deploy ended before recording how it ended (the bucket may already be restored); \`mwaa recover\` checks and finishes ${unfinished.length === 1 ? 'it' : 'them'}.`;
}

export function renderRelease(r: ReleaseRecord, current: string | undefined, style: ChalkInstance): string {
  const out: string[] = [];
  out.push(style.bold(`Release ${r.id}${r.id === current ? ' (current)' : ''}`));
  const row = (k: string, v: string | undefined) => {
    if (v !== undefined && v !== '') out.push(`  ${`${k}:`.padEnd(14)} ${v}`);
  };
  row('kind', r.kind === 'rollback' ? `rollback to ${r.target}` : 'push');
  row('status', r.status);
  row('environment', `${r.environment} (s3://${r.bucket}/${r.dagPrefix})`);
  row('started', when(r.startedAt));
  row('finished', when(r.finishedAt));
  row('by', `${r.actor.user}@${r.actor.host}`);
  row('message', r.message);
  if (r.git)
    row(
      'git',
      `${r.git.commit}${r.git.branch ? ` (${r.git.branch})` : ''}${r.git.dirty ? ' with uncommitted changes' : ''}${r.git.author ? ` — ${r.git.author}` : ''}`,
    );
  row('changes', `${r.counts.added} added, ${r.counts.changed} changed, ${r.counts.removed} removed, ${r.counts.unchanged} unchanged`);
  row('env update', r.envUpdate.needed ? `yes — ${r.envUpdate.reasons.join('; ')}` : 'no');
  const d = r.durations ?? {};
  const parts = Object.entries(d).map(([k, v]) => `${k.replace(/Ms$/, '')} ${formatDuration(v)}`);
  row('durations', parts.join(', '));
  row('reason', r.reason);
  if (r.left?.length) {
    out.push('  left:');
    for (const l of r.left) out.push(`    - ${l}`);
  }
  const arts = Object.entries(r.artifacts);
  if (arts.length > 0) {
    out.push('Artifacts:');
    out.push(
      table([
        ['KIND', 'KEY', 'VERSION', 'SHA256'],
        ...arts.map(([k, a]) => [k, a?.key ?? '', a?.versionId ?? '', a?.sha256 ? a.sha256.slice(0, 16) : '?']),
      ]).replace(/^/gm, '  '),
    );
  }
  const keys = Object.entries(r.dags);
  out.push(`DAG files (${keys.length}):`);
  if (keys.length > 0)
    out.push(
      table([
        ['KEY', 'VERSION', 'SHA256', 'SIZE'],
        ...keys.map(([k, s]) => [k, s.versionId, s.sha256 ? s.sha256.slice(0, 16) : '?', bytes(s.size)]),
      ]).replace(/^/gm, '  '),
    );
  return out.join('\n');
}
