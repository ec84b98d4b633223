/**
 * `mwaa init`: the files of a new project. Either every file is written or none is: existing files
 * are found first, and the scaffold refuses unless `force`. Then `.mwaa/` (the local emulator's state
 * and the check's cache) goes into .gitignore: a new one, or a line added to the project's own.
 */
import { appendFileSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { basename, dirname, join, relative, resolve } from 'node:path';
import { UsageError } from './errors.js';
import { AIRFLOW_VERSIONS, constraintLine, DEFAULT_AIRFLOW_VERSION } from './config/schema.js';
import type { EventSink } from './events.js';
import { msg } from './messages.js';

export interface InitOptions {
  dir: string;
  name?: string;
  airflowVersion?: string;
  force?: boolean;
  /**
   * where mwaa.yaml's `$schema` points (a path relative to the project, or absolute); default: the copy
   * of a project that has mwaa installed as a dependency
   */
  schemaRef?: string;
}

/** The schema's place in a project that installs mwaa with npm. */
export const DEPENDENCY_SCHEMA_REF = './node_modules/mwaa/schema/mwaa.schema.json';

export interface InitResult {
  dir: string;
  name: string;
  airflowVersion: string;
  written: string[];
  overwritten: string[];
  /** what happened to .gitignore: written, `.mwaa/` added to it, or it already ignored `.mwaa/` */
  gitignore: 'created' | 'appended' | 'unchanged';
}

/** A valid MWAA environment name made from a folder name. */
export function environmentNameFrom(folder: string): string {
  let name = folder
    .replace(/[^0-9a-zA-Z_-]+/g, '-')
    .replace(/^[^a-zA-Z]+/, '')
    .replace(/-+$/, '');
  if (name === '') name = 'airflow';
  return name.slice(0, 60);
}

export function scaffoldProject(options: InitOptions, events: EventSink): InitResult {
  const dir = resolve(options.dir);
  const airflowVersion = options.airflowVersion ?? DEFAULT_AIRFLOW_VERSION;
  const constraint = constraintLine(airflowVersion);
  if (!constraint) {
    throw new UsageError(`Airflow ${airflowVersion} is not offered by MWAA`, {
      hint: `choose one of: ${AIRFLOW_VERSIONS.map((v) => v.version).join(', ')}`,
    });
  }
  const name = options.name ?? environmentNameFrom(basename(dir));
  if (!/^[a-zA-Z][0-9a-zA-Z_-]{0,79}$/.test(name)) {
    throw new UsageError(`"${name}" is not a valid MWAA environment name`, {
      hint: 'use a letter, then letters, digits, "-" or "_" (at most 80 characters)',
    });
  }
  const files = projectFiles(name, airflowVersion, constraint, options.schemaRef ?? DEPENDENCY_SCHEMA_REF);
  const existing = Object.keys(files).filter((file) => existsSync(join(dir, file)));
  if (existing.length > 0 && !options.force) {
    throw new UsageError(`refusing to overwrite ${existing.join(', ')} in ${dir}`, {
      code: 'init.exists',
      hint: 'pass --force to overwrite them, or run `mwaa init` in an empty folder',
    });
  }
  for (const [file, content] of Object.entries(files)) {
    const path = join(dir, file);
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(path, content);
    events(msg('init.file.written', { path }, `created ${relative(dir, path)}`));
  }
  const gitignore = ignoreStateFolder(dir);
  if (gitignore !== 'unchanged') {
    events(
      msg('init.file.written', { path: join(dir, '.gitignore') }, `${gitignore === 'created' ? 'created' : 'added .mwaa/ to'} .gitignore`),
    );
  }
  return { dir, name, airflowVersion, written: Object.keys(files), overwritten: existing, gitignore };
}

const GITIGNORE = `# mwaa's local state: the emulator's data (mwaa local) and caches; never commit it
.mwaa/
`;

/** Makes git ignore `.mwaa/`: a new .gitignore, or a line appended to the project's own unless it has one. */
function ignoreStateFolder(dir: string): InitResult['gitignore'] {
  const path = join(dir, '.gitignore');
  if (!existsSync(path)) {
    writeFileSync(path, GITIGNORE);
    return 'created';
  }
  const text = readFileSync(path, 'utf8');
  if (text.split(/\r?\n/).some((line) => /^\/?\.mwaa\/?\s*$/.test(line))) return 'unchanged';
  appendFileSync(path, `${text === '' || text.endsWith('\n') ? '' : '\n'}\n${GITIGNORE}`);
  return 'appended';
}

function projectFiles(name: string, airflowVersion: string, constraint: string, schemaRef: string): Record<string, string> {
  const awsName = `${name}-dev`.slice(0, 80);
  const bucketBase = name.toLowerCase().replace(/_/g, '-');
  return {
    'mwaa.yaml': `# mwaa.yaml: the environments of this project (https://docs.aws.amazon.com/mwaa/).
# Editors with the YAML language server validate this file against the mwaa JSON Schema:
# yaml-language-server: $schema=${schemaRef}
environments:
  # Runs on the embedded local emulator: no AWS account needed. Try:
  #   mwaa env create && mwaa dags push && mwaa trigger example --wait && mwaa logs example
  local:
    name: ${name}
    local: true
    bucket: ${bucketBase}-local
    dags: ./dags
    plugins: ./plugins
    requirements: ./requirements.txt
    environment:
      airflowVersion: "${airflowVersion}"

  # An environment on AWS (uncomment and fill in, then: mwaa -e dev env create)
  # dev:
  #   name: ${awsName}
  #   region: eu-west-1
  #   profile: default
  #   bucket: ${bucketBase}-airflow-dev        # versioned, public access blocked
  #   dags: ./dags
  #   plugins: ./plugins
  #   requirements: ./requirements.txt
  #   environment:
  #     airflowVersion: "${airflowVersion}"
  #     environmentClass: mw1.small
  #     executionRoleArn: arn:aws:iam::123456789012:role/${awsName}-execution
  #     network: { subnetIds: [subnet-aaaa, subnet-bbbb], securityGroupIds: [sg-cccc] }
  #     webserverAccessMode: PUBLIC_ONLY
  #     minWorkers: 1
  #     maxWorkers: 5
  #     logging: { task: INFO, scheduler: WARNING, worker: WARNING, webserver: ERROR, dagProcessing: WARNING }
`,
    'dags/example.py': `"""An example DAG: three tasks in a chain. Trigger it with \`mwaa trigger example --wait\`."""
from datetime import datetime

from airflow import DAG
from airflow.operators.bash import BashOperator

with DAG(
    dag_id="example",
    schedule=None,
    start_date=datetime(2024, 1, 1),
    catchup=False,
    is_paused_upon_creation=False,  # MWAA pauses new DAGs by default; this one runs when triggered
    tags=["example"],
    default_args={"owner": "data-eng"},
) as dag:
    extract = BashOperator(task_id="extract", bash_command="echo extracting")
    transform = BashOperator(task_id="transform", bash_command="echo transforming")
    load = BashOperator(task_id="load", bash_command="echo loading")

    extract >> transform >> load
`,
    'plugins/README.md': `Put Airflow plugins and shared Python modules here. \`mwaa dags push\` zips this folder
deterministically into plugins.zip (the same content always gives the same bytes), so an unchanged
folder never triggers an environment update.
`,
    'requirements.txt': `# Python packages for the environment. MWAA needs a --constraint line for Airflow ${airflowVersion};
# pin every package with == so that installs are repeatable.
${constraint}
`,
    '.mwaaignore': `# Files not uploaded by \`mwaa dags push\` (gitignore syntax). __pycache__, *.pyc, .git and
# .DS_Store are always skipped.
*.md
tests/
`,
  };
}
