import { startStack } from './lib/stack';

/** `npm run dev`: everything for local use, until Ctrl-C. */
async function run(): Promise<void> {
  const say = (line: string): void => console.log(`dev | ${line}`);
  const stack = await startStack(say, { port: process.env.PORT ? Number(process.env.PORT) : 8080 });
  say(`Console:       ${stack.apiUrl}/ (sign in with a token)`);
  say(`API:           ${stack.apiUrl}/api/v1`);
  say(`API reference: ${stack.apiUrl}/api/v1/docs`);
  say(`Admin token:   ${process.env.MIGRATOR_ADMIN_TOKEN ? '(from MIGRATOR_ADMIN_TOKEN)' : stack.adminToken}`);
  say(`Temporal UI:   ${stack.temporalUiUrl ?? '(none known; set TEMPORAL_UI_URL)'}`);
  say(`Codec:         ${stack.apiUrl}/codec (for the Temporal UI: see "Encrypted payloads" in the README)`);
  say('Press Ctrl-C to stop.');
  await new Promise<void>((resolve) => {
    process.once('SIGINT', resolve);
    process.once('SIGTERM', resolve);
  });
  say('stopping...');
  await stack.stop();
}

run().catch((err: unknown) => {
  console.error(`dev | failed: ${err instanceof Error ? err.message : String(err)}`);
  process.exit(1);
});
