/**
 * The SigV4 credential scope of a request (`Credential=AKID/20250101/us-west-2/logs/aws4_request`, in the
 * Authorization header or a presigned URL's X-Amz-Credential): the services keep their state per region
 * and build ARNs from the caller's region, as AWS does.
 */
import type { EmuRequest, World } from './contract.js';

const SCOPE = /Credential=[^/,\s]*\/\d{8}\/([^/,\s]+)\/([^/,\s]+)\/aws4_request/;
const QUERY_SCOPE = /^[^/]*\/\d{8}\/([^/]+)\/([^/]+)\/aws4_request$/;

export function credentialScope(req: EmuRequest): { region: string; service: string } | undefined {
  const auth = req.headers.authorization;
  const m = auth ? SCOPE.exec(auth) : QUERY_SCOPE.exec(req.query.get('X-Amz-Credential') ?? '');
  return m ? { region: m[1], service: m[2] } : undefined;
}

/** The caller's region: the credential scope's, else the emulator's default region. */
export function callerRegion(req: EmuRequest, world: World): string {
  return credentialScope(req)?.region ?? world.region;
}
