import { afterEach, describe, expect, it } from 'vitest';
import { all, mountScreen, q, settle, type Mounted } from '../../testing/app.ts';
import * as tracking from './tracking.ts';

let m: Mounted | undefined;
afterEach(() => {
  m?.screen?.destroy?.();
  m?.root.remove();
});

describe('My tracking', () => {
  const click = (over: object) => ({
    id: 'r',
    state: 'done',
    action: 'track',
    itemId: 'i',
    itemType: 'message',
    regarding: null,
    activity: null,
    record: null,
    createdAt: '2026-12-06T04:00:00Z',
    ...over,
  });
  it('lists the clicks with their state, what they did, and why one failed', async () => {
    m = mountScreen(tracking, '#/tracking', {
      routes: {
        'GET /track': {
          items: [
            click({ id: 'r1', state: 'failed', error: 'the item no longer exists in the mailbox' }),
            click({ id: 'r2', activity: { id: 'e1', type: 'email', subject: 'Hi', regarding: { type: 'account', id: 'a1', name: 'Fabrikam' }, parties: [] } }),
            click({ id: 'r3', itemType: 'contact', record: { id: 'c1', type: 'contact', name: 'Ana Silva' } }),
          ],
          nextCursor: '',
        },
      },
    });
    await settle();
    const rows = all(m.root, 'tracking-row');
    expect(rows.map((r) => r.dataset.state)).toEqual(['failed', 'done', 'done']);
    expect(rows[0].textContent).toContain('The item no longer exists in the mailbox');
    expect(rows[1].textContent).toContain('regarding Fabrikam');
    expect(rows[2].querySelector('a')!.getAttribute('href')).toBe('#/records/contact/c1');
  });

  it('asks for one state, and says when there is none in it', async () => {
    m = mountScreen(tracking, '#/tracking?state=failed', { routes: { 'GET /track': { items: [], nextCursor: '' } } });
    await settle();
    expect(m.server.called('GET /track')[0].query.get('state')).toBe('failed');
    expect(q(m.root, 'empty').textContent).toBe('No clicks in this state.');
  });

  it('shows the problem when the list cannot be read', async () => {
    m = mountScreen(tracking, '#/tracking');
    await settle();
    expect(q(m.root, 'problem').dataset.kind).toBe('notFound');
  });
});
