// A real Node-RED process for integration tests: its own user directory with this pack linked, our settings
// file, deploys through the Admin API, and kill -9 for crash tests. SYNCWRIGHT_NODE_RED_DIR and
// SYNCWRIGHT_NODE_BIN point it at another Node-RED and Node (CI runs the suite again on Node-RED 5).
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { linkPack } from '../../scripts/start.js';
import { freePort } from './ports.js';

const root = resolve(__dirname, '../../..');

export type FlowNode = Record<string, unknown> & { id: string; type: string };

export interface NodeRedOptions {
  /** Reuse a user directory (to restart after a crash); a fresh temporary one otherwise. */
  userDir?: string;
  /** Flows written to the flow file before start. */
  flows?: FlowNode[];
  env?: Record<string, string>;
  port?: number;
}

export function nodeRedHome(): string {
  return process.env['SYNCWRIGHT_NODE_RED_DIR'] ?? dirname(require.resolve('node-red/package.json'));
}

export class NodeRedProcess {
  readonly logs: string[] = [];
  private exited: Promise<number | null>;
  private constructor(
    private readonly child: ChildProcess,
    readonly userDir: string,
    readonly port: number,
    private readonly ownsUserDir: boolean,
  ) {
    const onData = (chunk: Buffer) => this.logs.push(...chunk.toString('utf8').split('\n').filter((l) => l.length > 0));
    child.stdout?.on('data', onData);
    child.stderr?.on('data', onData);
    this.exited = new Promise((res) => child.once('exit', (code) => res(code)));
  }

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  static async start(options: NodeRedOptions = {}): Promise<NodeRedProcess> {
    const ownsUserDir = options.userDir === undefined;
    const userDir = options.userDir ?? mkdtempSync(join(tmpdir(), 'syncwright-nr-'));
    linkPack(userDir);
    if (options.flows) writeFileSync(join(userDir, 'flows.json'), JSON.stringify(options.flows));
    const port = options.port ?? (await freePort());
    const nodeBin = process.env['SYNCWRIGHT_NODE_BIN'] ?? process.execPath;
    const child = spawn(nodeBin, [join(nodeRedHome(), 'red.js'), '--settings', join(root, 'dist/scripts/node-red-settings.js'), '--userDir', userDir], {
      env: {
        ...process.env,
        SYNCWRIGHT_PORT: String(port),
        SYNCWRIGHT_HOST: '127.0.0.1',
        SYNCWRIGHT_CREDENTIAL_SECRET: 'integration-test-secret',
        SYNCWRIGHT_LOG_LEVEL: 'info',
        ...options.env,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const nr = new NodeRedProcess(child, userDir, port, ownsUserDir);
    await nr.waitForLog(/Started flows|Waiting for missing types/, 30_000);
    return nr;
  }

  /** Waits for a log line matching `pattern`, looking only at lines from index `from` on. */
  async waitForLog(pattern: RegExp, timeoutMs = 10_000, from = 0): Promise<string> {
    const deadline = Date.now() + timeoutMs;
    let checked = from;
    for (;;) {
      for (; checked < this.logs.length; checked++) {
        const line = this.logs[checked];
        if (pattern.test(line)) return line;
      }
      if (this.child.exitCode !== null) throw new Error(`Node-RED exited (${this.child.exitCode}) before logging ${pattern}:\n${this.logs.join('\n')}`);
      if (Date.now() > deadline) throw new Error(`Node-RED did not log ${pattern} within ${timeoutMs} ms:\n${this.logs.slice(-40).join('\n')}`);
      await new Promise((r) => setTimeout(r, 50));
    }
  }

  async request(method: string, path: string, body?: unknown, headers: Record<string, string> = {}): Promise<{ status: number; body: unknown }> {
    const res = await fetch(`${this.url}${path}`, {
      method,
      headers: { 'content-type': 'application/json', accept: 'application/json', ...headers },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await res.text();
    let parsed: unknown = text;
    try {
      parsed = text.length > 0 ? JSON.parse(text) : undefined;
    } catch {
      /* not JSON: keep the text */
    }
    return { status: res.status, body: parsed };
  }

  /** Deploys flows through the Admin API, as CI would, and waits until Node-RED has started them. */
  async deploy(flows: FlowNode[], type: 'full' | 'nodes' | 'flows' | 'reload' = 'full'): Promise<void> {
    const mark = this.logs.length;
    const current = await this.request('GET', '/flows', undefined, { 'Node-RED-API-Version': 'v2' });
    const rev = (current.body as { rev?: string }).rev;
    const res = await this.request('POST', '/flows', { rev, flows }, { 'Node-RED-API-Version': 'v2', 'Node-RED-Deployment-Type': type });
    if (res.status !== 200) throw new Error(`deploy failed: ${res.status} ${JSON.stringify(res.body)}`);
    await this.waitForLog(/Started (modified )?(flows|nodes)/, 30_000, mark);
  }

  /** Lines Node-RED logged at error level (or worse). */
  errors(): string[] {
    return this.logs.filter((l) => /\[(error|fatal)\]/.test(l));
  }

  async kill9(): Promise<void> {
    this.child.kill('SIGKILL');
    await this.exited;
  }

  async stop(): Promise<void> {
    if (this.child.exitCode === null && this.child.signalCode === null) {
      this.child.kill('SIGINT');
      const timer = setTimeout(() => this.child.kill('SIGKILL'), 15_000);
      await this.exited;
      clearTimeout(timer);
    }
  }

  /** Stops and removes the temporary user directory (unless the caller supplied it). */
  async dispose(): Promise<void> {
    await this.stop();
    if (this.ownsUserDir) rmSync(this.userDir, { recursive: true, force: true });
  }
}
