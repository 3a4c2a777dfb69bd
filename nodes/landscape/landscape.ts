// syncwright-landscape (config node): the system landscape — rules that say which connection serves which
// role (crm, erp, psa), capability and legal entity. The crm, erp and psa nodes ask it where to go, so process
// flows never name a vendor. Rules are checked at deploy; every problem names its rule.
import type { Node, NodeAPI, NodeDef } from 'node-red';
import type { BackendSystem, Role } from '../../runtime-plugins/roles/capabilities.js';
import { backendFor } from '../../runtime-plugins/roles/capabilities.js';
import { checkConnections, parseRules, route, type ConnectionInfo, type LandscapeRule } from '../../runtime-plugins/roles/landscape.js';
import type { LandscapeConfigNode } from '../../runtime-plugins/roles/role-node.js';
import { onceFlowsStarted } from '../../runtime-plugins/red/flows-started.js';
import { migrateConfig } from '../../runtime-plugins/red/migrations.js';
import { mappingContextFrom } from '../netsuite/mapping-context.js';

const CONFIG_VERSION = 1;

interface LandscapeConfig extends NodeDef {
  version?: number;
  rules?: unknown;
}

type LandscapeNode = Node & LandscapeConfigNode;

/** A rule's context is a NetSuite mapping context (the account's lists); other connections take none. */
function checkContext(system: BackendSystem, context: string): string | undefined {
  if (system !== 'netsuite') return `a mapping context is only for NetSuite connections (this one is ${system}): leave it empty`;
  try {
    mappingContextFrom(context);
    return undefined;
  } catch (err) {
    return err instanceof Error ? err.message : String(err);
  }
}

export = function register(RED: NodeAPI): void {
  function SystemLandscapeNode(this: LandscapeNode, raw: LandscapeConfig): void {
    RED.nodes.createNode(this, raw);
    const node = this;
    const config = migrateConfig<LandscapeConfig>(raw, [], CONFIG_VERSION);
    const parsed = parseRules(config.rules);
    const rules: LandscapeRule[] = parsed.rules;
    node.landscapeName = config.name || `landscape ${config.id}`;

    const lookup = (id: string): ConnectionInfo | undefined => {
      const n = RED.nodes.getNode(id) as (Node & { name?: string }) | null;
      return n ? { type: n.type, ...(n.name ? { name: n.name } : {}) } : undefined;
    };
    // Asked on every message: a context's JSON is parsed once.
    const contextProblems = new Map<string, string | undefined>();
    const checkContextOnce = (system: BackendSystem, context: string): string | undefined => {
      const key = `${system}|${context}`;
      if (!contextProblems.has(key)) contextProblems.set(key, checkContext(system, context));
      return contextProblems.get(key);
    };
    node.problems = () => [...parsed.problems, ...checkConnections(rules, lookup, checkContextOnce)];
    node.route = (role: Role, capability: string, legalEntity: string | undefined) => {
      const r = route(rules, role, capability, legalEntity, lookup, `the landscape "${node.landscapeName}"`);
      return { ...r, connection: RED.nodes.getNode(r.rule.connection) };
    };
    node.routeTo = (role: Role, connectionId: string) => {
      const connection = RED.nodes.getNode(connectionId) as Node | null;
      const system = connection ? backendFor(role, connection.type) : undefined;
      if (!connection || system === undefined) return undefined;
      const rule = rules.find((r) => r.role === role && r.connection === connectionId) ?? { index: 0, role, capability: '*', legalEntity: '*', connection: connectionId, context: '' };
      return { rule, system, connection };
    };

    // The connections are config nodes too, and may start after this one: check them once the flows have started.
    let reported = false;
    const report = (): void => {
      if (reported) return;
      reported = true;
      const problems = node.problems();
      for (const p of problems) node.error(`Invalid system landscape: ${p}`);
      for (const w of parsed.warnings) node.warn(w);
    };
    const cancelReport = onceFlowsStarted(RED, report, (err) => node.error(err));
    node.on('close', (_removed: boolean, done: () => void) => {
      cancelReport();
      done();
    });
  }

  RED.nodes.registerType('syncwright-landscape', SystemLandscapeNode);
};
