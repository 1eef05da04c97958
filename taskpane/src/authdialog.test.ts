import type { AccountInfo, AuthenticationResult } from '@azure/msal-browser';
import { describe, expect, it, vi } from 'vitest';
import type { DialogResult, TaskpaneConfig } from './auth.ts';
import { consentText, runAuthDialog, type DialogClient } from './authdialog.ts';

const config: TaskpaneConfig = {
  clientId: '11111111-2222-3333-4444-555555555555',
  authority: 'https://login.microsoftonline.com/72f988bf-86f1-41af-91ab-2d7cd011db47',
  apiScope: 'api://crm.example.com/11111111-2222-3333-4444-555555555555/access_as_user',
  apiBase: '/api/v1',
  local: false,
};
const ada = { homeAccountId: 'ada', username: 'ada@contoso.test' } as AccountInfo;
const expiresOn = new Date('2026-03-01T11:00:00Z');
const result = (token: string): AuthenticationResult => ({ accessToken: token, expiresOn, account: ada }) as AuthenticationResult;

function setup(search: string, opts: { back?: AuthenticationResult | null; account?: AccountInfo | null } = {}) {
  const client = {
    handleRedirectPromise: vi.fn(async () => opts.back ?? null),
    acquireTokenSilent: vi.fn(async () => result('silent-token')),
    acquireTokenRedirect: vi.fn(async () => undefined),
    getActiveAccount: vi.fn(() => opts.account ?? null),
    getAllAccounts: vi.fn(() => (opts.account ? [opts.account] : [])),
    setActiveAccount: vi.fn(),
  };
  const sent: DialogResult[] = [];
  const shown: string[] = [];
  const createClient = vi.fn(async () => client as unknown as DialogClient);
  const run = () =>
    runAuthDialog({
      location: { origin: 'https://crm.example.com', pathname: '/taskpane/auth.html', search },
      loadConfig: async () => config,
      createClient,
      send: (r) => sent.push(r),
      show: (t) => shown.push(t),
    });
  return { client, sent, shown, createClient, run };
}

describe('the sign-in dialog', () => {
  it('starts the redirect flow at the registered https page, letting the user pick an account', async () => {
    const { client, createClient, sent, run } = setup('');
    await run();
    expect(createClient).toHaveBeenCalledWith(config, 'https://crm.example.com/taskpane/auth.html');
    expect(client.acquireTokenRedirect).toHaveBeenCalledWith({ scopes: [config.apiScope], prompt: 'select_account' });
    expect(sent).toEqual([]);
  });

  it('sends the token back to the taskpane when Entra returns', async () => {
    const { client, sent, run } = setup('', { back: result('fresh-token') });
    await run();
    expect(sent).toEqual([{ accessToken: 'fresh-token', expiresOn: expiresOn.getTime() }]);
    expect(client.setActiveAccount).toHaveBeenCalledWith(ada);
    expect(client.acquireTokenRedirect).not.toHaveBeenCalled();
  });

  it.each([
    ['', false],
    ['?refresh=1', true],
  ])('uses the signed-in account silently (%s: forceRefresh %s)', async (search, force) => {
    const { client, sent, run } = setup(search, { account: ada });
    await run();
    expect(client.acquireTokenSilent).toHaveBeenCalledWith({ scopes: [config.apiScope], account: ada, forceRefresh: force });
    expect(sent).toEqual([{ accessToken: 'silent-token', expiresOn: expiresOn.getTime() }]);
  });

  it('signs in again when the silent attempt fails', async () => {
    const { client, run } = setup('', { account: ada });
    client.acquireTokenSilent.mockRejectedValueOnce(new Error('refresh token expired'));
    await run();
    expect(client.acquireTokenRedirect).toHaveBeenCalledWith({ scopes: [config.apiScope], prompt: undefined });
  });

  it('sends the error back when the sign-in fails', async () => {
    const { client, sent, run } = setup('');
    client.handleRedirectPromise.mockRejectedValueOnce(Object.assign(new Error('x'), { errorMessage: 'AADSTS50020: user account does not exist in tenant' }));
    await run();
    expect(sent).toEqual([{ error: 'AADSTS50020: user account does not exist in tenant' }]);
  });
});

describe('the admin consent landing', () => {
  it("says that another organisation's admin granted consent", async () => {
    const { createClient, shown, run } = setup('?admin_consent=True&tenant=0a1b2c3d-0000-4000-8000-00000000c0de');
    await run();
    expect(shown).toEqual([consentText.granted]);
    expect(createClient).not.toHaveBeenCalled();
  });

  it('says why consent was not granted', async () => {
    const { shown, run } = setup('?error=access_denied&error_description=AADSTS65004%3A+User+declined+to+consent');
    await run();
    expect(shown).toEqual([`${consentText.refused}: AADSTS65004: User declined to consent`]);
  });
});
