/**
 * The source-bucket port of environment commands: does the bucket exist, where, is versioning on, is
 * public access blocked; and creating one the way MWAA needs it. Adapter: src/aws/s3-bucket.ts.
 */
export interface PublicAccessBlock {
  BlockPublicAcls: boolean;
  IgnorePublicAcls: boolean;
  BlockPublicPolicy: boolean;
  RestrictPublicBuckets: boolean;
}

export interface BucketHead {
  status: 'ok' | 'missing' | 'forbidden' | 'moved';
  /** the bucket's region when S3 said (x-amz-bucket-region) */
  region?: string;
}

export interface BucketApi {
  head(bucket: string): Promise<BucketHead>;
  /** GetBucketLocation, normalized to a region name (empty / null is us-east-1, EU is eu-west-1) */
  location(bucket: string): Promise<string>;
  /** GetBucketVersioning Status: "Enabled", "Suspended", or undefined (never enabled) */
  versioning(bucket: string): Promise<string | undefined>;
  /** GetPublicAccessBlock; undefined when the bucket has none */
  publicAccessBlock(bucket: string): Promise<PublicAccessBlock | undefined>;
  /** CreateBucket + versioning enabled + all public access blocked */
  create(bucket: string, region: string): Promise<void>;
}
