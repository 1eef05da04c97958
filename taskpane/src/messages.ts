// Readable text for what can go wrong, shared by the taskpane and the ribbon commands.

import { ApiError, type TrackRequest } from './api.ts';
import { AuthError } from './auth.ts';
import { OfficeError } from './office.ts';

/** What the user was doing when an error came: it decides what a 404 means. */
export type Operation = 'load' | 'track' | 'setRegarding' | 'untrack' | 'search' | 'watch' | 'sync' | 'save';

/** The fixed sentences of the known cases. */
export const text = {
  unreachable: 'crmsync cannot be reached',
  signInAgain: 'Sign in again',
  notInMailbox: 'This item is not in your mailbox',
  draft: 'Outlook could not give us this message: it is still a draft — save it first',
  notTracked: 'This item is not tracked',
  stillWorking: 'crmsync is still working on it; open the crmsync pane to follow it',
} as const;

function sentence(s: string): string {
  const t = s.trim();
  return t ? t[0].toUpperCase() + t.slice(1) : t;
}

/** failureText is what a failed click's error says, with the known cases in the taskpane's words. */
export function failureText(error: string | undefined): string {
  const e = error ?? '';
  if (/still a draft/i.test(e)) {
    return text.draft;
  }
  return sentence(e) || 'crmsync could not do it, and did not say why';
}

/** readableError turns any error into one sentence for the user. */
export function readableError(err: unknown, op: Operation): string {
  if (err instanceof ApiError) {
    if (err.network || err.status === 0) {
      return text.unreachable;
    }
    if (err.status === 401) {
      return text.signInAgain;
    }
    if (err.status === 404 && (op === 'track' || op === 'setRegarding')) {
      return text.notInMailbox;
    }
    if (err.status === 404 && op === 'untrack') {
      return text.notTracked;
    }
    if (/still a draft/i.test(err.detail)) {
      return text.draft;
    }
    return sentence(err.message);
  }
  if (err instanceof AuthError || err instanceof OfficeError) {
    return sentence(err.message);
  }
  if (err instanceof DOMException && (err.name === 'TimeoutError' || err.name === 'AbortError')) {
    return text.stillWorking;
  }
  if (err instanceof TypeError) {
    return text.unreachable; // fetch's network failure
  }
  if (err instanceof Error && err.message) {
    return sentence(err.message);
  }
  return 'Something went wrong';
}

/** doneText says what a finished click did, for a notification. */
export function doneText(r: TrackRequest): string {
  if (r.action === 'untrack') {
    return 'Untracked from CRM';
  }
  if (r.record) {
    return `Tracked to CRM as the contact ${r.record.name}`;
  }
  const name = r.activity?.regarding?.name;
  return name ? `Tracked to CRM regarding ${name}` : 'Tracked to CRM';
}

/** The automatic tracking options, each explained in one line as Dynamics explains them. */
export const autoTrackText: Record<string, { label: string; explains: string }> = {
  none: { label: 'None', explains: 'Only what you track yourself.' },
  responses: { label: 'Responses to CRM email', explains: 'Replies to email that is tracked already.' },
  leads_contacts_accounts: { label: 'Email from leads, contacts and accounts', explains: 'Incoming email whose sender is a lead, contact or account in the CRM.' },
  email_enabled_records: {
    label: 'Email from records with an email address',
    explains: 'Incoming email whose sender matches any record with an email field, custom record types included.',
  },
  all: { label: 'All email messages', explains: 'Every incoming message.' },
};

/** The taskpane's words: everything the pane shows, in one place. */
export const paneText = {
  brand: 'crmsync',
  settings: 'Settings',
  back: 'Back',
  synchronization: 'Synchronization',
  synchronizeNow: 'Synchronize now',
  synchronizing: 'Synchronizing…',
  syncRequested: 'Synchronization requested',
  syncRequestedAt: (hhmm: string) => `Synchronization requested at ${hhmm}`,
  syncFailed: (why: string) => `Synchronization failed: ${why}`,
  tracking: 'Tracking',
  notTracked: 'Not tracked',
  tracked: 'Tracked',
  trackingBusy: 'Tracking…',
  untrackingBusy: 'Untracking…',
  regarding: 'Regarding',
  crmContact: 'CRM contact',
  noItem: 'Select an item to see whether it is tracked.',
  noSubject: '(no subject)',
  searchLabel: 'Set regarding',
  searchPlaceholder: 'Search accounts, contacts, leads…',
  searchRecords: 'Records',
  regardingRecord: 'Regarding record',
  picked: (type: string, name: string) => `Picked ${type} ${name}.`,
  noMatch: (q: string) => `No records match “${q}”.`,
  noOfflineMatch: (q: string) => `No offline records match “${q}”.`,
  found: (n: number) => `${n} found.`,
  track: 'Track',
  setRegarding: 'Set Regarding',
  untrack: 'Untrack',
  parties: 'Parties',
  noParties: 'No parties.',
  partiesLater: 'Parties show once the item is tracked.',
  notInCrm: 'not in CRM',
  noItemId: 'Outlook gave no id for this item; save it and try again',
  /** What the pane says of a click kept for later. */
  queued: 'Saved — will be sent when crmsync can be reached',
  neverTrack: (address: string) => `${address} is on a never-track list: crmsync does not track this email automatically. Track still tracks it.`,
  /** The note beside results that came from the offline records. */
  offlineSearch: 'offline — from your offline records',
  roles: {
    from: 'From',
    sender: 'From',
    to: 'To',
    cc: 'Cc',
    bcc: 'Bcc',
    organizer: 'Organizer',
    required: 'Required',
    optional: 'Optional',
  } as Record<string, string>,
  // The compact Settings view.
  interval: 'Synchronize every (minutes)',
  intervalHint: (min: number, max: number) => `From ${min} to ${max} minutes.`,
  autoTrack: 'Track email automatically',
  save: 'Save',
  saving: 'Saving…',
  saved: 'Saved.',
  mailbox: 'Your mailbox',
  lastSync: (when: string) => `Last synchronized ${when}`,
  neverSynced: 'Not synchronized yet',
  lastError: (why: string) => `Last error: ${why}`,
  moreSettings: 'All settings in the crmsync web app',
  loading: 'Loading…',
  optionsUnreadable: (why: string) => `Your settings cannot be read: ${why}`,
} as const;

/** label capitalizes a name for display: account → Account. */
export function label(name: string): string {
  return name ? name[0].toUpperCase() + name.slice(1) : name;
}
