// nodes/saga-start, saga-step and saga-end through node-red-node-test-helper. The test plays the action paths:
// it takes the actions from helper nodes and sends their outcomes back into the step nodes, as the end of a
// real action path (or a Catch node) would.
import assert from 'node:assert/strict';
import deadLetterNode from '../../nodes/dead-letter/dead-letter.js';
import sagaEndNode from '../../nodes/saga-end/saga-end.js';
import sagaStartNode from '../../nodes/saga-start/saga-start.js';
import sagaStepNode from '../../nodes/saga-step/saga-step.js';
import { engineFor } from '../../runtime-plugins/engine-access.js';
import { useEngineStore } from '../support/engine.js';
import { testFlow, useHelper } from '../support/helper.js';

type Msg = Record<string, unknown> & { payload?: unknown; sync?: Record<string, unknown>; saga?: Record<string, unknown>; error?: { message: string } };

const start = (extra: Record<string, unknown> = {}) => ({ id: 'start', type: 'syncwright-saga-start', z: 'f', name: '', sagaName: 'closed-won', timeout: '15', onFailure: 'compensate', wires: [['customer']], ...extra });
const step = (id: string, stepName: string, next: string, extra: Record<string, unknown> = {}) => ({ id, type: 'syncwright-saga-step', z: 'f', name: '', saga: '', step: stepName, maximumRedeliveries: '1', redeliveryDelay: '0.01', backOffMultiplier: '1', outcomeTimeout: '60', compensationRedeliveries: '1', compensationDelay: '0.01', compensationBackOff: '1', compensateFailed: false, wires: [[`${id}Do`], [next], [`${id}Undo`]], ...extra });
const end = { id: 'end', type: 'syncwright-saga-end', z: 'f', name: '', saga: '', wires: [['completed'], ['compensated'], ['attention']] };
const helpers = ['customerDo', 'customerUndo', 'projectDo', 'projectUndo', 'completed', 'compensated', 'attention', 'caught', 'dlq'].map((id) => ({ id, type: 'helper', z: 'f' }));
const base = [{ id: 'f', type: 'tab' }, ...helpers, { id: 'catch', type: 'catch', z: 'f', scope: null, uncaught: false, wires: [['caught']] }];
const flow = (over: { start?: Record<string, unknown>; customer?: Record<string, unknown>; project?: Record<string, unknown>; more?: Array<Record<string, unknown>> } = {}) =>
  testFlow([...base, start(over.start), step('customer', 'erp customer', 'project', over.customer), step('project', 'psa project', 'end', over.project), end, ...(over.more ?? [])]);

const opportunity = (key = 'opp:ACME') => ({ payload: { name: 'ACME ERP' }, sync: { correlationId: `c-${key}`, businessKey: key, occurredAt: '2026-01-01T00:00:00Z' } });

async function until(cond: () => boolean, ms = 5000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error('timed out waiting');
    await new Promise((r) => setTimeout(r, 5));
  }
}

/** The outcome of an action as the end of its path sends it back. */
function answered(action: Msg, extra: Record<string, unknown> = {}, results?: Record<string, unknown>): Msg {
  const sync = { ...(action.sync ?? {}) };
  if (results) sync['results'] = { ...((sync['results']) ?? {}), ...results };
  return { ...action, sync, ...extra };
}

describe('saga nodes', () => {
  const helper = useHelper();
  const store = useEngineStore();
  // The engine the nodes use (one per store directory).
  const engineOfNodes = () => engineFor({ settings: { syncwright: { storeDir: store.dir() } } } as never);
  const nodes = [sagaStartNode, sagaStepNode, sagaEndNode, deadLetterNode];
  let got: Record<string, Msg[]>;

  async function load(f: ReturnType<typeof flow>): Promise<void> {
    await helper.load(nodes, f);
    got = {};
    for (const h of helpers) {
      got[h.id] = [];
      helper.getNode(h.id).on('input', (m: Msg) => (got[h.id]).push(m));
    }
  }
  const list = (id: string): Msg[] => got[id];

  it('runs a saga through its steps to the end, each action answered on the feedback wire', async () => {
    await load(flow());
    helper.getNode('start').receive(opportunity());
    await until(() => list('customerDo').length === 1);
    const action = list('customerDo')[0];
    assert.equal(typeof action.sync?.['sagaId'], 'string');
    assert.deepEqual(action.sync?.['saga'], { id: action.sync?.['sagaId'], name: 'closed-won' });
    assert.equal(action.sync?.['step'], 'erp customer');
    assert.equal((action.sync?.['sagaAction'] as { kind: string }).kind, 'do');
    helper.getNode('customer').receive(answered(action, { statusCode: 204 }, { 'netsuite.customer': { id: '1001' } }));
    await until(() => list('projectDo').length === 1);
    const project = list('projectDo')[0];
    assert.deepEqual(project.payload, { name: 'ACME ERP' }, 'each step gets the business message, not the previous response');
    assert.equal(project.statusCode, undefined, 'an action starts without the outcome of an earlier one');
    helper.getNode('project').receive(answered(project, {}, { 'kantata.workspace': { id: '40002' } }));
    await until(() => list('completed').length === 1);
    const done = list('completed')[0];
    assert.deepEqual(done.sync?.['results'], { 'netsuite.customer': { id: '1001' }, 'kantata.workspace': { id: '40002' } });
    assert.equal((done.saga as { state: string }).state, 'completed');
    const engine = await engineOfNodes();
    const [record] = await engine.sagas.list({ name: 'closed-won' });
    assert.equal(record?.state, 'completed');
  });

  it('compensates the completed step when the next one fails for good (an http request answering 500)', async () => {
    await load(flow());
    helper.getNode('start').receive(opportunity());
    await until(() => list('customerDo').length === 1);
    helper.getNode('customer').receive(answered(list('customerDo')[0], {}, { 'netsuite.customer': { id: '1001' } }));
    for (let i = 1; i <= 2; i++) {
      await until(() => list('projectDo').length === i);
      helper.getNode('project').receive(answered(list('projectDo')[i - 1], { statusCode: 500, payload: 'boom' }));
    }
    await until(() => list('customerUndo').length === 1);
    const undo = list('customerUndo')[0];
    assert.deepEqual(undo.saga?.['stepResult'], { 'netsuite.customer': { id: '1001' } });
    assert.equal((undo.sync?.['sagaAction'] as { kind: string }).kind, 'undo');
    helper.getNode('customer').receive(answered(undo, { statusCode: 204 }));
    await until(() => list('compensated').length === 1);
    const note = list('compensated')[0];
    assert.equal(note.sync?.['businessKey'], 'opp:ACME');
    const saga = note.saga as { state: string; failure: { step: string; error: { code: string; status: number } } };
    assert.equal(saga.state, 'compensated');
    assert.equal(saga.failure.step, 'psa project');
    assert.equal(saga.failure.error.code, 'HTTP_500');
    assert.equal(list('projectUndo').length, 0, 'the failed step is not compensated');
  });

  it('reads an error a Catch node brings back as the failure of the action', async () => {
    await load(flow({ customer: { maximumRedeliveries: '0' } }));
    helper.getNode('start').receive(opportunity());
    await until(() => list('customerDo').length === 1);
    helper.getNode('customer').receive(answered(list('customerDo')[0], { error: { message: 'getaddrinfo ENOTFOUND', code: 'ENOTFOUND', source: { id: 'http1', type: 'http request' } } }));
    await until(() => list('compensated').length === 1);
    assert.equal(((list('compensated')[0]).saga as { failure: { error: { code: string; class: string } } }).failure.error.code, 'ENOTFOUND');
  });

  it('reports a compensation that fails for good on output 3 and in the dead-letter queue, and a replay starts the saga again', async () => {
    await load(flow({ more: [{ id: 'dl', type: 'syncwright-dead-letter', z: 'f', name: '', queue: '', errorClass: '', wires: [['dlq']] }] }));
    helper.getNode('start').receive(opportunity());
    await until(() => list('customerDo').length === 1);
    helper.getNode('customer').receive(answered(list('customerDo')[0], {}, { 'netsuite.customer': { id: '1001' } }));
    await until(() => list('projectDo').length === 1);
    helper.getNode('project').receive(answered(list('projectDo')[0], { statusCode: 400, payload: 'invalid' }));
    for (let i = 1; i <= 2; i++) {
      await until(() => list('customerUndo').length === i);
      helper.getNode('customer').receive(answered(list('customerUndo')[i - 1], { statusCode: 503 }));
    }
    await until(() => list('attention').length === 1 && list('dlq').length === 1);
    const note = list('attention')[0];
    const saga = note.saga as { state: string; deadLetterId: string; steps: Array<{ name: string; state: string; result: unknown }> };
    assert.equal(saga.state, 'compensation-failed');
    assert.deepEqual(saga.steps.map((s) => [s.name, s.state]), [['erp customer', 'compensation-failed'], ['psa project', 'failed']]);
    const dead = list('dlq')[0] as Msg & { payload: { id: string; reason: string; queue: string } };
    assert.equal(dead.payload.reason, 'compensation-failed');
    assert.equal(dead.payload.queue, 'saga:closed-won');
    assert.equal(dead.payload.id, saga.deadLetterId);

    helper.getNode('dl').receive({ topic: 'replay', payload: { ids: [dead.payload.id] } });
    await until(() => list('customerDo').length === 2);
    const again = list('customerDo')[1];
    assert.notEqual(again.sync?.['sagaId'], (list('customerDo')[0]).sync?.['sagaId'], 'a new saga');
    assert.deepEqual(again.payload, { name: 'ACME ERP' });
    assert.equal(again.sync?.['correlationId'], 'c-opp:ACME', 'the same transaction');
  });

  it('parks a saga for a person when its policy says so, and an operator resumes it', async () => {
    await load(flow({ start: { onFailure: 'park' }, project: { maximumRedeliveries: '0' } }));
    helper.getNode('start').receive(opportunity());
    await until(() => list('customerDo').length === 1);
    helper.getNode('customer').receive(answered(list('customerDo')[0]));
    await until(() => list('projectDo').length === 1);
    helper.getNode('project').receive(answered(list('projectDo')[0], { statusCode: 422 }));
    await until(() => list('attention').length === 1);
    assert.equal(list('customerUndo').length, 0, 'nothing is compensated');
    const id = ((list('attention')[0]).saga as { id: string; state: string }).id;
    assert.equal(((list('attention')[0]).saga as { state: string }).state, 'needs-remediation');
    const engine = await engineOfNodes();
    await engine.sagas.resume(id, 'test');
    await until(() => list('projectDo').length === 2);
    helper.getNode('project').receive(answered(list('projectDo')[1], { statusCode: 200 }));
    await until(() => list('completed').length === 1);
  });

  it('finds the saga of a step from the saga start upstream, and says what to set when there is none', async () => {
    await load(testFlow([...base, { id: 'lonely', type: 'syncwright-saga-step', z: 'f', name: '', saga: '', step: 'alone', wires: [['customerDo'], [], []] }]));
    const logged = () => (helper.log().args as Array<Array<{ msg?: unknown }>>).map((a) => String(a[0]?.msg));
    await until(() => logged().some((m) => /Step "alone": no saga start node upstream: wire one before it, or set the saga name/.test(m)));
  });

  it('refuses a message that is not in a saga, with an error a Catch node sees', async () => {
    await load(testFlow([...base, start(), step('customer', 'erp customer', 'end'), end]));
    helper.getNode('customer').receive({ payload: 1 });
    await until(() => list('caught').length === 1);
    const caught = list('caught')[0];
    assert.match(String(caught.error?.message), /not inside a saga/);
    assert.equal((caught.sync?.['error'] as { code: string }).code, 'NOT_IN_SAGA');
  });
});
