import { afterEach, describe, expect, it, vi } from 'vitest';
import { getSsoToken, OfficeError, openDialog } from './office.ts';
import { installFakeOffice, removeFakeOffice } from './testing/fakes.ts';

afterEach(removeFakeOffice);

type Handler = (arg: { message?: string; error?: number }) => void;

/** withDialogApi gives the fake Office a dialog API; answer decides what the opened dialog does. */
function withDialogApi(answer: (handlers: Map<string, Handler>) => void, opened = true) {
  const fake = installFakeOffice();
  const close = vi.fn();
  const displayDialogAsync = vi.fn((_url: string, _options: unknown, cb: (r: unknown) => void) => {
    if (!opened) {
      cb({ status: 'failed', value: undefined, error: { code: 12007, message: 'A dialog box is already opened' } });
      return;
    }
    const handlers = new Map<string, Handler>();
    cb({ status: 'succeeded', value: { addEventHandler: (type: string, h: Handler) => handlers.set(type, h), close } });
    answer(handlers);
  });
  (fake.Office.context as Record<string, unknown>).ui = { displayDialogAsync };
  (fake.Office.EventType as Record<string, unknown>).DialogMessageReceived = 'dialogMessageReceived';
  (fake.Office.EventType as Record<string, unknown>).DialogEventReceived = 'dialogEventReceived';
  return { displayDialogAsync, close };
}

describe('openDialog', () => {
  it("resolves with the page's message and closes the dialog", async () => {
    const { displayDialogAsync, close } = withDialogApi((h) => h.get('dialogMessageReceived')!({ message: '{"accessToken":"t"}' }));
    await expect(openDialog('https://crm.example.com/taskpane/auth.html', { height: 60, width: 30 })).resolves.toBe('{"accessToken":"t"}');
    expect(displayDialogAsync).toHaveBeenCalledWith('https://crm.example.com/taskpane/auth.html', expect.objectContaining({ height: 60, width: 30 }), expect.any(Function));
    expect(close).toHaveBeenCalled();
  });

  it('rejects with 12006 when the user closes it', async () => {
    withDialogApi((h) => h.get('dialogEventReceived')!({ error: 12006 }));
    await expect(openDialog('https://x/auth.html', { height: 60, width: 30 })).rejects.toMatchObject({ name: 'OfficeError', code: 12006 });
  });

  it('rejects when it cannot open', async () => {
    withDialogApi(() => undefined, false);
    await expect(openDialog('https://x/auth.html', { height: 60, width: 30 })).rejects.toMatchObject({ code: 12007 });
  });

  it('rejects on an Outlook without the dialog API', async () => {
    installFakeOffice();
    await expect(openDialog('https://x/auth.html', { height: 60, width: 30 })).rejects.toBeInstanceOf(OfficeError);
  });
});

describe('getSsoToken prompts', () => {
  it('lets Office prompt in the taskpane, and never in the function file', async () => {
    const fake = installFakeOffice();
    await getSsoToken();
    expect(fake.getAccessToken).toHaveBeenLastCalledWith(expect.objectContaining({ allowSignInPrompt: true, allowConsentPrompt: true }));
    await getSsoToken({ interactive: false });
    expect(fake.getAccessToken).toHaveBeenLastCalledWith(expect.objectContaining({ allowSignInPrompt: false, allowConsentPrompt: false }));
  });
});
