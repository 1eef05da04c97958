import { afterEach, describe, expect, it } from 'vitest';
import { all, mountScreen, q, settle, type Mounted } from '../../testing/app.ts';
import * as activity from './activity.ts';

let m: Mounted | undefined;
afterEach(() => {
  m?.screen?.destroy?.();
  m?.root.remove();
});

const email = {
  id: 'e1',
  type: 'email',
  subject: 'Service contract questions',
  body: '<html><body><p>Hi Bob,</p><p>Before we sign<br>the contract…</p><script>alert(1)</script></body></html>',
  start: '2026-12-05T00:27:00Z',
  direction: 'incoming',
  regarding: { type: 'account', id: 'a1', name: 'Adventure Works Cycles' },
  parties: [
    { role: 'from', address: 'priya@adventure-works.test', name: 'Priya Natarajan', record: { type: 'contact', id: 'c1' } },
    { role: 'to', address: 'bob@contoso.test', name: 'Bob Kelly', record: null },
  ],
  links: [
    { userId: 'u-bob', itemId: 'AAMk1', userName: 'Bob Kelly', reason: 'tracked', trackedAt: '2026-12-06T04:27:00Z' },
    { userId: 'u-alice-0000', itemId: 'AAMk2', userName: 'Alice Johnson', reason: 'auto', trackedAt: '2026-12-06T05:00:00Z' },
    { userId: 'u-carol-0000', itemId: 'AAMk3', userName: 'Carol', reason: 'filter', trackedAt: '2026-12-06T06:00:00Z' },
  ],
  createdAt: '2026-12-06T04:27:00Z',
};

describe('the activity screen', () => {
  it('shows subject, regarding, parties linked to their records, the body as text, and who tracked it', async () => {
    m = mountScreen(activity, '#/activities/e1', {
      routes: { 'GET /activities/e1': email, 'GET /records/contact/c1': { id: 'c1', type: 'contact', name: 'Priya Natarajan' } },
    });
    await settle();
    expect(m.root.querySelector('h1')!.textContent).toBe('Service contract questions');
    expect(q(m.root, 'regarding').getAttribute('href')).toBe('#/records/account/a1');
    const links = all(m.root, 'party-record');
    expect(links).toHaveLength(1);
    expect(links[0].getAttribute('href')).toBe('#/records/contact/c1');
    expect(links[0].textContent).toBe('Contact: Priya Natarajan');
    expect(all(m.root, 'party')[1].textContent).toContain('not in CRM');
    const body = q(m.root, 'activity-body');
    expect(body.textContent).toContain('Hi Bob,');
    expect(body.textContent).toContain('Before we sign\nthe contract');
    expect(body.querySelector('script')).toBeNull();
    const facts = q(m.root, 'activity-facts').textContent!;
    const trackers = all(m.root, 'tracker').map((li) => li.textContent);
    expect(trackers).toHaveLength(2); // carol's copy came from a filter: not tracked
    expect(trackers[0]).toMatch(/^you at .*2026/);
    expect(trackers[1]).toMatch(/^Alice Johnson at .*2026/);
    expect(facts).toContain('Received');
  });

  it('shows the problem of an activity that is not there', async () => {
    m = mountScreen(activity, '#/activities/nope');
    await settle();
    expect(q(m.root, 'problem').dataset.kind).toBe('notFound');
  });
});
