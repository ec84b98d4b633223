/**
 * Defaults for environments on the local emulator (`local: true`): CreateEnvironment requires an
 * execution role and a network, which mean nothing there, so dummy values fill what mwaa.yaml leaves out.
 * Logging is enabled for every component so that `mwaa logs` works out of the box.
 */
import type { EnvironmentSettings } from '../config/schema.js';

export const LOCAL_ACCOUNT_ID = '123456789012';
export const LOCAL_EXECUTION_ROLE_ARN = `arn:aws:iam::${LOCAL_ACCOUNT_ID}:role/mwaa-local-execution`;
export const LOCAL_NETWORK = { subnetIds: ['subnet-local-a', 'subnet-local-b'], securityGroupIds: ['sg-local'] };

export function withLocalDefaults(settings: EnvironmentSettings = {}): EnvironmentSettings {
  return {
    ...settings,
    executionRoleArn: settings.executionRoleArn ?? LOCAL_EXECUTION_ROLE_ARN,
    network: settings.network ?? { subnetIds: [...LOCAL_NETWORK.subnetIds], securityGroupIds: [...LOCAL_NETWORK.securityGroupIds] },
    logging: settings.logging ?? { dagProcessing: 'INFO', scheduler: 'INFO', task: 'INFO', webserver: 'INFO', worker: 'INFO' },
  };
}
