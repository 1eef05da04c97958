import { afterEach, describe, expect, it, vi } from 'vitest';
import { authText } from './auth.ts';
import { start } from './commands.ts';
import { installFakeOffice, removeFakeOffice } from './testing/fakes.ts';

afterEach(() => {
  removeFakeOffice();
  vi.unstubAllGlobals();
  delete (globalThis as Record<string, unknown>).trackItem;
  delete (globalThis as Record<string, unknown>).untrackItem;
});

// The ribbon's function file as Outlook loads it (start), on an Outlook with Office SSO but without
// nested app authentication, where single sign-on does not work: it must never open a dialog or let
// Office prompt, and asks the user to open the pane instead.
describe('the function file signs in silently only', () => {
  it.each([13001, 13002, 13007, 13012])('after Office SSO error %i it asks to open the pane', async (code) => {
    const fake = installFakeOffice();
    fake.supported.add('IdentityAPI 1.3');
    fake.getAccessToken.mockRejectedValue({ code, message: 'raw' });
    const displayDialogAsync = vi.fn();
    (fake.Office.context as Record<string, unknown>).ui = { displayDialogAsync };
    const fetchFn = vi.fn(async (input: RequestInfo | URL) => {
      if (String(input) === '/taskpane/config.json') {
        return new Response(
          JSON.stringify({ clientId: '11111111-2222-3333-4444-555555555555', authority: 'https://login.microsoftonline.com/common', apiScope: 'api://crm.example.com/x/access_as_user', apiBase: '/api/v1', local: false }),
          { headers: { 'Content-Type': 'application/json' } },
        );
      }
      return new Response('{}', { status: 500 });
    });
    vi.stubGlobal('fetch', fetchFn);

    start();
    const event = { completed: vi.fn() };
    await fake.actions.get('trackItem')!(event);
    await vi.waitFor(() => expect(event.completed).toHaveBeenCalledTimes(1));

    expect(fake.notifications.map((n) => n.details.message)).toEqual([authText.openPane]);
    expect(fake.getAccessToken).toHaveBeenCalledWith(expect.objectContaining({ allowSignInPrompt: false, allowConsentPrompt: false }));
    expect(displayDialogAsync).not.toHaveBeenCalled();
    expect(fetchFn.mock.calls.map((c) => String(c[0]))).toEqual(['/taskpane/config.json']);
  });
});
