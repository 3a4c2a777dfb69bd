// syncwright-saga-step: one step of a saga. Output 1 sends the forward action, output 2 passes the message on
// when the step completed, output 3 sends the compensation. The outcomes of both action paths come back into
// its input, recognised by the token in msg.sync.sagaAction (as store-forward recognises its deliveries).
import type { Node, NodeAPI, NodeMessage, NodeMessageInFlow } from 'node-red';
import { engineUnavailable, useEngine } from '../../runtime-plugins/engine-access.js';
import type { Engine } from '../../runtime-plugins/engine/engine.js';
import { actionTokenOf, type StepPolicy, type StepPort } from '../../runtime-plugins/engine/saga.js';
import { failMessage } from '../../runtime-plugins/red/errors.js';
import { hasFeedbackPath } from '../../runtime-plugins/red/flow-graph.js';
import { migrateConfig } from '../../runtime-plugins/red/migrations.js';
import { failureOf, resultOf } from '../../runtime-plugins/red/outcome.js';
import { brief, status } from '../../runtime-plugins/red/status.js';
import { sagaNameFor } from './saga-of.js';
import { stepNameFrom, stepPolicyFrom, type SagaStepConfig } from './settings.js';

const CONFIG_VERSION = 1;

type Msg = NodeMessageInFlow & { sync?: Record<string, unknown>; error?: unknown; statusCode?: unknown };

/** An action message starts clean: no outcome of an earlier request may be read as its own. */
function clearOutcome(msg: Record<string, unknown>): void {
  delete msg['error'];
  delete msg['statusCode'];
  const sync = msg['sync'];
  if (typeof sync === 'object' && sync !== null) delete (sync as Record<string, unknown>)['error'];
}

function isOwnError(msg: Msg, nodeId: string): boolean {
  const e = msg.error;
  if (typeof e !== 'object' || e === null) return false;
  const source = (e as { source?: { id?: unknown } }).source;
  return source?.id === nodeId;
}

export = function register(RED: NodeAPI): void {
  function SagaStepNode(this: Node, raw: SagaStepConfig): void {
    RED.nodes.createNode(this, raw);
    const node = this;
    const config = migrateConfig<SagaStepConfig>(raw, [], CONFIG_VERSION);
    let stepName: string;
    let policy: StepPolicy;
    try {
      stepName = stepNameFrom(config);
      policy = stepPolicyFrom(config);
    } catch (err) {
      const message = err instanceof Error ? err.message : String(err);
      node.status(status.failing(message));
      node.error(`Invalid configuration: ${message}`);
      return;
    }
    const which = sagaNameFor(RED, node.id, config.saga);
    if ('error' in which) {
      node.status(status.failing(which.error));
      node.error(`Step "${stepName}": ${which.error}`);
      return;
    }
    const sagaName = which.saga;
    const hasCompensation = (raw.wires?.[2]?.length ?? 0) > 0;
    const feedback = hasFeedbackPath(RED, node.id, 0) && (!hasCompensation || hasFeedbackPath(RED, node.id, 2));
    if ((raw.wires?.[0]?.length ?? 0) === 0) node.warn(`Step "${stepName}" has no action wired to its first output: its sagas will wait until they time out.`);
    else if (!feedback) node.warn(`Step "${stepName}": the end of its action${hasCompensation ? ' or compensation' : ''} path does not lead back into it. Wire it back (and a Catch node for the nodes on the path), or every action ends by its outcome timeout.`);

    let engine: Engine | undefined;
    let detach: (() => void) | undefined;
    let statusTimer: NodeJS.Timeout | undefined;
    let closed = false;

    const port: StepPort = {
      saga: sagaName,
      step: stepName,
      policy,
      hasCompensation,
      emit(output, msg) {
        if (output !== 'next') clearOutcome(msg);
        const out: Array<NodeMessage | null> = [null, null, null];
        out[output === 'do' ? 0 : output === 'next' ? 1 : 2] = msg;
        node.send(out);
        scheduleStatus();
      },
    };

    const showStatus = (): void => {
      statusTimer = undefined;
      if (closed || !engine) return;
      const c = engine.sagas.stepCounts(sagaName, stepName);
      const parts: string[] = [];
      if (c.running) parts.push(`running ${c.running}`);
      if (c.pending) parts.push(`waiting ${c.pending}`);
      if (c.compensating) parts.push(`compensating ${c.compensating}`);
      if (c['compensation-failed']) parts.push(`compensation failed ${c['compensation-failed']}`);
      const text = `${sagaName} / ${stepName}${parts.length > 0 ? ` · ${parts.join(' · ')}` : ''}`;
      if (!feedback) node.status(status.failing(brief(`no feedback wire · ${text}`)));
      else if (c.compensating || c['compensation-failed']) node.status(status.waiting(brief(text)));
      else if (c.running || c.pending) node.status(status.working(brief(text)));
      else node.status(status.idle(brief(text)));
    };
    function scheduleStatus(): void {
      if (!statusTimer && !closed) statusTimer = setTimeout(showStatus, 250);
    }

    const ready = useEngine(RED, node).then(async (e) => {
      await e.sagas.ready;
      if (closed) return e;
      engine = e;
      detach = e.sagas.attachStep(port);
      e.sagas.on('changed', scheduleStatus);
      showStatus();
      return e;
    });
    ready.catch(engineUnavailable(node));

    node.on('input', (msgIn, _send, done) => {
      const msg = msgIn as Msg;
      ready
        .then(async (e) => {
          const token = actionTokenOf(msg);
          if (token && token.saga === sagaName && token.step === stepName) {
            await e.sagas.outcome(port, msg, failureOf(msg), resultOf(msg));
            done();
            return;
          }
          if (isOwnError(msg, node.id)) {
            // A Catch node sent this node's own failure back: failing it again would loop forever.
            node.warn('A Catch node sends the errors of this step back into it; limit that Catch node to the nodes of the action paths.');
            done();
            return;
          }
          const result = await e.sagas.arrive(port, msg);
          if (result.ignored) node.debug(`message not started: ${result.ignored}`);
          done();
        })
        .catch((err: unknown) => {
          failMessage(msg, err, done);
          scheduleStatus();
        });
    });

    node.on('close', (_removed: boolean, done: () => void) => {
      closed = true;
      if (statusTimer) clearTimeout(statusTimer);
      detach?.();
      engine?.sagas.off('changed', scheduleStatus);
      done();
    });
  }

  RED.nodes.registerType('syncwright-saga-step', SagaStepNode);
};
