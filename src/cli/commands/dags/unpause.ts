/** `mwaa dags unpause <dag>`: see pause.ts. */
import { setPaused } from './pause.js';

export const run = setPaused(false);
