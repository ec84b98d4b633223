/** `mwaa check`: the project against the environment, before MWAA sees it (docs/check.md). */
import { command, type CommandSpec, type Loaded } from '../spec.js';

export const checkCommand = command({
  path: ['check'],
  tunesHeap: true,
  summary: 'check DAGs, requirements, plugins, the startup script and mwaa.yaml before deploying',
  description:
    'Checks the project of the selected environment without Docker and without AWS: DAG files compiled by a real ' +
    'CPython (python3, or --python of a virtualenv) with its own message and position; when that Python can import ' +
    'airflow, a DagBag load of the DAGs folder with the plugins on sys.path (import errors, duplicate DAG ids); ' +
    'requirements.txt (the --constraint line and the versions it names, no apache-airflow pin, duplicate and ' +
    'conflicting pins, pins against the constraints file — fetched once into the cache folder —, -r/-c includes, ' +
    'wheels expected in plugins.zip); plugins.zip (root layout, __pycache__, size, Python files that compile); the ' +
    'startup script (shebang, bash -n); and mwaa.yaml with the rules of `env create`. Findings are `file:line: ' +
    'message`; what could not be checked is said. Exit 0 clean (warnings allowed), 1 with errors (or warnings with ' +
    '--strict), 2 a bad --python.',
  options: [
    {
      flags: '--python <path>',
      description:
        "the Python to check with (default: python3 on PATH); a virtualenv with the environment's Airflow version adds the DagBag load",
      complete: 'files',
    },
    { flags: '--strict', description: 'warnings fail the check too (exit 1)' },
  ],
  examples: [
    { command: 'mwaa check', description: 'check the project of the selected environment' },
    {
      command: 'mwaa check --python .venv/bin/python',
      description: "with a virtualenv that has the environment's Airflow (adds the DagBag load)",
    },
    { command: 'mwaa -e prod check --strict --json', description: 'in CI: warnings fail too; the findings as JSON' },
  ],
  load: (): Loaded => import('../commands/check.js'),
});

export const checkCommands: CommandSpec[] = [checkCommand];
