// npm run bench [name…] — runs the benchmarks and prints one JSON document. Figures are medians of several
// runs, compared side by side in the same run (ours vs. the core Node-RED way), each beside its target.
import { hostname, cpus, totalmem } from 'node:os';

export interface Figure {
  figure: string;
  value: number;
  unit: string;
  target?: string;
  /** The same figure for the baseline (core Node-RED, another store…), measured in the same run. */
  baseline?: { name: string; value: number; unit: string; note?: string };
  meetsTarget?: boolean;
  note?: string;
}

export interface Benchmark {
  name: string;
  description: string;
  run(): Promise<Figure[]>;
}

const benchmarks: Array<() => Promise<Benchmark>> = [
  async () => (await import('./engine.js')).engineBenchmark,
  async () => (await import('./overhead.js')).overheadBenchmark,
  async () => (await import('./reliability.js')).reliabilityBenchmark,
  async () => (await import('./reliability.js')).lanesBenchmark,
  async () => (await import('./salesforce-batching.js')).salesforceBatchingBenchmark,
  async () => (await import('./sandbox-kantata.js')).kantataSandboxBenchmark,
  async () => (await import('./sandbox-netsuite.js')).netsuiteSandboxBenchmark,
  async () => (await import('./sandbox-salesforce.js')).sandboxSalesforceBenchmark,
];

async function main(): Promise<void> {
  const wanted = new Set(process.argv.slice(2));
  const results: Record<string, Figure[] | { error: string }> = {};
  for (const load of benchmarks) {
    const bench = await load();
    if (wanted.size > 0 && !wanted.has(bench.name)) continue;
    process.stderr.write(`bench: ${bench.name}…\n`);
    try {
      results[bench.name] = await bench.run();
    } catch (err) {
      results[bench.name] = { error: err instanceof Error ? err.message : String(err) };
    }
  }
  const doc = {
    machine: { host: hostname(), cpus: cpus().length, memoryGiB: Math.round(totalmem() / 2 ** 30), node: process.version },
    at: new Date().toISOString(),
    results,
  };
  process.stdout.write(`${JSON.stringify(doc, null, 2)}\n`);
}

if (require.main === module) {
  main().catch((err: unknown) => {
    console.error(err);
    process.exit(1);
  });
}
