// Synchronized fields: per item kind (appointment, contact, task, email) the CRM field, the Outlook field and
// the direction drawn as an arrow; fixed fields locked with the reason, fields the user's field security
// hides marked. Every user reads it (#/fields); CRM.Admin changes directions (#/admin/fields).

import type { Direction, EntityType, FieldMapping, FieldMappingChange } from '../../api.ts';
import { h, replace } from '../dom.ts';
import { t } from '../messages.ts';
import type { Screen, ScreenDeps } from '../screen.ts';
import { load, pageHead, problemText, setStatus, statusLine } from '../ui.ts';

/** The item kinds, in the order the screen shows them. */
export const itemKinds = ['appointment', 'contact', 'task', 'email'] as const;

/** arrows draws each direction between the CRM (left) and Outlook (right). */
export const arrows: Record<Direction, string> = { to_outlook: '→', to_crm: '←', two_way: '↔', none: '✕' };

/** hiddenFromUser reports whether the user's field security hides a mapped CRM field (contacts are records). */
export function hiddenFromUser(m: FieldMapping, types: EntityType[]): boolean {
  const type = types.find((x) => x.name === m.itemKind);
  const f = type?.fields.find((x) => x.name === m.crmField);
  return f?.access?.read === false;
}

function arrow(d: Direction): HTMLElement {
  return h(
    'span',
    { class: `direction direction-${d}`, 'data-testid': 'direction', 'data-direction': d, role: 'img', 'aria-label': t.fields.directions[d] ?? d },
    h('span', { class: 'end' }, t.fields.crm),
    h('span', { class: 'arrow', 'aria-hidden': 'true' }, arrows[d] ?? '?'),
    h('span', { class: 'end' }, t.fields.outlook),
  );
}

/** mount shows the field mappings; admins edit them. */
export function mount(root: HTMLElement, deps: ScreenDeps): Screen {
  const editing = deps.route.name === 'admin-fields';
  let destroyed = false;
  let saved = new Map<string, Direction>();
  let chosen = new Map<string, Direction>();
  const key = (m: Pick<FieldMapping, 'itemKind' | 'crmField'>) => `${m.itemKind}/${m.crmField}`;

  void load(
    root,
    deps,
    () => Promise.all([deps.api.fieldMappings(), deps.types()]),
    ([page, types]) => {
      if (!destroyed) show(page.items, types);
    },
  );

  function show(maps: FieldMapping[], types: EntityType[]): void {
    saved = new Map(maps.map((m) => [key(m), m.direction]));
    chosen = new Map(saved);
    const status = statusLine('fields-status');
    const directionCell = (m: FieldMapping) => {
      if (!editing || m.fixed) return arrow(m.direction);
      const sel = h(
        'select',
        {
          class: 'text',
          'aria-label': `${t.fields.direction}: ${m.itemKind} ${m.crmField}`,
          'data-testid': 'direction-select',
          onchange: () => {
            chosen.set(key(m), sel.value as Direction);
            sel.previousElementSibling?.replaceWith(arrow(sel.value as Direction));
          },
        },
        (m.allowedDirections?.length ? m.allowedDirections : [m.direction]).map((d) =>
          h('option', { value: d, selected: d === m.direction }, t.fields.directions[d] ?? d),
        ),
      );
      return h('span', { class: 'direction-edit' }, arrow(m.direction), sel);
    };
    const section = (kind: string) => {
      const rows = maps.filter((m) => m.itemKind === kind);
      if (rows.length === 0) return null;
      const fixedNote = rows.some((m) => m.fixed) ? h('p', { class: 'hint', 'data-testid': 'fixed-why' }, t.fields.fixedWhy) : null;
      return h(
        'section',
        { class: 'card', 'aria-labelledby': `kind-${kind}` },
        h('h2', { id: `kind-${kind}` }, t.fields.kinds[kind] ?? kind),
        h(
          'div',
          { class: 'table-scroll' },
          h(
            'table',
            { class: 'table', 'data-testid': `mappings-${kind}` },
            h(
              'thead',
              null,
              h(
                'tr',
                null,
                [t.fields.crmField, t.fields.direction, t.fields.outlookField].map((c) => h('th', { scope: 'col' }, c)),
              ),
            ),
            h(
              'tbody',
              null,
              rows.map((m) => {
                const hidden = hiddenFromUser(m, types);
                return h(
                  'tr',
                  { 'data-testid': 'mapping', 'data-kind': m.itemKind, 'data-field': m.crmField, 'data-fixed': String(m.fixed) },
                  h(
                    'td',
                    null,
                    h('code', null, m.crmField),
                    m.fixed ? h('span', { class: 'tag', title: t.fields.fixedWhy, 'data-testid': 'fixed' }, t.fields.fixed) : null,
                    hidden ? h('span', { class: 'tag warn', title: t.fields.hiddenWhy, 'data-testid': 'hidden-field' }, t.fields.hidden) : null,
                    hidden ? h('span', { class: 'hint block' }, t.fields.hiddenWhy) : null,
                  ),
                  h('td', null, directionCell(m)),
                  h('td', null, h('code', null, m.outlookField)),
                );
              }),
            ),
          ),
        ),
        fixedNote,
      );
    };
    const extra = [...new Set(maps.map((m) => m.itemKind))].filter((k) => !(itemKinds as readonly string[]).includes(k));
    replace(
      root,
      pageHead(editing ? t.fields.adminTitle : t.fields.title),
      h('p', { class: 'hint' }, editing ? t.fields.adminIntro : t.fields.intro),
      [...itemKinds, ...extra].map(section),
      editing
        ? h(
            'div',
            { class: 'form-actions' },
            h('button', { type: 'button', class: 'button accent', 'data-testid': 'save-mappings', onclick: () => void save(status) }, t.common.save),
            status,
          )
        : null,
    );
  }

  async function save(status: HTMLElement): Promise<void> {
    const changes = [...chosen]
      .filter(([k, d]) => saved.get(k) !== d)
      .map(([k, direction]) => {
        const [itemKind, crmField] = k.split('/');
        return { itemKind: itemKind as FieldMappingChange['itemKind'], crmField, direction };
      });
    if (changes.length === 0) {
      setStatus(status, t.fields.saved, 'done');
      return;
    }
    setStatus(status, t.common.saving, 'busy');
    try {
      const page = await deps.api.putFieldMappings(changes);
      if (destroyed) return;
      saved = new Map(page.items.map((m) => [key(m), m.direction]));
      chosen = new Map(saved);
      setStatus(status, t.fields.saved, 'done');
    } catch (e) {
      if (!destroyed) setStatus(status, problemText(e), 'error');
    }
  }

  return {
    dirty: () => [...chosen].some(([k, d]) => saved.get(k) !== d),
    destroy: () => {
      destroyed = true;
    },
  };
}
