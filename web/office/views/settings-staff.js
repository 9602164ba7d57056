/* Settings: staff accounts (#/settings/staff): everyone with their role and whether they can
 * sign in; invite someone (POST /staff: the invitation email goes out, and their first password
 * is shown here once, to hand over in person), change a role (PATCH /staff/{id}), deactivate or
 * reactivate an account (POST /staff/{id}/deactivate|reactivate), each confirmed in a dialog.
 * Your own account can't be demoted or deactivated here (the API refuses it too): there is
 * always an admin. */

import { api } from '../api.js';
import { el, fill, alertBox, say, alarm, button, dialog, focusOn } from '../dom.js';
import { textField, selectField, section, messageArea, busyButton, showError, clearErrors, saved } from './settings-common.js';

const ROLES = [['dispatcher', 'Dispatcher'], ['admin', 'Admin'], ['technician', 'Technician']];
const ROLE_NAME = Object.fromEntries(ROLES);
const ROLE_HINT = 'Admins change settings and see reports; dispatchers run the board, calls and orders; technicians use the My jobs app on their phone.';

async function mount(root, ctx) {
  let staff = (await api('/staff')).data.staff;
  const heading = el('h1', { class: 'of-title' }, 'Staff accounts');
  const message = messageArea();
  const tablePlace = el('div', {});

  const reload = async () => {
    staff = (await api('/staff')).data.staff;
    renderTable();
  };

  const failed = (what, error) => {
    fill(message, alertBox('error', what, error.message)); message.hidden = false;
    alarm(`${what}. ${error.message}`);
    focusOn(message.firstChild);
  };

  function changeRole(member) {
    const choice = selectField({ label: 'New role', name: 'role', value: member.role, options: ROLES, hint: ROLE_HINT });
    const d = dialog({
      title: `Change ${member.name}'s role`,
      body: [el('p', { class: 'of-settings-dialog-text' }, `${member.name} is ${ROLE_NAME[member.role] ? `a ${ROLE_NAME[member.role].toLowerCase()}` : member.role} now. The new role applies from their next click.`), choice.element],
      actions: [
        busyButton('Change role', 'Changing…', async () => {
          const role = choice.control.value;
          if (role === member.role) { d.close(); say('The role was not changed.'); return; }
          try {
            await api(`/staff/${encodeURIComponent(member.id)}`, { method: 'PATCH', body: { role } });
          } catch (error) { d.close(); failed(`${member.name}'s role was not changed`, error); return; }
          d.close();
          await reload();
          saved(message, `${member.name} is now ${ROLE_NAME[role] ? `a ${ROLE_NAME[role].toLowerCase()}` : role}.`);
        }),
        button('Cancel', () => d.close(), { kind: 'secondary' }),
      ],
    });
    choice.control.focus();
  }

  function setActive(member, active) {
    const verb = active ? 'Reactivate' : 'Deactivate';
    const d = dialog({
      title: `${verb} ${member.name}?`,
      body: [el('p', { class: 'of-settings-dialog-text' }, active
        ? `${member.name} will be able to sign in again with their password.`
        : `${member.name} will be signed out everywhere and can't sign in until an admin reactivates the account. Their orders and history stay.${member.role === 'technician' ? ' Their open jobs are flagged in the daily review for reassigning.' : ''}`)],
      actions: [
        busyButton(`${verb} ${member.name}`, active ? 'Reactivating…' : 'Deactivating…', async () => {
          try {
            await api(`/staff/${encodeURIComponent(member.id)}/${active ? 'reactivate' : 'deactivate'}`, { method: 'POST' });
          } catch (error) { d.close(); failed(`${member.name} was not ${active ? 'reactivated' : 'deactivated'}`, error); return; }
          d.close();
          await reload();
          saved(message, `${member.name} ${active ? 'can sign in again' : 'is deactivated and can no longer sign in'}.`);
          const row = tablePlace.querySelector(`[data-staff-id="${CSS.escape(member.id)}"] button`);
          if (row) row.focus();
        }, { kind: active ? null : 'danger' }),
        button('Cancel', () => d.close(), { kind: 'secondary' }),
      ],
    });
  }

  function renderTable() {
    fill(tablePlace, el('div', { class: 'of-table-wrap' }, el('table', { class: 'of-table of-settings-staff' },
      el('caption', { class: 'of-visually-hidden' }, 'Staff accounts'),
      el('thead', {}, el('tr', {}, el('th', { scope: 'col' }, 'Name'), el('th', { scope: 'col' }, 'Email'), el('th', { scope: 'col' }, 'Role'),
        el('th', { scope: 'col' }, 'Status'), el('th', { scope: 'col' }, el('span', { class: 'of-visually-hidden' }, 'Actions')))),
      el('tbody', {}, staff.map((m) => {
        const self = ctx.user && m.id === ctx.user.id;
        return el('tr', { 'data-staff-id': m.id, class: m.active ? null : 'of-settings-inactive' },
          el('th', { scope: 'row' }, m.name, self ? el('span', { class: 'of-hint' }, ' (you)') : null),
          el('td', {}, m.email, m.phone ? el('div', { class: 'of-hint' }, m.phone) : null),
          el('td', {}, ROLE_NAME[m.role] || m.role),
          el('td', {}, m.active ? el('span', { class: 'of-chip of-settings-chip--on' }, 'Active') : el('span', { class: 'of-chip of-settings-chip--off' }, 'Deactivated')),
          el('td', { class: 'of-settings-row-actions' }, self ? el('span', { class: 'of-hint' }, 'Another admin can change your account') : [
            m.active ? button('Change role', () => changeRole(m), { kind: 'secondary', small: true, attrs: { 'aria-label': `Change role of ${m.name}` } }) : null,
            button(m.active ? 'Deactivate' : 'Reactivate', () => setActive(m, !m.active), { kind: 'secondary', small: true, attrs: { 'aria-label': `${m.active ? 'Deactivate' : 'Reactivate'} ${m.name}` } }),
          ]));
      })))));
  }

  // --- the invitation ---
  const inviteMessage = messageArea();
  const f = {
    name: textField({ label: 'Name', name: 'name', props: { autocomplete: 'off', maxlength: 120 } }),
    email: textField({ label: 'Email', name: 'email', hint: 'They sign in with it; the invitation goes there.', props: { type: 'email', autocomplete: 'off', spellcheck: 'false' } }),
    role: selectField({ label: 'Role', name: 'role', value: 'dispatcher', options: ROLES, hint: ROLE_HINT }),
    phone: textField({ label: 'Phone', name: 'phone', optional: true, props: { type: 'tel', autocomplete: 'off' } }),
  };
  async function invite() {
    clearErrors(f, inviteMessage);
    const body = { name: f.name.control.value.trim(), email: f.email.control.value.trim(), role: f.role.control.value };
    if (f.phone.control.value.trim()) body.phone = f.phone.control.value.trim();
    let created;
    try {
      created = (await api('/staff', { method: 'POST', body })).data;
    } catch (error) {
      if (error.code === 'email_taken') {
        showError({ message: error.message, details: [{ field: 'email', message: 'belongs to someone on the staff already' }] }, f, inviteMessage);
      } else {
        showError(error, f, inviteMessage);
      }
      return;
    }
    const sent = created.invitation && created.invitation.sent;
    const password = created.initial_password
      ? el('div', { class: 'of-settings-password' },
        el('p', {}, 'Their first password, shown only this once:'),
        el('p', {}, el('code', { class: 'of-settings-password-value', 'data-initial-password': '' }, created.initial_password)),
        el('p', {}, 'Give it to them in person or by phone; it is not in the email.'))
      : null;
    fill(inviteMessage, alertBox(sent ? 'success' : 'warning',
      `${created.name} is invited as ${ROLE_NAME[created.role] ? `a ${ROLE_NAME[created.role].toLowerCase()}` : created.role}`,
      sent ? `The invitation went to ${created.email}.` : `The invitation email could not be sent to ${created.email}: tell them yourself where to sign in.`,
      password));
    inviteMessage.hidden = false;
    say(`${created.name} is invited. ${sent ? `The invitation went to ${created.email}.` : 'The invitation email could not be sent.'}`);
    f.name.control.value = ''; f.email.control.value = ''; f.phone.control.value = '';
    await reload();
    focusOn(inviteMessage.firstChild);
  }
  const inviteButton = busyButton('Send invitation', 'Inviting…', invite);
  const form = el('form', { class: 'of-settings-form', novalidate: true, onsubmit: (e) => { e.preventDefault(); inviteButton.click(); } },
    el('div', { class: 'of-grid-2' }, f.name.element, f.email.element, f.role.element, f.phone.element),
    el('div', { class: 'of-settings-actions' }, inviteButton));

  renderTable();
  fill(root, heading, el('p', { class: 'of-subtitle' }, 'Who can sign in to the office and the My jobs app, and as what.'), message, tablePlace,
    section('Invite someone', inviteMessage, form));
  return { title: 'Staff accounts', heading };
}

export { mount };
