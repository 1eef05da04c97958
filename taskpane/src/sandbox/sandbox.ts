// The sandbox page, /dev/outlook (local mode only): an Outlook-like window over the demo mailbox. It
// lists the signed-in demo user's inbox or calendar, shows the selected item, and frames the real
// taskpane and the ribbon's function file, whose Office.js stand-in (standin.ts) reads the selection
// from here. Track and Untrack on the ribbon run the function file's commands, as Outlook would. New
// message and Reply send mail through the demo mailbox (compose.ts); the list refreshes every few seconds,
// so mail that crmsync tracks automatically shows its "Tracked to CRM" category, and CRM appointments
// its synchronization pushes show in the calendar, without a click.

import { renderBody } from './body.ts';
import { mountComposer } from './compose.ts';
import { asSandboxItem, loadFolder, type Folder, type MailItem } from './mailbox.ts';
import { defaultUser, demoUsers, trackedCategory, type SandboxHost, type SandboxNotification, type StandinControl } from './protocol.ts';
import './sandbox.css';

/** What the page needs; tests may pass their own fetch and clock. */
export interface SandboxDeps {
  fetch?: typeof fetch;
  now?: () => Date;
  /** How often the list is read again, in milliseconds (0: never). Default 2 s. */
  refreshMs?: number;
}

const folderTitles: Record<Folder, string> = { inbox: 'Inbox', calendar: 'Calendar' };

/** The ribbon's commands, by the manifest's FunctionName, and what Outlook shows while one runs. */
const ribbonCommands = {
  track: { fn: 'trackItem', working: 'crmsync is tracking this item…' },
  untrack: { fn: 'untrackItem', working: 'crmsync is untracking this item…' },
} as const;

function q<T extends Element = HTMLElement>(root: ParentNode, sel: string): T {
  const el = root.querySelector<T>(sel);
  if (!el) throw new Error(`the sandbox page lacks ${sel}`);
  return el;
}

function formatWhen(iso: string, now: Date, withDate = false): string {
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return '';
  const sameDay = d.toDateString() === now.toDateString();
  if (sameDay && !withDate) {
    return d.toLocaleTimeString(undefined, { hour: 'numeric', minute: '2-digit' });
  }
  return d.toLocaleString(undefined, {
    weekday: 'short',
    month: 'short',
    day: 'numeric',
    ...(withDate || sameDay ? { hour: 'numeric', minute: '2-digit' } : {}),
  });
}

function people(list: { name: string; address: string }[]): string {
  return list.map((p) => (p.name && p.name !== p.address ? `${p.name} <${p.address}>` : p.address)).join('; ');
}

/** standinOf waits for a frame's Office.js stand-in, which exists once the frame's page has loaded. */
async function standinOf(frame: HTMLIFrameElement, timeoutMs = 10_000): Promise<StandinControl> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const control = frame.contentWindow?.crmsyncStandin;
    if (control) return control;
    if (Date.now() > deadline) throw new Error(`${frame.title} did not load`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** start shows the sandbox on this page. */
export async function start(deps: SandboxDeps = {}): Promise<void> {
  const fetchFn = deps.fetch ?? fetch.bind(window);
  const now = deps.now ?? (() => new Date());
  const root = document.body;
  const el = {
    userSwitch: q<HTMLSelectElement>(root, '[data-testid="user-switch"]'),
    folders: Array.from(root.querySelectorAll<HTMLButtonElement>('[data-testid="folder"]')),
    listTitle: q(root, '[data-role="list-title"]'),
    items: q(root, '[data-role="items"]'),
    listStatus: q(root, '[data-role="list-status"]'),
    track: q<HTMLButtonElement>(root, '[data-testid="ribbon-track"]'),
    untrack: q<HTMLButtonElement>(root, '[data-testid="ribbon-untrack"]'),
    notification: q(root, '[data-testid="notification"]'),
    reading: q(root, '[data-role="reading"]'),
    taskpane: q<HTMLIFrameElement>(root, '[data-testid="taskpane-frame"]'),
    commands: q<HTMLIFrameElement>(root, '[data-testid="commands-frame"]'),
    newMessage: q<HTMLButtonElement>(root, '[data-testid="new-message"]'),
    reply: q<HTMLButtonElement>(root, '[data-testid="reply"]'),
    compose: q<HTMLDialogElement>(root, '[data-testid="compose-dialog"]'),
  };

  let user: string = defaultUser;
  let folder: Folder = 'inbox';
  let items: MailItem[] = [];
  let selected: MailItem | null = null;
  let running = false;
  let loadSeq = 0;
  // Outlook shows an add-in's notification on the item it was given for, one per key.
  const notifications = new Map<string, Map<string, SandboxNotification>>();

  const host: SandboxHost = {
    get user() {
      return user;
    },
    get item() {
      return selected ? asSandboxItem(selected) : null;
    },
    notify(itemId: string, n: SandboxNotification): void {
      const forItem = notifications.get(itemId) ?? new Map<string, SandboxNotification>();
      forItem.set(n.key, n);
      notifications.set(itemId, forItem);
      renderNotification();
    },
  };
  window.crmsyncSandbox = host;

  // ---- rendering

  function renderNotification(): void {
    const shown = selected ? Array.from(notifications.get(selected.id)?.values() ?? []) : [];
    const last = shown.at(-1);
    el.notification.hidden = !last;
    el.notification.textContent = last?.message ?? '';
    el.notification.dataset.type = last?.type ?? '';
  }

  function renderRibbon(): void {
    const disabled = !selected || running;
    el.track.disabled = disabled;
    el.untrack.disabled = disabled;
    el.reply.disabled = !selected || selected.itemType !== 'message';
  }

  function renderList(): void {
    el.listTitle.textContent = folderTitles[folder];
    for (const b of el.folders) {
      b.setAttribute('aria-current', String(b.dataset.folder === folder));
    }
    el.items.replaceChildren(
      ...items.map((item) => {
        const li = document.createElement('li');
        li.className = 'item';
        li.dataset.testid = 'item';
        li.dataset.subject = item.subject;
        li.dataset.itemId = item.id;
        li.dataset.itemType = item.itemType;
        li.setAttribute('role', 'option');
        li.setAttribute('aria-selected', String(item.id === selected?.id));
        li.tabIndex = item.id === selected?.id || (!selected && item === items[0]) ? 0 : -1;
        const top = document.createElement('div');
        top.className = 'row';
        const who = document.createElement('span');
        who.className = 'sender';
        who.textContent = item.from?.name ?? '(no sender)';
        const when = document.createElement('span');
        when.className = 'time';
        when.textContent = formatWhen(item.when, now(), item.itemType === 'appointment');
        top.append(who, when);
        const subject = document.createElement('div');
        subject.className = 'subject';
        subject.textContent = item.subject || '(no subject)';
        const preview = document.createElement('div');
        preview.className = 'preview';
        preview.textContent = item.itemType === 'appointment' ? item.location ?? '' : item.preview;
        li.append(top, subject, preview);
        if (item.categories.includes(trackedCategory)) {
          const tag = document.createElement('span');
          tag.className = 'category';
          tag.dataset.testid = 'tracked-category';
          tag.textContent = trackedCategory;
          li.append(tag);
        }
        li.addEventListener('click', () => select(item));
        li.addEventListener('keydown', (e) => onItemKey(e, item));
        return li;
      }),
    );
  }

  function renderReading(): void {
    if (!selected) {
      const p = document.createElement('p');
      p.className = 'empty';
      p.textContent = 'Select an item to read it.';
      el.reading.replaceChildren(p);
      return;
    }
    const item = selected;
    const h = document.createElement('h1');
    h.textContent = item.subject || '(no subject)';
    const meta = document.createElement('dl');
    meta.className = 'meta';
    const add = (label: string, value: string) => {
      if (!value) return;
      const dt = document.createElement('dt');
      dt.textContent = label;
      const dd = document.createElement('dd');
      dd.textContent = value;
      meta.append(dt, dd);
    };
    if (item.itemType === 'message') {
      add('From', item.from ? people([item.from]) : '');
      add('To', people(item.to));
      add('Received', formatWhen(item.when, now(), true));
    } else {
      add('Organizer', item.from ? people([item.from]) : '');
      add('Attendees', people(item.to));
      add('When', `${formatWhen(item.when, now(), true)}${item.end ? ` – ${new Date(item.end).toLocaleTimeString(undefined, { hour: 'numeric', minute: '2-digit' })}` : ''}`);
      add('Where', item.location ?? '');
    }
    el.reading.replaceChildren(h, meta, renderBody(item.body));
  }

  // ---- behaviour

  /** tellTaskpane raises ItemChanged in the taskpane, as Outlook does for a pinned taskpane. */
  function tellTaskpane(): void {
    el.taskpane.contentWindow?.crmsyncStandin?.itemChanged();
  }

  function select(item: MailItem | null): void {
    selected = item;
    renderList();
    renderReading();
    renderRibbon();
    renderNotification();
    tellTaskpane();
  }

  function onItemKey(e: KeyboardEvent, item: MailItem): void {
    const i = items.indexOf(item);
    let next: MailItem | undefined;
    if (e.key === 'ArrowDown') next = items[i + 1];
    else if (e.key === 'ArrowUp') next = items[i - 1];
    else if (e.key === 'Enter' || e.key === ' ') next = item;
    else return;
    e.preventDefault();
    if (!next) return;
    select(next);
    el.items.querySelector<HTMLElement>(`[data-item-id="${CSS.escape(next.id)}"]`)?.focus();
  }

  async function load(): Promise<void> {
    const seq = ++loadSeq;
    el.listStatus.textContent = 'Loading…';
    items = [];
    renderList();
    try {
      const loaded = await loadFolder(user, folder, fetchFn, now());
      if (seq !== loadSeq) return;
      items = loaded;
      el.listStatus.textContent = items.length === 0 ? 'Nothing here.' : '';
    } catch (e) {
      if (seq !== loadSeq) return;
      el.listStatus.textContent = `The demo mailbox could not be read: ${(e as Error).message}`;
    }
    renderList();
  }

  /** refresh reads the folder again in the background, as Outlook shows new mail; the selection stays. */
  async function refresh(): Promise<void> {
    const seq = loadSeq;
    let loaded: MailItem[];
    try {
      loaded = await loadFolder(user, folder, fetchFn, now());
    } catch {
      return; // the next refresh tries again; a fault the page injected shows on the next load
    }
    if (seq !== loadSeq || JSON.stringify(loaded) === JSON.stringify(items)) return;
    items = loaded;
    el.listStatus.textContent = items.length === 0 ? 'Nothing here.' : '';
    const again = selected ? items.find((i) => i.id === selected?.id) : undefined;
    const changed = again && JSON.stringify(again) !== JSON.stringify(selected);
    if (again) selected = again;
    renderList();
    if (changed) renderReading();
  }

  async function runCommand(which: keyof typeof ribbonCommands): Promise<void> {
    if (!selected || running) return;
    const item = selected;
    const command = ribbonCommands[which];
    running = true;
    renderRibbon();
    const placeholder: SandboxNotification = { key: 'sandbox-command', type: 'progressIndicator', message: command.working };
    host.notify(item.id, placeholder);
    try {
      const control = await standinOf(el.commands);
      await control.invoke(command.fn);
    } catch (e) {
      host.notify(item.id, { key: 'sandbox-command', type: 'errorMessage', message: `The command failed: ${(e as Error).message}` });
    } finally {
      const forItem = notifications.get(item.id);
      if (forItem?.get('sandbox-command') === placeholder) forItem.delete('sandbox-command');
      running = false;
      renderRibbon();
      renderNotification();
      // Reopening the taskpane would show what the command did; a pinned one is told here.
      if (selected?.id === item.id) tellTaskpane();
    }
  }

  el.track.addEventListener('click', () => void runCommand('track'));
  el.untrack.addEventListener('click', () => void runCommand('untrack'));

  const composer = mountComposer(el.compose, fetchFn, (what) => {
    el.listStatus.textContent = what;
    void refresh();
  });
  el.newMessage.addEventListener('click', () => composer.openNew(user));
  el.reply.addEventListener('click', () => {
    if (selected?.itemType !== 'message') return;
    composer.openReply(user, { id: selected.id, subject: selected.subject, from: selected.from?.name ?? '' });
  });

  for (const b of el.folders) {
    b.addEventListener('click', () => {
      const next = b.dataset.folder as Folder;
      if (next === folder) return;
      folder = next;
      select(null);
      void load();
    });
  }

  el.userSwitch.replaceChildren(
    ...demoUsers.map((u) => {
      const o = document.createElement('option');
      o.value = u.upn;
      o.textContent = `${u.name} (${u.upn})`;
      return o;
    }),
  );
  el.userSwitch.value = user;
  el.userSwitch.addEventListener('change', () => {
    user = el.userSwitch.value;
    notifications.clear();
    select(null);
    // The frames hold the previous user's token: load them again, as signing in to Outlook anew would.
    el.taskpane.contentWindow?.location.reload();
    el.commands.contentWindow?.location.reload();
    void load();
  });

  renderRibbon();
  renderReading();
  await load();
  const every = deps.refreshMs ?? 2000;
  if (every > 0) {
    window.setInterval(() => void refresh(), every);
  }
}
