/**
 * Pre-flight checks of the source bucket before CreateEnvironment (README "Environments: `mwaa env`"): it
 * exists, is in the environment's region, has versioning enabled and blocks all public access. Every
 * problem is reported at once, each with the command that fixes it. On the local emulator a missing
 * bucket is created the way MWAA needs it.
 */
import type { BucketApi, PublicAccessBlock } from '../ports/bucket.js';
import { FailedError } from '../errors.js';
import type { Mutations } from '../mutations.js';
import type { EventSink } from '../events.js';
import { msg } from '../messages.js';

export interface BucketProblem {
  check: 'exists' | 'access' | 'region' | 'versioning' | 'public-access';
  message: string;
  fix: string;
}

const PAB_FIELDS: Array<keyof PublicAccessBlock> = ['BlockPublicAcls', 'IgnorePublicAcls', 'BlockPublicPolicy', 'RestrictPublicBuckets'];

/** Returns the problems of a bucket (empty: it can be an MWAA source bucket). */
export async function checkSourceBucket(api: BucketApi, bucket: string, region: string | undefined): Promise<BucketProblem[]> {
  const problems: BucketProblem[] = [];
  const head = await api.head(bucket);
  if (head.status === 'missing') {
    return [
      {
        check: 'exists',
        message: `source bucket ${bucket} does not exist`,
        fix:
          `create it: aws s3api create-bucket --bucket ${bucket}` +
          (region && region !== 'us-east-1' ? ` --region ${region} --create-bucket-configuration LocationConstraint=${region}` : '') +
          ' (then enable versioning and block public access)',
      },
    ];
  }
  if (head.status === 'forbidden') {
    return [
      {
        check: 'access',
        message: `source bucket ${bucket} exists but these credentials may not read it (HeadBucket: 403)`,
        fix: 'use a profile allowed s3:ListBucket, s3:GetBucketVersioning and s3:GetBucketPublicAccessBlock on it, or check that the bucket is yours',
      },
    ];
  }
  let bucketRegion = head.region;
  if (head.status === 'moved' || !bucketRegion) {
    bucketRegion = head.region ?? (await api.location(bucket));
  }
  if (region && bucketRegion && bucketRegion !== region) {
    problems.push({
      check: 'region',
      message: `source bucket ${bucket} is in ${bucketRegion}, but the environment is in ${region}; MWAA needs the bucket in the same region`,
      fix: `use a bucket in ${region} (set \`bucket:\` in mwaa.yaml), or set \`region: ${bucketRegion}\` for the environment`,
    });
    // the other checks would be redirected to another region: stop here
    return problems;
  }
  const versioning = await api.versioning(bucket);
  if (versioning !== 'Enabled') {
    problems.push({
      check: 'versioning',
      message: `source bucket ${bucket} does not have versioning enabled (${versioning ? `it is ${versioning}` : 'never enabled'}); MWAA pins object versions`,
      fix: `aws s3api put-bucket-versioning --bucket ${bucket} --versioning-configuration Status=Enabled`,
    });
  }
  const pab = await api.publicAccessBlock(bucket);
  const open = PAB_FIELDS.filter((f) => !pab?.[f]);
  if (open.length > 0) {
    problems.push({
      check: 'public-access',
      message: `source bucket ${bucket} does not block all public access (${pab ? `${open.join(', ')} not set` : 'no public access block'})`,
      fix:
        `aws s3api put-public-access-block --bucket ${bucket} --public-access-block-configuration ` +
        'BlockPublicAcls=true,IgnorePublicAcls=true,BlockPublicPolicy=true,RestrictPublicBuckets=true',
    });
  }
  return problems;
}

/** Throws a FailedError (exit 1) listing every problem and its fix. */
export async function assertSourceBucket(api: BucketApi, bucket: string, region: string | undefined, events: EventSink): Promise<void> {
  events(msg('env.bucket.check', { bucket }, `checking source bucket ${bucket}`));
  const problems = await checkSourceBucket(api, bucket, region);
  if (problems.length === 0) return;
  const lines = problems.map((p) => `${p.message}\n  fix: ${p.fix}`);
  throw new FailedError('env.bucket.preflight', `the source bucket cannot be used by MWAA:\n${lines.join('\n')}`, {
    hint: 'fix the bucket as shown, then run the command again (nothing was created)',
    details: { bucket, problems },
  });
}

/**
 * The local emulator: creates the bucket (versioned, public access blocked) when it does not exist,
 * then checks it like on AWS.
 */
export async function ensureLocalBucket(
  api: BucketApi,
  bucket: string,
  region: string,
  events: EventSink,
  mutations?: Mutations,
): Promise<boolean> {
  const head = await api.head(bucket);
  let created = false;
  if (head.status === 'missing') {
    mutations?.before({
      description: `CreateBucket ${bucket} (on the local emulator)`,
      next: 'the bucket stays; `mwaa env create` uses it when run again',
    });
    await api.create(bucket, region);
    created = true;
    events(
      msg('env.bucket.created', { bucket }, `created source bucket ${bucket} on the local emulator (versioned, public access blocked)`),
    );
  }
  await assertSourceBucket(api, bucket, region, events);
  return created;
}
