/** Questions without anyone to answer them, and how a terminal asks them. */
import { AbortedError } from '../../core/errors.js';
import type { AnyQuestion } from '../../core/messages.js';
import type { Io } from '../io.js';

/** The error of a question nobody can answer (no terminal, CI, or --json): it names --yes. */
export function unanswerable(q: AnyQuestion): AbortedError {
  if (q.code === 'env.delete') {
    return new AbortedError(`deleting environment ${q.data.name} needs confirmation, but there is no terminal to ask`, {
      hint: 'pass --yes to delete without a prompt',
    });
  }
  return new AbortedError(`${q.text.replace(/\?$/, '')}: confirmation needed, but there is no terminal to ask`, {
    hint: 'pass --yes to confirm without a prompt',
  });
}

/** Asks on the terminal (stderr shows the prompt, stdin has the answer). The default is no. */
export async function askOnTerminal(io: Io, q: AnyQuestion): Promise<boolean> {
  if (q.code === 'env.delete') {
    const d = q.data;
    io.info(
      `This deletes environment ${d.name} (${d.status}, Airflow ${d.airflowVersion ?? '?'}) and its metadata database. The bucket is kept.`,
    );
    const answer = await io.ask(`Type the environment name (${d.name}) to delete it: `);
    return answer.trim() === d.name;
  }
  const answer = await io.ask(`${q.text} [y/N] `);
  return /^y(es)?$/i.test(answer.trim());
}
