// Runs the Kantata sandbox alone: `node dist/sandbox/kantata/main.js [port]` (seeded, demo token printed).
import { startKantataSandbox } from './index.js';

async function main(): Promise<void> {
  const port = Number(process.argv[2] ?? process.env['KANTATA_SANDBOX_PORT'] ?? 0);
  if (!Number.isInteger(port) || port < 0 || port > 65_535) throw new Error(`port must be an integer 0–65535, got ${process.argv[2] ?? ''}`);
  const sb = await startKantataSandbox({ port, seedData: true });
  console.log(`Kantata OX sandbox: ${sb.demo.baseUrl}  (token: ${sb.demo.token}; control API: ${sb.url}/__sandbox)`);
  const stop = () => {
    sb.close().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
}

if (require.main === module) {
  main().catch((err: unknown) => {
    console.error(err instanceof Error ? err.message : err);
    process.exit(1);
  });
}
