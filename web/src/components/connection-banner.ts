// Says plainly whether the page is live. While the WebSocket is down the banner stays up and
// counts down to the next attempt.
import { h, replaceChildren } from '../dom';
import type { LiveConnection, LiveState } from '../live';

export function connectionIndicator(live: LiveConnection): { badge: HTMLElement; banner: HTMLElement; destroy(): void } {
  const badge = h('span', { class: 'live-badge', 'data-state': 'connecting', title: 'Live updates' });
  const banner = h('div', { class: 'banner banner-warn', role: 'alert', hidden: true, 'data-testid': 'disconnected-banner' });
  let state: LiveState = 'connecting';
  let retryAt: number | null = null;

  const paint = () => {
    badge.dataset.state = state;
    badge.textContent = state === 'open' ? 'Live' : state === 'stopped' ? 'Offline' : state === 'connecting' ? 'Connecting…' : 'Disconnected';
    const down = state === 'reconnecting' || state === 'stopped';
    banner.hidden = !down;
    if (down) {
      const secs = retryAt ? Math.max(0, Math.ceil((retryAt - Date.now()) / 1000)) : 0;
      replaceChildren(
        banner,
        h('strong', null, 'Disconnected from live updates. '),
        secs > 0 ? `Reconnecting in ${secs} s…` : 'Reconnecting…',
        ' Data on this page may be out of date.',
      );
    }
  };
  const unsubscribe = live.onState((s, at) => {
    state = s;
    retryAt = at;
    paint();
  });
  const timer = window.setInterval(paint, 1000);
  return {
    badge,
    banner,
    destroy() {
      unsubscribe();
      window.clearInterval(timer);
    },
  };
}
