/**
 * The mwaa.yaml schema (README "Configuration: mwaa.yaml"). One source of truth: it validates the file, produces the JSON Schema
 * shipped for editors (schema/mwaa.schema.json), and carries the field-level MWAA constraints
 * (lengths, patterns, ranges, enums) so that they are checked before any API call. Rules that depend on more than
 * one field (worker ranges per environment class, fields that cannot change after creation) live with the
 * code that plans environment changes.
 */
import { z } from 'zod';

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

const pattern = (re: RegExp, what: string) => z.string().regex(re, { error: `expected ${what}` });

const environmentName = z
  .string()
  .min(1)
  .max(80, { error: 'must be at most 80 characters' })
  .regex(/^[a-zA-Z][0-9a-zA-Z_-]*$/, {
    error: 'expected an MWAA environment name: a letter, then letters, digits, "-" or "_" (at most 80)',
  });

const bucketName = z.string().regex(/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/, {
  error: 'expected an S3 bucket name: 3–63 lowercase letters, digits, "." or "-" (not an ARN, not s3://)',
});

const region = pattern(/^[a-z]{2}(-[a-z]+)+-\d+$/, 'an AWS region such as eu-west-1');

const positiveInt = (what: string) => z.int({ error: `expected a whole number (${what})` }).min(1, { error: `${what} must be at least 1` });

const logLevel = z.enum(LOG_LEVELS, { error: `expected one of ${LOG_LEVELS.join(', ')}` });
/** A component's logging: a level (enabled), `false` (disabled), or { enabled, level }. */
const componentLogging = z.union([logLevel, z.literal(false), z.strictObject({ enabled: z.boolean(), level: logLevel.optional() })], {
  error: `expected a log level (${LOG_LEVELS.join(', ')}), false, or { enabled, level }`,
});

const configValue = z
  .union([z.string(), z.number(), z.boolean()])
  .transform((v) => String(v))
  .pipe(
    z
      .string()
      .min(1, { error: 'must not be empty' })
      .max(65536)
      .regex(/^[ -~]+$/, { error: 'must be printable ASCII' }),
  );

const tagText = /^[\p{L}\p{Z}\p{N}_.:/=+\-@]*$/u;

export const environmentSettingsSchema = z.strictObject({
  airflowVersion: pattern(/^[0-9a-z.]{1,32}$/, 'an Airflow version such as "2.10.3"').optional(),
  environmentClass: z.enum(ENVIRONMENT_CLASSES, { error: `expected one of ${ENVIRONMENT_CLASSES.join(', ')}` }).optional(),
  executionRoleArn: pattern(
    /^arn:aws(-[a-z]+)?:iam::\d{12}:role\/?[a-zA-Z_0-9+=,.@\-_/]+$/,
    'an IAM role ARN such as arn:aws:iam::123456789012:role/mwaa-execution',
  ).optional(),
  dagS3Path: z.string().min(1).max(1024).optional(),
  network: z
    .strictObject({
      subnetIds: z
        .array(pattern(/^subnet-[a-zA-Z0-9\-._]+$/, 'a subnet id such as subnet-0abc'))
        .length(2, { error: 'MWAA needs exactly 2 subnets (in two availability zones)' }),
      securityGroupIds: z
        .array(pattern(/^sg-[a-zA-Z0-9\-._]+$/, 'a security group id such as sg-0abc'))
        .min(1, { error: 'at least 1 security group is required' })
        .max(5, { error: 'at most 5 security groups are allowed' }),
    })
    .optional(),
  webserverAccessMode: z.enum(['PRIVATE_ONLY', 'PUBLIC_ONLY', 'PUBLIC_AND_PRIVATE']).optional(),
  endpointManagement: z.enum(['CUSTOMER', 'SERVICE']).optional(),
  minWorkers: positiveInt('minWorkers').optional(),
  maxWorkers: positiveInt('maxWorkers').optional(),
  minWebservers: positiveInt('minWebservers').optional(),
  maxWebservers: positiveInt('maxWebservers').optional(),
  schedulers: positiveInt('schedulers').max(5, { error: 'schedulers must be at most 5' }).optional(),
  logging: z.partialRecord(z.enum(LOG_COMPONENTS), componentLogging).optional(),
  airflowConfigurationOptions: z
    .record(
      pattern(/^[a-z]+([a-z0-9._]*[a-z0-9_]+)?$/, 'a lower-case Airflow option key such as core.default_task_retries').max(64),
      configValue,
    )
    .optional(),
  kmsKey: z.string().min(1).max(1224).optional(),
  weeklyMaintenanceWindowStart: pattern(
    /^(MON|TUE|WED|THU|FRI|SAT|SUN):([01]\d|2[0-3]):(00|30)$/,
    'DAY:HH:MM in UTC with 30-minute steps, such as TUE:03:30',
  ).optional(),
  tags: z
    .record(
      z.string().min(1).max(128).regex(tagText, { error: 'tag keys may hold letters, digits, spaces and _.:/=+-@' }),
      z.string().max(256).regex(tagText, { error: 'tag values may hold letters, digits, spaces and _.:/=+-@' }),
    )
    .refine((t) => Object.keys(t).length <= 50, { error: 'at most 50 tags are allowed' })
    .optional(),
  workerReplacementStrategy: z.enum(['FORCED', 'GRACEFUL']).optional(),
});

export const environmentEntrySchema = z
  .strictObject({
    name: environmentName,
    region: region.optional(),
    profile: z.string().min(1).optional(),
    bucket: bucketName.optional(),
    local: z.boolean().optional(),
    dags: z.string().min(1).optional(),
    plugins: z.string().min(1).optional(),
    requirements: z.string().min(1).optional(),
    startupScript: z.string().min(1).optional(),
    environment: environmentSettingsSchema.optional(),
  })
  .superRefine((entry, ctx) => {
    if (!entry.local && !entry.bucket) {
      ctx.addIssue({ code: 'custom', path: ['bucket'], message: 'a source bucket is required (or set local: true)' });
    }
  });

const environmentKey = /^[a-zA-Z0-9][a-zA-Z0-9_.-]*$/;

export const configSchema = z.strictObject({
  $schema: z.string().optional(),
  environments: z
    .record(z.string().regex(environmentKey, { error: 'environment keys are letters, digits, "-", "_" or "."' }), environmentEntrySchema)
    .refine((envs) => Object.keys(envs).length > 0, { error: 'name at least one environment' }),
});

export type EnvironmentSettings = z.infer<typeof environmentSettingsSchema>;
export type EnvironmentEntry = z.infer<typeof environmentEntrySchema>;
export type MwaaConfig = z.infer<typeof configSchema>;

/** The JSON Schema for editors, generated from the same schema. */
export function configJsonSchema(): Record<string, unknown> {
  const schema = z.toJSONSchema(configSchema, { io: 'input', unrepresentable: 'any' }) as Record<string, unknown>;
  return { ...schema, $id: 'https://github.com/mwaa-cli/mwaa/schema/mwaa.schema.json', title: 'mwaa.yaml' };
}
