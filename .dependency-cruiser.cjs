/**
 * The layering `npm run lint` enforces (dependency-cruiser): no import cycles, type-only imports
 * included; the data layer below the transport; workflow bodies loaded only by the worker.
 */
module.exports = {
  forbidden: [
    {
      name: 'no-circular',
      severity: 'error',
      comment: 'Import cycles, type-only ones included, make the load order and the layering unreadable.',
      from: {},
      to: { circular: true },
    },
    {
      name: 'db-below-transport',
      severity: 'error',
      comment: 'src/db is the data layer: it knows nothing of SSH, log streaming or HTTP.',
      from: { path: '^src/db/' },
      to: { path: '^src/(ssh|logs|api)/' },
    },
    {
      name: 'workflow-bodies-stay-in-workflows',
      severity: 'error',
      comment:
        'Outside src/workflows, only the message definitions and the shared types may be imported; a workflow body belongs in the sandbox, and activities that import one load workflow code into the worker.',
      from: { pathNot: '^src/workflows/' },
      to: { path: '^src/workflows/', pathNot: '^src/workflows/(messages|types)\\.ts$' },
    },
    {
      name: 'only-workers-touch-hosts',
      severity: 'error',
      comment:
        'The API never opens SSH, not even through another module: the environment check runs as a workflow on a worker, and only workers hold the keys.',
      from: { path: '^src/api/' },
      to: { path: '^src/ssh/', reachable: true },
    },
    {
      name: 'model-is-a-leaf',
      severity: 'error',
      comment: 'src/model is the vocabulary every layer shares: it imports nothing of the project but itself and the job parameter types.',
      from: { path: '^src/model/' },
      to: { path: '^src/', pathNot: '^src/(model/|jobs/parameters\\.ts$)' },
    },
    {
      name: 'api-client-stands-alone',
      severity: 'error',
      comment:
        'packages/api-client is what the console and the CLI install: it may use openapi-fetch and nothing of the server, the scripts or Node (it runs in browsers too).',
      from: { path: '^packages/api-client/' },
      to: { pathNot: '^(packages/api-client/|node_modules/(openapi-fetch|openapi-typescript-helpers)/)' },
    },
    {
      name: 'cli-stands-alone',
      severity: 'error',
      comment:
        "cli/ is installed on operators' machines from its own tarball: it reaches the server only through packages/api-client and the HTTP API, never through the server's, the tests' or the scripts' code (ESLint keeps Temporal, ssh2 and pg out of it).",
      from: { path: '^cli/' },
      to: { path: '^(src|test|scripts|bench|web|demo|db)/' },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    exclude: { path: '^(node_modules|dist|coverage)/' },
  },
};
