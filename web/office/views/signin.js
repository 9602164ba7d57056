/* The sign-in screen: email address and password, for office accounts (admin, dispatcher).
 * A technician who signs in here is sent to their own app, /tech/. */

import { api } from '../api.js';
import { el, fill, hidden, focusOn, alarm, field, alertBox } from '../dom.js';

const EMAIL_KEY = 'office.email';

function signInView(message, onSignedIn) {
  const heading = el('h1', { class: 'of-title', id: 'of-signin-title', tabindex: '-1' }, 'Sign in to the office');
  const alerts = el('div', {});
  let remembered = '';
  try { remembered = localStorage.getItem(EMAIL_KEY) || ''; } catch (e) { /* nothing kept */ }
  const email = field({
    id: 'of-email', label: 'Email',
    control: el('input', { type: 'email', name: 'email', autocomplete: 'username', spellcheck: 'false', autocapitalize: 'none', value: remembered }),
  });
  const passwordInput = el('input', { type: 'password', name: 'password', autocomplete: 'current-password' });
  const password = field({ id: 'of-password', label: 'Password', control: passwordInput });
  const reveal = el('button', {
    type: 'button', class: 'of-button of-button--secondary of-button--small of-signin-reveal', 'aria-pressed': 'false', 'aria-controls': 'of-password',
    onclick: () => {
      const showIt = passwordInput.type === 'password';
      passwordInput.type = showIt ? 'text' : 'password';
      reveal.setAttribute('aria-pressed', String(showIt));
    },
  }, 'Show', hidden(' password'));
  password.element.appendChild(reveal);
  const submit = el('button', { type: 'submit', class: 'of-button of-signin-submit' }, 'Sign in');
  const form = el('form', { class: 'of-signin-form', novalidate: true, onsubmit: onSubmit }, email.element, password.element, submit);

  if (message) fill(alerts, alertBox(message.kind || 'warning', message.title, message.text));

  async function onSubmit(event) {
    event.preventDefault();
    email.clearError();
    password.clearError();
    const address = email.control.value.trim();
    const secret = passwordInput.value;
    const problems = [];
    if (!/^[^@\s]+@[^@\s]+\.[^@\s]+$/.test(address)) {
      email.setError(address ? 'Enter an email address like name@example.com' : 'Enter your email address');
      problems.push('email');
    }
    if (!secret) { password.setError('Enter your password'); problems.push('password'); }
    if (problems.length) {
      (problems[0] === 'email' ? email.control : passwordInput).focus();
      alarm(`Check the form: ${problems.join(' and ')}.`);
      return;
    }
    submit.disabled = true;
    submit.textContent = 'Signing in…';
    try {
      const r = await api('/auth/login', { method: 'POST', auth: false, body: { email: address, password: secret } });
      try { localStorage.setItem(EMAIL_KEY, address); } catch (e) { /* not remembered */ }
      onSignedIn(r.data);
    } catch (error) {
      const text = error.status === 401 ? 'The email or password is not right. Check them and try again.' : error.message;
      const box = alertBox('error', error.status === 401 ? 'Could not sign you in' : 'Signing in did not work', text);
      fill(alerts, box);
      focusOn(box);
      alarm(text);
      submit.disabled = false;
      submit.textContent = 'Sign in';
    }
  }

  const element = el('div', { class: 'of-signin' },
    el('section', { class: 'of-card of-signin-card', 'aria-labelledby': 'of-signin-title' },
      heading,
      el('p', { class: 'of-subtitle' }, 'The board, phone calls, orders, reviews and reports.'),
      alerts, form,
      el('p', { class: 'of-hint' }, 'Forgotten your password? Ask your administrator. Technicians: use ', el('a', { href: '/tech/' }, 'My jobs'), '.')));
  return { element, heading };
}

export { signInView };
