import { ApiError, errorMessage } from '../api';
import type { Page } from '../app';
import { h } from '../dom';

export function loginPage(onLogin: (username: string, password: string) => Promise<void>, notice: string | null): Page {
  const username = h('input', { name: 'username', autocomplete: 'username', required: true, autofocus: true });
  const password = h('input', { name: 'password', type: 'password', autocomplete: 'current-password', required: true });
  const error = h('p', { class: 'form-error', role: 'alert', 'data-testid': 'login-error', hidden: true });
  const submit = h('button', { type: 'submit', class: 'btn btn-primary btn-block' }, 'Log in');

  const form = h(
    'form',
    {
      class: 'login-card',
      onsubmit: async (e: Event) => {
        e.preventDefault();
        error.hidden = true;
        submit.disabled = true;
        submit.textContent = 'Logging in…';
        try {
          await onLogin(username.value.trim(), password.value);
        } catch (err) {
          error.textContent =
            err instanceof ApiError && err.status === 401
              ? 'Wrong username or password.'
              : err instanceof ApiError && err.status === 429
                ? 'Too many attempts. Wait a moment and try again.'
                : errorMessage(err);
          error.hidden = false;
          password.select();
        } finally {
          submit.disabled = false;
          submit.textContent = 'Log in';
        }
      },
    },
    h('div', { class: 'login-brand' }, h('span', { class: 'brand-mark', 'aria-hidden': 'true' }), 'BlazeIoT'),
    h('h1', null, 'Log in'),
    notice ? h('p', { class: 'notice' }, notice) : null,
    h('label', { class: 'field' }, h('span', { class: 'field-label' }, 'Username'), username),
    h('label', { class: 'field' }, h('span', { class: 'field-label' }, 'Password'), password),
    error,
    submit,
  );
  return { title: 'Log in', el: h('div', { class: 'login-page' }, form) };
}
