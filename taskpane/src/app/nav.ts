// The navigation rail: the app's sections, the admin console only for CRM.Admin (the API refuses the
// others anyway), and which one is open.

import { h } from './dom.ts';
import { t } from './messages.ts';
import type { Route } from './router.ts';

interface NavItem {
  label: string;
  hash: string;
  /** the route names the item is current for */
  for: string[];
}

interface NavGroup {
  label: string;
  items: NavItem[];
}

/** navGroups are the sections the rail lists for a user. */
export function navGroups(admin: boolean): NavGroup[] {
  const groups: NavGroup[] = [
    {
      label: t.shell.crm,
      items: [
        { label: t.shell.records, hash: '#/records', for: ['records', 'record', 'record-new', 'activity', 'home'] },
        { label: t.shell.myTracking, hash: '#/tracking', for: ['tracking'] },
      ],
    },
    {
      label: t.shell.personal,
      items: [
        { label: t.shell.options, hash: '#/options', for: ['options'] },
        { label: t.shell.filters, hash: '#/filters', for: ['filters', 'filter', 'filter-new'] },
        { label: t.shell.fields, hash: '#/fields', for: ['fields'] },
      ],
    },
  ];
  if (admin) {
    groups.push({
      label: t.shell.admin,
      items: [
        { label: t.shell.mailboxes, hash: '#/admin/mailboxes', for: ['admin-mailboxes'] },
        { label: t.shell.settings, hash: '#/admin/settings', for: ['admin-settings'] },
        { label: t.shell.fieldSync, hash: '#/admin/fields', for: ['admin-fields'] },
        { label: t.shell.security, hash: '#/admin/security', for: ['admin-security'] },
        { label: t.shell.types, hash: '#/admin/types', for: ['admin-types', 'admin-type', 'admin-type-new'] },
        { label: t.shell.systemFilters, hash: '#/admin/filters', for: ['admin-filters', 'admin-filter', 'admin-filter-new'] },
        { label: t.shell.deployment, hash: '#/admin/deployment', for: ['admin-deployment'] },
      ],
    });
  }
  return groups;
}

/** renderNav builds the rail's lists. */
export function renderNav(admin: boolean): HTMLElement[] {
  return navGroups(admin).map((g) =>
    h(
      'div',
      { class: 'nav-group' },
      h('h2', { class: 'nav-heading' }, g.label),
      h(
        'ul',
        { role: 'list' },
        g.items.map((i) =>
          h(
            'li',
            null,
            h('a', { href: i.hash, class: 'nav-link', 'data-testid': `nav-${i.hash.slice(2).replace(/\//g, '-')}`, 'data-for': i.for.join(' ') }, i.label),
          ),
        ),
      ),
    ),
  );
}

/** markCurrent sets aria-current on the rail's item for the route shown. */
export function markCurrent(nav: HTMLElement, route: Route): void {
  for (const a of nav.querySelectorAll<HTMLAnchorElement>('a.nav-link')) {
    if ((a.dataset.for ?? '').split(' ').includes(route.name)) a.setAttribute('aria-current', 'page');
    else a.removeAttribute('aria-current');
  }
}
