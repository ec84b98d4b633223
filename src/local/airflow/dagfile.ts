/**
 * Static extraction of DAGs from a DAG file: a symbolic "execution" of the module (pyparse.ts) that
 * understands the constructs DAG files use — see README.md in this folder for the exact list. It
 * never runs Python; values it cannot know are `unknown` and simply produce nothing.
 */
import { PySyntaxError, parseExpr, parseModule, tokenize, type Expr, type Stmt, type Tok } from './pyparse.js';

export type ScheduleSpec =
  | { kind: 'default' }
  | { kind: 'none' }
  | { kind: 'once' }
  | { kind: 'continuous' }
  | { kind: 'cron'; expr: string }
  | { kind: 'delta'; us: number }
  | { kind: 'dataset'; uris?: string[] }
  | { kind: 'unknown' };

/** ExternalTaskSensor arguments that are statically known (sensor semantics: timeline.ts). */
export interface SensorDef {
  externalDagId?: string;
  /** null: the whole external run */
  externalTaskId?: string | null;
  executionDeltaUs?: number;
  allowedStates?: string[];
  failedStates?: string[];
  mode?: string;
  timeoutUs?: number;
  pokeIntervalUs?: number;
  softFail?: boolean;
}

export interface TaskDef {
  taskId: string;
  operator: string;
  owner?: string;
  triggerRule: string;
  bashCommand?: string;
  pythonCallable?: string;
  /** literal print() arguments in a @task function body */
  prints: string[];
  upstream: string[];
  line: number;
  /** `retries=` / `retry_delay=` of the task (else the DAG's default_args) */
  retries?: number;
  retryDelayUs?: number;
  /** sensor arguments (any *Sensor operator; the external_* ones for ExternalTaskSensor) */
  sensor?: SensorDef;
  /** TriggerDagRunOperator */
  triggerDagId?: string;
  waitForCompletion?: boolean;
  /** `.expand(...)` over a literal list: the number of mapped task instances */
  mapLength?: number;
  /** dataset/asset URIs in `outlets=` */
  outlets?: string[];
}

export interface DagDef {
  dagId: string;
  line: number;
  schedule: ScheduleSpec;
  description: string | null;
  tags: string[];
  defaultOwner?: string;
  defaultStartDate?: number;
  startDate?: number;
  isPausedUponCreation: boolean | null;
  catchup: boolean | null;
  maxActiveRuns: number | null;
  maxActiveTasks: number | null;
  displayName: string | null;
  tasks: Map<string, TaskDef>;
  /** `end_date` of the DAG (or default_args) */
  endDate?: number;
  /** default_args `retries` / `retry_delay` */
  defaultRetries?: number;
  defaultRetryDelayUs?: number;
}

/** A failure of the module import, as Airflow records it in import_errors. */
export interface ImportFailure {
  /** `SyntaxError`, `airflow.exceptions.DuplicateTaskIdFound`, ... */
  type: string;
  message: string;
  lineno: number;
  /** 1-based caret column (0: none); only for syntax errors */
  offset: number;
  syntax: boolean;
  sourceLine: string;
}

export interface ParsedFile {
  dags: DagDef[];
  failure?: ImportFailure;
}

// ---------------------------------------------------------------------------------------------- values

type Val =
  | { v: 'str'; s: string }
  | { v: 'num'; n: number; int: boolean }
  | { v: 'const'; c: null | boolean }
  | { v: 'list'; items: Val[] }
  | { v: 'dict'; m: Map<string, Val> }
  | { v: 'task'; ids: string[]; dag: DagDef }
  | { v: 'taskfn'; name: string; taskId?: string; kind: string; prints: string[] }
  | { v: 'dagfn'; name: string; kwargs: Map<string, Val>; args: Val[]; body: Stmt[]; params: string[] }
  | { v: 'groupfn'; name: string; groupId?: string; body: Stmt[]; params: string[] }
  | { v: 'pyfn'; name: string; body: Stmt[]; params: string[] }
  | { v: 'dag'; dag: DagDef }
  | GroupVal
  | { v: 'timedelta'; us: number }
  | { v: 'datetime'; us: number }
  | { v: 'dataset'; uri?: string }
  | { v: 'ref'; path: string }
  | { v: 'method'; recv: Val; name: string }
  /** a class: its attributes as its body bound them */
  | { v: 'class'; name: string; attrs: Map<string, Val> }
  | { v: 'unknown' };

interface GroupVal {
  v: 'group';
  prefix: string;
  dag?: DagDef;
  ids: string[];
  parent?: GroupVal;
}

const UNK: Val = { v: 'unknown' };
const str = (s: string): Val => ({ v: 'str', s });

class ImportError_ extends Error {
  constructor(
    readonly type: string,
    message: string,
    readonly line: number,
  ) {
    super(message);
  }
}

class Return {
  constructor(readonly value: Val) {}
}

/** `break` / `continue`, unwinding to the loop that runs the body. */
class LoopControl {
  constructor(readonly ctl: 'break' | 'continue') {}
}

const KEY_RE = /^[\w.-]+$/;

function validateKey(k: string, line: number): void {
  if (k.length > 250) throw new ImportError_('airflow.exceptions.AirflowException', `The key has to be less than 250 characters`, line);
  if (!KEY_RE.test(k)) {
    throw new ImportError_(
      'airflow.exceptions.AirflowException',
      `The key ${k.includes("'") && !k.includes('"') ? `"${k}"` : `'${k}'`} has to be made of alphanumeric characters, dashes, dots and underscores exclusively`,
      line,
    );
  }
}

interface Ctx {
  scopes: Array<Map<string, Val>>;
  dag?: DagDef;
  group?: GroupVal;
  depth: number;
}

export interface FileInfo {
  /** absolute path in the environment, e.g. /usr/local/airflow/dags/etl/my_dag.py */
  fileloc: string;
}

export function parseDagFile(source: string, info: FileInfo): ParsedFile {
  let lines: ReturnType<typeof tokenize>['lines'];
  let sourceLines: string[] = source.replace(/\r\n?/g, '\n').split('\n');
  try {
    ({ lines, sourceLines } = tokenize(source));
  } catch (e) {
    if (e instanceof PySyntaxError) {
      return {
        dags: [],
        failure: {
          type: e.kind,
          message: e.msg,
          lineno: e.lineno,
          offset: e.offset,
          syntax: true,
          sourceLine: sourceLines[e.lineno - 1] ?? '',
        },
      };
    }
    throw e;
  }
  const module = parseModule(lines);
  const ev = new Evaluator(info);
  try {
    ev.execBlock(module, { scopes: [ev.globals], depth: 0 });
  } catch (e) {
    if (e instanceof ImportError_) {
      return {
        dags: [],
        failure: { type: e.type, message: e.message, lineno: e.line, offset: 0, syntax: false, sourceLine: sourceLines[e.line - 1] ?? '' },
      };
    }
    if (e instanceof Return || e instanceof LoopControl) {
      // a module-level return (or break) is a SyntaxError in Python; ignore
    } else throw e;
  }
  // module-level globals that hold a DAG are registered too
  for (const v of ev.globals.values()) if (v.v === 'dag') ev.register(v.dag);
  return { dags: ev.registered };
}

class Evaluator {
  globals = new Map<string, Val>();
  registered: DagDef[] = [];
  private steps = 0;

  constructor(readonly info: FileInfo) {
    this.globals.set('__file__', str(info.fileloc));
    this.globals.set('__name__', str(`unusual_prefix_${info.fileloc.replace(/[^\w]/g, '_')}`));
  }

  register(dag: DagDef): void {
    const i = this.registered.findIndex((d) => d.dagId === dag.dagId);
    if (i >= 0) this.registered.splice(i, 1);
    this.registered.push(dag);
  }

  lookup(ctx: Ctx, name: string): Val {
    for (let i = ctx.scopes.length - 1; i >= 0; i--) {
      const v = ctx.scopes[i].get(name);
      if (v) return v;
    }
    if (
      name === 'range' ||
      name === 'chain' ||
      name === 'cross_downstream' ||
      name === 'str' ||
      name === 'dict' ||
      name === 'list' ||
      name === 'len'
    ) {
      return { v: 'ref', path: name };
    }
    return { v: 'ref', path: name };
  }

  bind(ctx: Ctx, target: Expr, val: Val): void {
    if (target.t === 'name') ctx.scopes[ctx.scopes.length - 1].set(target.id, val);
    else if ((target.t === 'tuple' || target.t === 'list') && val.v === 'list') {
      target.items.forEach((t, i) => {
        this.bind(ctx, t, val.items[i] ?? UNK);
      });
    } else if (target.t === 'tuple' || target.t === 'list') {
      for (const t of target.items) this.bind(ctx, t, UNK);
    }
  }

  execBlock(stmts: Stmt[], ctx: Ctx): void {
    for (const s of stmts) this.exec(s, ctx);
  }

  exec(s: Stmt, ctx: Ctx): void {
    if (++this.steps > 200_000) return;
    switch (s.k) {
      case 'import':
        for (const n of s.names)
          ctx.scopes[ctx.scopes.length - 1].set(n.as, { v: 'ref', path: n.as === n.name.split('.')[0] ? n.as : n.name });
        return;
      case 'assign': {
        const val = this.eval(s.value, ctx);
        for (const t of s.targets) this.bind(ctx, t, val);
        return;
      }
      case 'expr':
        this.eval(s.e, ctx);
        return;
      case 'return':
        throw new Return(this.eval(s.e, ctx));
      case 'loop':
        throw new LoopControl(s.ctl);
      case 'with': {
        const inner: Ctx = { ...ctx };
        for (const item of s.items) {
          const v = this.eval(item.e, inner);
          if (v.v === 'dag') {
            inner.dag = v.dag;
            inner.group = undefined;
            this.register(v.dag);
          } else if (v.v === 'group') {
            inner.group = v;
            if (v.dag) inner.dag = v.dag;
          }
          if (item.as) this.bind(ctx, item.as, v);
        }
        this.execBlock(s.body, inner);
        return;
      }
      case 'def': {
        ctx.scopes[ctx.scopes.length - 1].set(s.name, this.defineFunction(s, ctx));
        return;
      }
      case 'class': {
        // the body runs in a scope of its own: `Config.DAG_ID` is then the value it bound
        const attrs = new Map<string, Val>();
        this.execBlock(s.body, { ...ctx, scopes: [...ctx.scopes, attrs] });
        ctx.scopes[ctx.scopes.length - 1].set(s.name, { v: 'class', name: s.name, attrs });
        return;
      }
      case 'if': {
        const c = this.truthy(this.eval(s.cond, ctx));
        if (c === false) this.execBlock(s.orelse, ctx);
        else this.execBlock(s.body, ctx);
        return;
      }
      case 'for': {
        const it = this.eval(s.iter, ctx);
        if (it.v !== 'list' && !(it.v === 'dict')) return;
        const items = it.v === 'list' ? it.items : [...it.m.keys()].map(str);
        for (const item of items.slice(0, 1000)) {
          this.bind(ctx, s.target, item);
          try {
            this.execBlock(s.body, ctx);
          } catch (e) {
            if (!(e instanceof LoopControl)) throw e;
            if (e.ctl === 'break') break;
          }
        }
        return;
      }
      case 'try':
        this.execBlock(s.body, ctx);
        this.execBlock(s.rest, ctx);
        return;
      default:
        return;
    }
  }

  defineFunction(s: Extract<Stmt, { k: 'def' }>, ctx: Ctx): Val {
    for (const dec of s.decorators) {
      const callee = dec.t === 'call' ? dec.fn : dec;
      const path = this.pathOf(callee, ctx);
      const kw = new Map<string, Val>();
      const args: Val[] = [];
      if (dec.t === 'call') {
        for (const [k, e] of dec.kwargs) if (k) kw.set(k, this.eval(e, ctx));
        for (const a of dec.args) args.push(this.eval(a, ctx));
      }
      const segs = path.split('.');
      const last = segs[segs.length - 1];
      if (last === 'dag' || path === 'airflow.decorators.dag' || path === 'airflow.sdk.dag') {
        return { v: 'dagfn', name: s.name, kwargs: kw, args, body: s.body, params: s.params };
      }
      if (last === 'task_group') {
        const gid = kw.get('group_id') ?? args[0];
        return { v: 'groupfn', name: s.name, groupId: gid?.v === 'str' ? gid.s : undefined, body: s.body, params: s.params };
      }
      const taskIdx = segs.lastIndexOf('task');
      if (taskIdx >= 0 && taskIdx >= segs.length - 2) {
        const kind = taskIdx === segs.length - 2 ? segs[segs.length - 1] : 'python';
        const tid = kw.get('task_id');
        return { v: 'taskfn', name: s.name, taskId: tid?.v === 'str' ? tid.s : undefined, kind, prints: this.printsOf(s.body) };
      }
    }
    return { v: 'pyfn', name: s.name, body: s.body, params: s.params };
  }

  printsOf(body: Stmt[]): string[] {
    const out: string[] = [];
    const walk = (stmts: Stmt[]): void => {
      for (const st of stmts) {
        if (st.k === 'expr' && st.e.t === 'call' && st.e.fn.t === 'name' && st.e.fn.id === 'print') {
          const parts = st.e.args.map((a) => (a.t === 'str' && !a.f ? a.v : a.t === 'num' ? a.v : undefined));
          if (parts.every((p) => p !== undefined)) out.push(parts.join(' '));
        }
        if (st.k === 'if' || st.k === 'for' || st.k === 'with' || st.k === 'try') walk(st.body);
      }
    };
    walk(body);
    return out.slice(0, 50);
  }

  truthy(v: Val): boolean | undefined {
    switch (v.v) {
      case 'str':
        return v.s !== '';
      case 'num':
        return v.n !== 0;
      case 'const':
        return !!v.c;
      case 'list':
        return v.items.length > 0;
      case 'dict':
        return v.m.size > 0;
      case 'unknown':
      case 'ref':
        return undefined;
      default:
        return true;
    }
  }

  pathOf(e: Expr, ctx: Ctx): string {
    const v = this.eval(e, ctx);
    return v.v === 'ref' ? v.path : '';
  }

  eval(e: Expr, ctx: Ctx): Val {
    switch (e.t) {
      case 'name':
        return this.lookup(ctx, e.id);
      case 'str':
        return e.f ? this.fstring(e.v, ctx) : str(e.v);
      case 'num': {
        const t = e.v.replace(/_/g, '');
        if (/^\d+$/.test(t)) return { v: 'num', n: Number(t), int: true };
        const n = Number(t);
        return Number.isFinite(n) ? { v: 'num', n, int: false } : UNK;
      }
      case 'const':
        return { v: 'const', c: e.v };
      case 'list':
      case 'tuple':
      case 'set': {
        const items: Val[] = [];
        for (const it of e.items) {
          if (it.t === 'star') {
            const inner = this.eval(it.e, ctx);
            if (inner.v === 'list') items.push(...inner.items);
            else return UNK;
          } else items.push(this.eval(it, ctx));
        }
        return { v: 'list', items };
      }
      case 'dict': {
        const m = new Map<string, Val>();
        for (const [k, x] of e.items) {
          if (k === null) {
            const spread = this.eval(x, ctx);
            if (spread.v === 'dict') for (const [kk, vv] of spread.m) m.set(kk, vv);
            continue;
          }
          const kv = this.eval(k, ctx);
          const vv = this.eval(x, ctx);
          if (kv.v === 'str') m.set(kv.s, vv);
        }
        return { v: 'dict', m };
      }
      case 'attr':
        return this.attr(this.eval(e.obj, ctx), e.name);
      case 'sub': {
        const o = this.eval(e.obj, ctx);
        const i = this.eval(e.index, ctx);
        if (o.v === 'list' && i.v === 'num' && i.int) return o.items[i.n < 0 ? o.items.length + i.n : i.n] ?? UNK;
        if (o.v === 'dict' && i.v === 'str') return o.m.get(i.s) ?? UNK;
        if (o.v === 'str' && i.v === 'num' && i.int) return str(Array.from(o.s).at(i.n) ?? '');
        return UNK;
      }
      case 'call':
        return this.call(e, ctx);
      case 'bin':
        return this.binop(e, ctx);
      case 'unary': {
        const x = this.eval(e.e, ctx);
        if (e.op === 'not') {
          const t = this.truthy(x);
          return t === undefined ? UNK : { v: 'const', c: !t };
        }
        if (e.op === '-' && x.v === 'num') return { v: 'num', n: -x.n, int: x.int };
        return UNK;
      }
      case 'cmp': {
        const vals = e.items.map((x) => this.eval(x, ctx));
        if (e.ops.length === 1 && (e.ops[0] === '==' || e.ops[0] === '!=')) {
          const [a, b] = vals;
          if ((a.v === 'str' || a.v === 'num') && (b.v === 'str' || b.v === 'num')) {
            const eq = a.v === b.v && (a.v === 'str' ? a.s === (b as { s: string }).s : a.n === (b as { n: number }).n);
            return { v: 'const', c: e.ops[0] === '==' ? eq : !eq };
          }
        }
        return UNK;
      }
      case 'star':
        return this.eval(e.e, ctx);
      default:
        return UNK;
    }
  }

  fstring(raw: string, ctx: Ctx): Val {
    let out = '';
    for (let i = 0; i < raw.length; i++) {
      const c = raw[i];
      if (c === '{' && raw[i + 1] === '{') {
        out += '{';
        i++;
      } else if (c === '}' && raw[i + 1] === '}') {
        out += '}';
        i++;
      } else if (c === '{') {
        let depth = 1;
        let j = i + 1;
        while (j < raw.length && depth > 0) {
          if (raw[j] === '{') depth++;
          else if (raw[j] === '}') depth--;
          j++;
        }
        const inner = raw.slice(i + 1, j - 1);
        if (/[!:]/.test(inner.replace(/\[[^\]]*\]|\([^)]*\)|'[^']*'|"[^"]*"/g, ''))) return UNK;
        let v: Val;
        try {
          const toks: Tok[] = tokenize(inner).lines.flatMap((l) => l.toks);
          v = this.eval(parseExpr(toks), ctx);
        } catch {
          return UNK;
        }
        const s = this.toStr(v);
        if (s === undefined) return UNK;
        out += s;
        i = j - 1;
      } else out += c;
    }
    return str(out);
  }

  toStr(v: Val): string | undefined {
    if (v.v === 'str') return v.s;
    if (v.v === 'num') return v.int ? String(v.n) : undefined;
    if (v.v === 'const') return v.c === null ? 'None' : v.c ? 'True' : 'False';
    return undefined;
  }

  attr(o: Val, name: string): Val {
    if (o.v === 'ref' && o.path.startsWith('__path__:')) {
      const p = o.path.slice('__path__:'.length);
      const base = p.split('/').pop()!;
      const dot = base.lastIndexOf('.');
      if (name === 'stem') return str(dot > 0 ? base.slice(0, dot) : base);
      if (name === 'name') return str(base);
      if (name === 'suffix') return str(dot > 0 ? base.slice(dot) : '');
      if (name === 'parent') return { v: 'ref', path: `__path__:${p.split('/').slice(0, -1).join('/')}` };
      return UNK;
    }
    if (o.v === 'ref') return { v: 'ref', path: `${o.path}.${name}` };
    if (o.v === 'class') return o.attrs.get(name) ?? UNK;
    if (o.v === 'task') {
      if (name === 'output') return o;
      return { v: 'method', recv: o, name };
    }
    if (o.v === 'dag') {
      if (name === 'dag_id') return str(o.dag.dagId);
      return { v: 'method', recv: o, name };
    }
    if (o.v === 'str' || o.v === 'taskfn' || o.v === 'list' || o.v === 'dict') return { v: 'method', recv: o, name };
    return UNK;
  }

  binop(e: Extract<Expr, { t: 'bin' }>, ctx: Ctx): Val {
    const l = this.eval(e.l, ctx);
    const r = this.eval(e.r, ctx);
    if (e.op === '>>' || e.op === '<<') {
      const up = e.op === '>>' ? l : r;
      const down = e.op === '>>' ? r : l;
      this.link(up, down, e.line);
      return r;
    }
    if (e.op === '+' && l.v === 'str' && r.v === 'str') return str(l.s + r.s);
    if (e.op === '+' && l.v === 'list' && r.v === 'list') return { v: 'list', items: [...l.items, ...r.items] };
    if (e.op === '+' && l.v === 'num' && r.v === 'num') return { v: 'num', n: l.n + r.n, int: l.int && r.int };
    if (e.op === '*' && l.v === 'num' && r.v === 'num') return { v: 'num', n: l.n * r.n, int: l.int && r.int };
    if (e.op === '*' && l.v === 'timedelta' && r.v === 'num') return { v: 'timedelta', us: l.us * r.n };
    if (e.op === '+' && l.v === 'timedelta' && r.v === 'timedelta') return { v: 'timedelta', us: l.us + r.us };
    if (e.op === 'or') {
      const t = this.truthy(l);
      return t === undefined ? UNK : t ? l : r;
    }
    if (e.op === 'and') {
      const t = this.truthy(l);
      return t === undefined ? UNK : t ? r : l;
    }
    return UNK;
  }

  /** the task ids referenced by a value (task, list/tuple of tasks, nested; a task group's leaves/roots) */
  tasksOf(v: Val, side: 'up' | 'down'): Array<{ id: string; dag: DagDef }> {
    if (v.v === 'task') return v.ids.map((id) => ({ id, dag: v.dag }));
    if (v.v === 'list') return v.items.flatMap((x) => this.tasksOf(x, side));
    if (v.v === 'dict') return [...v.m.values()].flatMap((x) => this.tasksOf(x, side));
    if (v.v === 'group' && v.dag) {
      const dag = v.dag;
      const inGroup = new Set(v.ids);
      const picked = v.ids.filter((id) =>
        side === 'down'
          ? !(dag.tasks.get(id)?.upstream ?? []).some((u) => inGroup.has(u))
          : !v.ids.some((other) => (dag.tasks.get(other)?.upstream ?? []).includes(id)),
      );
      return picked.map((id) => ({ id, dag }));
    }
    return [];
  }

  link(up: Val, down: Val, _line: number): void {
    const ups = this.tasksOf(up, 'up');
    const downs = this.tasksOf(down, 'down');
    for (const d of downs) {
      const t = d.dag.tasks.get(d.id);
      if (!t) continue;
      for (const u of ups) if (u.dag === d.dag && !t.upstream.includes(u.id)) t.upstream.push(u.id);
    }
  }

  callFunctionBody(fn: { body: Stmt[]; params: string[] }, args: Val[], kwargs: Map<string, Val>, ctx: Ctx, override: Partial<Ctx>): Val {
    if (ctx.depth > 8) return UNK;
    const scope = new Map<string, Val>();
    fn.params.forEach((p, i) => {
      scope.set(p, kwargs.get(p) ?? args[i] ?? UNK);
    });
    const inner: Ctx = { ...ctx, ...override, scopes: [this.globals, scope], depth: ctx.depth + 1 };
    try {
      this.execBlock(fn.body, inner);
    } catch (e) {
      if (e instanceof Return) return e.value;
      if (e instanceof LoopControl) return UNK;
      throw e;
    }
    return { v: 'const', c: null };
  }

  call(e: Extract<Expr, { t: 'call' }>, ctx: Ctx): Val {
    const fn = this.eval(e.fn, ctx);
    const args: Val[] = [];
    for (const a of e.args) {
      if (a.t === 'star') {
        const x = this.eval(a.e, ctx);
        if (x.v === 'list') args.push(...x.items);
        else args.push(UNK);
      } else args.push(this.eval(a, ctx));
    }
    // `*args` / `**kwargs` whose contents are not known: any argument may be in them
    let opaque = args.some((a) => a.v === 'unknown' && e.args.some((x) => x.t === 'star'));
    const kwargs = new Map<string, Val>();
    for (const [k, x] of e.kwargs) {
      const v = this.eval(x, ctx);
      if (k) kwargs.set(k, v);
      else if (v.v === 'dict') for (const [kk, vv] of v.m) kwargs.set(kk, vv);
      else opaque = true;
    }
    const line = e.line;

    if (fn.v === 'method') return this.callMethod(fn.recv, fn.name, args, kwargs, ctx, line);
    if (fn.v === 'taskfn') return this.instantiateTaskFn(fn, args, kwargs, ctx, line);
    if (fn.v === 'dagfn') {
      const merged = new Map(fn.kwargs);
      const dag = this.newDag(fn.args, merged, line, { fnName: fn.name });
      // a DAG whose id is not known here (Variable.get, os.environ, …) is not registered: unknown, not broken
      if (dag) this.register(dag);
      this.callFunctionBody(fn, args, kwargs, ctx, { dag, group: undefined });
      return dag ? { v: 'dag', dag } : UNK;
    }
    if (fn.v === 'groupfn') {
      const group = this.newGroup(fn.groupId ?? fn.name, ctx);
      this.callFunctionBody(fn, args, kwargs, ctx, { group });
      return group;
    }
    if (fn.v === 'pyfn') return this.callFunctionBody(fn, args, kwargs, ctx, {});
    if (fn.v !== 'ref') return UNK;

    const path = fn.path;
    const last = path.split('.').pop()!;
    if (last === 'DAG') {
      const dag = this.newDag(args, kwargs, line, { opaque });
      return dag ? { v: 'dag', dag } : UNK;
    }
    if (last === 'TaskGroup') {
      const gid = kwargs.get('group_id') ?? args[0];
      return this.newGroup(gid?.v === 'str' ? gid.s : undefined, ctx, kwargs);
    }
    if (last === 'timedelta') {
      const num = (v: Val | undefined): number => (v?.v === 'num' ? v.n : 0);
      const names = ['days', 'seconds', 'microseconds', 'milliseconds', 'minutes', 'hours', 'weeks'];
      const vals = names.map((n, i) => num(kwargs.get(n) ?? args[i]));
      const [d, s, us, ms, mi, h, w] = vals;
      return { v: 'timedelta', us: Math.round(((((w * 7 + d) * 24 + h) * 60 + mi) * 60 + s) * 1e6 + ms * 1e3 + us) };
    }
    if (last === 'datetime' && (path.startsWith('datetime') || path.startsWith('pendulum') || path === 'datetime')) {
      const num = (v: Val | undefined, d: number): number => (v?.v === 'num' ? v.n : d);
      const y = num(kwargs.get('year') ?? args[0], NaN);
      const mo = num(kwargs.get('month') ?? args[1], NaN);
      const d = num(kwargs.get('day') ?? args[2], NaN);
      if (!Number.isFinite(y + mo + d)) return UNK;
      const ms = Date.UTC(
        y,
        mo - 1,
        d,
        num(kwargs.get('hour') ?? args[3], 0),
        num(kwargs.get('minute') ?? args[4], 0),
        num(kwargs.get('second') ?? args[5], 0),
      );
      return { v: 'datetime', us: ms * 1000 };
    }
    if (last === 'Dataset' || last === 'Asset' || last === 'DatasetAlias' || last === 'AssetAlias') {
      const uri = kwargs.get('uri') ?? kwargs.get('name') ?? args[0];
      return uri?.v === 'str' ? { v: 'dataset', uri: uri.s } : { v: 'dataset' };
    }
    if (path === 'chain' || path.endsWith('.chain')) {
      for (let i = 0; i + 1 < args.length; i++) {
        const a = args[i];
        const b = args[i + 1];
        if (a.v === 'list' && b.v === 'list' && a.items.length === b.items.length)
          a.items.forEach((x, k) => {
            this.link(x, b.items[k], line);
          });
        else this.link(a, b, line);
      }
      return { v: 'const', c: null };
    }
    if (path === 'cross_downstream' || path.endsWith('.cross_downstream')) {
      this.link(args[0] ?? kwargs.get('from_tasks') ?? UNK, args[1] ?? kwargs.get('to_tasks') ?? UNK, line);
      return { v: 'const', c: null };
    }
    if (path === 'range') {
      const nums = args.map((a) => (a.v === 'num' && a.int ? a.n : NaN));
      if (nums.some(Number.isNaN) || !nums.length) return UNK;
      const [start, stop, step] = nums.length === 1 ? [0, nums[0], 1] : [nums[0], nums[1], nums[2] ?? 1];
      const items: Val[] = [];
      if (step === 0) return UNK;
      for (let i = start; step > 0 ? i < stop : i > stop; i += step) {
        items.push({ v: 'num', n: i, int: true });
        if (items.length > 1000) break;
      }
      return { v: 'list', items };
    }
    if (path === 'str' && args.length === 1) {
      const s = this.toStr(args[0]);
      return s === undefined ? UNK : str(s);
    }
    if (path === 'dict') return args.length === 0 && !opaque ? { v: 'dict', m: new Map(kwargs) } : UNK;
    if (path === 'list' && args[0]?.v === 'list') return args[0];
    if (path === 'os.path.basename' && args[0]?.v === 'str') return str(args[0].s.split('/').pop()!);
    if (path === 'os.path.dirname' && args[0]?.v === 'str') return str(args[0].s.split('/').slice(0, -1).join('/'));
    if (path === 'os.path.splitext' && args[0]?.v === 'str') {
      const base = args[0].s;
      const slash = base.lastIndexOf('/');
      const dot = base.lastIndexOf('.');
      const k = dot > slash + 1 ? dot : base.length;
      return { v: 'list', items: [str(base.slice(0, k)), str(base.slice(k))] };
    }
    if ((last === 'Path' || last === 'PurePath' || last === 'PosixPath') && args[0]?.v === 'str')
      return { v: 'ref', path: `__path__:${args[0].s}` };

    // an operator: any call that names a task_id
    const tid = kwargs.get('task_id');
    if (tid) return this.newTask(last, tid, kwargs, ctx, line);
    return UNK;
  }

  callMethod(recv: Val, name: string, args: Val[], kwargs: Map<string, Val>, ctx: Ctx, line: number): Val {
    if (recv.v === 'str') {
      const s = recv.s;
      const a0 = args[0]?.v === 'str' ? args[0].s : undefined;
      const a1 = args[1]?.v === 'str' ? args[1].s : undefined;
      switch (name) {
        case 'replace':
          return a0 !== undefined && a1 !== undefined ? str(s.split(a0).join(a1)) : UNK;
        case 'strip':
          return str(a0 === undefined ? s.trim() : trimChars(s, a0, true, true));
        case 'lstrip':
          return str(a0 === undefined ? s.trimStart() : trimChars(s, a0, true, false));
        case 'rstrip':
          return str(a0 === undefined ? s.trimEnd() : trimChars(s, a0, false, true));
        case 'lower':
          return str(s.toLowerCase());
        case 'upper':
          return str(s.toUpperCase());
        case 'removesuffix':
          return a0 !== undefined ? str(a0 && s.endsWith(a0) ? s.slice(0, -a0.length) : s) : UNK;
        case 'removeprefix':
          return a0 !== undefined ? str(s.startsWith(a0) ? s.slice(a0.length) : s) : UNK;
        case 'split':
          return a0 !== undefined
            ? { v: 'list', items: s.split(a0).map(str) }
            : { v: 'list', items: s.split(/\s+/).filter(Boolean).map(str) };
        case 'rsplit':
          return a0 !== undefined ? { v: 'list', items: s.split(a0).map(str) } : UNK;
        case 'format': {
          let idx = 0;
          let ok = true;
          const out = s.replace(/\{\{|\}\}|\{([^{}]*)\}/g, (m, field: string | undefined) => {
            if (m === '{{') return '{';
            if (m === '}}') return '}';
            const v = field === '' || field === undefined ? args[idx++] : /^\d+$/.test(field) ? args[Number(field)] : kwargs.get(field);
            const t = v ? this.toStr(v) : undefined;
            if (t === undefined) ok = false;
            return t ?? '';
          });
          return ok ? str(out) : UNK;
        }
        case 'join':
          return args[0]?.v === 'list' && args[0].items.every((x) => x.v === 'str')
            ? str(args[0].items.map((x) => (x as { s: string }).s).join(s))
            : UNK;
        default:
          return UNK;
      }
    }
    if (recv.v === 'task') {
      if (name === 'set_downstream') this.link(recv, args[0] ?? UNK, line);
      else if (name === 'set_upstream') this.link(args[0] ?? UNK, recv, line);
      else if (name === 'expand' || name === 'expand_kwargs' || name === 'map' || name === 'zip') {
        if (name === 'expand') this.noteMapLength(recv, kwargs);
        return recv;
      }
      return { v: 'const', c: null };
    }
    if (recv.v === 'taskfn') {
      if (name === 'override') {
        const tid = kwargs.get('task_id');
        return { ...recv, taskId: tid?.v === 'str' ? tid.s : recv.taskId };
      }
      if (name === 'expand' || name === 'expand_kwargs') {
        const made = this.instantiateTaskFn(recv, [], kwargs, ctx, line);
        if (name === 'expand') this.noteMapLength(made, kwargs);
        return made;
      }
      if (name === 'partial') return { ...recv };
      return UNK;
    }
    if (recv.v === 'dict' && name === 'get' && args[0]?.v === 'str') return recv.m.get(args[0].s) ?? args[1] ?? { v: 'const', c: null };
    if (recv.v === 'dict' && name === 'copy') return { v: 'dict', m: new Map(recv.m) };
    if (recv.v === 'dict' && name === 'keys') return { v: 'list', items: [...recv.m.keys()].map(str) };
    if (recv.v === 'dict' && name === 'values') return { v: 'list', items: [...recv.m.values()] };
    if (recv.v === 'dict' && name === 'items')
      return { v: 'list', items: [...recv.m].map(([k, x]) => ({ v: 'list', items: [str(k), x] })) };
    return UNK;
  }

  /**
   * The DAG of a `DAG(...)` call or a `@dag` function, or undefined when its id is a value not known
   * statically (`Variable.get(...)`, `os.environ[...]`, a class attribute, `**config`): such a DAG may
   * well be valid, so it is left out rather than reported as an import error.
   */
  newDag(args: Val[], kwargs: Map<string, Val>, line: number, how: { fnName?: string; opaque?: boolean } = {}): DagDef | undefined {
    const { fnName } = how;
    const get = (name: string, pos?: number): Val | undefined => kwargs.get(name) ?? (pos !== undefined ? args[pos] : undefined);
    const idVal = get('dag_id', 0);
    if (idVal !== undefined && idVal.v !== 'str') return undefined;
    const dagId = idVal?.v === 'str' && (idVal.s || fnName === undefined) ? idVal.s : fnName;
    if (dagId === undefined) {
      if (how.opaque) return undefined;
      throw new ImportError_('TypeError', "DAG.__init__() missing 1 required positional argument: 'dag_id'", line);
    }
    validateKey(dagId, line);
    const descr = get('description', 1);
    const scheduleVal = get('schedule', 2) ?? get('schedule_interval') ?? get('timetable');
    const defaultArgs = get('default_args');
    const da = defaultArgs?.v === 'dict' ? defaultArgs.m : new Map<string, Val>();
    const tags = get('tags');
    const bool = (v: Val | undefined): boolean | null => (v?.v === 'const' && typeof v.c === 'boolean' ? v.c : null);
    const int = (v: Val | undefined): number | null => (v?.v === 'num' && v.int ? v.n : null);
    const start = get('start_date');
    const daStart = da.get('start_date');
    const owner = da.get('owner');
    const display = get('dag_display_name');
    return {
      dagId,
      line,
      schedule: scheduleOf(
        scheduleVal,
        kwargs.has('schedule') || kwargs.has('schedule_interval') || kwargs.has('timetable') || args.length > 2,
      ),
      description: descr?.v === 'str' ? descr.s : null,
      tags: tags?.v === 'list' ? tags.items.filter((t) => t.v === 'str').map((t) => (t as { s: string }).s) : [],
      defaultOwner: owner?.v === 'str' ? owner.s : undefined,
      defaultStartDate: daStart?.v === 'datetime' ? daStart.us : undefined,
      startDate: start?.v === 'datetime' ? start.us : daStart?.v === 'datetime' ? daStart.us : undefined,
      isPausedUponCreation: bool(get('is_paused_upon_creation')),
      catchup: bool(get('catchup')),
      maxActiveRuns: int(get('max_active_runs')),
      maxActiveTasks: int(get('max_active_tasks') ?? get('concurrency')),
      displayName: display?.v === 'str' ? display.s : null,
      tasks: new Map(),
      ...scheduleExtras(get('end_date') ?? da.get('end_date'), da),
    };
  }

  /** `.expand(x=[...])` over literal lists: the mapped task's number of instances (the shortest product is not modelled: the first list). */
  noteMapLength(task: Val, kwargs: Map<string, Val>): void {
    if (task.v !== 'task') return;
    const first = [...kwargs.values()][0];
    if (first?.v !== 'list') return;
    for (const id of task.ids) {
      const def = task.dag.tasks.get(id);
      if (def) def.mapLength = first.items.length;
    }
  }

  newGroup(groupId: string | undefined, ctx: Ctx, kwargs?: Map<string, Val>): GroupVal {
    const dag = kwargs ? this.targetDag(kwargs, ctx) : ctx.dag;
    const parent = ctx.group && ctx.group.dag === dag ? ctx.group : undefined;
    const prefix = groupId === undefined ? (parent?.prefix ?? '') : parent?.prefix ? `${parent.prefix}.${groupId}` : groupId;
    return { v: 'group', prefix, dag, ids: [], parent };
  }

  noteInGroups(ctx: Ctx, dag: DagDef, taskId: string): void {
    for (let g = ctx.group; g; g = g.parent) if (g.dag === dag) g.ids.push(taskId);
  }

  targetDag(kwargs: Map<string, Val>, ctx: Ctx): DagDef | undefined {
    const d = kwargs.get('dag');
    if (d?.v === 'dag') return d.dag;
    return ctx.dag;
  }

  addTask(dag: DagDef, t: TaskDef, line: number): void {
    validateKey(t.taskId, line);
    if (dag.tasks.has(t.taskId)) {
      throw new ImportError_('airflow.exceptions.DuplicateTaskIdFound', `Task id '${t.taskId}' has already been added to the DAG`, line);
    }
    dag.tasks.set(t.taskId, t);
  }

  newTask(operator: string, tid: Val, kwargs: Map<string, Val>, ctx: Ctx, line: number): Val {
    if (tid.v !== 'str') return UNK;
    const dag = this.targetDag(kwargs, ctx);
    if (!dag) return UNK;
    const taskId = ctx.group?.prefix && ctx.group.dag === dag ? `${ctx.group.prefix}.${tid.s}` : tid.s;
    const owner = kwargs.get('owner');
    const tr = kwargs.get('trigger_rule');
    const bash = kwargs.get('bash_command');
    const callable = kwargs.get('python_callable');
    const t: TaskDef = {
      taskId,
      operator: operator === 'partial' ? 'MappedOperator' : operator,
      owner: owner?.v === 'str' ? owner.s : undefined,
      triggerRule: tr?.v === 'str' ? tr.s : tr?.v === 'ref' ? tr.path.split('.').pop()!.toLowerCase() : 'all_success',
      bashCommand: bash?.v === 'str' ? bash.s : undefined,
      pythonCallable: callable?.v === 'pyfn' ? callable.name : callable?.v === 'ref' ? callable.path.split('.').pop() : undefined,
      prints: [],
      upstream: [],
      line,
      ...taskExtras(operator, kwargs),
    };
    this.addTask(dag, t, line);
    this.noteInGroups(ctx, dag, taskId);
    const val: Val = { v: 'task', ids: [taskId], dag };
    // XComArg / .output references in arguments are dependencies
    for (const [k, v] of kwargs) if (k !== 'dag' && k !== 'task_id') this.link(v, val, line);
    return val;
  }

  instantiateTaskFn(fn: Extract<Val, { v: 'taskfn' }>, args: Val[], kwargs: Map<string, Val>, ctx: Ctx, line: number): Val {
    const dag = this.targetDag(kwargs, ctx);
    if (!dag) return UNK;
    let base = fn.taskId ?? fn.name;
    if (ctx.group?.prefix && ctx.group.dag === dag) base = `${ctx.group.prefix}.${base}`;
    let taskId = base;
    if (dag.tasks.has(taskId)) {
      const core = taskId.split(/__\d+$/)[0];
      const re = new RegExp(`^${core.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}__(\\d+)$`);
      const suffixes = [...dag.tasks.keys()]
        .map((k) => re.exec(k))
        .filter(Boolean)
        .map((m) => Number(m![1]))
        .sort((a, b) => a - b);
      taskId = suffixes.length ? `${core}__${suffixes[suffixes.length - 1] + 1}` : `${core}__1`;
    }
    const opByKind: Record<string, string> = {
      python: '_PythonDecoratedOperator',
      bash: '_BashDecoratedOperator',
      virtualenv: '_PythonVirtualenvDecoratedOperator',
      external_python: '_PythonExternalDecoratedOperator',
      branch: '_BranchPythonDecoratedOperator',
      short_circuit: '_ShortCircuitDecoratedOperator',
      sensor: 'DecoratedSensorOperator',
      docker: '_DockerDecoratedOperator',
      kubernetes: '_KubernetesDecoratedOperator',
    };
    const owner = kwargs.get('owner');
    const t: TaskDef = {
      taskId,
      operator: opByKind[fn.kind] ?? '_PythonDecoratedOperator',
      owner: owner?.v === 'str' ? owner.s : undefined,
      triggerRule: 'all_success',
      pythonCallable: fn.name,
      prints: fn.prints,
      upstream: [],
      line,
      ...taskExtras(fn.kind === 'sensor' ? 'DecoratedSensorOperator' : '', kwargs),
    };
    this.addTask(dag, t, line);
    this.noteInGroups(ctx, dag, taskId);
    const val: Val = { v: 'task', ids: [taskId], dag };
    for (const a of args) this.link(a, val, line);
    for (const v of kwargs.values()) this.link(v, val, line);
    return val;
  }
}

// ------------------------------------------------------------------- scheduling and task semantics

const seconds = (v: Val | undefined): number | undefined =>
  v?.v === 'timedelta' ? v.us : v?.v === 'num' ? Math.round(v.n * 1e6) : undefined;
const strList = (v: Val | undefined): string[] | undefined =>
  v?.v === 'list'
    ? v.items.flatMap((i) => (i.v === 'str' ? [i.s] : i.v === 'ref' ? [i.path.split('.').pop()!.toLowerCase()] : []))
    : undefined;

function scheduleExtras(end: Val | undefined, da: Map<string, Val>): Partial<DagDef> {
  const out: Partial<DagDef> = {};
  if (end?.v === 'datetime') out.endDate = end.us;
  const r = da.get('retries');
  if (r?.v === 'num' && r.int) out.defaultRetries = r.n;
  const d = seconds(da.get('retry_delay'));
  if (d !== undefined) out.defaultRetryDelayUs = d;
  return out;
}

/** The arguments of retries, sensors, TriggerDagRunOperator and outlets that are statically known. */
function taskExtras(operator: string, kwargs: Map<string, Val>): Partial<TaskDef> {
  const out: Partial<TaskDef> = {};
  const r = kwargs.get('retries');
  if (r?.v === 'num' && r.int) out.retries = r.n;
  const rd = seconds(kwargs.get('retry_delay'));
  if (rd !== undefined) out.retryDelayUs = rd;
  if (/Sensor/.test(operator)) {
    const s: SensorDef = {};
    const text = (k: string): string | undefined => {
      const v = kwargs.get(k);
      return v?.v === 'str' ? v.s : undefined;
    };
    s.externalDagId = text('external_dag_id');
    const et = kwargs.get('external_task_id');
    s.externalTaskId = et?.v === 'str' ? et.s : null;
    s.executionDeltaUs = seconds(kwargs.get('execution_delta'));
    s.allowedStates = strList(kwargs.get('allowed_states'));
    s.failedStates = strList(kwargs.get('failed_states'));
    s.mode = text('mode');
    s.timeoutUs = seconds(kwargs.get('timeout'));
    s.pokeIntervalUs = seconds(kwargs.get('poke_interval'));
    const sf = kwargs.get('soft_fail');
    if (sf?.v === 'const' && typeof sf.c === 'boolean') s.softFail = sf.c;
    out.sensor = s;
  }
  const trig = kwargs.get('trigger_dag_id');
  if (trig?.v === 'str') {
    out.triggerDagId = trig.s;
    const w = kwargs.get('wait_for_completion');
    out.waitForCompletion = w?.v === 'const' && w.c === true;
    const pi = seconds(kwargs.get('poke_interval'));
    if (pi !== undefined) out.sensor = { pokeIntervalUs: pi };
  }
  const outlets = kwargs.get('outlets');
  const items = outlets?.v === 'list' ? outlets.items : outlets?.v === 'dataset' ? [outlets] : [];
  const uris = items.flatMap((i) => (i.v === 'dataset' && i.uri !== undefined ? [i.uri] : []));
  if (uris.length) out.outlets = uris;
  return out;
}

function trimChars(s: string, chars: string, left: boolean, right: boolean): string {
  let a = 0;
  let b = s.length;
  if (left) while (a < b && chars.includes(s[a])) a++;
  if (right) while (b > a && chars.includes(s[b - 1])) b--;
  return s.slice(a, b);
}

const PRESETS: Record<string, string> = {
  '@hourly': '0 * * * *',
  '@daily': '0 0 * * *',
  '@midnight': '0 0 * * *',
  '@weekly': '0 0 * * 0',
  '@monthly': '0 0 1 * *',
  '@quarterly': '0 0 1 */3 *',
  '@yearly': '0 0 1 1 *',
  '@annually': '0 0 1 1 *',
};

function scheduleOf(v: Val | undefined, given: boolean): ScheduleSpec {
  if (!given || v === undefined) return { kind: 'default' };
  if (v.v === 'const' && v.c === null) return { kind: 'none' };
  if (v.v === 'str') {
    if (v.s === '@once') return { kind: 'once' };
    if (v.s === '@continuous') return { kind: 'continuous' };
    if (PRESETS[v.s] || /^\S+(\s+\S+){4,5}$/.test(v.s.trim())) return { kind: 'cron', expr: v.s };
    return { kind: 'unknown' };
  }
  if (v.v === 'timedelta') return { kind: 'delta', us: v.us };
  if (v.v === 'dataset') return { kind: 'dataset', uris: v.uri === undefined ? [] : [v.uri] };
  if (v.v === 'list' && v.items.some((i) => i.v === 'dataset')) {
    return { kind: 'dataset', uris: v.items.flatMap((i) => (i.v === 'dataset' && i.uri !== undefined ? [i.uri] : [])) };
  }
  return { kind: 'unknown' };
}

export { PRESETS as CRON_PRESETS };
