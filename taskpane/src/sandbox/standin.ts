// A stand-in for Office.js with exactly what the taskpane's adapter (src/office.ts) uses, bound to the
// item selected on the sandbox page and to the development identity: the open item in read mode,
// convertToRestId, the requirement sets, notification messages, the ItemChanged event, SSO tokens (from
// /dev/outlook/token) and ribbon command registration.

import { defaultUser, type SandboxHost, type SandboxItem, type StandinControl } from './protocol.ts';

interface AsyncResult<T> {
  status: 'succeeded' | 'failed';
  value: T;
  error?: { code: number; name: string; message: string };
}
type Callback<T> = (result: AsyncResult<T>) => void;
type Handler = (args: { type: string }) => void;
type Command = (event: { completed(options?: { allowEvent?: boolean }): void }) => unknown;

const itemChangedEvent = 'olkItemSelectedChanged';

/** The newest Mailbox requirement set the stand-in claims, as the manifest requires. */
const mailboxVersion = [1, 8];

const succeeded = <T>(value: T): AsyncResult<T> => ({ status: 'succeeded', value });
const failed = (code: number, name: string, message: string): AsyncResult<undefined> => ({
  status: 'failed',
  value: undefined,
  error: { code, name, message },
});

// Office's async methods take (…args, options?, callback?); the callback is the last function given.
function callbackOf<T>(args: unknown[]): Callback<T> {
  for (let i = args.length - 1; i >= 0; i--) {
    if (typeof args[i] === 'function') return args[i] as Callback<T>;
  }
  return () => undefined;
}

function later(fn: () => void): void {
  setTimeout(fn, 0);
}

/** atMost compares dotted versions: "1.8" is at most [1, 8], "1.10" is not. */
function atMost(version: string, max: number[]): boolean {
  const parts = version.split('.').map(Number);
  if (parts.some((p) => !Number.isInteger(p) || p < 0)) return false;
  for (let i = 0; i < Math.max(parts.length, max.length); i++) {
    const a = parts[i] ?? 0;
    const b = max[i] ?? 0;
    if (a !== b) return a < b;
  }
  return true;
}

/** expiryOf reads a development token's exp claim in milliseconds; 0 (not kept) when it has none. */
function expiryOf(token: string): number {
  try {
    const payload = token.split('.')[1] ?? '';
    const json = atob(payload.replace(/-/g, '+').replace(/_/g, '/').padEnd(Math.ceil(payload.length / 4) * 4, '='));
    const exp = (JSON.parse(json) as { exp?: unknown }).exp;
    return typeof exp === 'number' ? exp * 1000 : 0;
  } catch {
    return 0;
  }
}

/**
 * installOfficeStandin defines win.Office and win.crmsyncStandin. It reads the selection from the
 * sandbox page framing it (win.parent.crmsyncSandbox); a page opened on its own has no item and signs in
 * as alice. fetchFn is the window's fetch unless a test passes another.
 */
export function installOfficeStandin(win: Window, fetchFn: typeof fetch = win.fetch.bind(win)): StandinControl {
  const host = (): SandboxHost | undefined => {
    try {
      return win.parent?.crmsyncSandbox ?? win.crmsyncSandbox;
    } catch {
      return undefined; // framed by another origin
    }
  };
  const handlers = new Set<Handler>();
  const commands = new Map<string, Command>();
  const waiting = new Map<string, (() => void)[]>();

  function itemFor(sel: SandboxItem): Record<string, unknown> {
    const itemId = sel.itemId;
    return {
      itemId,
      itemType: sel.itemType,
      subject: sel.subject,
      internetMessageId: sel.internetMessageId ?? '',
      conversationId: sel.conversationId ?? '',
      ...(sel.from ? { from: { emailAddress: sel.from, displayName: sel.from } } : {}),
      notificationMessages: {
        replaceAsync(key: string, details: Record<string, unknown>, ...rest: unknown[]): void {
          const cb = callbackOf<void>(rest);
          const type = String(details?.type ?? '');
          const message = String(details?.message ?? '');
          // Office refuses what the real notification bar would refuse, so the sandbox shows these bugs.
          let refusal = '';
          if (!['informationalMessage', 'errorMessage', 'progressIndicator', 'insightMessage'].includes(type)) {
            refusal = `unknown notification type ${JSON.stringify(type)}`;
          } else if (type !== 'informationalMessage' && ('icon' in details || 'persistent' in details)) {
            refusal = 'icon and persistent are allowed only on an informationalMessage';
          } else if (message === '' || message.length > 150) {
            refusal = 'the message must have 1 to 150 characters';
          }
          later(() => {
            if (refusal) {
              cb(failed(9041, 'InvalidArgument', refusal) as AsyncResult<void>);
              return;
            }
            host()?.notify(itemId, { key, type, message });
            cb(succeeded(undefined));
          });
        },
      },
    };
  }

  const mailbox = {
    get item(): Record<string, unknown> | null {
      const sel = host()?.item;
      return sel ? itemFor(sel) : null;
    },
    /** The signed-in demo user, as Office gives the mailbox's owner. */
    get userProfile(): { emailAddress: string; displayName: string } {
      const user = host()?.user || defaultUser;
      return { emailAddress: user, displayName: user };
    },
    /** The demo mailbox's ids are REST ids already. */
    convertToRestId(id: string): string {
      return id;
    },
    addHandlerAsync(type: string, handler: Handler, ...rest: unknown[]): void {
      const cb = callbackOf<void>(rest);
      if (type !== itemChangedEvent) {
        later(() => cb(failed(5001, 'InvalidEventType', `the sandbox raises only ${itemChangedEvent}`) as AsyncResult<void>));
        return;
      }
      handlers.add(handler);
      later(() => cb(succeeded(undefined)));
    },
    removeHandlerAsync(type: string, ...rest: unknown[]): void {
      if (type === itemChangedEvent) handlers.clear();
      const cb = callbackOf<void>(rest);
      later(() => cb(succeeded(undefined)));
    },
  };

  // Office caches its SSO token per account; so does the stand-in, per demo user.
  const ssoTokens = new Map<string, { token: string; expiresAt: number }>();

  const office = {
    onReady(cb?: (info: { host: string; platform: string }) => void): Promise<{ host: string; platform: string }> {
      const info = { host: 'Outlook', platform: 'OfficeOnline' };
      const ready = new Promise<typeof info>((resolve) => later(() => resolve(info)));
      if (cb) void ready.then(cb);
      return ready;
    },
    context: {
      mailbox,
      requirements: {
        isSetSupported(name: string, version = '1.1'): boolean {
          return name.toLowerCase() === 'mailbox' && atMost(String(version), mailboxVersion);
        },
      },
    },
    auth: {
      /**
       * getAccessToken gets a development token for the signed-in demo user, as Office SSO would; like
       * Office, it keeps the token until five minutes before it expires (the add-in asks each time).
       */
      async getAccessToken(): Promise<string> {
        const user = host()?.user || defaultUser;
        const kept = ssoTokens.get(user);
        if (kept && Date.now() < kept.expiresAt - 5 * 60 * 1000) {
          return kept.token;
        }
        let res: Response;
        try {
          res = await fetchFn(`/dev/outlook/token?user=${encodeURIComponent(user)}`, {
            headers: { Accept: 'application/json' },
            cache: 'no-store',
          });
        } catch {
          throw { code: 13001, name: 'SandboxSignIn', message: 'the sandbox cannot reach crmsync to sign in' };
        }
        const body = (await res.json().catch(() => ({}))) as { token?: string; detail?: string };
        if (!res.ok || !body.token) {
          throw { code: 13001, name: 'SandboxSignIn', message: `the sandbox could not sign in ${user}: ${body.detail ?? `HTTP ${res.status}`}` };
        }
        ssoTokens.set(user, { token: body.token, expiresAt: expiryOf(body.token) });
        return body.token;
      },
    },
    actions: {
      associate(name: string, fn: Command): void {
        commands.set(name, fn);
        for (const resolve of waiting.get(name) ?? []) resolve();
        waiting.delete(name);
      },
    },
    AsyncResultStatus: { Succeeded: 'succeeded', Failed: 'failed' },
    EventType: { ItemChanged: itemChangedEvent },
    MailboxEnums: {
      RestVersion: { v1_0: 'v1.0', v2_0: 'v2.0', Beta: 'beta' },
      ItemType: { Message: 'message', Appointment: 'appointment' },
      ItemNotificationMessageType: {
        InformationalMessage: 'informationalMessage',
        ErrorMessage: 'errorMessage',
        ProgressIndicator: 'progressIndicator',
        InsightMessage: 'insightMessage',
      },
    },
  };

  const registered = (name: string, timeoutMs: number): Promise<Command> => {
    const fn = commands.get(name);
    if (fn) return Promise.resolve(fn);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no ribbon command ${name} was registered with Office.actions.associate`)), timeoutMs);
      const list = waiting.get(name) ?? [];
      list.push(() => {
        clearTimeout(timer);
        resolve(commands.get(name)!);
      });
      waiting.set(name, list);
    });
  };

  const control: StandinControl = {
    itemChanged(): void {
      for (const h of handlers) later(() => h({ type: itemChangedEvent }));
    },
    async invoke(name: string, timeoutMs = 10_000): Promise<void> {
      const fn = await registered(name, timeoutMs);
      await new Promise<void>((resolve, reject) => {
        try {
          const r = fn({ completed: () => resolve() });
          // A command that fails before calling completed() would leave Outlook spinning; say so.
          void Promise.resolve(r).catch(reject);
        } catch (e) {
          reject(e);
        }
      });
    },
  };

  (win as unknown as { Office: unknown }).Office = office;
  win.crmsyncStandin = control;
  return control;
}
