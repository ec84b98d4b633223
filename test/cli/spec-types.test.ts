/**
 * A handler's options are typed from its command's spec (src/cli/spec.ts `OptionsOf`). The types are
 * checked by `tsc` (npm test's typecheck step); the runtime half checks that the keys the types derive
 * from the flags are the keys commander actually hands over, for every option of every command.
 */
import { describe, expect, expectTypeOf, it } from 'vitest';
import { toOption } from '../../src/cli/program.js';
import { COMMANDS } from '../../src/cli/registry.js';
import type { OptionsOf } from '../../src/cli/spec.js';
import type { dagsPushCommand, releasesListCommand } from '../../src/cli/specs/dags.js';
import type { logsCommand } from '../../src/cli/specs/logs.js';

/** The key `OptionsOf` derives from a flags string, written out for the runtime check. */
function derivedKey(flags: string): string {
  const long = /--([\w-]+)/.exec(flags)![1]!;
  const name = long.startsWith('no-') ? long.slice(3) : long;
  return name.replace(/-(\w)/g, (_, c: string) => c.toUpperCase());
}

describe('typed command options', () => {
  it('derives names, types and defaults from the flags', () => {
    expectTypeOf<OptionsOf<(typeof dagsPushCommand)['options']>>().toEqualTypeOf<{
      message: string | undefined;
      dryRun: boolean | undefined;
      prune: boolean;
      wait: boolean;
      forceUnlock: boolean | undefined;
      concurrency: number;
      timeout: number;
      poll: number | undefined;
    }>();
    expectTypeOf<OptionsOf<(typeof releasesListCommand)['options']>>().toEqualTypeOf<{ limit: number }>();
    expectTypeOf<OptionsOf<(typeof logsCommand)['options']>['component']>().not.toBeAny();
  });

  it('uses the keys commander uses, for every option of every command', () => {
    const mismatched: string[] = [];
    for (const spec of COMMANDS) {
      for (const option of spec.options ?? []) {
        const key = toOption(option).attributeName();
        if (key !== derivedKey(option.flags)) mismatched.push(`${spec.path.join(' ')} ${option.flags}: commander ${key}`);
      }
    }
    expect(mismatched).toEqual([]);
  });
});
