// Short-lived notices in a corner; errors stay a little longer than confirmations.
import type { Tone } from '../app';
import { h } from '../dom';

let region: HTMLElement | null = null;

export function toast(message: string, tone: Tone = 'info'): void {
  if (!region || !region.isConnected) {
    region = h('div', { class: 'toasts', role: 'status', 'aria-live': 'polite' });
    document.body.appendChild(region);
  }
  const el = h('div', { class: ['toast', `toast-${tone}`] }, message);
  region.appendChild(el);
  window.setTimeout(() => el.remove(), tone === 'error' ? 8000 : 4000);
}
