import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['dist/**', 'web/dist/**', 'cli/dist/**', 'test-results/**', 'node_modules/**', 'coverage/**', 'jest.config.js', 'eslint.config.mjs'] },
  ...tseslint.configs.recommended,
  {
    files: ['**/*.ts'],
    languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname } },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/consistent-type-imports': ['error', { fixStyle: 'inline-type-imports' }],
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
    },
  },
  {
    // The CLI's installed entry point: plain CommonJS that loads the bundle.
    files: ['cli/bin/*.js'],
    languageOptions: { sourceType: 'commonjs', globals: { require: 'readonly', process: 'readonly', __dirname: 'readonly' } },
    rules: { '@typescript-eslint/no-require-imports': 'off' },
  },
  {
    // The CLI is installed alone on operators' machines: only the API client and its parser.
    files: ['cli/src/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            { group: ['@temporalio/*', 'pg', 'pg-*', 'ssh2', 'express', 'zod', 'pino'], message: 'The CLI talks to the HTTP API only, through @migrator/api-client.' },
            { group: ['../../*', '../../../*'], message: "The CLI may not import the server's code; use @migrator/api-client." },
          ],
        },
      ],
    },
  },
  {
    // Workflow code runs in Temporal's deterministic sandbox: no Node builtins, no I/O libraries.
    files: ['src/workflows/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            { group: ['node:*'], message: 'Workflow code cannot use Node builtins; do it in an activity.' },
            { group: ['pg', 'ssh2', 'fs', 'path', 'os', 'crypto', 'child_process', 'net', 'http', 'https'], message: 'Workflow code cannot do I/O; do it in an activity.' },
            { group: ['../activities', '../activities/*'], allowTypeImports: true, message: 'Import activities as types only.' },
            { group: ['../db/*', '../ssh/*', '../api/*', '../worker/*', '../logger'], message: 'Workflow code cannot import I/O modules.' },
          ],
        },
      ],
    },
  },
);
