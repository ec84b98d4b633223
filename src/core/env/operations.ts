/**
 * Environment operations as the CLI runs them: create (validate → bucket pre-flight → refuse an existing
 * environment → CreateEnvironment → wait), update (plan → apply only the changed fields → wait), delete.
 * Every check runs before the first call that changes anything.
 */
import type { EnvironmentInfo, MwaaApi, MwaaTagApi } from '../ports/mwaa.js';
import { requireEnvironment } from '../ports/mwaa.js';
import type { BucketApi } from '../ports/bucket.js';
import type { Clock } from '../clock.js';
import { sourceBucketName, type SelectedEnvironment } from '../config/load.js';
import { FailedError, UsageError } from '../errors.js';
import type { EventSink } from '../events.js';
import { Mutations } from '../mutations.js';
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
  /** the run's record of what it sent: checks the signal before each call that changes something */
  mutations?: Mutations;
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

/** The run's record, or one of this operation's own (core callers without a CLI run). */
function mutationsOf(ports: EnvPorts): Mutations {
  return ports.mutations ?? new Mutations(ports.signal);
}

function followHint(settings: WaitSettings): string {
  return `follow it with \`${settings.resumeCommand ?? 'mwaa env wait'}\``;
}

function waitFor(
  ports: EnvPorts,
  mutations: Mutations,
  name: string,
  settings: WaitSettings,
  extra: Pick<WaitOptions, 'until' | 'expectUpdateSince'>,
) {
  return waitForEnvironment({
    // Ctrl-C while waiting says what was sent (the operation goes on at AWS) and how to follow it
    interrupted: (during) => mutations.interrupted({ during }),
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

  const mutations = mutationsOf(ports);
  const bucket = sourceBucketName(entry);
  if (options.local) await ensureLocalBucket(ports.bucket, bucket, options.region ?? 'us-east-1', ports.events, mutations);
  else await assertSourceBucket(ports.bucket, bucket, options.region, ports.events);

  const existing = await ports.api.getEnvironment(name);
  if (existing) {
    throw new UsageError(`environment ${name} already exists (status ${existing.Status ?? 'unknown'})`, {
      code: 'env.exists',
      hint: 'change it with `mwaa env update` (see the plan with `mwaa env diff`)',
    });
  }
  const creation = {
    description: `CreateEnvironment ${name}`,
    next: `AWS goes on creating environment ${name} (this takes 20–30 minutes on AWS)`,
    hint: `${followHint(options)}; \`mwaa env delete\` removes it once it is created`,
  };
  mutations.checkpoint();
  const start = ports.clock.now();
  ports.events(
    msg(
      'env.create.started',
      { name, bucket, region: options.region },
      `creating environment ${name}` +
        `${input.AirflowVersion ? ` (Airflow ${input.AirflowVersion}` : " (Airflow: MWAA's latest"}, ${input.EnvironmentClass ?? 'mw1.small'})` +
        `${options.region ? ` in ${options.region}` : ''}`,
    ),
  );
  const arn = await mutations.send(creation, () => ports.api.createEnvironment(input));
  if (!options.wait) {
    return { name, arn, status: 'CREATING', waited: false, timeline: [], elapsedMs: ports.clock.now() - start };
  }
  const waited = await waitFor(ports, mutations, name, options, { until: 'available' });
  return {
    name,
    arn,
    status: waited.environment?.Status ?? 'AVAILABLE',
    waited: true,
    environment: waited.environment,
    timeline: waited.timeline,
    elapsedMs: waited.elapsedMs,
  };
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
  const mutations = mutationsOf(ports);
  const start = ports.clock.now();
  let since: number | undefined;
  if (plan.update) {
    since = ports.clock.now();
    ports.events(
      msg(
        'env.update.started',
        { name, fields: Object.keys(plan.update).filter((k) => k !== 'Name') },
        `updating environment ${name}: ${Object.keys(plan.update)
          .filter((k) => k !== 'Name')
          .join(', ')}`,
      ),
    );
    const update = plan.update;
    await mutations.send(
      {
        description: `UpdateEnvironment ${name}`,
        next: `AWS goes on updating environment ${name} (this takes 10–30 minutes on AWS)`,
        hint: followHint(settings),
      },
      () => ports.api.updateEnvironment(update),
    );
  }
  const arn = live.Arn;
  if (arn && Object.keys(plan.tags.set).length > 0) {
    await mutations.send({ description: `TagResource ${name}`, next: 'the tags are set', hint: 'see them with `mwaa env show`' }, () =>
      ports.api.tagResource(arn, plan.tags.set),
    );
    ports.events(msg('env.tags.set', { name, tags: plan.tags.set }, `tagged ${name}: ${Object.keys(plan.tags.set).join(', ')}`));
  }
  if (arn && plan.tags.remove.length > 0) {
    await mutations.send(
      { description: `UntagResource ${name}`, next: 'the tags are removed', hint: 'see them with `mwaa env show`' },
      () => ports.api.untagResource(arn, plan.tags.remove),
    );
    ports.events(msg('env.tags.removed', { name, keys: plan.tags.remove }, `removed tags from ${name}: ${plan.tags.remove.join(', ')}`));
  }
  if (!plan.update) {
    return {
      name,
      arn,
      status: live.Status ?? 'AVAILABLE',
      waited: false,
      environment: live,
      timeline: [],
      elapsedMs: ports.clock.now() - start,
    };
  }
  if (!settings.wait) {
    return { name, arn, status: 'UPDATING', waited: false, timeline: [], elapsedMs: ports.clock.now() - start };
  }
  const waited = await waitFor(ports, mutations, name, settings, { until: 'available', expectUpdateSince: since });
  return {
    name,
    arn,
    status: waited.environment?.Status ?? 'AVAILABLE',
    waited: true,
    environment: waited.environment,
    timeline: waited.timeline,
    elapsedMs: waited.elapsedMs,
  };
}

/** DeleteEnvironment (unless it is already DELETING), then waits until it is gone. */
export async function deleteEnvironment(live: EnvironmentInfo, ports: EnvPorts, settings: WaitSettings): Promise<OperationResult> {
  const name = live.Name ?? '';
  const start = ports.clock.now();
  if (!DELETABLE.has(live.Status ?? '')) {
    throw new FailedError(
      'env.busy',
      `environment ${name} is ${live.Status}; MWAA can delete it only once the operation in progress ends`,
      {
        hint: 'wait for it with `mwaa env wait`, then run `mwaa env delete` again',
      },
    );
  }
  const mutations = mutationsOf(ports);
  if (live.Status !== 'DELETING') {
    const sent = mutations.before({
      description: `DeleteEnvironment ${name}`,
      next: `AWS goes on deleting environment ${name}`,
      hint: followHint(settings),
    });
    ports.events(msg('env.delete.started', { name }, `deleting environment ${name}`));
    try {
      await ports.api.deleteEnvironment(name);
      sent.done();
    } catch (error) {
      sent.failed();
      throw error;
    }
  }
  if (!settings.wait) {
    return { name, arn: live.Arn, status: 'DELETING', waited: false, timeline: [], elapsedMs: ports.clock.now() - start };
  }
  const waited = await waitFor(ports, mutations, name, settings, { until: 'deleted' });
  return { name, arn: live.Arn, status: 'DELETED', waited: true, timeline: waited.timeline, elapsedMs: waited.elapsedMs };
}
