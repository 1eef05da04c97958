// The Fluent UI design system (v2, as the taskpane): its design tokens, which the app's CSS reads as
// custom properties, the few Fluent components the app uses, and light or dark following the system.

import { baseLayerLuminance, fluentBadge, fluentDivider, fluentProgressRing, provideFluentDesignSystem, StandardLuminance } from '@fluentui/web-components';

/** registerTheme defines the Fluent components and follows the system's light or dark. */
export function registerTheme(win: Window = window): void {
  provideFluentDesignSystem().register(fluentProgressRing(), fluentBadge(), fluentDivider());
  const dark = win.matchMedia('(prefers-color-scheme: dark)');
  const apply = () => {
    baseLayerLuminance.withDefault(dark.matches ? StandardLuminance.DarkMode : StandardLuminance.LightMode);
    win.document.documentElement.dataset.theme = dark.matches ? 'dark' : 'light';
  };
  apply();
  dark.addEventListener('change', apply);
}
