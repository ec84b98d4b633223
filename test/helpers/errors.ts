/** The typed error a promise rejects with; anything else (or no rejection) fails the test. */
import { MwaaError } from '../../src/core/errors.js';

export async function failure(p: Promise<unknown>): Promise<MwaaError> {
  try {
    await p;
  } catch (error) {
    if (MwaaError.is(error)) return error;
    throw error;
  }
  throw new Error('expected a failure');
}
