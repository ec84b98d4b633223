import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts', 'test/**/*.test.tsx'],
    testTimeout: 30_000,
    hookTimeout: 30_000,
    pool: 'forks',
    // the default output, then one plain "tests: N passed, N failed, N skipped" line
    reporters: ['default', './scripts/summary-reporter.mjs'],
    env: {
      // Tests never reach AWS: no shared config or credentials files, no instance metadata. CLI runs get
      // a clean environment from test/helpers/cli.ts (baseEnv); SDK clients in tests get explicit credentials.
      AWS_CONFIG_FILE: '/dev/null',
      AWS_SHARED_CREDENTIALS_FILE: '/dev/null',
      AWS_EC2_METADATA_DISABLED: 'true',
      NO_COLOR: '1',
      // SDK clients made in test processes: as bin/mwaa.cjs does, no warning that future SDK releases need Node 22
      AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
    },
  },
});
