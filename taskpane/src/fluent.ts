// Fluent UI web components (v2) that the taskpane uses, registered once. A module of its own so that
// the taskpane loads it on the side (its elements upgrade in place once defined) and its tests in
// jsdom, which lacks matchMedia, never load it.

import {
  fluentBadge,
  fluentButton,
  fluentDivider,
  fluentProgressRing,
  provideFluentDesignSystem,
} from '@fluentui/web-components';

/** registerFluent defines fluent-button, fluent-badge, fluent-progress-ring and fluent-divider. */
export function registerFluent(): void {
  provideFluentDesignSystem().register(fluentButton(), fluentBadge(), fluentProgressRing(), fluentDivider());
}
