// The psa role node on both PSAs it serves, every capability: Kantata OX (workspaces, milestone stories, time
// entries and resource requests by external reference; approved time read back; a workspace archived) and
// Certinia PSA in the Salesforce org (pse__ records by Syncwright_Key__c; approved timecards read back as days;
// a project deactivated) — each write idempotent, each against its sandbox.
import assert from 'node:assert/strict';
import kantataConnectionNode from '../../nodes/kantata/kantata-connection.js';
import landscapeNode from '../../nodes/landscape/landscape.js';
import netsuiteConnectionNode from '../../nodes/netsuite/netsuite-connection.js';
import psaNode from '../../nodes/psa/psa.js';
import salesforceConnectionNode from '../../nodes/salesforce/salesforce-connection.js';
import { useEngineStore } from '../support/engine.js';
import { useHelper } from '../support/helper.js';
import { certiniaRules, errorOf, kantataRules, milestones, project, resultOf, roleHarness, roleNode, startSandboxes, type Sandboxes } from '../support/roles-fixtures.js';

describe('psa role node', function () {
  this.timeout(60_000);
  const helper = useHelper();
  useEngineStore();
  let s: Sandboxes;
  before(async () => {
    s = await startSandboxes();
  });
  after(() => s.close());
  const h = roleHarness(helper, () => s, [salesforceConnectionNode, netsuiteConnectionNode, kantataConnectionNode, landscapeNode, psaNode]);
  const psa = (id: string, capability: string) => roleNode(id, 'psa', capability);
  const flow = [psa('project', 'upsert-project'), psa('milestones', 'create-milestones'), psa('time', 'post-time-entries'), psa('request', 'upsert-resource-request'), psa('approved', 'read-approved-time'), psa('requests', 'read-resource-requests'), psa('close', 'close-project')];
  const sync = (key: string, results: Record<string, unknown> = {}) => ({ correlationId: `corr-${key}`, businessKey: key, occurredAt: '2026-03-02T10:00:00Z', results });

  describe('on Kantata', () => {
    it('upserts the workspace, its milestones, time and a resource request, each once however often it runs', async () => {
      await h.load(kantataRules, flow);
      const key = 'KT-1';
      const run = async () => {
        const ws = await h.send('project', { payload: project(key, 'ACME', 'USD', { budget: { amount: '120000.00', currency: 'USD' }, opportunity: { businessKey: `opp:${key}`, externalIds: { salesforce: '006000000000077AAA' } } }), sync: sync(`opp:${key}`) });
        const results = ws.sync?.['results'] as Record<string, unknown>;
        const ms = await h.send('milestones', { payload: milestones(key, 'USD'), sync: sync(`opp:${key}`, results) });
        // Without the earlier result, the project is found by its business key (its syncwright reference).
        const time = await h.send('time', {
          payload: [
            { businessKey: `te:jane.doe:2026-04-06:${key}`, resource: { businessKey: 'res:jane.doe' }, project: { businessKey: `proj:${key}` }, workItem: { businessKey: `ms:${key}:DESIGN` }, date: '2026-04-06', hours: 7.5, status: 'submitted', notes: 'workshops' },
            { businessKey: `te:sam.lee:2026-04-07:${key}`, resource: { businessKey: 'res:sam.lee' }, project: { businessKey: `proj:${key}` }, date: '2026-04-07', hours: 4, status: 'submitted' },
          ],
        });
        const request = await h.send('request', { payload: { businessKey: `rr:${key}:CONSULT`, project: { businessKey: `proj:${key}` }, role: 'Consultant', hours: 320, startDate: '2026-04-01', endDate: '2026-06-30', status: 'open' }, sync: sync(`opp:${key}`, results) });
        return { ws, ms, time, request };
      };
      const first = await run();
      const second = await run();
      const ws = resultOf(first.ws, 'psa.project');
      assert.deepEqual({ system: ws['system'], connection: ws['connection'], created: ws['created'], currency: ws['currency'] }, { system: 'kantata', connection: 'kt', created: true, currency: 'USD' });
      assert.equal(resultOf(second.ws, 'psa.project')['created'], false);
      assert.equal(resultOf(second.ws, 'psa.project')['id'], ws['id']);
      const workspaces = s.kt.recordsForBusinessKey('workspaces', 'proj:KT-1');
      assert.equal(workspaces.length, 1);
      assert.equal(workspaces[0]?.['price_in_cents'], 12000000);
      const stories = s.kt.records('stories').filter((st) => String(st['workspace_id']) === ws['id']);
      assert.deepEqual(stories.map((st) => [st['story_type'], st['budget_estimate_in_cents']]), [['milestone', 4000000], ['milestone', 6000000]]);
      const entries = s.kt.records('time_entries').filter((t) => String(t['workspace_id']) === ws['id']);
      assert.deepEqual(entries.map((t) => t['time_in_minutes']).sort(), [240, 450]);
      assert.equal(String(entries.find((t) => t['time_in_minutes'] === 450)?.['story_id']), (resultOf(first.ms, 'psa.milestones')['ids'] as string[])[0]);
      const rr = resultOf(first.request, 'psa.resourceRequest');
      assert.equal(rr['created'], true);
      assert.equal(resultOf(second.request, 'psa.resourceRequest')['created'], false);
      assert.equal(resultOf(second.request, 'psa.resourceRequest')['id'], rr['id']);
      assert.equal(s.kt.records('resource_requests').filter((r) => String(r['resource_id']) === rr['resource']).length, 1);
      assert.deepEqual(s.kt.server.duplicates(), {});
    });

    it('moves a resource request to the status of its canonical request', async () => {
      await h.load(kantataRules, flow);
      await h.send('project', { payload: project('KT-RR', 'ACME', 'USD') });
      const rr = { businessKey: 'rr:KT-RR:DEV', project: { businessKey: 'proj:KT-RR' }, role: 'developer', hours: 80, startDate: '2026-05-01', endDate: '2026-05-31', status: 'open' };
      const open = await h.send('request', { payload: rr });
      const assigned = await h.send('request', { payload: { ...rr, status: 'assigned' } });
      assert.equal(resultOf(assigned, 'psa.resourceRequest')['id'], resultOf(open, 'psa.resourceRequest')['id']);
      assert.equal(s.kt.records('resource_requests').find((r) => r['id'] === resultOf(open, 'psa.resourceRequest')['id'])?.['status'], 'approved');
      const unknownRole = await h.fail('request', { payload: { ...rr, businessKey: 'rr:KT-RR:X', role: 'Astronaut' } });
      assert.deepEqual(errorOf(unknownRole)['fields'], ['payload.role']);
    });

    it('reads the approved time of a project as canonical entries keyed by their references', async () => {
      await h.load(kantataRules, flow);
      await h.send('project', { payload: project('KT-TIME', 'ACME', 'USD') });
      const posted = await h.send('time', {
        payload: [
          { businessKey: 'te:jane.doe:2026-04-13:KT-TIME', resource: { businessKey: 'res:jane.doe' }, project: { businessKey: 'proj:KT-TIME' }, date: '2026-04-13', hours: 8, status: 'submitted' },
          { businessKey: 'te:jane.doe:2026-04-14:KT-TIME', resource: { businessKey: 'res:jane.doe' }, project: { businessKey: 'proj:KT-TIME' }, date: '2026-04-14', hours: 6, status: 'submitted' },
          { businessKey: 'te:jane.doe:2026-04-20:KT-TIME', resource: { businessKey: 'res:jane.doe' }, project: { businessKey: 'proj:KT-TIME' }, date: '2026-04-20', hours: 5, status: 'submitted' },
        ],
      });
      const ids = resultOf(posted, 'psa.timeEntries')['ids'] as string[];
      s.kt.approveTimeEntries([ids[0], ids[2]]);
      const all = await h.send('approved', { payload: 'proj:KT-TIME' });
      const entries = all.payload as Array<Record<string, unknown>>;
      assert.deepEqual(entries.map((e) => [e['businessKey'], e['hours'], e['status']]), [['te:jane.doe:2026-04-13:KT-TIME', 8, 'approved'], ['te:jane.doe:2026-04-20:KT-TIME', 5, 'approved']]);
      assert.equal((entries[0]?.['project'] as Record<string, unknown>)['businessKey'], 'proj:KT-TIME');
      assert.equal(resultOf(all, 'psa.approvedTime')['count'], 2);
      const week = await h.send('approved', { payload: { project: { businessKey: 'proj:KT-TIME' }, from: '2026-04-13', to: '2026-04-19' } });
      assert.deepEqual((week.payload as Array<Record<string, unknown>>).map((e) => e['date']), ['2026-04-13']);
    });

    it('closes a project by archiving its workspace, and again harmlessly', async () => {
      await h.load(kantataRules, flow);
      const made = await h.send('project', { payload: project('KT-UNDO', 'ACME', 'USD') });
      const saga = { id: 's1', name: 'closed won', step: 'project', action: 'undo', stepResult: { 'psa.project': resultOf(made, 'psa.project') } };
      await h.send('close', { payload: made.payload, saga });
      const id = resultOf(made, 'psa.project')['id'];
      assert.equal(s.kt.records('workspaces').find((w) => w['id'] === id)?.['archived'], true);
      await h.send('close', { payload: made.payload, saga });
      const none = await h.send('close', { payload: { businessKey: 'proj:KT-NEVER' } });
      assert.equal(resultOf(none, 'psa.project')['missing'], true);
    });
    it('reads back the keyed resource requests of a project with their status, none for a project not there', async () => {
      await h.load(kantataRules, flow);
      await h.send('project', { payload: project('KT-READ', 'ACME', 'USD') });
      const rr = (role: string, status: string) => ({ businessKey: `rr:KT-READ:${role.toUpperCase()}`, project: { businessKey: 'proj:KT-READ' }, role, hours: 40, startDate: '2026-05-01', endDate: '2026-05-31', status });
      await h.send('request', { payload: rr('Developer', 'open') });
      await h.send('request', { payload: rr('Consultant', 'cancelled') });
      const read = await h.send('requests', { payload: { project: { businessKey: 'proj:KT-READ' } } });
      const got = (read.payload as Array<Record<string, unknown>>).map((r) => [r['businessKey'], r['role'], r['status']]).sort();
      assert.deepEqual(got, [['rr:KT-READ:CONSULTANT', 'Consultant', 'cancelled'], ['rr:KT-READ:DEVELOPER', 'Developer', 'open']]);
      assert.equal(resultOf(read, 'psa.resourceRequests')['count'], 2);
      const none = await h.send('requests', { payload: 'proj:KT-NOT-THERE' });
      assert.deepEqual([none.payload, resultOf(none, 'psa.resourceRequests')['missing']], [[], true]);
      const noProject = await h.fail('requests', { payload: { opportunity: { businessKey: 'opp:KT-READ' } } });
      assert.deepEqual(errorOf(noProject)['fields'], ['payload.project']);
    });

    it('restores an archived workspace when its project is upserted live again', async () => {
      await h.load(kantataRules, flow);
      const made = await h.send('project', { payload: project('KT-AGAIN', 'ACME', 'USD') });
      await h.send('close', { payload: { businessKey: 'proj:KT-AGAIN' } });
      const id = resultOf(made, 'psa.project')['id'];
      assert.equal(s.kt.records('workspaces').find((w) => w['id'] === id)?.['archived'], true);
      await h.send('project', { payload: project('KT-AGAIN', 'ACME', 'USD') });
      assert.equal(s.kt.records('workspaces').find((w) => w['id'] === id)?.['archived'], false);
      await h.send('close', { payload: { businessKey: 'proj:KT-AGAIN' } });
      await h.send('project', { payload: project('KT-AGAIN', 'ACME', 'USD', { status: 'cancelled' }) });
      assert.equal(s.kt.records('workspaces').find((w) => w['id'] === id)?.['archived'], true, 'a cancelled project stays archived');
    });
  });

  describe('on Certinia PSA', () => {
    const timeEntry = (day: string, hours: number, status = 'approved') => ({ businessKey: `te:resource:riley.chen@syncwright.demo:${day}:CERT-1`, resource: { businessKey: 'resource:riley.chen@syncwright.demo' }, project: { businessKey: 'proj:CERT-1' }, date: day, hours, status });

    it('upserts the project, its milestones, timecards and a resource request, each once however often it runs', async () => {
      await h.load(certiniaRules, flow);
      const run = async () => {
        const p = await h.send('project', { payload: project('CERT-1', 'ACME', 'USD', { opportunity: { businessKey: 'opp:ACME-ERP-2026' } }), sync: sync('opp:CERT-1') });
        const results = p.sync?.['results'] as Record<string, unknown>;
        const ms = await h.send('milestones', { payload: milestones('CERT-1', 'USD'), sync: sync('opp:CERT-1', results) });
        const time = await h.send('time', { payload: [timeEntry('2026-04-06', 7.5), timeEntry('2026-04-07', 6)], sync: sync('opp:CERT-1', results) });
        const rr = await h.send('request', { payload: { businessKey: 'rr:CERT-1:ARCH', project: { businessKey: 'proj:CERT-1' }, opportunity: { businessKey: 'opp:ACME-ERP-2026' }, role: 'Solution Architect', hours: 160, startDate: '2026-04-01', endDate: '2026-05-31', status: 'open' }, sync: sync('opp:CERT-1', results) });
        return { p, ms, time, rr };
      };
      const first = await run();
      const second = await run();
      const p = resultOf(first.p, 'psa.project');
      assert.deepEqual([p['system'], p['connection'], p['created']], ['certinia', 'sf', true]);
      assert.equal(resultOf(second.p, 'psa.project')['created'], false);
      const project1 = s.sf.findByExternalId('pse__Proj__c', 'Syncwright_Key__c', 'proj:CERT-1')[0];
      assert.equal(project1?.['pse__Opportunity__c'], s.sf.findByExternalId('Opportunity', 'Syncwright_Key__c', 'opp:ACME-ERP-2026')[0]?.['Id']);
      const ms = s.sf.records('pse__Milestone__c').filter((m) => m['pse__Project__c'] === p['id']);
      assert.deepEqual(ms.map((m) => m['pse__Milestone_Amount__c']).sort(), [40000, 60000]);
      const timecards = s.sf.records('pse__Timecard_Header__c').filter((t) => t['pse__Project__c'] === p['id']);
      assert.equal(timecards.length, 1, 'two days of one week are one timecard');
      assert.deepEqual([timecards[0]?.['pse__Monday_Hours__c'], timecards[0]?.['pse__Tuesday_Hours__c']], [7.5, 6]);
      assert.equal(s.sf.records('pse__Resource_Request__c').filter((r) => r['Syncwright_Key__c'] === 'rr:CERT-1:ARCH').length, 1);
      assert.deepEqual(s.sf.server.duplicates(), {});
    });

    it('reads approved timecards back as one entry per day', async () => {
      await h.load(certiniaRules, flow);
      await h.send('project', { payload: project('CERT-1', 'ACME', 'USD') });
      await h.send('time', { payload: [timeEntry('2026-04-13', 8), timeEntry('2026-04-15', 3)] });
      await h.send('time', { payload: [timeEntry('2026-04-20', 2, 'submitted')] });
      const all = await h.send('approved', { payload: { project: { businessKey: 'proj:CERT-1' }, from: '2026-04-13' } });
      const entries = all.payload as Array<Record<string, unknown>>;
      assert.deepEqual(entries.map((e) => [e['date'], e['hours']]), [['2026-04-13', 8], ['2026-04-15', 3]]);
      assert.equal(entries[0]?.['businessKey'], 'te:resource:riley.chen@syncwright.demo:2026-04-13:CERT-1');
    });

    it('closes a project by deactivating and cancelling it', async () => {
      await h.load(certiniaRules, flow);
      const made = await h.send('project', { payload: project('CERT-UNDO', 'ACME', 'USD') });
      await h.send('close', { payload: made.payload, saga: { id: 's2', stepResult: { 'psa.project': resultOf(made, 'psa.project') } } });
      const closed = s.sf.findByExternalId('pse__Proj__c', 'Syncwright_Key__c', 'proj:CERT-UNDO')[0];
      assert.deepEqual([closed?.['pse__Is_Active__c'], closed?.['pse__Stage__c']], [false, 'Canceled']);
      const none = await h.send('close', { payload: { businessKey: 'proj:CERT-NEVER' } });
      assert.equal(resultOf(none, 'psa.project')['missing'], true);
    });

    it('reads back the resource requests of an opportunity or a project', async () => {
      await h.load(certiniaRules, flow);
      const opp = s.sf.findByExternalId('Opportunity', 'Syncwright_Key__c', 'opp:ACME-ERP-2026')[0]?.['Id'] as string;
      const rr = (role: string, hours: number) => ({ businessKey: `rr:CERT-READ:${role.toUpperCase()}`, opportunity: { businessKey: 'opp:ACME-ERP-2026', externalIds: { salesforce: opp } }, role, hours, startDate: '2026-05-01', endDate: '2026-06-30', status: 'open' });
      await h.send('request', { payload: rr('Developer', 120) });
      await h.send('request', { payload: rr('Analyst', 60) });
      const byOpp = await h.send('requests', { payload: { opportunity: { externalIds: { salesforce: opp } } } });
      const mine = (byOpp.payload as Array<Record<string, unknown>>).filter((r) => String(r['businessKey']).startsWith('rr:CERT-READ:'));
      assert.deepEqual(mine.map((r) => [r['businessKey'], r['role'], r['hours'], r['status']]), [['rr:CERT-READ:DEVELOPER', 'Developer', 120, 'open'], ['rr:CERT-READ:ANALYST', 'Analyst', 60, 'open']]);
      const byKey = await h.send('requests', { payload: { opportunity: { businessKey: 'opp:ACME-ERP-2026' } } });
      assert.equal(resultOf(byKey, 'psa.resourceRequests')['count'], resultOf(byOpp, 'psa.resourceRequests')['count']);
      const byProject = await h.send('requests', { payload: 'proj:GLOBEX-DISCOVERY-2026' });
      assert.equal((byProject.payload as unknown[]).length, 1, 'the seeded request of the Globex project');
      assert.equal(resultOf(byProject, 'psa.resourceRequests')['missing'], undefined);
      // A project not in Certinia: none, and said so (as the Kantata role does).
      const none = await h.send('requests', { payload: 'proj:CERT-NOT-THERE' });
      assert.deepEqual([none.payload, resultOf(none, 'psa.resourceRequests')['missing'], resultOf(none, 'psa.resourceRequests')['key']], [[], true, 'proj:CERT-NOT-THERE']);
      // A project there without requests: none, and not missing.
      await h.send('project', { payload: project('CERT-EMPTY', 'ACME', 'USD') });
      const empty = await h.send('requests', { payload: 'proj:CERT-EMPTY' });
      assert.deepEqual([empty.payload, resultOf(empty, 'psa.resourceRequests')['missing']], [[], undefined]);
    });

    it('names the field Salesforce refuses in a milestone of a list', async () => {
      await h.load(certiniaRules, flow);
      const bad = await h.fail('milestones', { payload: milestones('CERT-MISSING', 'USD') });
      assert.equal(errorOf(bad)['class'], 'data');
      assert.match(String(errorOf(bad)['message']), /milestone 1 of 2 \(ms:CERT-MISSING:DESIGN\)/);
    });
  });
});
