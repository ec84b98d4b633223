/**
 * The source-bucket questions environment commands ask before CreateEnvironment (README
 * "Environments: `mwaa env`"): does it exist, in which region, is versioning enabled, is public access blocked. Also creates
 * a bucket the way MWAA needs it (the local emulator's buckets are created for the user).
 */
import type { S3Client } from '@aws-sdk/client-s3';
import type { BucketApi } from '../core/ports/bucket.js';
import { mapAwsError } from './errors.js';
import { s3Api } from './s3.js';

interface SdkError {
  name?: string;
  $metadata?: { httpStatusCode?: number };
  $response?: { headers?: Record<string, string> };
}

export function normalizeLocation(constraint: string | undefined | null): string {
  if (!constraint) return 'us-east-1';
  if (constraint === 'EU') return 'eu-west-1';
  return constraint;
}

export function s3BucketApi(client: S3Client): BucketApi {
  const sdk = import('@aws-sdk/client-s3');
  const objects = s3Api(client);
  return {
    async head(bucket) {
      const { HeadBucketCommand } = await sdk;
      try {
        const out = await client.send(new HeadBucketCommand({ Bucket: bucket }));
        return { status: 'ok', region: out.BucketRegion };
      } catch (error) {
        const e = error as SdkError;
        const status = e.$metadata?.httpStatusCode;
        const region = e.$response?.headers?.['x-amz-bucket-region'];
        if (status === 404 || e.name === 'NotFound' || e.name === 'NoSuchBucket') return { status: 'missing' };
        if (status === 301 || e.name === 'PermanentRedirect' || e.name === '301') return { status: 'moved', region };
        if (status === 403 || e.name === 'Forbidden') return { status: 'forbidden', region };
        throw mapAwsError(error, `HeadBucket ${bucket}`);
      }
    },
    async location(bucket) {
      const { GetBucketLocationCommand } = await sdk;
      try {
        const out = await client.send(new GetBucketLocationCommand({ Bucket: bucket }));
        return normalizeLocation(out.LocationConstraint);
      } catch (error) {
        throw mapAwsError(error, `GetBucketLocation ${bucket}`);
      }
    },
    // the same calls as the deploy's adapter, with its error mapping
    versioning: (bucket) => objects.getBucketVersioning(bucket),
    publicAccessBlock: (bucket) => objects.getPublicAccessBlock(bucket),
    async create(bucket, region) {
      const { CreateBucketCommand, PutBucketVersioningCommand, PutPublicAccessBlockCommand } = await sdk;
      try {
        await client.send(
          new CreateBucketCommand({
            Bucket: bucket,
            ...(region && region !== 'us-east-1' ? { CreateBucketConfiguration: { LocationConstraint: region as never } } : {}),
          }),
        );
        await client.send(new PutBucketVersioningCommand({ Bucket: bucket, VersioningConfiguration: { Status: 'Enabled' } }));
        await client.send(
          new PutPublicAccessBlockCommand({
            Bucket: bucket,
            PublicAccessBlockConfiguration: {
              BlockPublicAcls: true,
              IgnorePublicAcls: true,
              BlockPublicPolicy: true,
              RestrictPublicBuckets: true,
            },
          }),
        );
      } catch (error) {
        throw mapAwsError(error, `CreateBucket ${bucket}`);
      }
    },
  };
}
