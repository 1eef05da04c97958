// The Office.js adapter: the only module that touches the global `Office`. Everything else asks it for
// the open item, tokens and notifications, so tests can stand in a fake `Office` (globalThis.Office)
// and the local sandbox can serve a small stand-in for office.js.

import type { ItemType } from './api/types.ts';

/** The kinds of Outlook item crmsync tracks; the API's itemType. */
export type { ItemType };

/** Whether the item is being read or composed (a draft, or a meeting being organized). */
export type ItemMode = 'read' | 'compose';

/** The open Outlook item, as the API needs it. */
export interface CurrentItem {
  /** The REST id (convertToRestId, v2.0); empty for a compose item that has never been saved. */
  itemId: string;
  itemType: ItemType;
  mode: ItemMode;
  subject: string;
  internetMessageId?: string;
  conversationId?: string;
  /** The sender's address of a message being read, lower case. */
  from?: string;
}

/** The kind of Outlook notification: an information bar or an error bar. */
export type NotificationKind = 'info' | 'error';

/** OfficeError is a failed Office.js call, with Office's numeric error code when it gave one. */
export class OfficeError extends Error {
  readonly code: number | undefined;
  constructor(message: string, code?: number) {
    super(message);
    this.name = 'OfficeError';
    this.code = code;
  }
}

/** What crmsync needs from Office.js; module `office` implements it, tests may pass their own. */
export interface OfficeAdapter {
  ready(): Promise<void>;
  currentItem(): Promise<CurrentItem | null>;
  saveItem(): Promise<string>;
  isSetSupported(name: string, version: string): boolean;
  /** getSsoToken asks Office for a token; with interactive false, Office may not prompt (a function file). */
  getSsoToken(options?: { interactive?: boolean }): Promise<string>;
  /**
   * openDialog opens a page of this add-in in Office's dialog and resolves with the first message it
   * sends (messageParent); it rejects when the dialog cannot open or is closed first. Absent where a
   * screen has no dialog to offer.
   */
  openDialog?(url: string, size: { height: number; width: number }): Promise<string>;
  notify(message: string, kind: NotificationKind): Promise<void>;
  onItemChanged(cb: () => void): Promise<void>;
  /** userEmail is the signed-in mailbox's address as Office gives it, lower case; '' when it gives none. */
  userEmail(): string;
}

/** The event a ribbon command receives; it must call completed() exactly once. */
export interface CommandEvent {
  completed(options?: { allowEvent?: boolean }): void;
}

// The loose shape of an Outlook item as Office.js gives it: in read mode the properties are values, in
// compose mode subject is an object with getAsync and ids come from getItemIdAsync / saveAsync.
interface AsyncResultLike<T> {
  status: string;
  value: T;
  error?: { code?: number; message?: string; name?: string };
}
type Callback<T> = (result: AsyncResultLike<T>) => void;
interface ItemLike {
  itemType?: string;
  itemId?: string;
  subject?: string | { getAsync(cb: Callback<string>): void };
  internetMessageId?: string;
  conversationId?: string;
  from?: { emailAddress?: string };
  saveAsync?(cb: Callback<string>): void;
  getItemIdAsync?(cb: Callback<string>): void;
  notificationMessages?: {
    replaceAsync(key: string, details: Record<string, unknown>, cb?: Callback<void>): void;
  };
}

function office(): typeof Office {
  const o = (globalThis as { Office?: typeof Office }).Office;
  if (!o) {
    throw new OfficeError('Office.js is not loaded: open crmsync from Outlook');
  }
  return o;
}

function mailboxItem(): ItemLike | null {
  return (office().context?.mailbox?.item as unknown as ItemLike | null | undefined) ?? null;
}

function call<T>(fn: (cb: Callback<T>) => void, what: string): Promise<T> {
  return new Promise((resolve, reject) => {
    fn((r) => {
      // Office.AsyncResultStatus.Succeeded is the string "succeeded".
      if (r.status === 'succeeded') {
        resolve(r.value);
      } else {
        reject(new OfficeError(`${what}: ${r.error?.message || r.error?.name || 'Office did not say why'}`, r.error?.code));
      }
    });
  });
}

/** ready resolves once Office.js has initialized the add-in. */
export function ready(): Promise<void> {
  return new Promise((resolve, reject) => {
    let o: typeof Office;
    try {
      o = office();
    } catch (e) {
      reject(e);
      return;
    }
    // Office.onReady returns a promise, and also takes a callback (older hosts and stand-ins).
    const p = (o.onReady as (cb?: () => void) => Promise<unknown> | undefined)(() => resolve());
    if (p && typeof p.then === 'function') {
      p.then(() => resolve(), reject);
    }
  });
}

function restVersion(): unknown {
  return office().MailboxEnums?.RestVersion?.v2_0 ?? 'v2.0';
}

/** toRestId converts an EWS item id (what Office.js gives) to the REST id the API and Graph use. */
function toRestId(id: string): string {
  const mailbox = office().context?.mailbox as unknown as { convertToRestId?(id: string, v: unknown): string } | undefined;
  if (!id || typeof mailbox?.convertToRestId !== 'function') {
    return id;
  }
  return mailbox.convertToRestId(id, restVersion());
}

function itemTypeOf(item: ItemLike): ItemType {
  const t = String(item.itemType ?? '').toLowerCase();
  switch (t) {
    case 'message':
    case 'appointment':
    case 'contact':
    case 'task':
      return t;
  }
  throw new OfficeError(`crmsync cannot track this kind of Outlook item (${t || 'unknown'})`);
}

function isCompose(item: ItemLike): boolean {
  // In read mode subject is a string; in compose mode it is an object with getAsync.
  return typeof item.subject === 'object' && item.subject !== null;
}

/** currentItem describes the open item, or null when none is selected (a pinned taskpane between items). */
export async function currentItem(): Promise<CurrentItem | null> {
  const item = mailboxItem();
  if (!item) {
    return null;
  }
  const itemType = itemTypeOf(item);
  if (!isCompose(item)) {
    return {
      itemId: toRestId(item.itemId ?? ''),
      itemType,
      mode: 'read',
      subject: typeof item.subject === 'string' ? item.subject : '',
      internetMessageId: item.internetMessageId || undefined,
      conversationId: item.conversationId || undefined,
      from: item.from?.emailAddress?.toLowerCase() || undefined,
    };
  }
  const subjectField = item.subject as { getAsync(cb: Callback<string>): void };
  const subject = await call<string>((cb) => subjectField.getAsync(cb), 'read the subject').catch(() => '');
  let itemId = '';
  if (typeof item.getItemIdAsync === 'function') {
    // Fails with an error while the draft has never been saved: it has no id yet.
    itemId = await call<string>((cb) => item.getItemIdAsync!(cb), 'get the item id').then(toRestId, () => '');
  }
  return { itemId, itemType, mode: 'compose', subject, conversationId: item.conversationId || undefined };
}

/**
 * saveItem returns the REST id of the open item, saving it first when it is being composed: a draft or
 * a meeting being organized has an id only once saved.
 */
export async function saveItem(): Promise<string> {
  const item = mailboxItem();
  if (!item) {
    throw new OfficeError('no Outlook item is open');
  }
  if (!isCompose(item)) {
    return toRestId(item.itemId ?? '');
  }
  if (typeof item.saveAsync !== 'function') {
    throw new OfficeError('Outlook cannot save this item from an add-in');
  }
  const saved = await call<string>((cb) => item.saveAsync!(cb), 'Outlook could not save this draft');
  // Some clients give the id only after the save has synced; getItemIdAsync (Mailbox 1.8) is the
  // reliable way, saveAsync's value the fallback.
  let id = saved;
  if (typeof item.getItemIdAsync === 'function') {
    id = await call<string>((cb) => item.getItemIdAsync!(cb), 'get the item id').catch(() => saved);
  }
  if (!id) {
    throw new OfficeError('Outlook saved the draft but gave no id for it; try again in a moment');
  }
  return toRestId(id);
}

/** userEmail is the signed-in mailbox's address (Office.context.mailbox.userProfile), lower case; '' when unknown. */
export function userEmail(): string {
  try {
    const profile = (office().context?.mailbox as unknown as { userProfile?: { emailAddress?: unknown } } | undefined)?.userProfile;
    return typeof profile?.emailAddress === 'string' ? profile.emailAddress.trim().toLowerCase() : '';
  } catch {
    return '';
  }
}

/** isSetSupported reports whether the host supports a requirement set (false when it cannot say). */
export function isSetSupported(name: string, version: string): boolean {
  try {
    const req = office().context?.requirements;
    return typeof req?.isSetSupported === 'function' ? req.isSetSupported(name, version) : false;
  } catch {
    return false;
  }
}

/**
 * getSsoToken asks Office for an access token for crmsync's API (Office SSO). Office caches the token, so
 * it is asked each time rather than kept in the page. Interactive (the default) lets Office ask the user
 * to sign in or consent; a function file passes interactive false, where no prompt may appear.
 */
export async function getSsoToken(options: { interactive?: boolean } = {}): Promise<string> {
  const o = office();
  if (typeof o.auth?.getAccessToken !== 'function') {
    throw new OfficeError('this Outlook cannot sign in to add-ins (no Office.auth)', 13000);
  }
  const interactive = options.interactive ?? true;
  try {
    return await o.auth.getAccessToken({ allowSignInPrompt: interactive, allowConsentPrompt: interactive, forMSGraphAccess: false });
  } catch (e) {
    const err = e as { code?: number | string; message?: string; name?: string };
    const code = typeof err.code === 'string' ? Number(err.code) : err.code;
    throw new OfficeError(err.message || err.name || 'Office could not sign you in', Number.isFinite(code) ? code : undefined);
  }
}

/** The Office dialog API's codes that openDialog passes on (Office.context.ui.displayDialogAsync). */
export const dialogClosed = 12006;

/**
 * openDialog opens url (a page of this add-in) in Office's dialog and resolves with the first message the
 * page sends with Office.context.ui.messageParent, closing the dialog. It rejects with an OfficeError
 * carrying Office's code when the dialog cannot open (12007: one is open already; 12009: the user
 * declined it) or ends without a message (12006: closed by the user; 12002: the page is unreachable).
 */
export function openDialog(url: string, size: { height: number; width: number }): Promise<string> {
  return new Promise((resolve, reject) => {
    const ui = (office().context as unknown as { ui?: { displayDialogAsync?: unknown } } | undefined)?.ui;
    if (typeof ui?.displayDialogAsync !== 'function') {
      reject(new OfficeError('this Outlook cannot open a sign-in window (no Office dialog API)'));
      return;
    }
    const display = ui.displayDialogAsync as (url: string, options: Record<string, unknown>, cb: Callback<DialogLike>) => void;
    display(url, { height: size.height, width: size.width, promptBeforeOpen: false }, (r) => {
      if (r.status !== 'succeeded') {
        reject(new OfficeError(`the sign-in window did not open: ${r.error?.message || 'Office did not say why'}`, r.error?.code));
        return;
      }
      const dialog = r.value;
      const types = office().EventType as unknown as { DialogMessageReceived?: string; DialogEventReceived?: string } | undefined;
      dialog.addEventHandler(types?.DialogMessageReceived ?? 'dialogMessageReceived', (arg) => {
        dialog.close();
        resolve(String(arg.message ?? ''));
      });
      dialog.addEventHandler(types?.DialogEventReceived ?? 'dialogEventReceived', (arg) => {
        const code = typeof arg.error === 'number' ? arg.error : undefined;
        reject(new OfficeError(code === dialogClosed ? 'the sign-in window was closed' : `the sign-in window failed (${code ?? 'no code'})`, code));
      });
    });
  });
}

// The part of an Office.Dialog that openDialog uses.
interface DialogLike {
  addEventHandler(type: string, handler: (arg: { message?: string; error?: number }) => void): void;
  close(): void;
}

/** notify shows a short notification on the open item (Outlook keeps at most 150 characters). */
export async function notify(message: string, kind: NotificationKind): Promise<void> {
  const item = mailboxItem();
  if (!item?.notificationMessages) {
    return;
  }
  const types = office().MailboxEnums?.ItemNotificationMessageType;
  const text = message.length > 150 ? message.slice(0, 149) + '…' : message;
  // icon and persistent are allowed only on informational messages; Office throws on an error message.
  const details: Record<string, unknown> =
    kind === 'error'
      ? { type: types?.ErrorMessage ?? 'errorMessage', message: text }
      : { type: types?.InformationalMessage ?? 'informationalMessage', message: text, icon: 'Icon.16', persistent: false };
  await call<void>((cb) => item.notificationMessages!.replaceAsync('crmsync', details, cb), 'show a notification');
}

/** onItemChanged calls cb whenever a pinned taskpane moves to another item (or to none). */
export async function onItemChanged(cb: () => void): Promise<void> {
  const o = office();
  const mailbox = o.context?.mailbox as unknown as
    | { addHandlerAsync?(type: unknown, handler: () => void, callback?: Callback<void>): void }
    | undefined;
  if (typeof mailbox?.addHandlerAsync !== 'function') {
    return; // a host without pinning: the taskpane is reloaded for each item
  }
  const type = o.EventType?.ItemChanged ?? 'olkItemSelectedChanged';
  await call<void>((done) => mailbox.addHandlerAsync!(type, cb, done), 'watch for item changes');
}

/**
 * associate registers a ribbon command's function (the manifest's FunctionName) with Office.actions,
 * and as a global function of that name, which Outlooks without Office.actions look up instead.
 */
export function associate(name: string, fn: (event: CommandEvent) => void | Promise<void>): void {
  (globalThis as unknown as Record<string, unknown>)[name] = fn;
  const actions = (globalThis as { Office?: typeof Office }).Office?.actions;
  if (typeof actions?.associate === 'function') {
    actions.associate(name, fn as (event: unknown) => void);
  }
}

/** The real adapter, for the screens to pass around. */
export const officeAdapter: OfficeAdapter = { ready, currentItem, saveItem, isSetSupported, getSsoToken, openDialog, notify, onItemChanged, userEmail };
