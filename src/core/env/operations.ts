/**
 * Environment operations as the CLI runs them: create (validate → bucket pre-flight → refuse an existing
 * environment → CreateEnvironment → wait), update (plan → apply only the changed fields → wait), delete.
 * Every check runs before the first call that changes anything.
 */
import type { EnvironmentInfo, MwaaApi, MwaaTagApi } from '../../aws/mwaa.js';
import { requireEnvironment } from '../../aws/mwaa.js';
import type { BucketApi } from '../../aws/s3-bucket.js';
import type { Clock } from '../clock.js';
import { sourceBucketName, type SelectedEnvironment } from '../config/load.js';
import { FailedError, UsageError } from '../errors.js';
import type { EventSink } from '../events.js';
import { assertSourceBucket, ensureLocalBucket } from './bucket.js';
import { toCreateInput } from './fields.js';
import { withLocalDefaults } from './local.js';
import { planEnvironment, type EnvironmentPlan } from './plan.js';
import { assertValidEnvironment } from './validate.js';
import { waitForEnvironment, type WaitOptions, type WaitResult } from './wait.js';
import { msg } from '../messages.js';

export interface EnvPorts {
  api: MwaaApi & MwaaTagApi;
  bucket: BucketApi;
  clock: Clock;
  events: EventSink;
  signal?: AbortSignal;
}

export interface WaitSettings {
  /** false: return once the request is accepted (`--no-wait`) */
  wait: boolean;
  timeoutMs?: number;
  pollMs?: number;
  resumeCommand?: string;
  onPoll?: WaitOptions['onPoll'];
}

export interface OperationResult {
  name: string;
  arn?: string;
  /** the status at the end (after waiting, or right after the request with --no-wait) */
  status: string;
  waited: boolean;
  environment?: EnvironmentInfo;
  timeline: WaitResult['timeline'];
  elapsedMs: number;
}

/** Statuses in which UpdateEnvironment is accepted. */
const UPDATABLE = new Set(['AVAILABLE', 'UPDATE_FAILED']);
/** Statuses in which DeleteEnvironment is accepted. */
const DELETABLE = new Set(['AVAILABLE', 'UPDATE_FAILED', 'CREATE_FAILED', 'DELETING']);

function waitFor(ports: EnvPorts, name: string, settings: WaitSettings, extra: Pick<WaitOptions, 'until' | 'expectUpdateSince'>) {
  return waitForEnvironment({
    api: ports.api,
    name,
    clock: ports.clock,
    events: ports.events,
    signal: ports.signal,
    timeoutMs: settings.timeoutMs,
    pollMs: settings.pollMs,
    resumeCommand: settings.resumeCommand,
    onPoll: settings.onPoll,
    ...extra,
  });
}

export interface CreateOptions extends WaitSettings {
  region: string | undefined;
  /** the local emulator: fill dummy role/network, create the bucket */
  local: boolean;
}

export async function createEnvironment(selected: SelectedEnvironment, ports: EnvPorts, options: CreateOptions): Promise<OperationResult> {
  const { entry } = selected;
  const name = entry.name;
  assertValidEnvironment(selected, { operation: 'create', local: options.local }, ports.events);
  const settings = options.local ? withLocalDefaults(entry.environment) : entry.environment;
  const input = toCreateInput(entry, options.region, settings);

  const bucket = sourceBucketName(entry);
  if (options.local) await ensureLocalBucket(ports.bucket, bucket, options.region ?? 'us-east-1', ports.events);
  else await assertSourceBucket(ports.bucket, bucket, options.region, ports.events);

  const existing = await ports.api.getEnvironment(name);
  if (existing) {
    throw new UsageError(`environment ${name} already exists (status ${existing.Status ?? 'unknown'})`, {
      code: 'env.exists',
      hint: 'change it with `mwaa env update` (see the plan with `mwaa env diff`)',
    });
  }
  const start = ports.clock.now();
  ports.events(
    msg(
      'env.create.started',
      { name, bucket, region: options.region },
      `creating environment ${name}` +
        `${input.AirflowVersion ? ` (Airflow ${input.AirflowVersion}` : ' (Airflow: MWAA\'s latest'}, ${input.EnvironmentClass ?? 'mw1.small'})` +
        `${options.region ? ` in ${options.region}` : ''}`,
    ),
  );
  const arn = await ports.api.createEnvironment(input);
  if (!options.wait) {
    return { name, arn, status: 'CREATING', waited: false, timeline: [], elapsedMs: ports.clock.now() - start };
  }
  const waited = await waitFor(ports, name, options, { until: 'available' });
  return { name, arn, status: waited.environment?.Status ?? 'AVAILABLE', waited: true, environment: waited.environment, timeline: waited.timeline, elapsedMs: waited.elapsedMs };
}

export interface PreparedUpdate {
  live: EnvironmentInfo;
  plan: EnvironmentPlan;
}

/** Reads the environment, validates mwaa.yaml against it and plans the update. Changes nothing. */
export async function prepareUpdate(
  selected: SelectedEnvironment,
  ports: Pick<EnvPorts, 'api' | 'events'>,
  region: string | undefined,
  operation: 'update' | 'diff',
): Promise<PreparedUpdate> {
  const live = await requireEnvironment(ports.api, selected.entry.name);
  assertValidEnvironment(selected, { operation, live }, ports.events);
  const plan = planEnvironment(selected.entry, live, region);
  if (operation === 'update' && plan.update && !UPDATABLE.has(live.Status ?? '')) {
    throw new FailedError(
      'env.busy',
      `environment ${selected.entry.name} is ${live.Status}; MWAA accepts an update only when it is AVAILABLE or UPDATE_FAILED`,
      { hint: 'wait for it with `mwaa env wait`, then run `mwaa env update` again (nothing was changed)' },
    );
  }
  return { live, plan };
}

/** Applies a plan: UpdateEnvironment with only the changed fields, tags, then waits. */
export async function applyUpdate(prepared: PreparedUpdate, ports: EnvPorts, settings: WaitSettings): Promise<OperationResult> {
  const { live, plan } = prepared;
  const name = plan.name;
  const start = ports.clock.now();
  let since: number | undefined;
  if (plan.update) {
    since = ports.clock.now();
    ports.events(msg('env.update.started', { name, fields: Object.keys(plan.update).filter((k) => k !== 'Name') }, `updating environment ${name}: ${Object.keys(plan.update).filter((k) => k !== 'Name').join(', ')}`));
    await ports.api.updateEnvironment(plan.update);
  }
  const arn = live.Arn;
  if (arn && Object.keys(plan.tags.set).length > 0) {
    await ports.api.tagResource(arn, plan.tags.set);
    ports.events(msg('env.tags.set', { name, tags: plan.tags.set }, `tagged ${name}: ${Object.keys(plan.tags.set).join(', ')}`));
  }
  if (arn && plan.tags.remove.length > 0) {
    await ports.api.untagResource(arn, plan.tags.remove);
    ports.events(msg('env.tags.removed', { name, keys: plan.tags.remove }, `removed tags from ${name}: ${plan.tags.remove.join(', ')}`));
  }
  if (!plan.update) {
    return { name, arn, status: live.Status ?? 'AVAILABLE', waited: false, environment: live, timeline: [], elapsedMs: ports.clock.now() - start };
  }
  if (!settings.wait) {
    return { name, arn, status: 'UPDATING', waited: false, timeline: [], elapsedMs: ports.clock.now() - start };
  }
  const waited = await waitFor(ports, name, settings, { until: 'available', expectUpdateSince: since });
  return { name, arn, status: waited.environment?.Status ?? 'AVAILABLE', waited: true, environment: waited.environment, timeline: waited.timeline, elapsedMs: waited.elapsedMs };
}

/** DeleteEnvironment (unless it is already DELETING), then waits until it is gone. */
export async function deleteEnvironment(live: EnvironmentInfo, ports: EnvPorts, settings: WaitSettings): Promise<OperationResult> {
  const name = live.Name ?? '';
  const start = ports.clock.now();
  if (!DELETABLE.has(live.Status ?? '')) {
    throw new FailedError('env.busy', `environment ${name} is ${live.Status}; MWAA can delete it only once the operation in progress ends`, {
      hint: 'wait for it with `mwaa env wait`, then run `mwaa env delete` again',
    });
  }
  if (live.Status !== 'DELETING') {
    ports.events(msg('env.delete.started', { name }, `deleting environment ${name}`));
    await ports.api.deleteEnvironment(name);
  }
  if (!settings.wait) {
    return { name, arn: live.Arn, status: 'DELETING', waited: false, timeline: [], elapsedMs: ports.clock.now() - start };
  }
  const waited = await waitFor(ports, name, settings, { until: 'deleted' });
  return { name, arn: live.Arn, status: 'DELETED', waited: true, timeline: waited.timeline, elapsedMs: waited.elapsedMs };
}
