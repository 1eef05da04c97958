import { describe, expect, it, vi } from 'vitest';
import { settle } from '../testing/app.ts';
import { mountSignIn } from './signin.ts';

describe('the local sign-in page', () => {
  it('lists the demo users with their roles and signs in as the one chosen', async () => {
    const root = document.createElement('div');
    const users = [
      { upn: 'alice@contoso.test', displayName: 'Alice Johnson', roles: ['CRM.Admin'] },
      { upn: 'bob@contoso.test', displayName: 'Bob Kelly', roles: [] },
    ];
    const pick = vi.fn();
    await mountSignIn(root, { users: async () => users, pick });
    const buttons = [...root.querySelectorAll<HTMLButtonElement>('[data-testid="signin-user"]')];
    expect(buttons.map((b) => b.textContent)).toEqual([
      'Sign in as Alice Johnsonalice@contoso.test · CRM.Admin',
      'Sign in as Bob Kellybob@contoso.test · no app role',
    ]);
    buttons[1].click();
    expect(pick).toHaveBeenCalledWith(users[1]);
  });

  it('says local sign-in needs the demo tenant when the users cannot be listed', async () => {
    const root = document.createElement('div');
    await mountSignIn(root, { users: async () => Promise.reject(new Error('HTTP 404')), pick: vi.fn() });
    await settle();
    expect(root.querySelector('[data-testid="problem"]')!.textContent).toContain('needs the demo tenant');
  });
});
