/**
 * AWS STS for the local emulator: GetCallerIdentity only (the query protocol: a form-encoded POST, or
 * GET with the parameters in the query string; answers in XML). Test fixtures and pipelines call it to
 * learn the account id; it answers the emulator's account and an IAM user ARN named after the caller's
 * access key id (the same identity MWAA's CreateCliToken reports). Every other action is refused with
 * the service's InvalidAction error, as STS refuses an operation it does not know.
 */
import { createHash, randomUUID } from 'node:crypto';
import type { EmuRequest, EmuResponse, Handler } from '../contract.js';

const XMLNS = 'https://sts.amazonaws.com/doc/2011-06-15/';

function xmlEscape(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/** The request's query parameters: the form body of a POST, else the URL's query string. */
export function stsParams(req: EmuRequest): URLSearchParams {
  const type = req.headers['content-type'] ?? '';
  if (req.method === 'POST' && type.includes('application/x-www-form-urlencoded')) return new URLSearchParams(req.body.toString('utf8'));
  return req.query;
}

function accessKeyOf(req: EmuRequest): string {
  const auth = req.headers.authorization ?? '';
  const m = /Credential=([^/,\s]+)\//.exec(auth) ?? /^([^/]+)\//.exec(req.query.get('X-Amz-Credential') ?? '');
  return m ? m[1] : 'mwaa-local';
}

export function stsError(status: number, code: string, message: string): EmuResponse {
  const requestId = randomUUID();
  return {
    status,
    headers: { 'content-type': 'text/xml', 'x-amzn-requestid': requestId },
    body: `<ErrorResponse xmlns="${XMLNS}">\n  <Error>\n    <Type>Sender</Type>\n    <Code>${code}</Code>\n    <Message>${xmlEscape(message)}</Message>\n  </Error>\n  <RequestId>${requestId}</RequestId>\n</ErrorResponse>\n`,
  };
}

export const handleSts: Handler = (req, world) => {
  const params = stsParams(req);
  const action = params.get('Action') ?? '';
  const version = params.get('Version') ?? '2011-06-15';
  if (action !== 'GetCallerIdentity') {
    return stsError(400, 'InvalidAction', `Could not find operation ${action} for version ${version}`);
  }
  const akid = accessKeyOf(req);
  // IAM user ids start with AIDA; this one is stable per access key
  const userId = `AIDA${createHash('sha256').update(`mwaa-local:${akid}`).digest('hex').slice(0, 17).toUpperCase()}`;
  const requestId = randomUUID();
  const body =
    `<GetCallerIdentityResponse xmlns="${XMLNS}">\n  <GetCallerIdentityResult>\n` +
    `    <Arn>arn:aws:iam::${world.accountId}:user/${xmlEscape(akid)}</Arn>\n` +
    `    <UserId>${userId}</UserId>\n` +
    `    <Account>${world.accountId}</Account>\n` +
    `  </GetCallerIdentityResult>\n  <ResponseMetadata>\n    <RequestId>${requestId}</RequestId>\n  </ResponseMetadata>\n</GetCallerIdentityResponse>\n`;
  return { status: 200, headers: { 'content-type': 'text/xml', 'x-amzn-requestid': requestId }, body };
};
