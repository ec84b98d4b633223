/**
 * CloudWatch Logs for the local emulator: the store (groups -> streams -> events, journalled) and the
 * AWS JSON 1.1 handler. See store.ts and handler.ts.
 */
import type { Clock, LogsStore, Persist } from '../contract.js';
import { RegionalLogsStore } from './regional.js';

export { handleLogs, OPERATIONS as LOGS_OPERATIONS } from './handler.js';
export { LogsStoreImpl } from './store.js';
export { RegionalLogsStore } from './regional.js';
export { compileFilterPattern, FilterPatternError } from './filter.js';

/** The logs store, one per region (state of the region `defaultRegion` is what callers without a region see). */
export function createLogsStore(persist: Persist, clock: Clock, defaultRegion = 'us-east-1'): LogsStore {
  return new RegionalLogsStore(persist, clock, defaultRegion);
}
