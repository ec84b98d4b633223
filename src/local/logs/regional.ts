/**
 * CloudWatch Logs state per region, as AWS keeps it: one LogsStoreImpl per region, created when the
 * region is first used. Callers of the API get the store of their credential scope's region
 * (handler.ts); the other services write an environment's logs into the environment's region.
 *
 * Persistence stays one journal store named "logs": a record of a region other than the default one
 * carries `r: <region>` (records without `r`, including every record written before regions existed,
 * belong to the default region). The snapshot is the default region's snapshot with the others under
 * `regions: {<region>: snapshot}`.
 */
import type { Clock, LogsStore, Persist } from '../contract.js';
import { LogsStoreImpl } from './store.js';

export class RegionalLogsStore implements LogsStore {
  readonly name = 'logs';
  private readonly home: LogsStoreImpl;
  private readonly others = new Map<string, LogsStoreImpl>();

  constructor(
    private readonly persist: Persist,
    private readonly clock: Clock,
    readonly defaultRegion: string,
  ) {
    this.home = new LogsStoreImpl(persist, clock);
  }

  /** The store of one region. */
  inRegion(region: string): LogsStoreImpl {
    if (region === this.defaultRegion) return this.home;
    let s = this.others.get(region);
    if (!s) {
      const persist = this.persist;
      const tagged: Persist = {
        blobs: persist.blobs,
        append: (store, op, data) => persist.append(store, op, { ...(data as object), r: region }),
      };
      s = new LogsStoreImpl(tagged, this.clock);
      this.others.set(region, s);
    }
    return s;
  }

  /** The regions that have a store (the default one always). */
  regions(): string[] {
    return [this.defaultRegion, ...[...this.others.keys()].sort()];
  }

  /**
   * Where a write without a region goes: the region that has the group (the MWAA store creates an
   * environment's groups in its region first), else the default region.
   */
  private forGroup(group: string, region: string | undefined): LogsStoreImpl {
    if (region !== undefined) return this.inRegion(region);
    if (this.home.getGroup(group)) return this.home;
    for (const s of this.others.values()) if (s.getGroup(group)) return s;
    return this.home;
  }

  ensureGroup(group: string, region?: string): void {
    this.forGroup(group, region).ensureGroup(group);
  }

  ensureStream(group: string, stream: string, region?: string): void {
    this.forGroup(group, region).ensureStream(group, stream);
  }

  write(group: string, stream: string, events: Array<{ timestamp: number; message: string }>, region?: string): void {
    this.forGroup(group, region).write(group, stream, events);
  }

  deleteGroup(group: string, region?: string): void {
    this.forGroup(group, region).deleteGroup(group);
  }

  snapshot(): unknown {
    const base = this.home.snapshot();
    if (this.others.size === 0) return base;
    const regions: Record<string, unknown> = {};
    for (const [r, s] of this.others) regions[r] = s.snapshot();
    return { ...base, regions };
  }

  restore(snapshot: unknown): void {
    this.others.clear();
    this.home.restore(snapshot);
    const regions = (snapshot as { regions?: Record<string, unknown> } | null | undefined)?.regions;
    if (regions && typeof regions === 'object') {
      for (const [r, snap] of Object.entries(regions)) this.inRegion(r).restore(snap);
    }
  }

  replay(op: string, data: unknown): void {
    const r = (data as { r?: unknown } | null)?.r;
    (typeof r === 'string' ? this.inRegion(r) : this.home).replay(op, data);
  }
}
