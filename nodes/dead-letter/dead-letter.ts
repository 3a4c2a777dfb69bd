// syncwright-dead-letter: the dead-letter queue in a flow. Emits an event for every message that dies (to
// notify operations) and takes control messages to list, replay (optionally edited) or discard (with a reason).
import type { Node, NodeAPI, NodeDef, NodeMessageInFlow } from 'node-red';
import { engineUnavailable, useEngine } from '../../runtime-plugins/engine-access.js';
import type { DeadLetter, DeadLetterFilter } from '../../runtime-plugins/engine/dead-letters.js';
import { matches } from '../../runtime-plugins/engine/dead-letters.js';
import type { Engine } from '../../runtime-plugins/engine/engine.js';
import { decodeMessage } from '../../runtime-plugins/engine/message-codec.js';
import { failMessage } from '../../runtime-plugins/red/errors.js';
import { status } from '../../runtime-plugins/red/status.js';
import { ERROR_CLASSES, SyncError } from '../../runtime-plugins/sync-error.js';
import { parseCommand } from './command.js';

interface DeadLetterConfig extends NodeDef {
  queue: string;
  errorClass: string;
}

type Msg = NodeMessageInFlow & { topic?: string };

/** The entry as a flow sees it: the stored message decoded. */
function forFlow(entry: DeadLetter): Record<string, unknown> {
  const { message, ...rest } = entry;
  let decoded: unknown;
  try {
    decoded = decodeMessage(message);
  } catch {
    decoded = message;
  }
  return { ...rest, message: decoded };
}

function summary(entry: DeadLetter): Record<string, unknown> {
  return { id: entry.id, queue: entry.queue, reason: entry.reason, error: entry.error, attempts: entry.attempts, correlationId: entry.correlationId, businessKey: entry.businessKey, deadAt: entry.deadAt };
}

export = function register(RED: NodeAPI): void {
  function DeadLetterNode(this: Node, config: DeadLetterConfig): void {
    RED.nodes.createNode(this, config);
    const node = this;
    const base: DeadLetterFilter = {};
    if (config.queue) base.queue = config.queue;
    if (config.errorClass && (ERROR_CLASSES as readonly string[]).includes(config.errorClass)) base.errorClass = config.errorClass as DeadLetterFilter['errorClass'];
    let engine: Engine | undefined;

    const refresh = (): void => {
      engine?.deadLetters
        .count(base)
        .then((n) => node.status(n > 0 ? status.failing(`${n} dead letter${n === 1 ? '' : 's'}`) : status.idle('none')))
        .catch((err: unknown) => node.error(`counting dead letters failed: ${String(err)}`));
    };
    const onDeadLetter = (entry: DeadLetter): void => {
      if (!matches(entry, base)) return;
      node.send({ topic: 'dead-letter', payload: summary(entry), deadLetter: forFlow(entry) });
      refresh();
    };

    const ready = useEngine(RED, node).then((e) => {
      engine = e;
      e.on('dead-letter', onDeadLetter);
      refresh();
      return e;
    });
    ready.catch(engineUnavailable(node));

    node.on('input', (msgIn, send, done) => {
      const msg = msgIn as Msg;
      ready
        .then(async (e) => {
          const cmd = parseCommand(msg);
          const filter: DeadLetterFilter = { ...base, ...(cmd.filter ?? {}) };
          if (cmd.ids !== undefined) filter.ids = Array.isArray(cmd.ids) ? cmd.ids : [cmd.ids];
          const selects = cmd.ids !== undefined || cmd.filter !== undefined || cmd.all === true;
          const who = `flow:${node.id}`;
          switch (cmd.action) {
            case 'list': {
              const entries = await e.deadLetters.list(filter, cmd.limit ?? 100);
              send({ ...msg, topic: 'list', payload: entries.map(forFlow) });
              break;
            }
            case 'count':
              send({ ...msg, topic: 'count', payload: await e.deadLetters.count(filter) });
              break;
            case 'replay': {
              if (!selects) throw new SyncError('replay needs ids, a filter, or all: true', { class: 'data', code: 'NOTHING_SELECTED', retryable: false, fields: ['ids'] });
              const opts: Parameters<Engine['replay']>[1] = { by: who };
              if (cmd.edit) opts.edit = { payload: cmd.edit.payload };
              const replayed = await e.replay(filter, opts);
              send({ ...msg, topic: 'replayed', payload: { count: replayed.length, ids: replayed.map((r) => r.id) } });
              break;
            }
            case 'discard': {
              if (!selects) throw new SyncError('discard needs ids, a filter, or all: true', { class: 'data', code: 'NOTHING_SELECTED', retryable: false, fields: ['ids'] });
              const discarded = await e.discard(filter, cmd.reason ?? '', who);
              send({ ...msg, topic: 'discarded', payload: { count: discarded.length, ids: discarded.map((r) => r.id), reason: cmd.reason } });
              break;
            }
          }
          refresh();
          done();
        })
        .catch((err: unknown) => failMessage(msg, err, done));
    });

    node.on('close', (_removed: boolean, done: () => void) => {
      engine?.off('dead-letter', onDeadLetter);
      done();
    });
  }

  RED.nodes.registerType('syncwright-dead-letter', DeadLetterNode);
};
