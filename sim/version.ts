/** twinlab's own version, as reports print it. */
import { createRequire } from 'node:module';

const pkg = createRequire(import.meta.url)('../package.json') as { version: string };

export const TWINLAB_VERSION: string = pkg.version;
