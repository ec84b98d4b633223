/**
 * CloudWatch Logs for the local emulator: the store (groups -> streams -> events, journalled) and the
 * AWS JSON 1.1 handler. See store.ts and handler.ts.
 */
import type { Clock, LogsStore, Persist } from '../contract.js';
import { LogsStoreImpl } from './store.js';

export { handleLogs, OPERATIONS as LOGS_OPERATIONS } from './handler.js';
export { LogsStoreImpl } from './store.js';
export { compileFilterPattern, FilterPatternError } from './filter.js';

export function createLogsStore(persist: Persist, clock: Clock): LogsStore {
  return new LogsStoreImpl(persist, clock);
}
