/**
 * The MWAA service of the local emulator: the MWAA REST API, the simulated environments and the
 * `/_mwaa_local/environments/...` control endpoint. See README.md in this folder.
 */
import type { MwaaStore, World } from '../contract.js';
import { LocalMwaaStore } from './store.js';

export { handleMwaa, handleMwaaControl } from './http.js';
export { LocalMwaaStore } from './store.js';

/** world.s3, world.logs, world.sim, world.clock and world.persist must be set; world.mwaa is set to the result. */
export function createMwaaStore(world: World): MwaaStore {
  return new LocalMwaaStore(world);
}
