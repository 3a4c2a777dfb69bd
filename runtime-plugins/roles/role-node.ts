// The Node-RED side shared by the crm, erp and psa nodes: read the input, validate it for the capability, let
// the landscape choose the connection (per record in a batch), run the capability on that connection's
// backend, and put the outcome on the message — role keys in msg.sync.results, per-record msg.results for
// batches, failures through failMessage. The vendor work is in each role's backends (nodes/<role>/).
import type { Node, NodeAPI, NodeDef, NodeMessageInFlow } from 'node-red';
import { createEnvelope } from '../../canonical/envelope.js';
import { failMessage } from '../red/errors.js';
import { propertyReader } from '../red/evaluate.js';
import { onceFlowsStarted } from '../red/flows-started.js';
import { migrateConfig } from '../red/migrations.js';
import { recordError } from '../red/outcome.js';
import { brief, status } from '../red/status.js';
import { SyncError, toSyncError } from '../sync-error.js';
import { secondaryKeyOf, type BackendFactory, type RoleBackend, type RoleNodeOptions, type RunContext, type UnitOutcome } from './backend.js';
import { capabilityOf, type BackendSystem, type Capability, type Role } from './capabilities.js';
import type { LandscapeRule } from './landscape.js';
import { legalEntityOf, type LegalEntityFound } from './legal-entity.js';
import { parseInput, syncStatusOf, type ParsedInput } from './payloads.js';

export const ROLE_NODE_CONFIG_VERSION = 1;

/** What a role node sees of a deployed `syncwright-landscape`. */
export interface LandscapeConfigNode {
  landscapeName: string;
  /** Problems of the rules and their connections (empty when it can route); checked when first asked. */
  problems(): string[];
  /** The connection serving (role, capability, legal entity): the first matching rule. Throws a data SyncError. */
  route(role: Role, capability: string, legalEntity: string | undefined): { rule: LandscapeRule; system: BackendSystem; connection: Node };
  /** A deployed connection serving `role`, with the context of the first rule naming it (compensations undo where they did). */
  routeTo(role: Role, connectionId: string): { rule: LandscapeRule; system: BackendSystem; connection: Node } | undefined;
}

export function isLandscapeConfigNode(n: unknown): n is LandscapeConfigNode {
  return typeof n === 'object' && n !== null && typeof (n as LandscapeConfigNode).route === 'function' && typeof (n as LandscapeConfigNode).problems === 'function';
}

interface RoleNodeConfig extends NodeDef {
  version?: number;
  landscape: string;
  capability: string;
  input?: string;
  inputType?: string;
  syncStatus?: string;
  matchOn?: string;
}

type Msg = NodeMessageInFlow & { sync?: Record<string, unknown>; batch?: unknown; results?: unknown; saga?: unknown };

interface Unit {
  payload: unknown;
  sync: Record<string, unknown> | undefined;
}

interface Planned {
  unit: Unit;
  parsed?: ParsedInput;
  backend?: RoleBackend;
  entity?: LegalEntityFound;
  outcome?: UnitOutcome | SyncError;
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function settingError(message: string, field: string, role: Role): SyncError {
  return new SyncError(message, { class: 'data', code: 'INVALID_NODE_SETTING', retryable: false, target: role, fields: [field] });
}

/** Backends are built once per connection node (a redeploy makes new ones) and context. */
const backends = new WeakMap<object, Map<string, RoleBackend>>();

function backendOf(factory: BackendFactory, role: Role, connection: Node, system: BackendSystem, rule: LandscapeRule): RoleBackend {
  let byContext = backends.get(connection);
  if (!byContext) {
    byContext = new Map();
    backends.set(connection, byContext);
  }
  const key = `${role}|${system}|${rule.context}`;
  let backend = byContext.get(key);
  if (!backend) {
    backend = factory(connection, system, rule);
    byContext.set(key, backend);
  }
  return backend;
}

/** Registers `syncwright-<role>`. */
export function registerRoleNode(RED: NodeAPI, role: Role, factory: BackendFactory): void {
  function RoleNode(this: Node, raw: RoleNodeConfig): void {
    RED.nodes.createNode(this, raw);
    const node = this;
    const config = migrateConfig<RoleNodeConfig>(raw, [], ROLE_NODE_CONFIG_VERSION);
    const cap = capabilityOf(role, config.capability);
    const landscapeNode = RED.nodes.getNode(config.landscape);
    const landscape = isLandscapeConfigNode(landscapeNode) ? landscapeNode : undefined;
    let setupError: SyncError | undefined;
    if (!cap) setupError = settingError(`capability "${config.capability}" is not one of ${role}'s`, 'capability', role);
    else if (!landscape) setupError = settingError('choose a system landscape (which connection serves which role)', 'landscape', role);
    const syncStatus = config.syncStatus ? syncStatusOf(config.syncStatus) : undefined;
    const matchOn = secondaryKeyOf(config.matchOn);
    if (config.matchOn && matchOn === undefined && !setupError) setupError = settingError(`match on "${config.matchOn}" must be taxId, domain or none`, 'matchOn', role);
    if (setupError) node.error(`Invalid configuration: ${setupError.message}`);
    const options: RoleNodeOptions = { ...(syncStatus === undefined ? {} : { syncStatus }), ...(matchOn === undefined ? {} : { matchOn }) };
    const readInput = propertyReader(RED, node, config.input || 'payload', config.inputType || 'msg');

    /** The landscape's problems (its rules name config nodes that may start after it: asked when needed, not cached). */
    const checkLandscape = (): SyncError | undefined => {
      if (!landscape) return undefined;
      const problems = landscape.problems();
      if (problems.length === 0) return undefined;
      return new SyncError(`the landscape "${landscape.landscapeName}" is misconfigured: ${problems[0]}${problems.length > 1 ? ` (and ${problems.length - 1} more)` : ''}`, {
        class: 'data',
        code: 'INVALID_LANDSCAPE',
        retryable: false,
        target: role,
        fields: ['landscape'],
      });
    };
    const idle = `${role} · ${cap?.name ?? ''}`;
    const showSetup = (): void => {
      const e = setupError ?? checkLandscape();
      node.status(e ? status.failing(brief(e.message)) : status.idle(idle));
    };
    const cancelSetup = onceFlowsStarted(RED, showSetup, (err) => node.error(err));
    node.status(setupError ? status.failing(brief(setupError.message)) : status.idle(idle));

    const show = (ok: boolean, text: string, waiting = false): void => {
      node.status(waiting ? status.waiting(brief(text, 80)) : ok ? status.working(brief(text, 80)) : status.failing(brief(text, 80)));
    };

    const routeUnit = (c: Capability, p: Planned, sagaOf: Record<string, unknown> | undefined): void => {
      const l = landscape as LandscapeConfigNode;
      const parsed = p.parsed as ParsedInput;
      if (c.kind === 'compensation' && c.undoes !== undefined) {
        // Undo on the connection that did it, whatever the rules say now.
        const made = isRecord(sagaOf?.['stepResult']) ? sagaOf['stepResult'][c.undoes] : undefined;
        const earlier = isRecord(p.unit.sync?.['results']) ? p.unit.sync['results'][c.undoes] : undefined;
        for (const r of [made, earlier]) {
          const id = isRecord(r) && typeof r['connection'] === 'string' ? r['connection'] : undefined;
          const routed = id === undefined ? undefined : l.routeTo(role, id);
          if (routed) {
            p.backend = backendOf(factory, role, routed.connection, routed.system, routed.rule);
            return;
          }
        }
      }
      p.entity = legalEntityOf(parsed, p.unit.sync);
      const routed = l.route(role, c.name, p.entity?.code);
      p.backend = backendOf(factory, role, routed.connection, routed.system, routed.rule);
    };

    node.on('input', (msgIn, send, done) => {
      const msg = msgIn as Msg;
      const failure = setupError ?? checkLandscape();
      if (failure || !cap || !landscape) {
        failMessage(msg, failure, done, role);
        return;
      }
      const work = async (): Promise<void> => {
        const payload = await readInput(msg);
        const sync = isRecord(msg.sync) ? msg.sync : undefined;
        const saga = isRecord(msg.saga) ? msg.saga : undefined;
        const delivery = sync?.['delivery'];
        const deliveryTarget = isRecord(delivery) && typeof delivery['target'] === 'string' ? delivery['target'] : undefined;
        const batchRest = Array.isArray(msg.batch) ? (msg.batch as unknown[]) : undefined;
        // A store-forward batch delivery: an array of payloads, msg.batch holding the rest of each message.
        const isDelivery = batchRest !== undefined && Array.isArray(payload);
        const perRecord = isDelivery || (cap.shape === 'batch' && Array.isArray(payload));
        const units: Unit[] = isDelivery
          ? (payload as unknown[]).map((p, i) => {
              const rest = batchRest[i];
              const own = isRecord(rest) && isRecord(rest['sync']) ? rest['sync'] : sync;
              return { payload: p, sync: own };
            })
          : perRecord
            ? (payload as unknown[]).map((p) => ({ payload: p, sync }))
            : [{ payload, sync }];
        if (!perRecord && cap.shape === 'one' && Array.isArray(payload)) {
          throw new SyncError(`payload is an array, but ${role} ${cap.name} takes one object a message (split it, or batch it with a store-forward)`, { class: 'data', code: 'INVALID_PAYLOAD', retryable: false, target: role, fields: ['payload'] });
        }
        const planned: Planned[] = units.map((unit) => {
          const p: Planned = { unit };
          try {
            const claimed = typeof unit.sync?.['schema'] === 'string' ? unit.sync['schema'] : undefined;
            p.parsed = parseInput(cap, unit.payload, claimed);
            routeUnit(cap, p, saga);
          } catch (err) {
            p.outcome = toSyncError(err, role);
          }
          return p;
        });
        const ctxOf = (p: Planned): RunContext => ({ sync: p.unit.sync, saga, permitHeld: deliveryTarget !== undefined && deliveryTarget === p.backend?.limiterTarget, options });
        const thrown = new Set<SyncError>();
        if (cap.shape === 'batch') {
          const groups = new Map<RoleBackend, Planned[]>();
          for (const p of planned) if (!p.outcome && p.backend) groups.set(p.backend, [...(groups.get(p.backend) ?? []), p]);
          for (const [backend, group] of groups) {
            try {
              if (!backend.runBatch) throw new SyncError(`${backend.system} has no batch ${cap.name}`, { class: 'data', code: 'UNSUPPORTED', retryable: false, target: role });
              const outcomes = await backend.runBatch(cap, group.map((p) => p.parsed as ParsedInput), group.map(ctxOf));
              group.forEach((p, i) => {
                p.outcome = outcomes[i] ?? new SyncError('no outcome for the record', { class: 'transient', code: 'MISSING_RESULT', retryable: true, target: role });
              });
            } catch (err) {
              const e = toSyncError(err, role);
              thrown.add(e);
              for (const p of group) p.outcome = e;
            }
          }
        } else {
          for (const p of planned) {
            if (p.outcome || !p.backend) continue;
            try {
              p.outcome = await p.backend.run(cap, p.parsed as ParsedInput, ctxOf(p));
            } catch (err) {
              const e = toSyncError(err, role);
              thrown.add(e);
              p.outcome = e;
            }
          }
        }
        return settle(msg, cap, planned, perRecord, thrown, send, done);
      };
      work().catch((err: unknown) => {
        const e = toSyncError(err, role);
        show(false, `${e.syncwright.class} ${e.syncwright.code}`, e.syncwright.class === 'rate-limit');
        failMessage(msg, e, done, role);
      });
    });

    function settle(msg: Msg, cap: Capability, planned: Planned[], perRecord: boolean, thrown: Set<SyncError>, send: (m: NodeMessageInFlow) => void, done: (err?: Error) => void): void {
      const outcomes = planned.map((p) => p.outcome as UnitOutcome | SyncError);
      const failures = outcomes.filter((o): o is SyncError => o instanceof SyncError);
      const first = planned.find((p) => p.backend)?.backend;
      const where = first ? `${first.system} ${first.label}` : role;
      const usage = first?.usage?.() ?? '';
      const addResults = (o: UnitOutcome, p: Planned): void => {
        const env = ensureSync(msg, p);
        env['results'] = { ...(isRecord(env['results']) ? env['results'] : {}), ...o.results };
        // Later steps of this transaction (which may carry no entity) route where this one did.
        if (p.entity?.from === 'payload' && typeof env['legalEntity'] !== 'string') env['legalEntity'] = p.entity.code;
      };
      if (!perRecord) {
        const o = outcomes[0];
        const p = planned[0];
        if (o instanceof SyncError || o === undefined || p === undefined) {
          const e = o instanceof SyncError ? o : new SyncError('nothing was done', { class: 'transient', code: 'NO_OUTCOME', retryable: true, target: role });
          show(false, `${where} · ${e.syncwright.class} ${e.syncwright.fields?.[0] ?? e.syncwright.code}`, e.syncwright.class === 'rate-limit');
          failMessage(msg, e, done, role);
          return;
        }
        msg.payload = o.payload;
        addResults(o, p);
        show(true, `${where} · ${o.summary}${usage}`);
        send(msg);
        done();
        return;
      }
      // Every record failed by one failure of the whole call (rate limit, login, network): the message fails.
      const only = thrown.size === 1 ? [...thrown][0] : undefined;
      if ((only && failures.length === outcomes.length && failures.every((f) => f === only)) || (outcomes.length === 1 && failures.length === 1)) {
        const e = failures[0];
        msg.results = outcomes.map((o) => ({ ok: false, error: recordError(o as SyncError) }));
        show(false, `${where} · ${e.syncwright.class} ${e.syncwright.fields?.[0] ?? e.syncwright.code}`, e.syncwright.class === 'rate-limit');
        failMessage(msg, e, done, role);
        return;
      }
      msg.results = outcomes.map((o) => {
        if (o instanceof SyncError) return { ok: false, error: recordError(o) };
        const r = o.results[cap.resultKey];
        return { ok: true, ...(isRecord(r) ? r : {}) };
      });
      const okOne = outcomes.length === 1 ? outcomes[0] : undefined;
      if (okOne && !(okOne instanceof SyncError) && planned[0]) addResults(okOne, planned[0]);
      const done1 = outcomes.length - failures.length;
      show(failures.length < outcomes.length, `${where} · ${cap.name} ${done1} of ${outcomes.length} ok${failures.length > 0 ? `, ${failures.length} failed` : ''}${usage}`);
      send(msg);
      done();
    }

    node.on('close', (_removed: boolean, closed: () => void) => {
      cancelSetup();
      closed();
    });
  }

  RED.nodes.registerType(`syncwright-${role}`, RoleNode);
}

/** msg.sync, started when the message has none (a payload from outside Syncwright). */
function ensureSync(msg: Msg, p: Planned): Record<string, unknown> {
  if (!isRecord(msg.sync)) {
    const value = p.parsed?.input === 'canonical' ? p.parsed.value : undefined;
    const key = isRecord(value) && typeof value['businessKey'] === 'string' ? value['businessKey'] : msg._msgid;
    msg.sync = createEnvelope({ businessKey: key });
  }
  return msg.sync;
}
