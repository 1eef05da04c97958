// What the sandbox page (/dev/outlook) and the Office.js stand-in in its frames share. The page keeps the
// selection on its window as `crmsyncSandbox`, which the stand-in reads through window.parent (same
// origin); the stand-in puts `crmsyncStandin` on its frame's window, which the page calls.

/** The Outlook item kinds the sandbox lists. */
export type SandboxItemType = 'message' | 'appointment';

/** The selected item, as Office.js would describe it in read mode. */
export interface SandboxItem {
  /** The REST id: the demo mailbox's ids are REST ids already, so convertToRestId returns them as they are. */
  itemId: string;
  itemType: SandboxItemType;
  subject: string;
  internetMessageId?: string;
  conversationId?: string;
  /** The sender's address of a message. */
  from?: string;
}

/** An Outlook notification message (item.notificationMessages.replaceAsync). */
export interface SandboxNotification {
  key: string;
  /** Office's ItemNotificationMessageType: informationalMessage, errorMessage, progressIndicator. */
  type: string;
  message: string;
}

/** SandboxHost is the page's side: who is signed in, the selected item, and the notification bar. */
export interface SandboxHost {
  /** The UPN of the demo user whose mailbox is shown. */
  user: string;
  item: SandboxItem | null;
  /** notify shows a notification on the item with itemId, as Outlook shows one above the message. */
  notify(itemId: string, notification: SandboxNotification): void;
}

/** StandinControl is the stand-in's side, which the page calls in the frame. */
export interface StandinControl {
  /** itemChanged raises Office.EventType.ItemChanged, as Outlook does when another item is selected. */
  itemChanged(): void;
  /**
   * invoke runs a ribbon command registered with Office.actions.associate, waiting up to timeoutMs for
   * the page to register it, and resolves when the command calls event.completed().
   */
  invoke(name: string, timeoutMs?: number): Promise<void>;
}

declare global {
  interface Window {
    crmsyncSandbox?: SandboxHost;
    crmsyncStandin?: StandinControl;
  }
}

/** The demo users the sandbox can sign in as. */
export const demoUsers = [
  { upn: 'alice@contoso.test', name: 'Alice Johnson' },
  { upn: 'bob@contoso.test', name: 'Bob Kelly' },
] as const;

/** The user a stand-in signs in as when no sandbox page frames it. */
export const defaultUser = demoUsers[0].upn;

/** People outside the demo tenant whom New message can send as: demo CRM contacts and leads, and a stranger. */
export const externalSenders = [
  { address: 'dana.whitfield@fabrikam.test', name: 'Dana Whitfield', about: 'a contact at Fabrikam' },
  { address: 'marco.rossi@northwindtraders.test', name: 'Marco Rossi', about: 'a contact at Northwind' },
  { address: 'kenji.watanabe@wingtiptoys.test', name: 'Kenji Watanabe', about: 'a lead' },
  { address: 'sam@elsewhere.test', name: 'Sam Stranger', about: 'not in the CRM' },
] as const;

/** The category crmsync stamps on what it tracked. */
export const trackedCategory = 'Tracked to CRM';
