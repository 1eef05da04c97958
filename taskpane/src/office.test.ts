import { afterEach, describe, expect, it, vi } from 'vitest';
import {
  associate,
  currentItem,
  getSsoToken,
  isSetSupported,
  notify,
  OfficeError,
  onItemChanged,
  ready,
  saveItem,
  userEmail,
} from './office.ts';
import { installFakeOffice, removeFakeOffice, restId } from './testing/fakes.ts';

afterEach(() => {
  removeFakeOffice();
  delete (globalThis as Record<string, unknown>).trackItem;
});

describe('ready', () => {
  it('resolves once Office is ready', async () => {
    installFakeOffice();
    await expect(ready()).resolves.toBeUndefined();
  });

  it('fails readably outside Outlook', async () => {
    await expect(ready()).rejects.toThrow('Office.js is not loaded');
  });
});

describe('currentItem', () => {
  it('gives a read message with its REST id (convertToRestId, v2.0)', async () => {
    const fake = installFakeOffice({ itemId: 'AAMkEWS=', subject: 'Spring order', internetMessageId: '<a@b>', conversationId: 'c1' });
    expect(await currentItem()).toEqual({
      itemId: restId('AAMkEWS='),
      itemType: 'message',
      mode: 'read',
      subject: 'Spring order',
      internetMessageId: '<a@b>',
      conversationId: 'c1',
    });
    const mailbox = (fake.Office.context as { mailbox: { convertToRestId: ReturnType<typeof vi.fn> } }).mailbox;
    expect(mailbox.convertToRestId).toHaveBeenCalledWith('AAMkEWS=', 'v2.0');
  });

  it.each([
    ['message', 'message'],
    ['appointment', 'appointment'],
    ['contact', 'contact'],
    ['task', 'task'],
  ])('maps the item type %s', async (officeType, want) => {
    installFakeOffice({ itemType: officeType });
    expect((await currentItem())?.itemType).toBe(want);
  });

  it('refuses an item type crmsync does not track', async () => {
    installFakeOffice({ itemType: 'note' });
    await expect(currentItem()).rejects.toBeInstanceOf(OfficeError);
  });

  it('is null when a pinned pane has no item', async () => {
    installFakeOffice(null);
    expect(await currentItem()).toBeNull();
  });

  it('reads a compose item: subject through getAsync, no id before the first save', async () => {
    installFakeOffice({ compose: true, subject: 'Draft reply' });
    expect(await currentItem()).toEqual({ itemId: '', itemType: 'message', mode: 'compose', subject: 'Draft reply', conversationId: 'conv-1' });
  });

  it('gives a saved compose item its REST id', async () => {
    installFakeOffice({ compose: true, itemId: 'ews-saved', itemType: 'appointment' });
    const item = await currentItem();
    expect(item?.itemId).toBe(restId('ews-saved'));
    expect(item?.mode).toBe('compose');
  });
});

describe('saveItem', () => {
  it('saves a compose item, then converts its id', async () => {
    const fake = installFakeOffice({ compose: true, savedId: 'ews-new' });
    expect(await saveItem()).toBe(restId('ews-new'));
    expect(fake.saves).toBe(1);
  });

  it('does not save a read item', async () => {
    const fake = installFakeOffice({ itemId: 'ews-read' });
    expect(await saveItem()).toBe(restId('ews-read'));
    expect(fake.saves).toBe(0);
  });

  it('says when Outlook cannot save', async () => {
    installFakeOffice({ compose: true, saveError: 'The mailbox is full' });
    await expect(saveItem()).rejects.toThrow('Outlook could not save this draft: The mailbox is full');
  });
});

describe('isSetSupported', () => {
  it('asks the host', () => {
    const fake = installFakeOffice();
    fake.supported.add('NestedAppAuth 1.1');
    expect(isSetSupported('NestedAppAuth', '1.1')).toBe(true);
    expect(isSetSupported('Mailbox', '1.14')).toBe(false);
  });

  it('is false without Office', () => {
    expect(isSetSupported('NestedAppAuth', '1.1')).toBe(false);
  });
});

describe('userEmail', () => {
  it("is the mailbox owner's address in lower case", () => {
    installFakeOffice();
    expect(userEmail()).toBe('alice@contoso.test');
  });

  it('is empty without Office or a user profile', () => {
    expect(userEmail()).toBe('');
    const fake = installFakeOffice();
    delete ((fake.Office.context as Record<string, unknown>).mailbox as Record<string, unknown>).userProfile;
    expect(userEmail()).toBe('');
  });
});

describe('getSsoToken', () => {
  it('asks Office for a token for our API, allowing prompts', async () => {
    const fake = installFakeOffice();
    expect(await getSsoToken()).toBe('sso-token');
    expect(fake.getAccessToken).toHaveBeenCalledWith({ allowSignInPrompt: true, allowConsentPrompt: true, forMSGraphAccess: false });
  });

  it('keeps the 13xxx code', async () => {
    const fake = installFakeOffice();
    fake.getAccessToken.mockRejectedValue({ code: 13001, message: 'not signed in' });
    await expect(getSsoToken()).rejects.toMatchObject({ name: 'OfficeError', code: 13001 });
  });
});

describe('notify', () => {
  it('shows an informational message with the icon, not persistent', async () => {
    const fake = installFakeOffice();
    await notify('Tracked to CRM', 'info');
    expect(fake.notifications).toEqual([
      { key: 'crmsync', details: { type: 'informationalMessage', message: 'Tracked to CRM', icon: 'Icon.16', persistent: false } },
    ]);
  });

  it('shows an error message without icon or persistent (Office refuses them there)', async () => {
    const fake = installFakeOffice();
    await notify('crmsync cannot be reached', 'error');
    expect(fake.notifications[0].details).toEqual({ type: 'errorMessage', message: 'crmsync cannot be reached' });
  });

  it('keeps within 150 characters', async () => {
    const fake = installFakeOffice();
    await notify('x'.repeat(400), 'error');
    expect((fake.notifications[0].details.message as string).length).toBe(150);
  });
});

describe('onItemChanged', () => {
  it('calls back when the pinned pane moves to another item', async () => {
    const fake = installFakeOffice();
    const cb = vi.fn();
    await onItemChanged(cb);
    fake.changeItem({ itemId: 'ews-2' });
    expect(cb).toHaveBeenCalledTimes(1);
    expect((await currentItem())?.itemId).toBe(restId('ews-2'));
  });
});

describe('associate', () => {
  it('registers with Office.actions and as a global function', () => {
    const fake = installFakeOffice();
    const fn = vi.fn();
    associate('trackItem', fn);
    expect(fake.actions.get('trackItem')).toBe(fn);
    expect((globalThis as Record<string, unknown>).trackItem).toBe(fn);
  });
});
