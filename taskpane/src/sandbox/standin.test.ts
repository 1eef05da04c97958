import { afterEach, describe, expect, it, vi } from 'vitest';
import { currentItem, getSsoToken, isSetSupported, notify, OfficeError, onItemChanged, ready, associate } from '../office.ts';
import { renderBody } from './body.ts';
import type { SandboxHost, SandboxItem } from './protocol.ts';
import { installOfficeStandin } from './standin.ts';

const spring: SandboxItem = {
  itemId: 'AAMkRESTid=',
  itemType: 'message',
  subject: 'Spring order arrived late',
  internetMessageId: '<a@northwind.test>',
  conversationId: 'conv-1',
};

/** setup installs the stand-in under the real adapter, with a sandbox page on the same window (jsdom has no frames). */
function setup(item: SandboxItem | null = spring, fetchFn = vi.fn<typeof fetch>()) {
  const host: SandboxHost = { user: 'alice@contoso.test', item, notify: vi.fn() };
  window.crmsyncSandbox = host;
  const control = installOfficeStandin(window, fetchFn);
  return { host, control, fetchFn };
}

afterEach(() => {
  delete (globalThis as Record<string, unknown>).Office;
  delete (globalThis as Record<string, unknown>).trackItem;
  delete window.crmsyncSandbox;
  delete window.crmsyncStandin;
});

describe('the Office.js stand-in, through the taskpane adapter', () => {
  it('is ready and shows the selected item in read mode, its id already a REST id', async () => {
    setup();
    await ready();
    expect(await currentItem()).toEqual({ ...spring, mode: 'read' });
  });

  it('shows no item when none is selected', async () => {
    setup(null);
    expect(await currentItem()).toBeNull();
  });

  it('follows the selection and raises ItemChanged', async () => {
    const { host, control } = setup(null);
    const changed = vi.fn();
    await onItemChanged(changed);
    host.item = { itemId: 'AAMkEvent=', itemType: 'appointment', subject: 'Quote review' };
    control.itemChanged();
    await vi.waitFor(() => expect(changed).toHaveBeenCalledTimes(1));
    expect(await currentItem()).toMatchObject({ itemId: 'AAMkEvent=', itemType: 'appointment', mode: 'read' });
  });

  it.each([
    ['Mailbox', '1.1', true],
    ['Mailbox', '1.8', true],
    ['Mailbox', '1.9', false],
    ['Mailbox', '1.10', false],
    ['NestedAppAuth', '1.1', false],
    ['IdentityAPI', '1.3', false],
  ])('supports %s %s: %s', (name, version, want) => {
    setup();
    expect(isSetSupported(name, version)).toBe(want);
  });

  it("signs in as the sandbox's user with a development token", async () => {
    const { host, fetchFn } = setup();
    host.user = 'bob@contoso.test';
    fetchFn.mockResolvedValue(new Response(JSON.stringify({ token: 'dev-token' }), { status: 200 }));
    expect(await getSsoToken()).toBe('dev-token');
    expect(fetchFn).toHaveBeenCalledWith('/dev/outlook/token?user=bob%40contoso.test', expect.anything());
  });

  it('fails sign-in readably', async () => {
    const { fetchFn } = setup();
    fetchFn.mockResolvedValue(new Response(JSON.stringify({ detail: 'the sandbox signs in only the demo tenant' }), { status: 403 }));
    const err = await getSsoToken().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(OfficeError);
    expect((err as OfficeError).message).toContain('the sandbox signs in only the demo tenant');
    expect((err as OfficeError).code).toBe(13001);
  });

  it('shows notifications on the item they were given for', async () => {
    const { host } = setup();
    await notify('Tracked to CRM', 'info');
    await notify('The item no longer exists in the mailbox', 'error');
    expect(host.notify).toHaveBeenNthCalledWith(1, spring.itemId, { key: 'crmsync', type: 'informationalMessage', message: 'Tracked to CRM' });
    expect(host.notify).toHaveBeenNthCalledWith(2, spring.itemId, {
      key: 'crmsync',
      type: 'errorMessage',
      message: 'The item no longer exists in the mailbox',
    });
  });

  it('refuses a notification Outlook would refuse', async () => {
    setup();
    type Replace = (key: string, details: Record<string, unknown>, cb: (r: { status: string }) => void) => void;
    const office = (globalThis as unknown as { Office: { context: { mailbox: { item: { notificationMessages: { replaceAsync: Replace } } } } } }).Office;
    const item = office.context.mailbox.item;
    const result = await new Promise<{ status: string }>((resolve) =>
      item.notificationMessages.replaceAsync('k', { type: 'errorMessage', message: 'x', icon: 'Icon.16' }, resolve),
    );
    expect(result.status).toBe('failed');
  });

  it('runs a ribbon command until it calls completed()', async () => {
    const { control } = setup();
    const steps: string[] = [];
    const run = control.invoke('trackItem');
    associate('trackItem', async (event) => {
      steps.push('ran');
      await Promise.resolve();
      event.completed();
    });
    await run;
    expect(steps).toEqual(['ran']);
  });

  it('says when no command of that name was registered', async () => {
    const { control } = setup();
    await expect(control.invoke('nope', 20)).rejects.toThrow('no ribbon command nope');
  });
});

describe('renderBody', () => {
  it('keeps text and formatting, and drops scripts, attributes and links', () => {
    const el = renderBody({
      contentType: 'html',
      content: '<h1 onclick="x()">News</h1><p style="color:red">Prices <b>fell</b></p><script>alert(1)</script><img src="https://t.test/p.gif"><a href="https://x.test">Unsubscribe</a>',
    });
    expect(el.innerHTML).toBe('<h1>News</h1><p>Prices <b>fell</b></p><span class="link">Unsubscribe</span>');
  });

  it('shows text as text', () => {
    const el = renderBody({ contentType: 'text', content: 'Hello <b>Alice</b>\n\nRegards' });
    expect(el.textContent).toBe('Hello <b>Alice</b>\n\nRegards');
    expect(el.classList.contains('plain')).toBe(true);
  });
});
