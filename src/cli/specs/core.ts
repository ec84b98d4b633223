/** Commands of the foundation: init and completion. */
import { command, type CommandSpec, type Loaded } from '../spec.js';

export const initCommand = command({
  path: ['init'],
  summary: 'scaffold mwaa.yaml, dags/, plugins/ and requirements.txt',
  description:
    'Creates mwaa.yaml (a `local` environment on the embedded emulator and a commented AWS one), dags/ with an ' +
    'example DAG, plugins/, and requirements.txt with the --constraint line of the chosen Airflow version. ' +
    'Existing files are never overwritten unless --force is given.',
  args: [{ name: 'dir', description: 'folder to create the project in (default: the current folder)', complete: 'dirs' }],
  options: [
    { flags: '--name <name>', description: 'MWAA environment name for the examples (default: the folder name)' },
    { flags: '--airflow-version <version>', description: 'Airflow version (default: 2.10.3)' },
    { flags: '--force', description: 'overwrite existing files' },
  ],
  examples: [
    { command: 'mwaa init', description: 'scaffold a project in the current folder' },
    { command: 'mwaa init analytics --airflow-version 2.11.2', description: 'in ./analytics, for Airflow 2.11.2' },
  ],
  load: (): Loaded => import('../commands/init.js'),
});

export const completionCommand = command({
  path: ['completion'],
  summary: 'print the shell completion script for bash, zsh or fish',
  description:
    'Prints a completion script; nothing on your machine is changed. Completes commands, options and the ' +
    'environment keys of the nearest mwaa.yaml.',
  args: [{ name: 'shell', description: 'bash, zsh or fish', required: true, choices: ['bash', 'zsh', 'fish'], complete: 'shells' }],
  examples: [
    { command: 'eval "$(mwaa completion bash)"', description: 'enable completion in this bash session' },
    { command: 'mwaa completion bash > ~/.local/share/bash-completion/completions/mwaa', description: 'bash, permanently' },
    // biome-ignore lint/suspicious/noTemplateCurlyInString: a shell example, expanded by zsh, not by JavaScript
    { command: 'mwaa completion zsh > "${fpath[1]}/_mwaa"', description: 'zsh' },
    { command: 'mwaa completion fish > ~/.config/fish/completions/mwaa.fish', description: 'fish' },
  ],
  load: (): Loaded => import('../commands/completion.js'),
});

export const __completeCommand = command({
  path: ['__complete'],
  summary: 'values for shell completion (used by the completion scripts)',
  hidden: true,
  args: [{ name: 'what', description: 'envs', required: true }],
  load: (): Loaded => import('../commands/complete-values.js'),
});

export const coreCommands: CommandSpec[] = [initCommand, completionCommand, __completeCommand];
