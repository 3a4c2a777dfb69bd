// npm start: a real Node-RED on http://localhost:1880 with this pack loaded. It runs Node-RED's own red.js
// with our settings file and a user directory (.node-red/, ignored by git) in which the pack is linked.
import { spawn } from 'node:child_process';
import { existsSync, lstatSync, mkdirSync, readlinkSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { dirname, join, resolve } from 'node:path';

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

async function main(): Promise<void> {
  const host = process.env['SYNCWRIGHT_HOST'] ?? '127.0.0.1';
  const port = Number(process.env['SYNCWRIGHT_PORT'] ?? 1880);
  if (!Number.isInteger(port) || port <= 0 || port > 65535) {
    console.error(`SYNCWRIGHT_PORT must be a port number, got "${process.env['SYNCWRIGHT_PORT']}"`);
    process.exit(1);
  }
  if (!(await portIsFree(port, host))) {
    console.error(`Port ${port} on ${host} is already in use (another Node-RED?).`);
    console.error(`Stop whatever holds it, or choose another port: SYNCWRIGHT_PORT=${port + 1} npm start`);
    process.exit(1);
  }
  const userDir = resolve(process.env['SYNCWRIGHT_USER_DIR'] ?? join(root, '.node-red'));
  linkPack(userDir);

  const redJs = join(dirname(require.resolve('node-red/package.json')), 'red.js');
  const settingsFile = join(root, 'dist', 'scripts', 'node-red-settings.js');
  console.log(`Syncwright: starting Node-RED on http://${host === '0.0.0.0' ? 'localhost' : host}:${port}/ (user directory ${userDir})`);
  const child = spawn(process.execPath, [redJs, '--settings', settingsFile, '--userDir', userDir], {
    stdio: 'inherit',
    env: { ...process.env, SYNCWRIGHT_PORT: String(port), SYNCWRIGHT_HOST: host },
  });
  const forward = (signal: NodeJS.Signals) => () => child.kill(signal);
  process.on('SIGINT', forward('SIGINT'));
  process.on('SIGTERM', forward('SIGTERM'));
  child.on('exit', (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
}

if (require.main === module) {
  main().catch((err: unknown) => {
    console.error(err instanceof Error ? err.message : err);
    process.exit(1);
  });
}
