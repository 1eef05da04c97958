// Deployment (CRM.Admin): the values an admin needs from the running configuration — the add-in manifests
// to download, the Application ID URI, the redirect URIs, the Graph permissions for the current mode — and a
// check of the public URL and Graph credentials. #/admin/deployment

import type { Deployment, DeploymentCheck } from '../../../api.ts';
import { h, replace } from '../../dom.ts';
import { t } from '../../messages.ts';
import type { Screen, ScreenDeps } from '../../screen.ts';
import { loadingView, pageHead, problemText, problemView } from '../../ui.ts';

/** mount shows the deployment values. */
export function mount(root: HTMLElement, deps: ScreenDeps): Screen {
  let destroyed = false;
  const body = h('div', null, loadingView());
  replace(root, pageHead(t.deployment.title), h('p', { class: 'hint' }, t.deployment.intro), body);

  async function read(): Promise<void> {
    let d: Deployment;
    try {
      d = await deps.api.deployment();
    } catch (e) {
      if (!destroyed) replace(body, problemView(e, deps, () => void read()));
      return;
    }
    if (destroyed) return;
    const checks = h('div', { 'aria-live': 'polite', 'data-testid': 'checks' });
    const value = (v: string) => h('code', { class: 'copyable' }, v);
    replace(
      body,
      h(
        'dl',
        { class: 'facts card', 'data-testid': 'deployment' },
        [
          [t.deployment.publicUrl, value(d.publicUrl)],
          [t.deployment.clientId, value(d.clientId)],
          [t.deployment.appIdUri, value(d.applicationIdUri)],
          [
            t.deployment.redirectUris,
            h(
              'ul',
              { role: 'list' },
              d.redirectUris.map((u) => h('li', null, value(u))),
            ),
          ],
          [t.deployment.mode, d.syncMode],
          [
            t.deployment.manifests,
            h(
              'ul',
              { role: 'list' },
              h('li', null, h('a', { href: d.manifestUrls.xml, download: '' }, t.deployment.xml)),
              h('li', null, h('a', { href: d.manifestUrls.json, download: '' }, t.deployment.json)),
            ),
          ],
        ].map(([k, v]) => [h('dt', null, k), h('dd', null, v)]),
      ),
      h(
        'section',
        { class: 'card', 'aria-labelledby': 'permissions-title' },
        h('h2', { id: 'permissions-title' }, t.deployment.permissions),
        h(
          'div',
          { class: 'table-scroll' },
          h(
            'table',
            { class: 'table' },
            h(
              'thead',
              null,
              h(
                'tr',
                null,
                [t.deployment.permission, t.deployment.type, t.deployment.why].map((c) => h('th', { scope: 'col' }, c)),
              ),
            ),
            h(
              'tbody',
              null,
              d.graphPermissions.map((p) => h('tr', null, h('td', null, h('code', null, p.name)), h('td', null, p.type), h('td', null, p.why))),
            ),
          ),
        ),
      ),
      h(
        'div',
        { class: 'form-actions' },
        h('button', { type: 'button', class: 'button accent', 'data-testid': 'check', onclick: () => void check(checks) }, t.deployment.check),
      ),
      checks,
    );
  }

  async function check(box: HTMLElement): Promise<void> {
    replace(box, h('p', { class: 'hint' }, t.deployment.checking));
    let answer: DeploymentCheck;
    try {
      answer = await deps.api.checkDeployment();
    } catch (e) {
      if (!destroyed) replace(box, h('p', { class: 'error-text', role: 'alert' }, problemText(e)));
      return;
    }
    if (destroyed) return;
    replace(
      box,
      h(
        'ul',
        { class: 'checks', role: 'list' },
        answer.checks.map((c) =>
          h(
            'li',
            { 'data-testid': 'check-result', 'data-ok': String(c.ok) },
            h('strong', null, `${c.name}: ${c.ok ? t.deployment.ok : t.deployment.failed}`),
            c.detail ? ` — ${c.detail}` : '',
          ),
        ),
      ),
    );
  }

  void read();
  return {
    destroy: () => {
      destroyed = true;
    },
  };
}
