// The condition builder: rows of field, operator and value, with the operators valid for the field's kind,
// in and/or groups nested up to the language's limit, @me offered for owner and reference fields. Each row
// and group carries its JSON pointer (/conditions/and/1) so that the API's 422 shows on the row it names.

import type { Comparison, Condition, ConditionGroup } from '../../api.ts';
import { h, replace, uid } from '../dom.ts';
import { t } from '../messages.ts';
import { fromValue, maxDepth, maxLeaves, operatorsFor, toValue, valueless, type FilterField } from './filter-fields.ts';

interface Leaf {
  field: string;
  op: string;
  /** what the user typed: one value, or one a line for in */
  text: string;
}

interface Group {
  op: 'and' | 'or';
  children: Node[];
}

type Node = Leaf | Group;

const isGroup = (n: Node): n is Group => 'children' in n;

/** toNode reads the language into the builder's tree. */
function toNode(c: Condition, fields: FilterField[]): Node {
  if ('and' in c || 'or' in c) {
    const op = 'and' in c ? 'and' : 'or';
    const members = ('and' in c ? c.and : c.or) ?? [];
    return { op, children: members.map((m) => toNode(m, fields)) };
  }
  const cmp = c as Comparison;
  const kind = fields.find((f) => f.name === cmp.field)?.kind ?? 'text';
  const text = Array.isArray(cmp.value) ? cmp.value.map((v) => fromValue(kind, v)).join('\n') : fromValue(kind, cmp.value);
  return { field: cmp.field, op: cmp.op, text };
}

/** A mounted builder. */
export interface Builder {
  /** value is the conditions as the API takes them. */
  value(): ConditionGroup;
  /** setFields changes the fields offered (another record type), keeping the rows. */
  setFields(fields: FilterField[]): void;
}

/** mountBuilder renders the conditions into root; onChange hears of every change. */
export function mountBuilder(root: HTMLElement, conditions: ConditionGroup | undefined, fields: FilterField[], onChange: () => void): Builder {
  let offered = fields;
  const tree = toNode(conditions ?? { and: [] }, offered) as Group;

  const leaves = (n: Node): number => (isGroup(n) ? n.children.reduce((s, c) => s + leaves(c), 0) : 1);
  const changed = () => {
    render();
    onChange();
  };

  function leafValue(l: Leaf): Comparison {
    const kind = offered.find((f) => f.name === l.field)?.kind ?? 'text';
    // The operator as chosen ('' before one is): the API names a wrong one on its row.
    const op = l.op as Comparison['op'];
    if (valueless.has(l.op)) return { field: l.field, op };
    if (l.op === 'in') {
      const values = l.text
        .split('\n')
        .map((s) => s.trim())
        .filter(Boolean);
      return { field: l.field, op, value: values.map((v) => toValue(kind, v)) };
    }
    return { field: l.field, op, value: toValue(kind, l.text) };
  }

  function value(n: Group): ConditionGroup {
    const members: Condition[] = n.children.map((c) => (isGroup(c) ? value(c) : leafValue(c)));
    return n.op === 'and' ? { and: members } : { or: members };
  }

  function valueControl(l: Leaf, f: FilterField | undefined, label: string): HTMLElement | null {
    if (valueless.has(l.op)) return null;
    const set = (v: string) => {
      l.text = v;
      onChange();
    };
    if (l.op === 'in') {
      return h('textarea', {
        class: 'text',
        rows: 2,
        'aria-label': t.builder.values,
        'data-role': 'value',
        value: l.text,
        oninput: (e: Event) => set((e.target as HTMLTextAreaElement).value),
      });
    }
    const kind = f?.kind ?? 'text';
    if (f?.me) {
      // An owner or reference: @me, or an id typed in.
      const byId = l.text !== '@me';
      const mode = h(
        'select',
        {
          class: 'text',
          'aria-label': label,
          'data-role': 'value',
          onchange: (e: Event) => ((l.text = (e.target as HTMLSelectElement).value === 'me' ? '@me' : ''), changed()),
        },
        h('option', { value: 'me', selected: !byId }, t.builder.me),
        h('option', { value: 'id', selected: byId }, t.builder.byId),
      );
      const id = byId
        ? h('input', {
            class: 'text',
            type: 'text',
            placeholder: t.builder.idPlaceholder,
            'aria-label': `${label} (${t.builder.idPlaceholder})`,
            'data-role': 'id',
            value: l.text,
            oninput: (e: Event) => set((e.target as HTMLInputElement).value.trim()),
          })
        : null;
      return h('span', { class: 'value-pair' }, mode, id);
    }
    if (kind === 'choice' || kind === 'boolean') {
      const options: [string, string][] =
        kind === 'choice'
          ? (f?.choices ?? []).map((c) => [c, c])
          : [
              ['true', t.record.yes],
              ['false', t.record.no],
            ];
      if (!options.some(([v]) => v === l.text)) l.text = options[0]?.[0] ?? '';
      return h(
        'select',
        { class: 'text', 'aria-label': label, 'data-role': 'value', onchange: (e: Event) => set((e.target as HTMLSelectElement).value) },
        options.map(([v, text]) => h('option', { value: v, selected: v === l.text }, text)),
      );
    }
    const type = kind === 'number' ? 'number' : kind === 'date' ? 'date' : kind === 'datetime' ? 'datetime-local' : 'text';
    return h('input', {
      class: 'text',
      type,
      step: kind === 'number' ? 'any' : undefined,
      'aria-label': label,
      'data-role': 'value',
      value: l.text,
      oninput: (e: Event) => set((e.target as HTMLInputElement).value),
    });
  }

  function leafRow(l: Leaf, parent: Group, pointer: string): HTMLElement {
    const f = offered.find((x) => x.name === l.field);
    const ops = operatorsFor(f?.kind ?? 'text');
    if (!ops.includes(l.op)) l.op = ops[0];
    const id = uid('cond');
    const fieldSelect = h(
      'select',
      {
        class: 'text',
        id: `${id}-field`,
        'aria-label': t.builder.field,
        'data-role': 'field',
        onchange: (e: Event) => {
          l.field = (e.target as HTMLSelectElement).value;
          l.text = offered.find((x) => x.name === l.field)?.me ? '@me' : '';
          changed();
        },
      },
      f ? null : h('option', { value: l.field, selected: true }, l.field),
      offered.map((x) => h('option', { value: x.name, selected: x.name === l.field }, x.label)),
    );
    const opSelect = h(
      'select',
      {
        class: 'text',
        'aria-label': t.builder.operator,
        'data-role': 'op',
        onchange: (e: Event) => ((l.op = (e.target as HTMLSelectElement).value), changed()),
      },
      ops.map((o) => h('option', { value: o, selected: o === l.op }, t.builder.ops[o] ?? o)),
    );
    const remove = h(
      'button',
      {
        type: 'button',
        class: 'button subtle',
        'aria-label': t.builder.removeCondition,
        title: t.builder.removeCondition,
        'data-testid': 'remove-condition',
        onclick: () => ((parent.children = parent.children.filter((c) => c !== l)), changed()),
      },
      '✕',
    );
    return h(
      'li',
      { class: 'condition', 'data-field': pointer, 'data-testid': 'condition', 'data-pointer': pointer },
      h('div', { class: 'condition-row' }, fieldSelect, opSelect, valueControl(l, f, `${t.builder.value}: ${f?.label ?? l.field}`), remove),
      h('p', { class: 'field-error', role: 'alert', hidden: true }),
    );
  }

  function groupBox(g: Group, pointer: string, depth: number, parent: Group | null): HTMLElement {
    const path = `${pointer}/${g.op}`;
    const matchId = uid('match');
    const full = leaves(tree) >= maxLeaves;
    const add = (n: Node) => {
      g.children.push(n);
      changed();
    };
    const first = offered[0]?.name ?? 'name';
    const fresh = (): Leaf => ({ field: first, op: '', text: offered[0]?.me ? '@me' : '' });
    return h(
      'fieldset',
      { class: `group depth-${depth}`, 'data-field': pointer, 'data-testid': 'group', 'data-pointer': pointer },
      h(
        'legend',
        null,
        h('label', { for: matchId }, t.builder.match),
        ' ',
        h(
          'select',
          {
            id: matchId,
            class: 'text',
            'data-role': 'group-op',
            onchange: (e: Event) => ((g.op = (e.target as HTMLSelectElement).value as 'and' | 'or'), changed()),
          },
          h('option', { value: 'and', selected: g.op === 'and' }, t.builder.all),
          h('option', { value: 'or', selected: g.op === 'or' }, t.builder.any),
        ),
      ),
      g.children.length === 0 && !parent ? h('p', { class: 'hint' }, t.builder.empty) : null,
      h(
        'ul',
        { class: 'conditions', role: 'list' },
        g.children.map((c, i) => (isGroup(c) ? h('li', null, groupBox(c, `${path}/${i}`, depth + 1, g)) : leafRow(c, g, `${path}/${i}`))),
      ),
      h('p', { class: 'field-error', role: 'alert', hidden: true }),
      h(
        'div',
        { class: 'group-actions' },
        h('button', { type: 'button', class: 'button', disabled: full, 'data-testid': 'add-condition', onclick: () => add(fresh()) }, t.builder.addCondition),
        depth < maxDepth
          ? h(
              'button',
              {
                type: 'button',
                class: 'button',
                disabled: full,
                'data-testid': 'add-group',
                onclick: () => add({ op: g.op === 'and' ? 'or' : 'and', children: [fresh()] }),
              },
              t.builder.addGroup,
            )
          : h('span', { class: 'hint' }, t.builder.depthLimit(maxDepth)),
        parent
          ? h(
              'button',
              {
                type: 'button',
                class: 'button subtle',
                'data-testid': 'remove-group',
                onclick: () => ((parent.children = parent.children.filter((c) => c !== g)), changed()),
              },
              t.builder.removeGroup,
            )
          : null,
        full ? h('span', { class: 'hint' }, t.builder.leafLimit(maxLeaves)) : null,
      ),
    );
  }

  function render(): void {
    replace(root, groupBox(tree, '/conditions', 1, null));
  }

  render();
  return {
    value: () => value(tree),
    setFields(next: FilterField[]): void {
      offered = next;
      render();
    },
  };
}
