// Bundles the CLI, the generated API client and the parser into one file, so the packed package
// installs with nothing to fetch and nothing native (no Temporal, ssh2 or pg).
import { readFileSync } from 'node:fs';

import { build } from 'esbuild';

const { version } = JSON.parse(readFileSync(new URL('./package.json', import.meta.url), 'utf8'));

await build({
  entryPoints: [new URL('./src/main.ts', import.meta.url).pathname],
  outfile: new URL('./dist/migrator.js', import.meta.url).pathname,
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'cjs',
  define: { MIGRATOR_CLI_VERSION: JSON.stringify(version) },
  logLevel: 'warning',
});
