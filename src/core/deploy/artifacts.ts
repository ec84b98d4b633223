/**
 * Environment artifacts (plugins.zip, requirements.txt, startup script): built from the project
 * (plugins from a folder are zipped deterministically) and compared by sha256 with the version the
 * environment pins now. Only a real change asks for an environment update.
 */
import { readFile, stat } from 'node:fs/promises';
import type { EnvironmentInfo } from '../ports/mwaa.js';
import type { S3Api } from '../ports/s3.js';
import { ConfigError } from '../errors.js';
import { walkFiles } from './files.js';
import { digestBytes, etagMd5 } from './hash.js';
import { loadIgnoreRule } from './ignore.js';
import { prevOf, type ArtifactPlan } from './plan.js';
import { ARTIFACT_FIELDS, type ArtifactKind, type Pin, type ReleaseRecord } from './records.js';
import type { ZipProblem } from './zip.js';

export interface BuiltArtifact {
  kind: ArtifactKind;
  source: string;
  bytes: Uint8Array;
  problems: ZipProblem[];
  skippedLinks: string[];
  /** a plugins folder with no files in it */
  empty?: boolean;
}

export async function buildArtifact(kind: ArtifactKind, source: string, projectDir: string): Promise<BuiltArtifact> {
  let st: Awaited<ReturnType<typeof stat>>;
  try {
    st = await stat(source);
  } catch {
    throw new ConfigError(`${ARTIFACT_FIELDS[kind].label} not found: ${source}`, undefined, {
      code: 'deploy.artifact-missing',
      hint: `create it, or remove \`${kind}:\` from the environment in mwaa.yaml`,
    });
  }
  if (kind === 'plugins') {
    // loaded here: the zip library builds its tables as it loads, work a push without plugins never needs
    const { checkPluginsZip, zipFolder } = await import('./zip.js');
    if (st.isDirectory()) {
      const walk = await walkFiles(source, loadIgnoreRule(source, projectDir));
      const bytes = await zipFolder(walk);
      const problems = checkPluginsZip(bytes, `plugins.zip built from ${source}`).problems;
      return { kind, source, bytes, problems, skippedLinks: walk.skippedLinks, ...(walk.files.length === 0 ? { empty: true } : {}) };
    }
    const bytes = await readFile(source);
    return { kind, source, bytes, problems: checkPluginsZip(bytes, source).problems, skippedLinks: [] };
  }
  if (!st.isFile()) {
    throw new ConfigError(`${ARTIFACT_FIELDS[kind].label} must be a file: ${source}`, undefined, { code: 'deploy.artifact-invalid' });
  }
  return { kind, source, bytes: await readFile(source), problems: [], skippedLinks: [] };
}

/** A pinned path as MWAA returns it (relative, or sometimes s3://bucket/key) -> the key. */
export function keyOfPath(path: string, bucket: string): string {
  const s3 = /^s3:\/\/([^/]+)\/(.+)$/.exec(path);
  if (s3 && s3[1] === bucket) return s3[2];
  return path.replace(/^\/+/, '');
}

export function pinsOf(env: EnvironmentInfo, kind: ArtifactKind): Pin {
  const f = ARTIFACT_FIELDS[kind];
  const path = env[f.path];
  const version = env[f.version];
  return { ...(path ? { path } : {}), ...(version ? { version } : {}) };
}

export interface PlanArtifactInput {
  built: BuiltArtifact;
  env: EnvironmentInfo;
  bucket: string;
  s3: S3Api;
  record?: ReleaseRecord;
}

export async function planArtifact(input: PlanArtifactInput): Promise<ArtifactPlan> {
  const { built, env, bucket, s3, record } = input;
  const f = ARTIFACT_FIELDS[built.kind];
  const pinned = pinsOf(env, built.kind);
  const key = pinned.path ? keyOfPath(pinned.path, bucket) : f.defaultKey;
  const digest = digestBytes(built.bytes);
  const latest = (await s3.listVersions(bucket, key, { latestOnly: true })).find((v) => v.key === key);
  const base = {
    kind: built.kind,
    label: f.label,
    source: built.source,
    key,
    bytes: built.bytes,
    sha256: digest.sha256,
    md5: digest.md5,
    size: digest.size,
    pinned,
    prev: prevOf(latest),
  };
  if (!pinned.version && built.empty) {
    // nothing to install: not worth an environment update (an environment that uses plugins gets the empty zip)
    return { ...base, change: false, reason: 'the folder is empty and the environment uses no plugins.zip' };
  }
  if (!pinned.version) {
    return {
      ...base,
      change: true,
      reason: pinned.path ? `the environment names ${pinned.path} but pins no version` : 'not used by the environment yet',
    };
  }
  let pinnedSha256: string | undefined;
  const recorded = record?.artifacts[built.kind];
  if (recorded && recorded.versionId === pinned.version && recorded.key === key) {
    pinnedSha256 = recorded.sha256;
  } else {
    const head = await s3.headObject(bucket, key, pinned.version);
    if (head && etagMd5(head.etag) === digest.md5) pinnedSha256 = digest.sha256;
    else {
      const body = await s3.getObject(bucket, key, pinned.version);
      if (body) pinnedSha256 = digestBytes(body).sha256;
    }
  }
  if (pinnedSha256 === digest.sha256) {
    return { ...base, pinnedSha256, change: false, reason: `unchanged (pinned version ${pinned.version})` };
  }
  const reason =
    pinnedSha256 === undefined
      ? `the pinned version ${pinned.version} cannot be read`
      : `changed (sha256 ${pinnedSha256.slice(0, 12)} → ${digest.sha256.slice(0, 12)})`;
  return { ...base, ...(pinnedSha256 ? { pinnedSha256 } : {}), change: true, reason };
}
