/** Command declarations for this area; each entry is registered only once its command works. */
import type { CommandSpec } from '../spec.js';

export const envCommands: CommandSpec[] = [];
