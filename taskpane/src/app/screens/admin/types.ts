// Record types and fields (CRM.Admin): the built-in types and the custom ones, each opening to its
// editor. #/admin/types

import { h, replace } from '../../dom.ts';
import { t } from '../../messages.ts';
import { href } from '../../router.ts';
import type { Screen, ScreenDeps } from '../../screen.ts';
import { load, pageHead } from '../../ui.ts';

/** mount lists the record types. */
export function mount(root: HTMLElement, deps: ScreenDeps): Screen {
  let destroyed = false;
  // Read fresh: another admin may have changed them.
  deps.typesChanged();
  void load(
    root,
    deps,
    () => deps.types(),
    (types) => {
      if (destroyed) return;
      replace(
        root,
        pageHead(t.types.title, h('a', { class: 'button accent', href: href('admin', 'types', 'new'), 'data-testid': 'new-type' }, t.types.newType)),
        h(
          'div',
          { class: 'table-scroll' },
          h(
            'table',
            { class: 'table', 'data-testid': 'types-table' },
            h('caption', { class: 'visually-hidden' }, t.types.title),
            h(
              'thead',
              null,
              h(
                'tr',
                null,
                [t.types.displayName, t.types.name, '', t.types.fields].map((c) => h('th', { scope: 'col' }, c)),
              ),
            ),
            h(
              'tbody',
              null,
              types.map((x) =>
                h(
                  'tr',
                  { 'data-testid': 'type-row', 'data-name': x.name },
                  h('td', null, h('a', { href: href('admin', 'types', x.name) }, x.displayName)),
                  h('td', null, h('code', null, x.name)),
                  h('td', null, h('span', { class: 'tag' }, x.builtIn ? t.types.builtIn : t.types.custom)),
                  h('td', null, x.fields.map((f) => f.name).join(', ')),
                ),
              ),
            ),
          ),
        ),
      );
    },
  );
  return {
    destroy: () => {
      destroyed = true;
    },
  };
}
