// The demo mailbox as the sandbox page lists it: alice's or bob's inbox and calendar, read from the fake
// Microsoft Graph that local mode serves at /dev/graph/v1.0 (delta queries, as a mail client would).

import type { SandboxItem, SandboxItemType } from './protocol.ts';

/** A person on an item. */
export interface Person {
  name: string;
  address: string;
}

/** An item of the list, with what the reading pane shows. */
export interface MailItem {
  id: string;
  itemType: SandboxItemType;
  subject: string;
  from: Person | null;
  to: Person[];
  /** When it was received (a message) or starts (a meeting), as an ISO instant. */
  when: string;
  /** When a meeting ends, as an ISO instant. */
  end?: string;
  location?: string;
  preview: string;
  body: { contentType: string; content: string };
  internetMessageId?: string;
  conversationId?: string;
  /** Outlook categories, such as crmsync's "Tracked to CRM". */
  categories: string[];
}

/** The folders the sandbox shows. */
export type Folder = 'inbox' | 'calendar';

const graphRoot = '/dev/graph/v1.0';

interface GraphRecipient {
  emailAddress?: { name?: string; address?: string };
}

interface GraphItem {
  id: string;
  '@removed'?: unknown;
  subject?: string;
  bodyPreview?: string;
  body?: { contentType?: string; content?: string };
  internetMessageId?: string;
  conversationId?: string;
  receivedDateTime?: string;
  from?: GraphRecipient;
  organizer?: GraphRecipient;
  toRecipients?: GraphRecipient[];
  attendees?: GraphRecipient[];
  start?: { dateTime: string; timeZone: string };
  end?: { dateTime: string; timeZone: string };
  location?: { displayName?: string };
  categories?: string[];
}

function person(r: GraphRecipient | undefined): Person | null {
  const a = r?.emailAddress;
  return a?.address ? { name: a.name || a.address, address: a.address } : null;
}

/** utc reads Graph's dateTimeTimeZone in UTC (the fake always answers in UTC) as an ISO instant. */
function utc(dt: { dateTime: string; timeZone: string } | undefined): string {
  if (!dt) return '';
  const s = /[zZ]|[+-]\d\d:\d\d$/.test(dt.dateTime) ? dt.dateTime : `${dt.dateTime}Z`;
  const d = new Date(s);
  return Number.isNaN(d.getTime()) ? '' : d.toISOString();
}

/** delta reads every page of a delta query, following @odata.nextLink. */
async function delta(url: string, fetchFn: typeof fetch): Promise<GraphItem[]> {
  const items: GraphItem[] = [];
  let next: string | undefined = url;
  for (let pages = 0; next && pages < 50; pages++) {
    const res: Response = await fetchFn(next, {
      headers: { Authorization: 'Bearer sandbox', Prefer: 'odata.maxpagesize=100', Accept: 'application/json' },
    });
    if (!res.ok) {
      throw new Error(`the demo mailbox answered HTTP ${res.status}`);
    }
    const page = (await res.json()) as { value?: GraphItem[]; '@odata.nextLink'?: string };
    items.push(...(page.value ?? []).filter((i) => !i['@removed']));
    next = page['@odata.nextLink'];
  }
  return items;
}

/** loadFolder lists a folder of user's demo mailbox, newest first (the calendar: soonest first). */
export async function loadFolder(user: string, folder: Folder, fetchFn: typeof fetch = fetch, now = new Date()): Promise<MailItem[]> {
  const mailbox = `${graphRoot}/users/${encodeURIComponent(user)}`;
  if (folder === 'inbox') {
    const messages = await delta(`${mailbox}/mailFolders/inbox/messages/delta`, fetchFn);
    return messages
      .map(
        (m): MailItem => ({
          id: m.id,
          itemType: 'message',
          subject: m.subject ?? '',
          from: person(m.from),
          to: (m.toRecipients ?? []).map(person).filter((p): p is Person => p !== null),
          when: m.receivedDateTime ?? '',
          preview: m.bodyPreview ?? '',
          body: { contentType: m.body?.contentType ?? 'text', content: m.body?.content ?? '' },
          internetMessageId: m.internetMessageId || undefined,
          conversationId: m.conversationId || undefined,
          categories: m.categories ?? [],
        }),
      )
      .sort((a, b) => b.when.localeCompare(a.when));
  }
  // A window around today, as Outlook's calendar view would sync.
  const day = 24 * 60 * 60 * 1000;
  const start = new Date(now.getTime() - 30 * day).toISOString();
  const end = new Date(now.getTime() + 90 * day).toISOString();
  const events = await delta(
    `${mailbox}/calendarView/delta?startDateTime=${encodeURIComponent(start)}&endDateTime=${encodeURIComponent(end)}`,
    fetchFn,
  );
  return events
    .map(
      (e): MailItem => ({
        id: e.id,
        itemType: 'appointment',
        subject: e.subject ?? '',
        from: person(e.organizer),
        to: (e.attendees ?? []).map(person).filter((p): p is Person => p !== null),
        when: utc(e.start),
        end: utc(e.end),
        location: e.location?.displayName || undefined,
        preview: e.bodyPreview ?? '',
        body: { contentType: e.body?.contentType ?? 'text', content: e.body?.content ?? '' },
        categories: e.categories ?? [],
      }),
    )
    .sort((a, b) => a.when.localeCompare(b.when));
}

/** asSandboxItem is how the stand-in's Office.context.mailbox.item shows a list item. */
export function asSandboxItem(item: MailItem): SandboxItem {
  return {
    itemId: item.id,
    itemType: item.itemType,
    subject: item.subject,
    internetMessageId: item.internetMessageId,
    conversationId: item.conversationId,
    from: item.itemType === 'message' ? item.from?.address : undefined,
  };
}
