// Node-RED embedded in the benchmark process, with this pack linked, so CPU per message can be measured
// with process.cpuUsage() around messages pushed into a node and counted at another.
import { createServer } from 'node:http';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { linkPack } from '../scripts/start.js';

export interface EmbeddedNode {
  receive(msg: Record<string, unknown>): void;
  on(event: 'input', fn: (msg: Record<string, unknown>) => void): void;
}

interface EmbeddedRED {
  init(server: unknown, settings: Record<string, unknown>): void;
  start(): Promise<void>;
  stop(): Promise<void>;
  nodes: { getNode(id: string): EmbeddedNode | null };
}

export async function startEmbeddedNodeRed(flows: Array<Record<string, unknown>>): Promise<{ RED: EmbeddedRED; node(id: string): EmbeddedNode; stop(): Promise<void> }> {
  const userDir = mkdtempSync(join(tmpdir(), 'sw-bench-nr-'));
  linkPack(userDir);
  writeFileSync(join(userDir, 'flows.json'), JSON.stringify(flows));
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const RED = require('node-red') as EmbeddedRED;
  RED.init(createServer(), {
    userDir,
    flowFile: 'flows.json',
    httpAdminRoot: false,
    httpNodeRoot: false,
    credentialSecret: 'bench',
    // stdout carries the benchmark's JSON: Node-RED's log goes to stderr.
    logging: {
      console: { level: 'off', metrics: false, audit: false },
      stderr: { level: 'warn', metrics: false, audit: false, handler: () => (m: { msg?: unknown }) => process.stderr.write(`[node-red] ${String(m.msg)}\n`) },
    },
    editorTheme: { projects: { enabled: false } },
    functionExternalModules: false,
    syncwright: process.env['BENCH_STORE'] === 'memory' ? { store: 'memory' } : {},
  });
  await RED.start();
  const deadline = Date.now() + 20_000;
  while (RED.nodes.getNode(String(flows.find((f) => f['type'] !== 'tab')?.['id'])) === null) {
    if (Date.now() > deadline) throw new Error('embedded Node-RED did not start the flows');
    await new Promise((r) => setTimeout(r, 50));
  }
  return {
    RED,
    node(id: string) {
      const n = RED.nodes.getNode(id);
      if (!n) throw new Error(`no node ${id}`);
      return n;
    },
    stop: () => RED.stop(),
  };
}
