/* The sign-in screen: email address and password (technician accounts only). */

import { api, prefs, savePrefs, saveSession } from '../api.js';
import { show, startSession } from '../app.js';
import { el, fill, hidden, uid, focusOn, say, alarm, field } from '../dom.js';

function signInView(message) {
  var heading = el('h1', { class: 'tc-title', tabindex: '-1' }, 'Sign in');
  var alertBox = el('div', {});
  var email = field({
    id: 'tc-email', label: 'Email address',
    control: el('input', { type: 'email', autocomplete: 'username', inputmode: 'email', spellcheck: 'false', autocapitalize: 'none', value: prefs.email || '' }),
  });
  var passwordInput = el('input', { type: 'password', autocomplete: 'current-password' });
  var toggle = el('button', {
    type: 'button', class: 'tc-password-toggle', 'aria-pressed': 'false', 'aria-controls': 'tc-password',
    onclick: function () {
      var showIt = passwordInput.type === 'password';
      passwordInput.type = showIt ? 'text' : 'password';
      toggle.setAttribute('aria-pressed', String(showIt));
    },
  }, 'Show', hidden(' password'));
  var password = field({
    id: 'tc-password', label: 'Password', control: passwordInput,
    wrap: function (control) { return el('div', { class: 'tc-password' }, control, toggle); },
  });
  var submit = el('button', { type: 'submit', class: 'tc-button tc-button--big' }, 'Sign in');
  var form = el('form', { novalidate: true, onsubmit: onSubmit }, email.element, password.element, submit);

  if (message) showAlert(message.title, message.text, message.kind || 'warning');

  function showAlert(title, text, kind) {
    var titleId = uid('tc-alert');
    fill(alertBox, el('div', { class: 'tc-alert tc-alert--' + kind, role: 'group', 'aria-labelledby': titleId, tabindex: '-1' },
      el('h2', { class: 'tc-alert-title', id: titleId }, title), text ? el('p', {}, text) : null));
    return alertBox.firstChild;
  }

  async function onSubmit(event) {
    event.preventDefault();
    email.clearError();
    password.clearError();
    var address = email.control.value.trim();
    var secret = passwordInput.value;
    var first = null;
    if (!address || !/^[^@\s]+@[^@\s]+\.[^@\s]+$/.test(address)) {
      email.setError(address ? 'Enter an email address like name@example.com' : 'Enter your email address');
      first = first || email.control;
    }
    if (!secret) { password.setError('Enter your password'); first = first || passwordInput; }
    if (first) { first.focus(); alarm('Check the form: ' + (email.control.getAttribute('aria-invalid') ? 'email address. ' : '') + (passwordInput.getAttribute('aria-invalid') ? 'password.' : '')); return; }
    submit.disabled = true;
    submit.textContent = 'Signing in…';
    try {
      var r = await api('/auth/login', { method: 'POST', auth: false, body: { email: address, password: secret } });
      var data = r.data;
      if (!data.user || data.user.role !== 'technician') {
        focusOn(showAlert('This app is for technicians', 'Sign in with a technician account. Office staff use the office app at /office/.', 'error'));
        return;
      }
      saveSession({ token: data.id_token, expires_at: Date.now() + (data.expires_in || 3600) * 1000,
        refresh_token: data.refresh_token || null, user: data.user });
      savePrefs({ email: address });
      say('Signed in as ' + data.user.name + '.');
      await startSession();
      show();
    } catch (error) {
      var text = error.status === 401 ? 'The email address or password is not right. Check them and try again.'
        : error.status === 0 ? 'There is no connection to the server. Signing in needs a signal; try again when you have one.'
          : error.message;
      var box = showAlert(error.status === 401 ? 'Could not sign you in' : 'Sign-in did not work', text, 'error');
      focusOn(box);
      alarm(text);
    } finally {
      submit.disabled = false;
      submit.textContent = 'Sign in';
    }
  }

  var element = el('div', { class: 'tc-signin' },
    el('section', { class: 'tc-section tc-signin-card', 'aria-labelledby': 'tc-signin-title' },
      el('img', { class: 'tc-signin-icon', src: 'icons/icon.svg', alt: '', width: '64', height: '64' }),
      heading,
      el('p', { class: 'tc-subtitle' }, "Your day's jobs, even without a signal."),
      alertBox, form),
    el('p', { class: 'tc-footer-note' }, 'Forgotten your password? Ask the office.'));
  heading.id = 'tc-signin-title';
  return { name: 'signin', element: element, heading: heading, title: 'Sign in' };
}

export { signInView };
