/**
 * DAG files through a real CPython (docs/check.md): each file compiled (CPython's own message and
 * position for a syntax error), and, when that Python can import `airflow`, a DagBag load of the DAGs
 * folder with the plugins folder on `sys.path`, as MWAA runs it. One process for both.
 */
import { isAbsolute, join } from 'node:path';
import type { CheckFinding, CheckPorts, CheckSkip } from './types.js';

/** Starts the line of the script's result (anything a DAG file writes to the real stdout comes before it). */
export const RESULT_MARKER = '@@mwaa-check-result@@';

/** From this many files the check compiles them on every core (forked Python processes). */
export const PARALLEL_FROM = 200;

/** The longest a Python run may take (DagBag imports run module code; MWAA's own limit is 30 s a file). */
export const PYTHON_TIMEOUT_MS = 10 * 60_000;

/**
 * Reads {"compile": [{"file", "path"}], "dagbag": {"dags", "plugins"} | null} on stdin; prints one JSON
 * document: the Python and Airflow versions, syntax errors, and the DagBag's import errors and DAG ids.
 */
export const CHECK_SCRIPT = String.raw`
import json, os, sys, tempfile, traceback
# Airflow logs to sys.stdout and DAG files print: everything but the result goes to stderr
result_stream = sys.stdout
sys.stdout = sys.stderr
req = json.load(sys.stdin)
out = {"python": "%d.%d.%d" % sys.version_info[:3], "airflow": None, "syntax": [], "dagbag": None}

def compile_one(item):
    try:
        if item.get("zip"):
            import zipfile
            with zipfile.ZipFile(item["zip"]) as z:
                source = z.read(item["member"])
        else:
            with open(item["path"], "rb") as f:
                source = f.read()
        compile(source, item["path"], "exec", dont_inherit=True)
    except SyntaxError as e:
        return {"file": item["file"], "area": item["area"], "type": type(e).__name__, "msg": e.msg, "lineno": e.lineno, "offset": e.offset}
    except (ValueError, OSError, KeyError) as e:
        return {"file": item["file"], "area": item["area"], "type": type(e).__name__, "msg": str(e), "lineno": None, "offset": None}
    return None

def exit_with_parent(parent):
    # a worker whose parent was killed (Ctrl-C, the timeout) exits too, rather than holding mwaa's pipes open
    import threading, time
    def watch():
        while os.getppid() == parent:
            time.sleep(0.2)
        os._exit(1)
    threading.Thread(target=watch, daemon=True).start()

# Many files: compiled on every core, in forked processes (about 1 ms a file, one core at a time, was
# most of a first push's check); in order, so the result is the same. No fork (Windows), or no
# processes allowed: one at a time.
items = req["compile"]
results = None
cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)
if len(items) >= PARALLEL_FROM and cores > 1:
    try:
        import multiprocessing
        from concurrent.futures import ProcessPoolExecutor
        workers = min(cores, 8)
        context = multiprocessing.get_context("fork")
        with ProcessPoolExecutor(workers, mp_context=context, initializer=exit_with_parent, initargs=(os.getpid(),)) as pool:
            results = list(pool.map(compile_one, items, chunksize=max(1, len(items) // (workers * 4))))
        out["processes"] = workers
    except Exception:
        results = None
if results is None:
    results = [compile_one(item) for item in items]
out["syntax"] = [r for r in results if r is not None]
try:
    import importlib.util
    found = importlib.util.find_spec("airflow") is not None
except Exception:
    found = False
bag_req = req.get("dagbag")
if found and bag_req is not None:
    os.environ.setdefault("AIRFLOW_HOME", tempfile.mkdtemp(prefix="mwaa-check-"))
    os.environ["AIRFLOW__CORE__LOAD_EXAMPLES"] = "False"
    os.environ["AIRFLOW__CORE__DAGS_FOLDER"] = bag_req["dags"]
    if bag_req.get("plugins"):
        os.environ["AIRFLOW__CORE__PLUGINS_FOLDER"] = bag_req["plugins"]
        sys.path.insert(0, bag_req["plugins"])
    sys.path.insert(0, bag_req["dags"])
    try:
        import airflow
        out["airflow"] = getattr(airflow, "__version__", None)
        try:
            from airflow.models.dagbag import DagBag
        except ImportError:
            from airflow.dag_processing.dagbag import DagBag
        bag = DagBag(dag_folder=bag_req["dags"], include_examples=False)
        out["dagbag"] = {
            "errors": [{"path": str(k), "trace": str(v)} for k, v in sorted(bag.import_errors.items())],
            "dags": sorted(bag.dags.keys()),
        }
    except Exception:
        out["dagbag"] = {"failed": traceback.format_exc()}
result_stream.write("\n" + RESULT_MARKER + json.dumps(out) + "\n")
result_stream.flush()
`
  .replace('RESULT_MARKER', JSON.stringify(RESULT_MARKER))
  .replace('PARALLEL_FROM', String(PARALLEL_FROM));

export interface PythonRun {
  python: string;
  airflow: string | null;
  syntax: Array<{ file: string; area: 'dags' | 'plugins'; type: string; msg: string; lineno: number | null; offset: number | null }>;
  dagbag: null | { failed: string } | { errors: Array<{ path: string; trace: string }>; dags: string[] };
  /** the processes that compiled the files, when more than one did */
  processes?: number;
}

export interface CompileItem {
  area: 'dags' | 'plugins';
  file: string;
  path: string;
  /** a member of this zip file instead of a file */
  zip?: string;
  member?: string;
}

export interface DagFilesInput {
  /** absolute path of the DAGs folder */
  dagsDir: string;
  /** the .py files to compile: label for findings, absolute path (or a member of a zip) */
  files: CompileItem[];
  /** load a DagBag when the Python has airflow */
  dagbag: boolean;
  /** the plugins folder put on sys.path (a folder; a zip is extracted by the caller) */
  pluginsDir?: string;
  /** the label of an absolute path */
  label: (absolute: string) => string;
  /** the source of a file, for a line number of a duplicate DAG id */
  readText: (absolute: string) => Promise<string | undefined>;
}

/** The line of the last traceback frame in `path`, else undefined. */
export function frameLine(trace: string, path: string): number | undefined {
  let line: number | undefined;
  const re = /File "([^"]+)", line (\d+)/g;
  for (let m = re.exec(trace); m; m = re.exec(trace)) if (m[1] === path) line = Number(m[2]);
  return line;
}

/** The last line of a traceback (`ModuleNotFoundError: No module named 'x'`). */
export function lastLine(trace: string): string {
  const lines = trace
    .trimEnd()
    .split('\n')
    .filter((l) => l.trim() !== '');
  return (lines[lines.length - 1] ?? trace).trim();
}

export async function checkDagFiles(
  input: DagFilesInput,
  ports: CheckPorts,
): Promise<{ findings: CheckFinding[]; skipped: CheckSkip[]; ran: string[]; compiled: boolean }> {
  const findings: CheckFinding[] = [];
  const skipped: CheckSkip[] = [];
  const ran: string[] = [];
  if (!ports.python) {
    skipped.push({
      area: 'dags',
      what: 'Python syntax and import checks of the DAG files',
      reason: ports.pythonMissing ?? 'no python3 found (pass --python <path>)',
    });
    return { findings, skipped, ran, compiled: false };
  }
  const request = { compile: input.files, dagbag: input.dagbag ? { dags: input.dagsDir, plugins: input.pluginsDir ?? null } : null };
  // Without a DagBag load nothing is imported from site-packages: -S skips the site module, which with
  // a few .pth files installed cost 50 of the 70 ms a start took here (measured: python3 -c pass)
  const result = await ports.python.run([...(input.dagbag ? [] : ['-S']), '-c', CHECK_SCRIPT], {
    input: JSON.stringify(request),
    timeoutMs: PYTHON_TIMEOUT_MS,
    ...(ports.signal ? { signal: ports.signal } : {}),
  });
  let run: PythonRun;
  try {
    const line = result.stdout
      .split('\n')
      .reverse()
      .find((l) => l.startsWith(RESULT_MARKER));
    run = JSON.parse(line === undefined ? '' : line.slice(RESULT_MARKER.length)) as PythonRun;
  } catch {
    if (result.timedOut) {
      skipped.push({
        area: 'dags',
        what: 'Python checks of the DAG files',
        reason: `${ports.python.command} did not finish within ${PYTHON_TIMEOUT_MS / 60_000} minutes (a DAG file that waits at import?)`,
      });
      return { findings, skipped, ran, compiled: false };
    }
    skipped.push({
      area: 'dags',
      what: 'Python checks of the DAG files',
      reason: `${ports.python.command} failed: ${lastLine(result.stderr || `exit ${result.code}`)}`,
    });
    return { findings, skipped, ran, compiled: false };
  }
  if (input.files.length > 0)
    ran.push(
      `${ports.python.command} (Python ${run.python}): syntax of ${input.files.length} file${input.files.length === 1 ? '' : 's'}` +
        (run.processes ? ` in ${run.processes} processes` : ''),
    );
  const broken = new Set<string>();
  for (const s of run.syntax) {
    broken.add(s.file);
    findings.push({
      level: 'error',
      area: s.area,
      code: `${s.area}.syntax`,
      file: s.file,
      ...(s.lineno ? { line: s.lineno } : {}),
      ...(s.offset ? { column: s.offset } : {}),
      message: `${s.type}: ${s.msg}`,
    });
  }
  if (!input.dagbag) {
    // the quick check of dags push: the DagBag load is asked for with --check=full
  } else if (run.dagbag === null) {
    skipped.push({
      area: 'dags',
      what: 'DagBag load (import errors, duplicate DAG ids)',
      reason: `${ports.python.command} cannot import airflow (point --python at a virtualenv with the environment's Airflow version)`,
    });
  } else if ('failed' in run.dagbag) {
    findings.push({
      level: 'error',
      area: 'dags',
      code: 'dags.dagbag-failed',
      file: input.label(input.dagsDir),
      message: `loading the DagBag failed: ${lastLine(run.dagbag.failed)}`,
    });
  } else {
    ran.push(
      `DagBag (Airflow ${run.airflow ?? 'unknown version'}): ${run.dagbag.dags.length} DAG${run.dagbag.dags.length === 1 ? '' : 's'}`,
    );
    for (const e of run.dagbag.errors) {
      // Airflow 3 may key import errors by the path relative to the DAGs folder
      const path = isAbsolute(e.path) ? e.path : join(input.dagsDir, e.path);
      const file = input.label(path);
      if (broken.has(file)) continue; // already reported with CPython's position
      const duplicate =
        /AirflowDagDuplicatedIdException: Ignoring DAG (\S+) from/.exec(e.trace) ?? /^Ignoring DAG (\S+) from/.exec(e.trace.trim());
      let line = frameLine(e.trace, e.path) ?? frameLine(e.trace, path);
      if (duplicate && line === undefined) line = await lineOf(await input.readText(path), duplicate[1]);
      findings.push({
        level: 'error',
        area: 'dags',
        code: duplicate ? 'dags.duplicate-id' : 'dags.import-error',
        file,
        ...(line !== undefined ? { line } : {}),
        message: lastLine(e.trace),
      });
    }
  }
  return { findings, skipped, ran, compiled: true };
}

/** The first line naming a DAG id in quotes. */
async function lineOf(text: string | undefined, dagId: string): Promise<number | undefined> {
  if (!text) return undefined;
  const lines = text.split('\n');
  const i = lines.findIndex((l) => l.includes(`"${dagId}"`) || l.includes(`'${dagId}'`));
  return i >= 0 ? i + 1 : undefined;
}
