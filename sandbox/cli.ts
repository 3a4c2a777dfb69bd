// npm run sandbox — the Salesforce, NetSuite (two accounts) and Kantata OX sandboxes, seeded, on fixed ports, with their
// demo credentials. Generated private keys are written to .sandbox/ (ignored by git), never printed.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { startAllSandboxes } from './all.js';

function port(name: string, fallback: number): number {
  const raw = process.env[name];
  const n = raw === undefined || raw === '' ? fallback : Number(raw);
  if (!Number.isInteger(n) || n < 0 || n > 65_535) throw new Error(`${name} must be a port number, got "${raw ?? ''}"`);
  return n;
}

async function main(): Promise<void> {
  const ports = { salesforce: port('SYNCWRIGHT_SALESFORCE_PORT', 8701), netsuite: port('SYNCWRIGHT_NETSUITE_PORT', 8702), kantata: port('SYNCWRIGHT_KANTATA_PORT', 8703), netsuiteUk: port('SYNCWRIGHT_NETSUITE_UK_PORT', 8704) };
  const sb = await startAllSandboxes(ports).catch((err: unknown) => {
    const code = (err as { code?: string }).code;
    if (code === 'EADDRINUSE') throw new Error(`a sandbox port is taken (${Object.values(ports).join(', ')}); choose others with SYNCWRIGHT_SALESFORCE_PORT, SYNCWRIGHT_NETSUITE_PORT, SYNCWRIGHT_NETSUITE_UK_PORT, SYNCWRIGHT_KANTATA_PORT`);
    throw err;
  });
  const keysDir = resolve(__dirname, '../../.sandbox');
  mkdirSync(keysDir, { recursive: true });
  const sf = sb.salesforce.demo;
  const ns = sb.netsuite.demo;
  if (sf.privateKeyPem) writeFileSync(join(keysDir, 'salesforce-jwt-private-key.pem'), sf.privateKeyPem, { mode: 0o600 });
  writeFileSync(join(keysDir, 'netsuite-m2m-private-key.pem'), ns.oauth2.privateKeyPem, { mode: 0o600 });
  const lines = [
    'Syncwright sandboxes (seeded demo data; Ctrl-C stops them)',
    '',
    `Salesforce  ${sb.salesforce.url}  (login URL and instance URL, API ${sf.apiVersion})`,
    `  client credentials: client id ${sf.clientId}, client secret ${sf.clientSecret} (user ${sf.username})`,
    `  JWT bearer: consumer key ${sf.consumerKey}, user ${sf.username}, private key ${join(keysDir, 'salesforce-jwt-private-key.pem')}`,
    `  control API: ${sb.salesforce.url}/__sandbox`,
    '',
    `NetSuite    ${sb.netsuite.url}/services/rest  (account ${ns.accountId})`,
    `  TBA: consumer key ${ns.tba.consumerKey}, consumer secret ${ns.tba.consumerSecret}, token id ${ns.tba.tokenId}, token secret ${ns.tba.tokenSecret}`,
    `  OAuth 2.0 M2M: client id ${ns.oauth2.clientId}, certificate id ${ns.oauth2.certificateId}, ${ns.oauth2.algorithm} private key ${join(keysDir, 'netsuite-m2m-private-key.pem')}`,
    `  control API: ${sb.netsuite.url}/__sandbox`,
    `NetSuite UK  ${sb.netsuiteUk.url}/services/rest  (account ${sb.netsuiteUk.accountId}, the UK01 legal entity; same demo TBA credentials)`,
    '',
    `Kantata OX  ${sb.kantata.demo.baseUrl}  (bearer token ${sb.kantata.demo.token})`,
    `  control API: ${sb.kantata.url}/__sandbox`,
  ];
  console.log(lines.join('\n'));
  const stop = () => {
    sb.close().then(
      () => process.exit(0),
      (err: unknown) => {
        console.error(err);
        process.exit(1);
      },
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
