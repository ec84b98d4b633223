/**
 * Runs before every test file (vitest.config.ts `setupFiles`). Test files share worker processes
 * (`isolate: false`: each worker loads the CLI's modules once, not once per file), so whatever a file
 * sets in process.env — emulator credentials and endpoints for the in-process CLI — is undone when the
 * file ends, and the next file starts from the environment the worker started with.
 */
import { afterAll } from 'vitest';

const atStart = { ...process.env };

afterAll(() => {
  for (const key of Object.keys(process.env)) if (!(key in atStart)) delete process.env[key];
  Object.assign(process.env, atStart);
});
