// Saved node configuration carries `version`; each migration lifts it one version. Nodes run the chain in their
// constructor, so a flow saved by an older release keeps working after an upgrade.
export interface Migration {
  from: number;
  to: number;
  up(config: Record<string, unknown>): Record<string, unknown>;
}

export function migrateConfig<T>(raw: object, migrations: readonly Migration[], current: number): T {
  let config: Record<string, unknown> = { ...(raw as Record<string, unknown>) };
  let version = typeof config['version'] === 'number' ? config['version'] : 1;
  if (version > current) {
    throw new Error(`node configuration version ${version} is newer than this Syncwright release understands (${current}); upgrade the pack`);
  }
  while (version < current) {
    const step = migrations.find((m) => m.from === version);
    if (!step) throw new Error(`no migration from node configuration version ${version}`);
    config = step.up(config);
    version = step.to;
  }
  config['version'] = current;
  return config as T;
}
