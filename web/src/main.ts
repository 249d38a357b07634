// Entry point: the login screen or the application shell, and a hash router between pages.
// Hash routes need no server-side fallback, so any static file server can host the build.
import 'uplot/dist/uPlot.min.css';
import './styles.css';

import { api } from './api';
import type { AppContext, Page, PageFactory } from './app';
import { connectionIndicator } from './components/connection-banner';
import { toast } from './components/toast';
import { h, replaceChildren } from './dom';
import { LiveConnection } from './live';
import { commandsPage } from './pages/commands';
import { devicePage } from './pages/device';
import { devicesPage } from './pages/devices';
import { gatewayPage, gatewaysPage } from './pages/gateways';
import { loginPage } from './pages/login';
import { logsPage } from './pages/logs';
import { otaPage } from './pages/ota';
import { overviewPage } from './pages/overview';
import { usersPage } from './pages/users';
import { session } from './session';

interface Route {
  pattern: RegExp;
  keys: string[];
  page: PageFactory;
  adminOnly?: boolean;
}

function route(path: string, page: PageFactory, adminOnly = false): Route {
  const keys: string[] = [];
  const source = path.replace(/:(\w+)/g, (_, key: string) => {
    keys.push(key);
    return '([^/]+)';
  });
  return { pattern: new RegExp(`^${source}$`), keys, page, adminOnly };
}

const routes: Route[] = [
  route('/', overviewPage),
  route('/devices', devicesPage),
  route('/devices/:id', devicePage),
  route('/gateways', gatewaysPage),
  route('/gateways/:id', gatewayPage),
  route('/ota', otaPage),
  route('/commands', commandsPage),
  route('/logs', logsPage, true),
  route('/users', usersPage, true),
];

const nav: { hash: string; label: string; adminOnly?: boolean }[] = [
  { hash: '#/', label: 'Overview' },
  { hash: '#/devices', label: 'Devices' },
  { hash: '#/gateways', label: 'Gateways' },
  { hash: '#/ota', label: 'Firmware' },
  { hash: '#/commands', label: 'Commands' },
  { hash: '#/logs', label: 'Logs', adminOnly: true },
  { hash: '#/users', label: 'Users', adminOnly: true },
];

const root = document.getElementById('app')!;
const live = new LiveConnection();
let shell: { main: HTMLElement; links: HTMLAnchorElement[]; destroy(): void; ctx: AppContext } | null = null;
let current: Page | null = null;
let loginNotice: string | null = null;

function parseHash(): { path: string; query: URLSearchParams } {
  const raw = location.hash.replace(/^#/, '') || '/';
  const [path, qs] = raw.split('?', 2);
  return { path: path || '/', query: new URLSearchParams(qs ?? '') };
}

function navigate(hash: string): void {
  if (location.hash === hash) render();
  else location.hash = hash;
}

function unmountPage(): void {
  current?.destroy?.();
  current = null;
}

function showLogin(): void {
  unmountPage();
  shell?.destroy();
  shell = null;
  live.stop();
  const page = loginPage(async (username, password) => {
    const { token, user } = await api.login(username, password);
    session.save(token, user);
    loginNotice = null;
    // Leaving #/login re-renders through hashchange; anywhere else, render now.
    if (parseHash().path === '/login') location.hash = '#/';
    else render();
  }, loginNotice);
  current = page;
  document.title = 'Log in · BlazeIoT';
  replaceChildren(root, page.el);
}

function buildShell(): NonNullable<typeof shell> {
  const user = session.user()!;
  const isAdmin = user.role === 'admin';
  const ctx: AppContext = { user, isAdmin, live, navigate, toast };
  const conn = connectionIndicator(live);
  const links = nav
    .filter((item) => isAdmin || !item.adminOnly)
    .map((item) => h('a', { href: item.hash, class: 'nav-link', 'data-nav': item.hash }, item.label));
  const navEl = h('nav', { class: 'nav', id: 'main-nav', 'aria-label': 'Main' }, links);
  const menuButton = h(
    'button',
    {
      class: 'menu-button',
      type: 'button',
      'aria-controls': 'main-nav',
      'aria-expanded': 'false',
      onclick: () => {
        const open = !navEl.classList.contains('open');
        navEl.classList.toggle('open', open);
        menuButton.setAttribute('aria-expanded', String(open));
      },
    },
    h('span', { class: 'sr-only' }, 'Menu'),
    h('span', { class: 'menu-icon', 'aria-hidden': 'true' }),
  );
  navEl.addEventListener('click', (e) => {
    if ((e.target as HTMLElement).closest('a')) {
      navEl.classList.remove('open');
      menuButton.setAttribute('aria-expanded', 'false');
    }
  });
  const header = h(
    'header',
    { class: 'topbar' },
    h('a', { class: 'brand', href: '#/' }, h('span', { class: 'brand-mark', 'aria-hidden': 'true' }), 'BlazeIoT'),
    menuButton,
    navEl,
    h(
      'div',
      { class: 'topbar-right' },
      conn.badge,
      h('span', { class: 'whoami', 'data-testid': 'whoami' }, user.username, h('small', { class: 'role' }, user.role)),
      h(
        'button',
        {
          type: 'button',
          class: 'btn btn-ghost',
          onclick: () => {
            session.clear();
            loginNotice = null;
            location.hash = '#/login';
            showLogin();
          },
        },
        'Log out',
      ),
    ),
  );
  const main = h('main', { class: 'content', id: 'content', tabindex: '-1' });
  replaceChildren(root, header, conn.banner, main);
  live.start();
  return {
    main,
    links,
    ctx,
    destroy() {
      conn.destroy();
    },
  };
}

function render(): void {
  if (!session.token() || !session.user()) {
    showLogin();
    return;
  }
  const { path, query } = parseHash();
  if (path === '/login') {
    location.hash = '#/';
    return;
  }
  if (!shell) {
    unmountPage();
    shell = buildShell();
  }
  unmountPage();
  const isAdmin = shell.ctx.isAdmin;
  let page: Page | null = null;
  for (const r of routes) {
    const m = r.pattern.exec(path);
    if (!m) continue;
    if (r.adminOnly && !isAdmin) break;
    const params: Record<string, string> = {};
    r.keys.forEach((key, i) => (params[key] = decodeURIComponent(m[i + 1])));
    page = r.page(shell.ctx, params, query);
    break;
  }
  if (!page) {
    page = {
      title: 'Not found',
      el: h('section', { class: 'page' }, h('h1', null, 'Not found'), h('p', null, h('a', { href: '#/' }, 'Back to the overview'))),
    };
  }
  current = page;
  document.title = `${page.title} · BlazeIoT`;
  const section = path.split('/')[1] ?? '';
  for (const link of shell.links) {
    const target = link.dataset.nav!.replace(/^#\//, '');
    link.classList.toggle('active', target === section);
    if (target === section) link.setAttribute('aria-current', 'page');
    else link.removeAttribute('aria-current');
  }
  replaceChildren(shell.main, page.el);
  shell.main.focus({ preventScroll: true });
}

session.onExpire((reason) => {
  loginNotice = reason;
  showLogin();
});

window.addEventListener('hashchange', render);

// The stored user may be stale (role changed, account removed): ask once at start-up.
if (session.token()) {
  api
    .me()
    .then((user) => {
      const before = session.user();
      if (user && (!before || before.role !== user.role || before.username !== user.username)) {
        session.setUser(user);
        shell?.destroy();
        shell = null;
        render();
      }
    })
    .catch(() => undefined);
}
render();
