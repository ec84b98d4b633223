/**
 * Choosing the host, once per command run: JSON with --json; live views when stderr is a terminal (not
 * CI, not --quiet); plain text otherwise.
 */
import type { Io } from '../io.js';
import { JsonHost } from './json.js';
import { LiveHost } from './live.js';
import { PlainHost } from './plain.js';
import type { IoHost } from './types.js';

export function createHost(io: Io, options: { now?: () => number } = {}): IoHost {
  if (io.json) return new JsonHost(io);
  if (io.canAnimate) return new LiveHost(io, options.now);
  return new PlainHost(io);
}

export type { ActivityView, HostKind, IoHost, ViewKind, ViewOptions, ViewOutcome } from './types.js';
