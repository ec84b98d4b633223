/**
 * AirflowConsole.print_as(data, output) (airflow/cli/simple_table.py, identical from 2.10 to 3.3):
 * every value is normalised first (lists and dicts keep their shape with stringified leaves, None stays
 * None, everything else becomes str(value); in `table` mode lists are comma-joined and dicts are their
 * Python repr), then rendered as one-line JSON, YAML (+ an empty line), a rich table or a tabulate
 * "plain" table. Empty data prints `[]` / `[]\n` / `No data found`.
 */
import { PyDict, jsonDumps, pyRepr, pyStr, type Py } from './py.js';
import { renderRichTable, renderTabulatePlain } from './tables.js';
import { yamlDump, type YamlData } from './yaml.js';

export type OutputFormat = 'table' | 'json' | 'yaml' | 'plain';
export const OUTPUT_FORMATS: OutputFormat[] = ['table', 'json', 'yaml', 'plain'];

/** One row: ordered (column, value) pairs, as the mapper's dict literal orders them. */
export type Row = Array<[string, Py]>;

function normalize(v: Py, output: OutputFormat): Py {
  if (Array.isArray(v)) {
    if (output === 'table') return v.map((x) => pyStr(normalize(x, output))).join(',');
    return v.map((x) => normalize(x, output));
  }
  if (v instanceof PyDict && output !== 'table') {
    return new PyDict(new Map([...v.m].map(([k, x]) => [k, normalize(x, output)])));
  }
  if (v === null) return null;
  return pyStr(v);
}

function toYaml(v: Py): YamlData {
  if (v === null) return null;
  if (typeof v === 'string') return v;
  if (Array.isArray(v)) return v.map(toYaml);
  if (v instanceof PyDict) return new Map([...v.m].map(([k, x]) => [k, toYaml(x)]));
  return pyStr(v);
}

/** The exact stdout text of AirflowConsole().print_as(data=rows, output=format). */
export function printAs(rows: Row[], output: OutputFormat): string {
  const data = rows.map((r) => r.map(([k, v]) => [k, normalize(v, output)] as [string, Py]));
  switch (output) {
    case 'json':
      return `${jsonDumps(data.map((r) => new PyDict(new Map(r))))}\n`;
    case 'yaml':
      return `${yamlDump(data.map((r) => new Map(r.map(([k, v]) => [k, toYaml(v)]))))}\n`;
    case 'table': {
      if (data.length === 0) return 'No data found\n';
      const headers = data[0].map(([k]) => k);
      return renderRichTable(
        headers,
        data.map((r) => r.map(([, v]) => (v === null ? 'None' : pyStr(v)))),
      );
    }
    case 'plain': {
      if (data.length === 0) return 'No data found\n';
      const headers = data[0].map(([k]) => k);
      return renderTabulatePlain(
        headers,
        data.map((r) => r.map(([, v]) => (v === null ? null : typeof v === 'string' ? v : pyRepr(v)))),
      );
    }
  }
}
