/**
 * What changes with the environment's AirflowVersion (src/local/airflow/README.md, "Commands").
 */
export interface AfVersion {
  raw: string;
  major: number;
  minor: number;
  patch: number;
  /** Airflow 3.x */
  af3: boolean;
  /** `dags list` old mapper (dag_id, filepath, owner, paused) and `Dag: x, paused: True` (≤ 2.8) */
  legacyListAndPause: boolean;
  /** 3.0.x: manual run ids get an 8-character random suffix when no logical date is given */
  runIdSuffix: boolean;
  /** ≥ 3.1: `dags trigger` output has triggering_user_name */
  triggeringUser: boolean;
  /** ≥ 3.1: `dags pause/unpause` print the previous is_paused value (#54383) */
  pausePrintsOld: boolean;
  /** ≥ 3.2: `Variable x does not exist.` (with a period); states-for-dag-run null state -> "" */
  af32: boolean;
  /** ≥ 3.3.1: log records go to stderr for commands that have -o (PR #68598) */
  logsToStderrWithOutput: boolean;
  python: string;
}

export function afVersion(raw: string): AfVersion {
  const m = /^(\d+)\.(\d+)(?:\.(\d+))?/.exec(raw ?? '');
  const major = m ? Number(m[1]) : 2;
  const minor = m ? Number(m[2]) : 10;
  const patch = m?.[3] ? Number(m[3]) : 0;
  const v = major * 10000 + minor * 100 + patch;
  return {
    raw: raw || '2.10.3',
    major,
    minor,
    patch,
    af3: major >= 3,
    legacyListAndPause: v < 20900,
    runIdSuffix: major === 3 && minor === 0,
    triggeringUser: v >= 30100,
    pausePrintsOld: v >= 30100,
    af32: v >= 30200,
    logsToStderrWithOutput: v >= 30301,
    python: v >= 21100 ? '3.12' : '3.11',
  };
}

export const AIRFLOW_HOME = '/usr/local/airflow';
export const DAGS_FOLDER = `${AIRFLOW_HOME}/dags`;
export function sitePackages(v: AfVersion): string {
  return `${AIRFLOW_HOME}/.local/lib/python${v.python}/site-packages`;
}
