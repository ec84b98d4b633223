/**
 * Keeps secrets (CLI tokens) out of everything the tool prints: debug lines, error messages, causes.
 * Every token the client mints is registered here; any text or error that leaves the client passes
 * through `text()` / `error()`.
 */

export const REDACTED = '***';

export class Redactor {
  private readonly secrets = new Set<string>();

  add(secret: string): void {
    // a very short "secret" would redact ordinary words; real tokens are long
    if (secret.length >= 8) this.secrets.add(secret);
  }

  text(value: string): string {
    let out = value;
    for (const secret of this.secrets) {
      if (out.includes(secret)) out = out.split(secret).join(REDACTED);
    }
    // whatever the token, never let an Authorization header value through
    return out.replace(/(authorization["']?\s*[:=]\s*["']?\s*bearer\s+)[^\s"',;)}\]]+/gi, `$1${REDACTED}`);
  }

  /**
   * A copy of an error (and its cause chain) with every secret removed from names, messages and
   * stacks. Error-like objects from fetch/undici can carry request details, so they are rebuilt.
   */
  error(value: unknown, depth = 0): unknown {
    if (!(value instanceof Error)) return typeof value === 'string' ? this.text(value) : value;
    const copy = new Error(this.text(value.message));
    copy.name = this.text(value.name);
    copy.stack = value.stack === undefined ? undefined : this.text(value.stack);
    const code = (value as { code?: unknown }).code;
    if (typeof code === 'string') (copy as Error & { code?: string }).code = code;
    const cause = (value as { cause?: unknown }).cause;
    if (cause !== undefined && depth < 5) (copy as Error & { cause?: unknown }).cause = this.error(cause, depth + 1);
    return copy;
  }
}
