/** The global options (README "Commands"), declared once for the parser, the help and the completions. */
import type { OptionSpec } from './spec.js';

export const OUTPUT_FORMATS = ['text', 'json'] as const;

export const GLOBAL_OPTIONS: OptionSpec[] = [
  { flags: '-e, --env <key>', description: 'environment key in mwaa.yaml (default: $MWAA_ENV, or the only one)', complete: 'envs' },
  { flags: '-c, --config <file>', description: 'path to mwaa.yaml (default: found upward from the current folder)', complete: 'files' },
  { flags: '--profile <name>', description: "AWS profile (default: the environment's profile, or $AWS_PROFILE)" },
  { flags: '--region <region>', description: "AWS region (default: the environment's region, or $AWS_REGION)" },
  {
    flags: '--endpoint-url <url>',
    description: 'send AWS API calls to this endpoint (also $AWS_ENDPOINT_URL[_S3|_MWAA|_CLOUDWATCH_LOGS])',
  },
  { flags: '--local', description: 'use the embedded local emulator instead of AWS' },
  { flags: '-o, --output <format>', description: 'output format', choices: OUTPUT_FORMATS },
  { flags: '--json', description: 'same as --output json' },
  { flags: '--no-color', description: 'no colors (also $NO_COLOR, or when not a terminal)' },
  { flags: '-y, --yes', description: 'answer yes to confirmations' },
  { flags: '-q, --quiet', description: 'print only data and errors' },
  { flags: '--debug', description: 'print debug detail and the cause of errors' },
];

export interface GlobalOptions {
  env?: string;
  config?: string;
  profile?: string;
  region?: string;
  endpointUrl?: string;
  local: boolean;
  json: boolean;
  color: boolean;
  yes: boolean;
  quiet: boolean;
  debug: boolean;
}
