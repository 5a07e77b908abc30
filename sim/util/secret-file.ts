/**
 * A secret (a token, a key) read from a file, usually a mounted Kubernetes Secret. Errors name the
 * file and the flag, never the content.
 */
import { readFileSync } from 'node:fs';
import { ConfigInvalidError } from '../errors.js';

/** The file's content, trimmed; `what` names it in errors ("the join token file"). */
export function readSecretFile(file: string, what: string, option: string, read: (file: string) => string = (f) => readFileSync(f, 'utf8')): string {
  let text: string;
  try {
    text = read(file);
  } catch (error) {
    const why = (error as NodeJS.ErrnoException).code ?? (error instanceof Error ? error.message : String(error));
    throw new ConfigInvalidError(`cannot read ${what} ${file} (${why})`, { option, file });
  }
  const value = text.trim();
  if (!value) throw new ConfigInvalidError(`${what} ${file} is empty`, { option, file });
  return value;
}
