/**
 * The entry file of a forked child, next to the module that forks it: the `.ts` source run
 * through tsx when the parent itself runs as TypeScript, the compiled `.js` otherwise.
 */
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export interface ChildEntry {
  path: string;
  execArgv: string[];
}

/** `relative` is the child's path from the parent's folder, without extension (`../shard/shard-main`). */
export function childEntry(parentUrl: string, relative: string): ChildEntry {
  const parent = fileURLToPath(parentUrl);
  const ts = parent.endsWith('.ts');
  return {
    path: path.join(path.dirname(parent), `${relative}${ts ? '.ts' : '.js'}`),
    execArgv: ts ? ['--import', 'tsx'] : [],
  };
}
