/**
 * A narrow adapter over the MWAA client: pagination folded in, errors mapped to typed errors that name
 * the call. Core code depends on the `MwaaApi` interface, so unit tests can pass a fake.
 */
import type {
  CreateEnvironmentCommandInput,
  Environment,
  MWAAClient,
  UpdateEnvironmentCommandInput,
} from '@aws-sdk/client-mwaa';
import { NotFoundError } from '../core/errors.js';
import { mapAwsError } from './errors.js';

/** Fields the old SDK's types lack but the API (and our middleware) accept. */
export interface WebserverFields {
  MinWebservers?: number;
  MaxWebservers?: number;
  WorkerReplacementStrategy?: 'FORCED' | 'GRACEFUL';
}

export type EnvironmentInfo = Environment & WebserverFields;
export type CreateEnvironmentInput = CreateEnvironmentCommandInput & WebserverFields;
export type UpdateEnvironmentInput = UpdateEnvironmentCommandInput & WebserverFields;

export interface MwaaApi {
  /** undefined when the environment does not exist */
  getEnvironment(name: string): Promise<EnvironmentInfo | undefined>;
  listEnvironments(): Promise<string[]>;
  createEnvironment(input: CreateEnvironmentInput): Promise<string>;
  updateEnvironment(input: UpdateEnvironmentInput): Promise<string>;
  deleteEnvironment(name: string): Promise<void>;
  createCliToken(name: string): Promise<{ token: string; hostname: string }>;
  createWebLoginToken(name: string): Promise<{ token: string; hostname: string }>;
}

export function mwaaApi(client: MWAAClient): MwaaApi {
  const sdk = import('@aws-sdk/client-mwaa');
  const call = async <T>(what: string, fn: () => Promise<T>): Promise<T> => {
    try {
      return await fn();
    } catch (error) {
      throw mapAwsError(error, what);
    }
  };
  return {
    async getEnvironment(name) {
      const { GetEnvironmentCommand } = await sdk;
      try {
        const out = await client.send(new GetEnvironmentCommand({ Name: name }));
        return out.Environment as EnvironmentInfo | undefined;
      } catch (error) {
        if ((error as { name?: string }).name === 'ResourceNotFoundException') return undefined;
        throw mapAwsError(error, `GetEnvironment ${name}`);
      }
    },
    async listEnvironments() {
      const { ListEnvironmentsCommand } = await sdk;
      const names: string[] = [];
      let token: string | undefined;
      do {
        const out = await call('ListEnvironments', () => client.send(new ListEnvironmentsCommand({ NextToken: token, MaxResults: 25 })));
        names.push(...(out.Environments ?? []));
        token = out.NextToken;
      } while (token);
      return names;
    },
    async createEnvironment(input) {
      const { CreateEnvironmentCommand } = await sdk;
      const out = await call(`CreateEnvironment ${input.Name}`, () => client.send(new CreateEnvironmentCommand(input)));
      return out.Arn ?? '';
    },
    async updateEnvironment(input) {
      const { UpdateEnvironmentCommand } = await sdk;
      const out = await call(`UpdateEnvironment ${input.Name}`, () => client.send(new UpdateEnvironmentCommand(input)));
      return out.Arn ?? '';
    },
    async deleteEnvironment(name) {
      const { DeleteEnvironmentCommand } = await sdk;
      await call(`DeleteEnvironment ${name}`, () => client.send(new DeleteEnvironmentCommand({ Name: name })));
    },
    async createCliToken(name) {
      const { CreateCliTokenCommand } = await sdk;
      const out = await call(`CreateCliToken ${name}`, () => client.send(new CreateCliTokenCommand({ Name: name })));
      return { token: out.CliToken ?? '', hostname: out.WebServerHostname ?? '' };
    },
    async createWebLoginToken(name) {
      const { CreateWebLoginTokenCommand } = await sdk;
      const out = await call(`CreateWebLoginToken ${name}`, () => client.send(new CreateWebLoginTokenCommand({ Name: name })));
      return { token: out.WebToken ?? '', hostname: out.WebServerHostname ?? '' };
    },
  };
}

/** GetEnvironment that fails with exit 3 when the environment does not exist. */
export async function requireEnvironment(api: MwaaApi, name: string): Promise<EnvironmentInfo> {
  const env = await api.getEnvironment(name);
  if (!env) {
    throw new NotFoundError(`environment "${name}" does not exist`, {
      code: 'env.not-found',
      hint: 'create it with `mwaa env create`, or check the region and the name in mwaa.yaml',
    });
  }
  return env;
}
