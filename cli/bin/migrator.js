#!/usr/bin/env node
'use strict';
// The bundle is built by `npm run build` (and by `npm pack`); say so instead of a stack trace.
const path = require('node:path');
const fs = require('node:fs');

const bundle = path.join(__dirname, '..', 'dist', 'migrator.js');
if (!fs.existsSync(bundle)) {
  process.stderr.write('error: the migrator CLI is not built; run `npm run build -w @migrator/cli` (NOT_BUILT)\n');
  process.exit(119);
}
require(bundle);
