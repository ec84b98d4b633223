/**
 * The CloudWatch Logs store: log groups -> log streams -> events.
 *
 * Every event gets a store-wide sequence number `seq` (1, 2, 3, … in write order). Events are kept
 * sorted by (timestamp, seq) twice: per stream (GetLogEvents) and per group (FilterLogEvents without a
 * stream selection); both lists share the same event objects.
 *
 * Persistence: every mutation is validated, then journalled with persist.append('logs', op, data),
 * then applied by the same function replay() uses, so replaying the journal rebuilds exactly the same
 * state (including sequence numbers, hence event ids and pagination tokens). Journal records:
 *   createGroup  {g, t, k?, c?}         t = creationTime, k = kmsKeyId, c = logGroupClass (absent: STANDARD)
 *   deleteGroup  {g}
 *   createStream {g, s, t}
 *   deleteStream {g, s}
 *   put          {g, s, t, e: [[timestamp, message], ...]}   t = ingestionTime; one record per batch.
 *                The group and the stream are created (creationTime t) when missing (store.write()).
 *   retention    {g, d}                 d = retentionInDays, or null to remove the policy
 */
import type { Clock, LogsStore, Persist } from '../contract.js';
import { SortedEvents, cmpKey, lowerBoundStr } from './sorted.js';

export interface EventRec {
  ts: number;
  seq: number;
  /** ingestion time */
  ing: number;
  msg: string;
  /** UTF-8 byte length of msg */
  size: number;
  stream: StreamRec;
}

export interface StreamRec {
  name: string;
  group: GroupRec;
  created: number;
  events: SortedEvents<EventRec>;
  lastIngestion?: number;
  /** the seq of the last batch written (for uploadSequenceToken) */
  lastSeq: number;
  bytes: number;
}

export interface GroupRec {
  name: string;
  created: number;
  /** CreateLogGroup's kmsKeyId (returned by DescribeLogGroups; nothing is encrypted) */
  kmsKeyId?: string;
  /** CreateLogGroup's logGroupClass when not STANDARD */
  logGroupClass?: string;
  retentionDays?: number;
  streams: Map<string, StreamRec>;
  /** stream names, sorted */
  streamNames: string[];
  events: SortedEvents<EventRec>;
  bytes: number;
}

interface SnapshotV1 {
  v: 1;
  seq: number;
  groups: Array<{
    n: string;
    t: number;
    r?: number;
    k?: string;
    c?: string;
    s: Array<{ n: string; t: number; li?: number; ls: number; e: Array<[number, number, number, string]> }>;
  }>;
}

const byteLength = (s: string): number => Buffer.byteLength(s, 'utf8');

export class LogsStoreImpl implements LogsStore {
  readonly name = 'logs';
  private groups = new Map<string, GroupRec>();
  /** group names, sorted */
  private groupNames: string[] = [];
  private seq = 0;

  constructor(
    private readonly persist: Persist,
    private readonly clock: Clock,
  ) {}

  now(): number {
    return this.clock.now();
  }

  // ------------------------------------------------------------------ reads

  /** The sequence number of the last event written (0 when none): events with a larger one are newer. */
  lastSeq(): number {
    return this.seq;
  }

  getGroup(name: string): GroupRec | undefined {
    return this.groups.get(name);
  }

  /** Group names >= from (ascending), starting with prefix when given. */
  sortedGroupNames(): readonly string[] {
    return this.groupNames;
  }

  // ------------------------------------------------------------------ mutations (journalled)

  /** Creates a group; false when it exists already. */
  createGroup(name: string, options: { kmsKeyId?: string; logGroupClass?: string } = {}): boolean {
    if (this.groups.has(name)) return false;
    const cls = options.logGroupClass !== undefined && options.logGroupClass !== 'STANDARD' ? options.logGroupClass : undefined;
    this.commit('createGroup', {
      g: name,
      t: this.clock.now(),
      ...(options.kmsKeyId !== undefined ? { k: options.kmsKeyId } : {}),
      ...(cls ? { c: cls } : {}),
    });
    return true;
  }

  /** Deletes a group; false when it does not exist. */
  removeGroup(name: string): boolean {
    if (!this.groups.has(name)) return false;
    this.commit('deleteGroup', { g: name });
    return true;
  }

  /** Creates a stream; 'noGroup' or 'exists' when it cannot. */
  createStream(group: string, stream: string): 'ok' | 'noGroup' | 'exists' {
    const g = this.groups.get(group);
    if (!g) return 'noGroup';
    if (g.streams.has(stream)) return 'exists';
    this.commit('createStream', { g: group, s: stream, t: this.clock.now() });
    return 'ok';
  }

  removeStream(group: string, stream: string): 'ok' | 'noGroup' | 'noStream' {
    const g = this.groups.get(group);
    if (!g) return 'noGroup';
    if (!g.streams.has(stream)) return 'noStream';
    this.commit('deleteStream', { g: group, s: stream });
    return 'ok';
  }

  setRetention(group: string, days: number | null): boolean {
    if (!this.groups.has(group)) return false;
    this.commit('retention', { g: group, d: days });
    return true;
  }

  /**
   * Appends a batch (already sorted by timestamp) to an existing or missing stream; one journal record.
   * Returns the stream.
   */
  putBatch(group: string, stream: string, events: ReadonlyArray<readonly [number, string]>): StreamRec {
    const t = this.clock.now();
    this.commit('put', { g: group, s: stream, t, e: events });
    return this.groups.get(group)!.streams.get(stream)!;
  }

  // ------------------------------------------------------------------ LogsStore (for MWAA / Airflow)

  ensureGroup(group: string): void {
    if (!this.groups.has(group)) this.commit('createGroup', { g: group, t: this.clock.now() });
  }

  ensureStream(group: string, stream: string): void {
    this.ensureGroup(group);
    if (!this.groups.get(group)!.streams.has(stream)) {
      this.commit('createStream', { g: group, s: stream, t: this.clock.now() });
    }
  }

  /**
   * Appends events; creates the group and stream when missing. Events need not be sorted (they are
   * sorted by timestamp, keeping the given order for equal timestamps). Timestamps are rounded down
   * to whole milliseconds and negative ones are clamped to 0.
   */
  write(group: string, stream: string, events: Array<{ timestamp: number; message: string }>): void {
    if (events.length === 0) {
      this.ensureStream(group, stream);
      return;
    }
    const batch: Array<[number, string]> = events.map((e) => [
      Number.isFinite(e.timestamp) ? Math.max(0, Math.floor(e.timestamp)) : 0,
      String(e.message),
    ]);
    let sorted = true;
    for (let i = 1; i < batch.length; i++) {
      if (batch[i][0] < batch[i - 1][0]) {
        sorted = false;
        break;
      }
    }
    if (!sorted) {
      const indexed = batch.map((b, i) => [b, i] as const);
      indexed.sort((a, b) => a[0][0] - b[0][0] || a[1] - b[1]);
      batch.splice(0, batch.length, ...indexed.map((x) => x[0]));
    }
    this.putBatch(group, stream, batch);
  }

  deleteGroup(group: string): void {
    this.removeGroup(group);
  }

  // ------------------------------------------------------------------ persistence

  private commit(op: string, data: unknown): void {
    this.persist.append(this.name, op, data);
    this.apply(op, data);
  }

  replay(op: string, data: unknown): void {
    this.apply(op, data);
  }

  private apply(op: string, data: unknown): void {
    const d = data as Record<string, unknown>;
    if (typeof d !== 'object' || d === null || typeof d.g !== 'string') throw new Error(`logs: bad ${op} record`);
    const groupName = d.g;
    switch (op) {
      case 'createGroup': {
        const g = this.applyCreateGroup(groupName, num(d.t));
        if (typeof d.k === 'string') g.kmsKeyId = d.k;
        if (typeof d.c === 'string') g.logGroupClass = d.c;
        return;
      }
      case 'deleteGroup':
        if (this.groups.delete(groupName)) {
          this.groupNames.splice(lowerBoundStr(this.groupNames, groupName), 1);
        }
        return;
      case 'createStream': {
        const g = this.applyCreateGroup(groupName, num(d.t));
        this.applyCreateStream(g, str(d.s), num(d.t));
        return;
      }
      case 'deleteStream': {
        const g = this.groups.get(groupName);
        const s = g?.streams.get(str(d.s));
        if (!g || !s) return;
        g.streams.delete(s.name);
        g.streamNames.splice(lowerBoundStr(g.streamNames, s.name), 1);
        g.events.removeWhere((e) => e.stream === s);
        g.bytes -= s.bytes;
        return;
      }
      case 'retention': {
        const g = this.groups.get(groupName);
        if (!g) return;
        if (typeof d.d === 'number') g.retentionDays = d.d;
        else delete g.retentionDays;
        return;
      }
      case 'put': {
        const t = num(d.t);
        if (!Array.isArray(d.e)) throw new Error('logs: bad put record');
        const g = this.applyCreateGroup(groupName, t);
        const s = this.applyCreateStream(g, str(d.s), t);
        for (const item of d.e as unknown[]) {
          if (!Array.isArray(item) || typeof item[0] !== 'number' || typeof item[1] !== 'string') {
            throw new Error('logs: bad event in put record');
          }
          this.addEvent(s, item[0], ++this.seq, t, item[1]);
        }
        s.lastIngestion = t;
        s.lastSeq = this.seq;
        return;
      }
      default:
        throw new Error(`logs: unknown journal op ${op}`);
    }
  }

  private applyCreateGroup(name: string, t: number): GroupRec {
    let g = this.groups.get(name);
    if (!g) {
      g = { name, created: t, streams: new Map(), streamNames: [], events: new SortedEvents(), bytes: 0 };
      this.groups.set(name, g);
      this.groupNames.splice(lowerBoundStr(this.groupNames, name), 0, name);
    }
    return g;
  }

  private applyCreateStream(g: GroupRec, name: string, t: number): StreamRec {
    let s = g.streams.get(name);
    if (!s) {
      s = { name, group: g, created: t, events: new SortedEvents(), lastSeq: 0, bytes: 0 };
      g.streams.set(name, s);
      g.streamNames.splice(lowerBoundStr(g.streamNames, name), 0, name);
    }
    return s;
  }

  private addEvent(s: StreamRec, ts: number, seq: number, ing: number, msg: string): void {
    const size = byteLength(msg);
    const e: EventRec = { ts, seq, ing, msg, size, stream: s };
    s.events.insert(e);
    s.group.events.insert(e);
    s.bytes += size;
    s.group.bytes += size;
  }

  snapshot(): SnapshotV1 {
    const groups: SnapshotV1['groups'] = [];
    for (const gn of this.groupNames) {
      const g = this.groups.get(gn)!;
      const streams: SnapshotV1['groups'][number]['s'] = [];
      for (const sn of g.streamNames) {
        const s = g.streams.get(sn)!;
        const e: Array<[number, number, number, string]> = [];
        for (const ev of s.events.all()) e.push([ev.ts, ev.seq, ev.ing, ev.msg]);
        streams.push({ n: s.name, t: s.created, ...(s.lastIngestion !== undefined ? { li: s.lastIngestion } : {}), ls: s.lastSeq, e });
      }
      groups.push({
        n: g.name,
        t: g.created,
        ...(g.retentionDays !== undefined ? { r: g.retentionDays } : {}),
        ...(g.kmsKeyId !== undefined ? { k: g.kmsKeyId } : {}),
        ...(g.logGroupClass !== undefined ? { c: g.logGroupClass } : {}),
        s: streams,
      });
    }
    return { v: 1, seq: this.seq, groups };
  }

  restore(snapshot: unknown): void {
    this.groups = new Map();
    this.groupNames = [];
    this.seq = 0;
    if (snapshot === undefined || snapshot === null) return;
    const snap = snapshot as SnapshotV1;
    if (snap.v !== 1 || !Array.isArray(snap.groups)) throw new Error('logs: unknown snapshot format');
    this.seq = num(snap.seq);
    for (const gs of snap.groups) {
      const g = this.applyCreateGroup(str(gs.n), num(gs.t));
      if (typeof gs.r === 'number') g.retentionDays = gs.r;
      if (typeof gs.k === 'string') g.kmsKeyId = gs.k;
      if (typeof gs.c === 'string') g.logGroupClass = gs.c;
      const all: EventRec[] = [];
      for (const ss of gs.s) {
        const s = this.applyCreateStream(g, str(ss.n), num(ss.t));
        if (typeof ss.li === 'number') s.lastIngestion = ss.li;
        s.lastSeq = typeof ss.ls === 'number' ? ss.ls : 0;
        const list: EventRec[] = [];
        for (const [ts, seq, ing, msg] of ss.e) {
          const size = byteLength(msg);
          list.push({ ts: num(ts), seq: num(seq), ing: num(ing), msg: str(msg), size, stream: s });
          s.bytes += size;
        }
        list.sort(cmpKey);
        s.events.load(list);
        g.bytes += s.bytes;
        for (const e of list) all.push(e);
      }
      all.sort(cmpKey);
      g.events.load(all);
    }
  }
}

function num(v: unknown): number {
  if (typeof v !== 'number' || !Number.isFinite(v)) throw new Error('logs: bad number in record');
  return v;
}

function str(v: unknown): string {
  if (typeof v !== 'string') throw new Error('logs: bad string in record');
  return v;
}
