/** Fakes shared by the env unit tests: a manual clock and an in-memory MwaaApi with a scripted status sequence. */
import type { CreateEnvironmentInput, EnvironmentInfo, MwaaApi, UpdateEnvironmentInput } from '../../src/core/ports/mwaa.js';

import { fakeClock as baseClock, type FakeClock } from '../helpers/clock.js';

/** The env tests' clock: starts at 2026-01-01T00:00:00Z. */
export function fakeClock(start = Date.UTC(2026, 0, 1)): FakeClock {
  return baseClock(start);
}

export interface FakeApi extends MwaaApi {
  calls: Array<{ op: string; input?: unknown }>;
  /** what getEnvironment answers next; the last entry repeats */
  script: Array<EnvironmentInfo | undefined | Error>;
}

/** An MwaaApi whose getEnvironment plays `script` (one entry per call, the last one repeats). */
export function scriptedApi(script: Array<EnvironmentInfo | undefined | Error>): FakeApi {
  const api: FakeApi = {
    calls: [],
    script,
    async getEnvironment(name) {
      api.calls.push({ op: 'GetEnvironment', input: name });
      const next = api.script.length > 1 ? api.script.shift() : api.script[0];
      if (next instanceof Error) throw next;
      return next;
    },
    async listEnvironments() {
      api.calls.push({ op: 'ListEnvironments' });
      return [];
    },
    async createEnvironment(input: CreateEnvironmentInput) {
      api.calls.push({ op: 'CreateEnvironment', input });
      return `arn:aws:airflow:us-east-1:123456789012:environment/${input.Name}`;
    },
    async updateEnvironment(input: UpdateEnvironmentInput) {
      api.calls.push({ op: 'UpdateEnvironment', input });
      return `arn:aws:airflow:us-east-1:123456789012:environment/${input.Name}`;
    },
    async deleteEnvironment(name) {
      api.calls.push({ op: 'DeleteEnvironment', input: name });
    },
    async createCliToken() {
      throw new Error('not in this fake');
    },
    async createWebLoginToken() {
      throw new Error('not in this fake');
    },
    async invokeRestApi() {
      throw new Error('not in this fake');
    },
  };
  return api;
}

export function envWith(status: string, extra: Partial<EnvironmentInfo> = {}): EnvironmentInfo {
  return { Name: 'demo', Status: status as EnvironmentInfo['Status'], ...extra };
}
