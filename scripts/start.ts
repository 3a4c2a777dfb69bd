// npm start: a real Node-RED on http://localhost:1880 with this pack loaded and, unless SYNCWRIGHT_DEMO=0, the
// demo: the three vendor sandboxes with seeded data, the quote-to-cash templates deployed and configured for
// them, and a driver that closes an opportunity every few seconds (now and then with a fault). Node-RED runs
// as its own process (its red.js, our settings file, the user directory .node-red/ with the pack linked).
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, lstatSync, mkdirSync, readlinkSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { dirname, join, resolve } from 'node:path';
import { startAllSandboxes, type Sandboxes } from '../sandbox/all.js';
import { DemoDriver } from './demo-driver.js';
import { demoEnvironment } from './demo-env.js';
import { loadTemplates, templateFiles, withEnvCredentials } from './templates.js';

const root = resolve(__dirname, '../..');

export function linkPack(userDir: string): void {
  const scopeDir = join(userDir, 'node_modules', '@syncwright');
  const link = join(scopeDir, 'node-red-sync');
  mkdirSync(scopeDir, { recursive: true });
  if (existsSync(link) || isSymlink(link)) {
    if (isSymlink(link) && resolve(scopeDir, readlinkSync(link)) === root) return;
    rmSync(link, { recursive: true, force: true });
  }
  symlinkSync(root, link, 'dir');
  const pkg = join(userDir, 'package.json');
  if (!existsSync(pkg)) {
    writeFileSync(pkg, `${JSON.stringify({ name: 'syncwright-dev', private: true, dependencies: { '@syncwright/node-red-sync': `file:${root}` } }, null, 2)}\n`);
  }
}

function isSymlink(path: string): boolean {
  try {
    return lstatSync(path).isSymbolicLink();
  } catch {
    return false;
  }
}

export function portIsFree(port: number, host: string): Promise<boolean> {
  return new Promise((resolvePromise) => {
    const probe = createServer();
    probe.once('error', () => resolvePromise(false));
    probe.listen(port, host, () => probe.close(() => resolvePromise(true)));
  });
}

function envPort(name: string, fallback: number): number {
  const raw = process.env[name];
  const n = raw === undefined || raw === '' ? fallback : Number(raw);
  if (!Number.isInteger(n) || n < 0 || n > 65535) {
    console.error(`${name} must be a port number, got "${raw ?? ''}"`);
    process.exit(1);
  }
  return n;
}

async function waitForNodeRed(url: string, child: ChildProcess, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error('Node-RED stopped while starting (see its log above)');
    try {
      const res = await fetch(`${url}/settings`, { signal: AbortSignal.timeout(2000) });
      if (res.status === 200 || res.status === 401) return;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`Node-RED did not answer on ${url} within ${timeoutMs / 1000} s`);
}

/** Deploys the templates through the Admin API, as CI does. */
async function deployTemplates(url: string, env: Record<string, string | undefined>): Promise<number> {
  const flows = withEnvCredentials(loadTemplates(), env);
  const current = await fetch(`${url}/flows`, { headers: { 'Node-RED-API-Version': 'v2' } }).then((r) => r.json() as Promise<{ rev?: string }>);
  const res = await fetch(`${url}/flows`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'Node-RED-API-Version': 'v2', 'Node-RED-Deployment-Type': 'full' },
    body: JSON.stringify({ rev: current.rev, flows }),
  });
  if (res.status !== 200) throw new Error(`deploying the templates failed: ${res.status} ${await res.text()}`);
  return templateFiles().length;
}

async function main(): Promise<void> {
  const host = process.env['SYNCWRIGHT_HOST'] ?? '127.0.0.1';
  const port = envPort('SYNCWRIGHT_PORT', 1880);
  const demo = process.env['SYNCWRIGHT_DEMO'] !== '0';
  if (!(await portIsFree(port, host))) {
    console.error(`Port ${port} on ${host} is already in use (another Node-RED?).`);
    console.error(`Stop whatever holds it, or choose another port: SYNCWRIGHT_PORT=${port + 1} npm start`);
    process.exit(1);
  }
  const userDir = resolve(process.env['SYNCWRIGHT_USER_DIR'] ?? join(root, '.node-red'));
  const firstRun = !existsSync(join(userDir, 'flows.json'));
  linkPack(userDir);

  let sandboxes: Sandboxes | undefined;
  const env: Record<string, string> = { SYNCWRIGHT_PORT: String(port), SYNCWRIGHT_HOST: host };
  if (demo) {
    const portVars = { salesforce: 'SYNCWRIGHT_SALESFORCE_PORT', netsuite: 'SYNCWRIGHT_NETSUITE_PORT', kantata: 'SYNCWRIGHT_KANTATA_PORT', netsuiteUk: 'SYNCWRIGHT_NETSUITE_UK_PORT' } as const;
    const ports = { salesforce: envPort(portVars.salesforce, 8701), netsuite: envPort(portVars.netsuite, 8702), kantata: envPort(portVars.kantata, 8703), netsuiteUk: envPort(portVars.netsuiteUk, 8704) };
    for (const [name, p] of Object.entries(ports)) {
      if (p !== 0 && !(await portIsFree(p, '127.0.0.1'))) {
        console.error(`The ${name} sandbox port ${p} is already in use (a running \`npm run sandbox\`?). Stop it, choose another with ${portVars[name as keyof typeof portVars]}, or run without the demo: SYNCWRIGHT_DEMO=0 npm start`);
        process.exit(1);
      }
    }
    sandboxes = await startAllSandboxes(ports);
    // The demo's settings win over nothing but explicit ones: a variable already set (and not empty, as a copied
    // .env.example leaves many) is kept.
    for (const [k, v] of Object.entries(demoEnvironment(sandboxes))) if (!process.env[k]) env[k] = v;
    env['SYNCWRIGHT_CREDENTIAL_SECRET'] = process.env['SYNCWRIGHT_CREDENTIAL_SECRET'] || 'syncwright-demo';
    env['ANALYTICS_DIR'] = process.env['ANALYTICS_DIR'] || join(userDir, 'analytics');
    mkdirSync(env['ANALYTICS_DIR'], { recursive: true });
  }

  const redJs = join(dirname(require.resolve('node-red/package.json')), 'red.js');
  const settingsFile = join(root, 'dist', 'scripts', 'node-red-settings.js');
  const url = `http://${host === '0.0.0.0' ? '127.0.0.1' : host}:${port}`;
  console.log(`Syncwright: starting Node-RED on ${url}/ (user directory ${userDir})`);
  const child = spawn(process.execPath, [redJs, '--settings', settingsFile, '--userDir', userDir], { stdio: 'inherit', env: { ...process.env, ...env } });

  let driver: DemoDriver | undefined;
  let stopping = false;
  const stop = (code: number) => {
    if (stopping) return;
    stopping = true;
    driver?.stop();
    const finish = () => {
      (sandboxes ? sandboxes.close() : Promise.resolve()).then(
        () => process.exit(code),
        () => process.exit(code),
      );
    };
    if (child.exitCode === null && child.signalCode === null) {
      child.once('exit', finish);
      child.kill('SIGINT');
    } else finish();
  };
  process.on('SIGINT', () => stop(0));
  process.on('SIGTERM', () => stop(0));
  child.on('exit', (code, signal) => stop(code ?? (signal ? 1 : 0)));

  if (!demo || !sandboxes) return;
  const sb = sandboxes;
  try {
    await waitForNodeRed(url, child);
    const adminAuth = Boolean(process.env['SYNCWRIGHT_ADMIN_USER']);
    let deployed = 'kept your flows (SYNCWRIGHT_DEMO_RESET=1 npm start deploys the templates again)';
    if ((firstRun || process.env['SYNCWRIGHT_DEMO_RESET'] === '1') && !adminAuth) {
      deployed = `deployed ${await deployTemplates(url, { ...process.env, ...env })} quote-to-cash templates`;
    } else if (adminAuth && firstRun) {
      deployed = 'admin auth is on: import the templates from Import › Examples › @syncwright/node-red-sync › templates';
    }
    driver = new DemoDriver(sb, { intervalMs: Number(process.env['SYNCWRIGHT_DEMO_INTERVAL_MS'] ?? 8000), faults: process.env['SYNCWRIGHT_DEMO_FAULTS'] !== '0', log: (l) => console.log(l) });
    console.log(
      [
        '',
        '──────────────────────────────────────────────────────────────────────',
        ` Syncwright demo`,
        `   Node-RED editor     ${url}/   (${deployed})`,
        `   Salesforce sandbox  ${sb.salesforce.url}   control: ${sb.salesforce.url}/__sandbox`,
        `   NetSuite sandbox    ${sb.netsuite.url}/services/rest   control: ${sb.netsuite.url}/__sandbox`,
        `   NetSuite UK account ${sb.netsuiteUk.url}/services/rest   control: ${sb.netsuiteUk.url}/__sandbox`,
        `   Kantata sandbox     ${sb.kantata.demo.baseUrl}   control: ${sb.kantata.url}/__sandbox`,
        `   Demo driver         closes an opportunity every ${Number(process.env['SYNCWRIGHT_DEMO_INTERVAL_MS'] ?? 8000) / 1000} s${process.env['SYNCWRIGHT_DEMO_FAULTS'] !== '0' ? ', injects a fault every 5th' : ''}`,
        '   Ctrl-C stops everything.',
        '──────────────────────────────────────────────────────────────────────',
        '',
      ].join('\n'),
    );
    if (process.env['SYNCWRIGHT_DEMO_DRIVER'] !== '0') driver.start();
  } catch (err) {
    console.error(err instanceof Error ? err.message : err);
    stop(1);
  }
}

if (require.main === module) {
  main().catch((err: unknown) => {
    console.error(err instanceof Error ? err.message : err);
    process.exit(1);
  });
}
