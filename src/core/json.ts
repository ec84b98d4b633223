/**
 * JSON text in pieces: the same text as `JSON.stringify(value, null, indent)`, but a big object or array
 * is walked member by member, so a document with 20,000 keys (a release record) is written out in
 * 64 KB pieces instead of first becoming one string of several megabytes.
 */

/** Objects and arrays with fewer members than this, all of them primitives, are stringified in one call. */
const WALK_FROM = 64;
const PIECE = 64 * 1024;

type Json = unknown;

function toJsonValue(value: Json, key: string): Json {
  if (value !== null && typeof value === 'object' && typeof (value as { toJSON?: unknown }).toJSON === 'function') {
    return (value as { toJSON(key: string): Json }).toJSON(key);
  }
  return value;
}

/** Members JSON leaves out of an object (and writes as null in an array). */
function omitted(value: Json): boolean {
  return value === undefined || typeof value === 'function' || typeof value === 'symbol';
}

/** One value whole, re-indented to sit at `current` (JSON strings never hold a raw newline). */
function whole(value: Json, gap: string, current: string): string {
  const text = JSON.stringify(value, null, gap) as string | undefined;
  if (text === undefined) return 'null';
  return current && gap ? text.replace(/\n/g, `\n${current}`) : text;
}

/** A few members, none of them an object: one JSON.stringify call is cheap and its string short. */
function small(value: Record<string, Json> | Json[], keys: string[] | undefined): boolean {
  if (keys === undefined) {
    const items = value as Json[];
    if (items.length >= WALK_FROM) return false;
    for (const item of items) if (item !== null && typeof item === 'object') return false;
    return true;
  }
  if (keys.length >= WALK_FROM) return false;
  for (const key of keys) {
    const member = (value as Record<string, Json>)[key];
    if (member !== null && typeof member === 'object') return false;
  }
  return true;
}

function* walk(value: Json, gap: string, current: string, lines = false): Generator<string> {
  if (value === null || typeof value !== 'object') {
    yield whole(value, gap, current);
    return;
  }
  const array = Array.isArray(value);
  const keys = array ? undefined : Object.keys(value);
  if (small(value as Record<string, Json>, keys)) {
    yield whole(value, gap, current);
    return;
  }
  const inner = current + gap;
  // compact with `lines`: a newline before each member of a walked object or array (JSON whitespace)
  const lead = gap ? `\n${inner}` : lines ? '\n' : '';
  let first = true;
  yield array ? '[' : '{';
  if (array) {
    const items = value as Json[];
    for (let i = 0; i < items.length; i++) {
      const item = toJsonValue(items[i], String(i));
      yield `${first ? '' : ','}${lead}`;
      first = false;
      if (omitted(item)) yield 'null';
      else yield* walk(item, gap, inner, lines);
    }
  } else {
    const obj = value as Record<string, Json>;
    for (const key of keys as string[]) {
      const member = toJsonValue(obj[key], key);
      if (omitted(member)) continue;
      yield `${first ? '' : ','}${lead}${JSON.stringify(key)}:${gap ? ' ' : ''}`;
      first = false;
      yield* walk(member, gap, inner, lines);
    }
  }
  if (first) yield array ? ']' : '}';
  else yield `${gap ? `\n${current}` : lines ? '\n' : ''}${array ? ']' : '}'}`;
}

/**
 * `JSON.stringify(value, null, indent)` as pieces of about 64 KB (fewer, bigger ones only when one
 * member is bigger). Joined, they are exactly that text; a value JSON cannot represent gives "null".
 */
export function* jsonPieces(value: Json, indent = 0): Generator<string> {
  const gap = ' '.repeat(Math.max(0, Math.min(10, indent)));
  let buffered = '';
  for (const part of walk(toJsonValue(value, ''), gap, '')) {
    buffered += part;
    if (buffered.length >= PIECE) {
      yield buffered;
      buffered = '';
    }
  }
  if (buffered) yield buffered;
}

/** A body sent in pieces: its length in bytes, and its bytes, produced afresh on each call (once per attempt of a request). */
export interface PiecesBody {
  length: number;
  pieces(): Generator<Buffer>;
}

/**
 * The compact JSON of a value and a newline, in UTF-8 pieces of about 64 KB: measured in a first walk,
 * encoded piece by piece as it is sent, so neither the text nor its bytes ever exist whole (a release
 * record of 20,000 DAG files is ~6.6 MB). With `lines`, every member of a big (walked) object or array
 * starts a line of its own, so a reader can take the text a line at a time (a raw newline is never
 * inside a JSON string). The value must not change while it is being sent.
 */
export function jsonBody(value: Json, options: { lines?: boolean } = {}): PiecesBody {
  const top = toJsonValue(value, '');
  const lines = options.lines === true;
  let length = 1;
  for (const part of walk(top, '', '', lines)) length += Buffer.byteLength(part);
  return {
    length,
    *pieces() {
      let buffered = '';
      for (const part of walk(top, '', '', lines)) {
        buffered += part;
        if (buffered.length >= PIECE) {
          yield Buffer.from(buffered);
          buffered = '';
        }
      }
      yield Buffer.from(`${buffered}\n`);
    },
  };
}
