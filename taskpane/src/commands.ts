// The ribbon's function file: Track and Untrack in one click, without the taskpane. Each command sends
// the click, waits a while for it to finish, tells the user in an Outlook notification, and always
// calls event.completed() (Outlook shows the command as running until then). It signs in only silently:
// when that is not enough it says "Open the crmsync pane to sign in", where sign-in may be interactive.

import { createApi, isOpen, type ApiClient, type TrackRequest } from './api.ts';
import { createTokenSource, loadConfig } from './auth.ts';
import { doneText, failureText, readableError, text, type Operation } from './messages.ts';
import { associate, officeAdapter, type CommandEvent, type CurrentItem, type OfficeAdapter } from './office.ts';

/** What the commands need; tests pass fakes. */
export interface CommandDeps {
  api: () => Promise<ApiClient>;
  office: OfficeAdapter;
  /** How long a command waits for the click to finish; 20 s by default. */
  timeoutMs?: number;
  pollMs?: number;
}

/** The ribbon's commands, by the manifest's FunctionName. */
export interface Commands {
  trackItem(event: CommandEvent): Promise<void>;
  untrackItem(event: CommandEvent): Promise<void>;
}

class StillWorking extends Error {
  constructor() {
    super(text.stillWorking);
    this.name = 'StillWorking';
  }
}

/** createCommands builds the two commands. */
export function createCommands(deps: CommandDeps): Commands {
  const { office } = deps;
  const timeoutMs = deps.timeoutMs ?? 20_000;

  async function waitFor(api: ApiClient, first: TrackRequest): Promise<TrackRequest> {
    if (!isOpen(first)) {
      return first;
    }
    const ctrl = new AbortController();
    const timer = setTimeout(() => ctrl.abort(new StillWorking()), timeoutMs);
    try {
      return await api.watch(first.id, () => undefined, { signal: ctrl.signal, pollMs: deps.pollMs });
    } catch (e) {
      throw ctrl.signal.aborted ? new StillWorking() : e;
    } finally {
      clearTimeout(timer);
    }
  }

  async function run(event: CommandEvent, op: Operation, send: (api: ApiClient, itemId: string, item: CurrentItem) => Promise<TrackRequest>): Promise<void> {
    let message: string;
    let kind: 'info' | 'error' = 'error';
    try {
      const item = await office.currentItem();
      if (!item) {
        throw new Error('open an item first');
      }
      // A draft or a meeting being organized has an id only once saved.
      const itemId = item.mode === 'compose' ? await office.saveItem() : item.itemId;
      const api = await deps.api();
      const final = await waitFor(api, await send(api, itemId, item));
      if (final.state === 'done') {
        message = doneText(final);
        kind = 'info';
      } else {
        message = failureText(final.error);
      }
    } catch (e) {
      if (e instanceof StillWorking) {
        message = e.message;
        kind = 'info';
      } else {
        message = readableError(e, op);
      }
    }
    try {
      await office.notify(message, kind);
    } catch {
      // nothing more can be shown
    } finally {
      event.completed();
    }
  }

  return {
    trackItem: (event) =>
      run(event, 'track', (api, itemId, item) =>
        api.track({ itemId, itemType: item.itemType, internetMessageId: item.internetMessageId, conversationId: item.conversationId }),
      ),
    untrackItem: (event) => run(event, 'untrack', (api, itemId) => api.untrack(itemId)),
  };
}

/** start registers the commands with Office; the API client is made on first use. */
export function start(): void {
  let client: Promise<ApiClient> | undefined;
  const api = () =>
    (client ??= loadConfig().then((config) => {
      // Not interactive: a ribbon command never opens a popup or a dialog; it asks for the pane instead.
      const tokens = createTokenSource({ config, office: officeAdapter, interactive: false });
      return createApi({ base: config.apiBase, token: () => tokens.token(), invalidateToken: () => tokens.invalidate() });
    })).catch((e) => {
      client = undefined; // try again on the next click
      throw e;
    });
  const commands = createCommands({ api, office: officeAdapter });
  // Registered at once, not after Office.onReady: Outlook may run the command as soon as the page loads.
  associate('trackItem', commands.trackItem);
  associate('untrackItem', commands.untrackItem);
  void officeAdapter.ready().catch(() => undefined);
}
