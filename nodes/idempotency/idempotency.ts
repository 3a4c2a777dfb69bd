// syncwright-idempotency (Idempotent Consumer): lets the first message with a key through, answers repeats
// with the stored result of the first run, holds or routes messages whose key is in flight, and reports a
// conflict when the same key arrives with different data.
import type { Node, NodeAPI, NodeDef, NodeMessage, NodeMessageInFlow } from 'node-red';
import { createEnvelope } from '../../canonical/index.js';
import { engineUnavailable, useEngine } from '../../runtime-plugins/engine-access.js';
import type { ClaimRef, Engine } from '../../runtime-plugins/engine/engine.js';
import { fingerprintOf } from '../../runtime-plugins/engine/fingerprint.js';
import type { ClaimOptions, LedgerEntry } from '../../runtime-plugins/engine/ledger.js';
import { failMessage } from '../../runtime-plugins/red/errors.js';
import { propertyReader } from '../../runtime-plugins/red/evaluate.js';
import { hasFeedbackPath, reachableTypes } from '../../runtime-plugins/red/flow-graph.js';
import { migrateConfig } from '../../runtime-plugins/red/migrations.js';
import { failureOf, resultOf } from '../../runtime-plugins/red/outcome.js';
import { brief, status, statusUpdater } from '../../runtime-plugins/red/status.js';
import { SyncError } from '../../runtime-plugins/sync-error.js';

const CONFIG_VERSION = 1;
const DAY = 86_400_000;

interface IdempotencyConfig extends NodeDef {
  version?: number;
  key: string;
  keyType: string;
  scope: string;
  fingerprint: string;
  fingerprintType: string;
  onFingerprintChange: 'conflict' | 'new-version';
  whenInFlight: 'hold' | 'route';
  holdTimeout: string;
  lease: string;
  retention: string;
  removeOnFailure: boolean;
}

type Msg = NodeMessageInFlow & { sync?: Record<string, unknown>; idempotency?: Record<string, unknown> };

interface Held {
  msg: Msg;
  send: (msg: Array<NodeMessage | null>) => void;
  done: (err?: Error) => void;
  timer: NodeJS.Timeout;
}

function positive(v: string | undefined, fallback: number, field: string): number {
  if (v === undefined || v === '') return fallback;
  const n = Number(v);
  if (!Number.isFinite(n) || n <= 0) throw new Error(`${field} must be a positive number, got "${v}"`);
  return n;
}

function claimRefOf(msg: Msg): ClaimRef | undefined {
  const c = msg.sync?.['claim'];
  if (typeof c !== 'object' || c === null) return undefined;
  const r = c as Partial<ClaimRef>;
  return typeof r.scope === 'string' && typeof r.key === 'string' && typeof r.claimId === 'string' && typeof r.retentionMs === 'number' ? (r as ClaimRef) : undefined;
}

function describe(entry: LedgerEntry, status: string): Record<string, unknown> {
  const d: Record<string, unknown> = { status, key: entry.key, scope: entry.scope, version: entry.version, firstSeenAt: new Date(entry.claimedAt).toISOString() };
  if (entry.completedAt !== undefined) d['completedAt'] = new Date(entry.completedAt).toISOString();
  if (entry.result !== undefined) d['result'] = entry.result;
  return d;
}

export = function register(RED: NodeAPI): void {
  function IdempotencyNode(this: Node, raw: IdempotencyConfig): void {
    RED.nodes.createNode(this, raw);
    const node = this;
    const config = migrateConfig<IdempotencyConfig>(raw, [], CONFIG_VERSION);
    const scope = (config.scope || 'default').trim();
    let opts: Omit<ClaimOptions, 'fingerprint' | 'correlationId'>;
    let holdMs: number;
    try {
      opts = {
        leaseMs: positive(config.lease, 300, 'lease') * 1000,
        retentionMs: positive(config.retention, 30, 'retention') * DAY,
        onFingerprintChange: config.onFingerprintChange === 'new-version' ? 'new-version' : 'conflict',
      };
      holdMs = positive(config.holdTimeout, 30, 'hold timeout') * 1000;
    } catch (err) {
      const message = err instanceof Error ? err.message : String(err);
      node.status(status.failing(message));
      node.error(`Invalid configuration: ${message}`);
      return;
    }
    const counts = { first: 0, duplicate: 0, inFlight: 0, conflict: 0 };
    const readKey = propertyReader(RED, node, config.key || 'sync.businessKey', config.keyType || 'msg');
    const readFingerprint = config.fingerprint ? propertyReader(RED, node, config.fingerprint, config.fingerprintType || 'msg') : undefined;
    const held = new Map<string, Held[]>();
    let closed = false;

    const types = reachableTypes(RED, node.id, 0);
    const commitsItself = types === undefined || types.has('syncwright-store-forward') || [...types].some((t) => t.startsWith('syncwright-saga'));
    if (!commitsItself && !hasFeedbackPath(RED, node.id, 0)) {
      node.warn('Nothing commits the claims of this node: wire the outcome of the transaction back into it, or put a store-forward or a saga after it. Until then every key is released when its lease ends, and a repeat runs again.');
    }
    const shown = statusUpdater(node);
    const showStatus = (): void => {
      shown.set(status.working(`first ${counts.first} · dup ${counts.duplicate} · in flight ${counts.inFlight} · conflict ${counts.conflict}`));
    };

    let engine: Engine | undefined;
    const ready = useEngine(RED, node).then((e) => {
      engine = e;
      e.ledger.on('changed', onLedgerChange);
      return e;
    });
    ready.catch(engineUnavailable(node));

    function onLedgerChange(change: { scope: string; key: string; entry: LedgerEntry | undefined }): void {
      if (change.scope !== scope || change.entry?.state === 'claimed') return;
      // The holder finished: the messages held for its key run again.
      const waiting = held.get(change.key);
      if (!waiting) return;
      held.delete(change.key);
      for (const h of waiting) {
        clearTimeout(h.timer);
        intake(h.msg, h.send, h.done, true);
      }
    }

    /**
     * Holds a message whose key is in flight under `claimId`. The holder may have finished between the decision
     * and this call (its change event then found nothing to wake): the entry is read once more after holding.
     */
    function hold(key: string, claimId: string, msg: Msg, send: Held['send'], done: Held['done']): void {
      const h: Held = {
        msg,
        send,
        done,
        timer: setTimeout(() => {
          // Still in flight after the hold: try once more (the holder's lease may have ended), else route.
          if (unhold(key, h)) intake(msg, send, done, true);
        }, holdMs),
      };
      held.set(key, [...(held.get(key) ?? []), h]);
      (engine as Engine).ledger.get(scope, key).then(
        (entry) => {
          if (entry && entry.state === 'claimed' && entry.claimId === claimId) return;
          // Only this message runs again, as if it had just come (others held for the key may wait on a newer claim).
          if (unhold(key, h)) intake(msg, send, done, false);
        },
        (err: unknown) => node.error(`reading the idempotency key "${key}" failed: ${err instanceof Error ? err.message : String(err)}`),
      );
    }

    /** Takes one message off its key's hold; false if it is no longer held (already run again). */
    function unhold(key: string, h: Held): boolean {
      const list = held.get(key);
      if (!list?.includes(h)) return false;
      const rest = list.filter((x) => x !== h);
      if (rest.length > 0) held.set(key, rest);
      else held.delete(key);
      clearTimeout(h.timer);
      return true;
    }

    function intake(msg: Msg, send: Held['send'], done: Held['done'], afterHold: boolean): void {
      const e = engine as Engine;
      (async () => {
        const keyValue = await readKey(msg);
        if ((typeof keyValue !== 'string' && typeof keyValue !== 'number') || String(keyValue).trim() === '') {
          throw new SyncError(`the idempotency key (${config.keyType}: ${config.key}) gave ${keyValue === undefined ? 'nothing' : `a ${typeof keyValue}`}; it must give a non-empty string`, { class: 'data', code: 'MISSING_IDEMPOTENCY_KEY', retryable: false, fields: ['key'] });
        }
        const key = String(keyValue).trim();
        if (key.length > 512) throw new SyncError('the idempotency key is longer than 512 characters', { class: 'data', code: 'INVALID_IDEMPOTENCY_KEY', retryable: false, fields: ['key'] });
        const claimOpts: ClaimOptions = { ...opts };
        if (readFingerprint) claimOpts.fingerprint = fingerprintOf(await readFingerprint(msg));
        if (typeof msg.sync !== 'object' || msg.sync === null) msg.sync = createEnvelope({ businessKey: key });
        const correlationId = typeof msg.sync['correlationId'] === 'string' ? msg.sync['correlationId'] : undefined;
        if (correlationId !== undefined) claimOpts.correlationId = correlationId;
        const outcome = await e.ledger.claim(scope, key, claimOpts);
        const journal = (stage: string, detail: Record<string, string | number | boolean | null> = {}) =>
          e.record({ correlationId: correlationId ?? key, businessKey: typeof msg.sync?.['businessKey'] === 'string' ? msg.sync['businessKey'] : key, stage, status: 'info', source: { nodeId: node.id, nodeType: node.type, name: node.name }, detail: { key, ...detail } });
        switch (outcome.outcome) {
          case 'claimed': {
            counts.first += 1;
            delete msg.sync['error'];
            msg.sync['idempotencyKey'] = key;
            msg.sync['claim'] = { scope, key, claimId: outcome.entry.claimId, retentionMs: opts.retentionMs } satisfies ClaimRef;
            msg.idempotency = describe(outcome.entry, 'first');
            send([msg, null, null, null]);
            break;
          }
          case 'duplicate':
            counts.duplicate += 1;
            msg.idempotency = describe(outcome.entry, 'duplicate');
            msg.sync['idempotencyKey'] = key;
            if (outcome.entry.result !== undefined) msg.sync['results'] = outcome.entry.result;
            journal('duplicate', { firstCorrelationId: outcome.entry.correlationId ?? null });
            send([null, msg, null, null]);
            break;
          case 'in-flight':
            if (config.whenInFlight !== 'route' && !afterHold) {
              hold(key, outcome.entry.claimId, msg, send, done);
              showStatus();
              return false;
            }
            counts.inFlight += 1;
            msg.idempotency = describe(outcome.entry, 'in-flight');
            send([null, null, msg, null]);
            break;
          case 'conflict':
            counts.conflict += 1;
            msg.idempotency = describe(outcome.entry, 'conflict');
            journal('conflict');
            send([null, null, null, msg]);
            break;
        }
        return true;
      })()
        .then((finished) => {
          showStatus();
          if (finished) done();
        })
        .catch((err: unknown) => {
          shown.set(status.failing(brief(err instanceof Error ? err.message : String(err))));
          failMessage(msg, err, done);
        });
    }

    /** A message coming back with a claim this node holds: the outcome of the transaction. */
    async function settle(msg: Msg, claim: ClaimRef): Promise<boolean> {
      const e = engine as Engine;
      const entry = await e.ledger.get(claim.scope, claim.key);
      if (!entry || entry.state !== 'claimed' || entry.claimId !== claim.claimId) return false;
      const failure = failureOf(msg);
      const correlationId = typeof msg.sync?.['correlationId'] === 'string' ? msg.sync['correlationId'] : claim.key;
      if (failure) {
        if (config.removeOnFailure !== false) await e.ledger.release(claim.scope, claim.key, claim.claimId);
        e.record({ correlationId, stage: 'claim-released', status: 'failed', errorClass: failure.syncwright.class, code: failure.syncwright.code, message: failure.message, source: { nodeId: node.id, nodeType: node.type, name: node.name }, detail: { key: claim.key, released: config.removeOnFailure !== false } });
      } else {
        await e.ledger.complete(claim.scope, claim.key, claim.claimId, resultOf(msg), claim.retentionMs);
        e.record({ correlationId, stage: 'claim-completed', status: 'ok', source: { nodeId: node.id, nodeType: node.type, name: node.name }, detail: { key: claim.key } });
      }
      return true;
    }

    node.on('input', (msgIn, send, done) => {
      const msg = msgIn as Msg;
      ready
        .then(async () => {
          const claim = claimRefOf(msg);
          if (claim && claim.scope === scope && (await settle(msg, claim))) {
            done();
            return;
          }
          if (closed) throw new SyncError('node is closing', { class: 'transient', code: 'NODE_CLOSING', retryable: true });
          intake(msg, send, done, false);
        })
        .catch((err: unknown) => failMessage(msg, err, done));
    });

    node.on('close', (_removed: boolean, done: () => void) => {
      closed = true;
      shown.stop();
      engine?.ledger.off('changed', onLedgerChange);
      // Held messages were never passed on: report them, so the sender's retry (or a Catch) takes over.
      for (const list of held.values()) {
        for (const h of list) {
          clearTimeout(h.timer);
          failMessage(h.msg, new SyncError('the flow was stopped while this message waited for its key', { class: 'transient', code: 'HELD_AT_STOP', retryable: true }), h.done);
        }
      }
      held.clear();
      done();
    });
  }

  RED.nodes.registerType('syncwright-idempotency', IdempotencyNode);
};
