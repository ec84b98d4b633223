/**
 * The emulator's S3 service (REST/XML). See handler.ts for the operations and store.ts for the model.
 *
 *   createS3Store(persist, clock): S3Store   the state, persisted through the journal ("s3")
 *   handleS3: Handler                        answers S3 requests (path-style or <bucket>.localhost)
 */
import type { Handler } from '../contract.js';
import { handleS3 as handle } from './handler.js';

export { createS3Store } from './store.js';
export type { S3StoreImpl, ObjectVersion, Bucket } from './store.js';
export { s3ErrorResponse } from './xml.js';

export const handleS3: Handler = handle;
