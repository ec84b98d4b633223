/**
 * The mwaa.yaml schema (README "Configuration: mwaa.yaml"). One source of truth: it validates the file, produces the JSON Schema
 * shipped for editors (schema/mwaa.schema.json), and carries the field-level MWAA constraints
 * (lengths, patterns, ranges, enums) so that they are checked before any API call. Rules that depend on more than
 * one field (worker ranges per environment class, fields that cannot change after creation) live with the
 * code that plans environment changes.
 */
import * as z from 'zod/mini';
import en from 'zod/v4/locales/en.js';

// zod's small build (zod/mini: functions instead of methods, so that a bundle keeps only what the
// schema uses) has no messages until a locale is set: English, as the full build's default. It loads in
// ~7 ms where the full build took ~45 ms, on every command (bench/startup.mjs).
z.config(en());

export const ENVIRONMENT_CLASSES = ['mw1.micro', 'mw1.small', 'mw1.medium', 'mw1.large', 'mw1.xlarge', 'mw1.2xlarge'] as const;
export const LOG_LEVELS = ['CRITICAL', 'ERROR', 'WARNING', 'INFO', 'DEBUG'] as const;
export const LOG_COMPONENTS = ['dagProcessing', 'scheduler', 'task', 'webserver', 'worker'] as const;
export type LogComponent = (typeof LOG_COMPONENTS)[number];

/** Airflow versions MWAA offers, newest first, with their Python version. */
export const AIRFLOW_VERSIONS: ReadonlyArray<{ version: string; python: string }> = [
  { version: '3.3.1', python: '3.12' },
  { version: '3.2.1', python: '3.12' },
  { version: '2.11.2', python: '3.12' },
  { version: '2.11.0', python: '3.12' },
  { version: '3.0.6', python: '3.12' },
  { version: '2.10.3', python: '3.11' },
  { version: '2.10.1', python: '3.11' },
  { version: '2.9.2', python: '3.11' },
  { version: '2.8.1', python: '3.11' },
  { version: '2.7.2', python: '3.11' },
];
export const DEFAULT_AIRFLOW_VERSION = '2.10.3';

/** The `--constraint` line MWAA expects at the top of requirements.txt (from Airflow 2.7.2 on). */
export function constraintLine(airflowVersion: string): string | undefined {
  const entry = AIRFLOW_VERSIONS.find((v) => v.version === airflowVersion);
  if (!entry) return undefined;
  return `--constraint "https://raw.githubusercontent.com/apache/airflow/constraints-${entry.version}/constraints-${entry.python}.txt"`;
}

const pattern = (re: RegExp, what: string) => z.string().check(z.regex(re, { error: `expected ${what}` }));
/** A string of at least one character (and at most `max`). */
const text = (max?: number) => z.string().check(z.minLength(1), ...(max === undefined ? [] : [z.maxLength(max)]));

const environmentName = z.string().check(
  z.minLength(1),
  z.maxLength(80, { error: 'must be at most 80 characters' }),
  z.regex(/^[a-zA-Z][0-9a-zA-Z_-]*$/, {
    error: 'expected an MWAA environment name: a letter, then letters, digits, "-" or "_" (at most 80)',
  }),
);

const bucketName = z.string().check(
  z.regex(/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/, {
    error: 'expected an S3 bucket name: 3–63 lowercase letters, digits, "." or "-" (not an ARN, not s3://)',
  }),
);

const region = pattern(/^[a-z]{2}(-[a-z]+)+-\d+$/, 'an AWS region such as eu-west-1');

const positiveInt = (what: string) =>
  z.int({ error: `expected a whole number (${what})` }).check(z.gte(1, { error: `${what} must be at least 1` }));

const logLevel = z.enum(LOG_LEVELS, { error: `expected one of ${LOG_LEVELS.join(', ')}` });
/** A component's logging: a level (enabled), `false` (disabled), or { enabled, level }. */
const componentLogging = z.union([logLevel, z.literal(false), z.strictObject({ enabled: z.boolean(), level: z.optional(logLevel) })], {
  error: `expected a log level (${LOG_LEVELS.join(', ')}), false, or { enabled, level }`,
});

const configValue = z.pipe(
  z.pipe(
    z.union([z.string(), z.number(), z.boolean()]),
    z.transform((v) => String(v)),
  ),
  z
    .string()
    .check(z.minLength(1, { error: 'must not be empty' }), z.maxLength(65536), z.regex(/^[ -~]+$/, { error: 'must be printable ASCII' })),
);

const tagText = /^[\p{L}\p{Z}\p{N}_.:/=+\-@]*$/u;

export const environmentSettingsSchema = z.strictObject({
  airflowVersion: z.optional(pattern(/^[0-9a-z.]{1,32}$/, 'an Airflow version such as "2.10.3"')),
  environmentClass: z.optional(z.enum(ENVIRONMENT_CLASSES, { error: `expected one of ${ENVIRONMENT_CLASSES.join(', ')}` })),
  executionRoleArn: z.optional(
    pattern(
      /^arn:aws(-[a-z]+)?:iam::\d{12}:role\/?[a-zA-Z_0-9+=,.@\-_/]+$/,
      'an IAM role ARN such as arn:aws:iam::123456789012:role/mwaa-execution',
    ),
  ),
  dagS3Path: z.optional(text(1024)),
  network: z.optional(
    z.strictObject({
      subnetIds: z
        .array(pattern(/^subnet-[a-zA-Z0-9\-._]+$/, 'a subnet id such as subnet-0abc'))
        .check(z.length(2, { error: 'MWAA needs exactly 2 subnets (in two availability zones)' })),
      securityGroupIds: z
        .array(pattern(/^sg-[a-zA-Z0-9\-._]+$/, 'a security group id such as sg-0abc'))
        .check(
          z.minLength(1, { error: 'at least 1 security group is required' }),
          z.maxLength(5, { error: 'at most 5 security groups are allowed' }),
        ),
    }),
  ),
  webserverAccessMode: z.optional(z.enum(['PRIVATE_ONLY', 'PUBLIC_ONLY', 'PUBLIC_AND_PRIVATE'])),
  endpointManagement: z.optional(z.enum(['CUSTOMER', 'SERVICE'])),
  minWorkers: z.optional(positiveInt('minWorkers')),
  maxWorkers: z.optional(positiveInt('maxWorkers')),
  minWebservers: z.optional(positiveInt('minWebservers')),
  maxWebservers: z.optional(positiveInt('maxWebservers')),
  schedulers: z.optional(positiveInt('schedulers').check(z.lte(5, { error: 'schedulers must be at most 5' }))),
  logging: z.optional(z.partialRecord(z.enum(LOG_COMPONENTS), componentLogging)),
  airflowConfigurationOptions: z.optional(
    z.record(
      pattern(/^[a-z]+([a-z0-9._]*[a-z0-9_]+)?$/, 'a lower-case Airflow option key such as core.default_task_retries').check(
        z.maxLength(64),
      ),
      configValue,
    ),
  ),
  kmsKey: z.optional(text(1224)),
  weeklyMaintenanceWindowStart: z.optional(
    pattern(/^(MON|TUE|WED|THU|FRI|SAT|SUN):([01]\d|2[0-3]):(00|30)$/, 'DAY:HH:MM in UTC with 30-minute steps, such as TUE:03:30'),
  ),
  tags: z.optional(
    z
      .record(
        text(128).check(z.regex(tagText, { error: 'tag keys may hold letters, digits, spaces and _.:/=+-@' })),
        z.string().check(z.maxLength(256), z.regex(tagText, { error: 'tag values may hold letters, digits, spaces and _.:/=+-@' })),
      )
      .check(z.refine((t) => Object.keys(t).length <= 50, { error: 'at most 50 tags are allowed' })),
  ),
  workerReplacementStrategy: z.optional(z.enum(['FORCED', 'GRACEFUL'])),
});

export const environmentEntrySchema = z
  .strictObject({
    name: environmentName,
    region: z.optional(region),
    profile: z.optional(text()),
    bucket: z.optional(bucketName),
    local: z.optional(z.boolean()),
    dags: z.optional(text()),
    plugins: z.optional(text()),
    requirements: z.optional(text()),
    startupScript: z.optional(text()),
    environment: z.optional(environmentSettingsSchema),
  })
  .check(
    z.superRefine((entry, ctx) => {
      if (!entry.local && !entry.bucket) {
        ctx.addIssue({ code: 'custom', path: ['bucket'], message: 'a source bucket is required (or set local: true)' });
      }
    }),
  );

const environmentKey = /^[a-zA-Z0-9][a-zA-Z0-9_.-]*$/;

export const configSchema = z.strictObject({
  $schema: z.optional(z.string()),
  environments: z
    .record(
      z.string().check(z.regex(environmentKey, { error: 'environment keys are letters, digits, "-", "_" or "."' })),
      environmentEntrySchema,
    )
    .check(z.refine((envs) => Object.keys(envs).length > 0, { error: 'name at least one environment' })),
});

export type EnvironmentSettings = z.infer<typeof environmentSettingsSchema>;
export type EnvironmentEntry = z.infer<typeof environmentEntrySchema>;
export type MwaaConfig = z.infer<typeof configSchema>;

/** The JSON Schema for editors, generated from the same schema. */
export function configJsonSchema(): Record<string, unknown> {
  const schema = z.toJSONSchema(configSchema, { io: 'input', unrepresentable: 'any' }) as Record<string, unknown>;
  return { ...schema, $id: 'https://github.com/mwaa-cli/mwaa/schema/mwaa.schema.json', title: 'mwaa.yaml' };
}
