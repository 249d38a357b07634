// Accounts: admins manage who may log in and whether they may change anything.
import { api, errorMessage } from '../api';
import type { AppContext, Page } from '../app';
import { emptyRow, field, h, replaceChildren } from '../dom';
import { ago, dateTime } from '../format';
import type { User } from '../session';

type Row = User & { last_login?: string | null; created_at?: string };

function roleSelect(value: string, extra: Record<string, unknown> = {}): HTMLSelectElement {
  return h(
    'select',
    { 'aria-label': 'Role', ...extra },
    h('option', { value: 'viewer', selected: value === 'viewer' }, 'viewer (read only)'),
    h('option', { value: 'admin', selected: value === 'admin' }, 'admin'),
  );
}

export function usersPage(ctx: AppContext): Page {
  const body = h('tbody');
  const error = h('p', { class: 'form-error', role: 'alert', hidden: true });

  const load = async () => {
    try {
      const rows = await api.users();
      error.hidden = true;
      replaceChildren(body, rows.length === 0 ? emptyRow(5, 'No users.') : rows.map(userRow));
    } catch (e) {
      error.textContent = `Could not load users: ${errorMessage(e)}`;
      error.hidden = false;
    }
  };

  const guard = async (what: () => Promise<unknown>, done: string) => {
    try {
      await what();
      ctx.toast(done, 'ok');
    } catch (e) {
      ctx.toast(errorMessage(e), 'error');
    }
    await load();
  };

  const userRow = (u: Row) => {
    const self = u.id === ctx.user.id;
    const role = roleSelect(u.role, {
      disabled: self,
      onchange: () => void guard(() => api.updateUser(u.id, { role: role.value }), `${u.username} is now ${role.value}`),
    });
    return h(
      'tr',
      { 'data-username': u.username },
      h('td', { class: 'strong' }, u.username, self ? h('small', { class: 'muted' }, ' (you)') : null),
      h('td', null, u.email),
      h('td', null, role),
      h('td', { title: dateTime(u.last_login) }, u.last_login ? ago(u.last_login) : 'never'),
      h(
        'td',
        { class: 'actions' },
        h(
          'button',
          {
            type: 'button',
            class: 'btn btn-small',
            onclick: () => {
              const password = window.prompt(`New password for ${u.username} (at least 8 characters):`);
              if (password) void guard(() => api.updateUser(u.id, { password }), `Password of ${u.username} changed`);
            },
          },
          'Set password',
        ),
        h(
          'button',
          {
            type: 'button',
            class: 'btn btn-small btn-danger',
            disabled: self,
            title: self ? 'You cannot delete your own account' : undefined,
            onclick: () => {
              if (window.confirm(`Delete the user ${u.username}?`)) void guard(() => api.deleteUser(u.id), `${u.username} deleted`);
            },
          },
          'Delete',
        ),
      ),
    );
  };

  const username = h('input', { name: 'username', required: true, autocomplete: 'off' });
  const email = h('input', { name: 'email', type: 'email', required: true, autocomplete: 'off' });
  const password = h('input', { name: 'password', type: 'password', required: true, minlength: '8', autocomplete: 'new-password' });
  const role = roleSelect('viewer', { name: 'role' });
  const problem = h('p', { class: 'form-error', role: 'alert', hidden: true });
  const form = h(
    'form',
    {
      class: 'form-grid',
      'data-testid': 'user-form',
      onsubmit: async (e: Event) => {
        e.preventDefault();
        problem.hidden = true;
        try {
          await api.createUser({ username: username.value.trim(), email: email.value.trim(), password: password.value, role: role.value });
          ctx.toast(`User ${username.value.trim()} created`, 'ok');
          form.reset();
          await load();
        } catch (err) {
          problem.textContent = errorMessage(err);
          problem.hidden = false;
        }
      },
    },
    field('Username', username),
    field('Email', email),
    field('Password', password, 'At least 8 characters'),
    field('Role', role),
    problem,
    h('div', { class: 'form-actions' }, h('button', { type: 'submit', class: 'btn btn-primary' }, 'Create user')),
  );

  void load();
  return {
    title: 'Users',
    el: h(
      'section',
      { class: 'page' },
      h('div', { class: 'page-head' }, h('h1', null, 'Users')),
      error,
      h('div', { class: 'card' }, h('div', { class: 'table-wrap' }, h('table', { 'data-testid': 'user-list' }, h('thead', null, h('tr', null, ...['User', 'Email', 'Role', 'Last login', ''].map((t) => h('th', null, t)))), body))),
      h('div', { class: 'card write-control' }, h('h2', null, 'New user'), form),
    ),
  };
}
