/* "My day": the jobs of a day (today unless the address names another), the previous and next
 * day, directions and a call button per job. */

import { prefs, session } from '../api.js';
import { sessionExpired } from '../app.js';
import { state, stepLabel, loadJobs, prefetch } from '../data.js';
import { el, fill, hidden, focusOn, say, alarm, mapIcon, phoneIcon } from '../dom.js';
import { plural, parseTime, timeOf, today, addDays, dayLong, relativeDay, span } from '../format.js';
import { forOrder } from '../queue.js';
import { offlineNotice } from './job.js';

// --- my day -------------------------------------------------------------------------------

function dayView(date) {
  var heading = el('h1', { class: 'tc-title', tabindex: '-1' }, 'My day');
  var shownDate = date || (prefs.timezone ? today() : null);
  var dayName = el('span', { class: 'tc-daynav-day' }, shownDate ? dayLong(shownDate) : '');
  var dayRelative = el('span', { class: 'tc-daynav-today' });
  var prev = el('button', { type: 'button', class: 'tc-button tc-button--secondary', onclick: function () { go(-1); } },
    el('span', { class: 'tc-chevron', 'aria-hidden': 'true' }), hidden('Previous day'));
  var next = el('button', { type: 'button', class: 'tc-button tc-button--secondary', onclick: function () { go(1); } },
    hidden('Next day'), el('span', { class: 'tc-chevron tc-chevron--next', 'aria-hidden': 'true' }));
  var nav = el('nav', { class: 'tc-daynav', 'aria-label': 'Choose a day' }, prev,
    el('div', { class: 'tc-daynav-current' }, dayName, dayRelative), next);
  var notice = el('div', {});
  var summary = el('p', { class: 'tc-day-summary' }, 'Loading your jobs…');
  var list = el('ol', { class: 'tc-jobs', 'aria-labelledby': 'tc-day-list-title' });
  var listTitle = el('h2', { class: 'tc-visually-hidden', id: 'tc-day-list-title' }, 'Jobs');
  var data = null;
  var offlineCopy = null;
  var name = session && session.user ? session.user.name : '';

  function go(delta) {
    var base = (data && data.date) || shownDate || today();
    var target = addDays(base, delta);
    location.hash = '#/day/' + target;
  }

  function renderDate() {
    if (!shownDate) return;
    dayName.textContent = dayLong(shownDate);
    var rel = relativeDay(shownDate);
    fill(dayRelative, rel
      ? el('span', { class: 'tc-subtitle' }, rel)
      : el('a', { href: '#/', class: 'tc-back-today' }, 'Back to today'));
    prev.querySelector('.tc-visually-hidden').textContent = 'Previous day, ' + dayLong(addDays(shownDate, -1));
    next.querySelector('.tc-visually-hidden').textContent = 'Next day, ' + dayLong(addDays(shownDate, 1));
  }

  function update() {
    if (!data) return;
    renderDate();
    fill(notice, offlineNotice(offlineCopy));
    var jobs = data.jobs;
    var minutes = jobs.reduce(function (sum, job) {
      var s = parseTime(job.appointment && job.appointment.start), e = parseTime(job.appointment && job.appointment.end);
      return sum + (s && e ? (e - s) / 60000 : 0);
    }, 0);
    summary.textContent = jobs.length
      ? plural(jobs.length, 'job', 'jobs') + (minutes ? ', ' + (minutes % 60 ? Math.round(minutes / 6) / 10 : minutes / 60) + (minutes === 60 ? ' hour' : ' hours') + ' booked' : '')
      : '';
    if (!jobs.length) {
      fill(list, el('li', { class: 'tc-section tc-day-empty' },
        el('h2', { class: 'tc-day-empty-title' }, 'No jobs on this day'),
        el('p', { class: 'tc-empty' }, 'Jobs the office books for you appear here.')));
      return;
    }
    fill(list, jobs.map(jobCard));
  }

  function jobCard(job) {
    var known = state.orders[job.order_id];
    var base = known && known.version > job.version ? known : job;
    var step = base.step;
    var label = base.step_label;
    var items = forOrder(job.order_id);
    var queued = items.filter(function (i) { return i.status !== 'failed'; });
    var failed = items.length - queued.length;
    queued.forEach(function (i) { if (i.type === 'transition') { step = i.body.to; label = stepLabel(step, known); } });
    var address = [job.address.street, [job.address.city, job.address.postcode].filter(Boolean).join(' ')].filter(Boolean).join(', ');
    var start = job.appointment && job.appointment.start;
    var end = job.appointment && job.appointment.end;
    return el('li', { class: 'tc-job' },
      el('div', { class: 'tc-job-time', 'aria-hidden': 'true' },
        el('span', { class: 'tc-job-start' }, timeOf(start)),
        end ? el('span', { class: 'tc-job-end' }, timeOf(end)) : null),
      el('div', { class: 'tc-job-body' },
        el('h3', { class: 'tc-job-name' },
          el('a', { class: 'tc-job-link', href: '#/job/' + encodeURIComponent(job.order_id), 'aria-label': job.customer.name + ', ' + span(job.appointment) },
            job.customer.name)),
        el('p', { class: 'tc-job-service' }, job.service_name),
        el('p', { class: 'tc-job-address' }, address),
        el('div', { class: 'tc-job-meta' },
          el('span', { class: 'tc-chip tc-chip--' + step }, label),
          queued.length ? el('span', { class: 'tc-pending' }, plural(queued.length, 'change', 'changes') + ' waiting to send') : null,
          failed ? el('span', { class: 'tc-pending tc-pending--problem' }, plural(failed, 'problem', 'problems')) : null),
        el('div', { class: 'tc-job-actions' },
          job.maps_url ? el('a', { class: 'tc-button tc-button--secondary tc-button--small', href: job.maps_url, target: '_blank', rel: 'noopener' },
            mapIcon(), 'Directions', hidden(' to ' + address + ' (opens maps)')) : null,
          job.customer.phone ? el('a', { class: 'tc-button tc-button--secondary tc-button--small', href: 'tel:' + job.customer.phone.replace(/[^\d+]/g, '') },
            phoneIcon(), 'Call', hidden(' ' + job.customer.name)) : null)));
  }

  async function reload(options) {
    list.setAttribute('aria-busy', 'true');
    var asked = date;
    try {
      var result = await loadJobs(date || (prefs.timezone ? today() : null));
      // The technician moved to another day while this one loaded: its answer is no longer wanted
      // (kept, it would show the old day and make Previous and Next count from it).
      if (asked !== date) return;
      data = result.data;
      offlineCopy = result.offlineCopy;
      shownDate = data.date;
      update();
      if (!offlineCopy) prefetch(data.jobs);
    } catch (error) {
      if (error.status === 401) { sessionExpired(); return; }
      if (asked !== date) return;
      if (!data) {
        summary.textContent = '';
        fill(list, el('li', { class: 'tc-alert tc-alert--error' },
          el('h2', { class: 'tc-alert-title' }, error.status === 0 ? 'No signal, and no copy of this day on the phone' : 'Your jobs could not be loaded'),
          el('p', {}, error.status === 0 ? 'Days you opened with a signal stay on the phone. Try again when you are back online.' : error.message),
          el('div', { class: 'tc-button-row' }, el('button', { type: 'button', class: 'tc-button tc-button--secondary', onclick: function () { reload(); } }, 'Try again'))));
        if (!options || !options.quiet) alarm('Your jobs could not be loaded.');
      }
    } finally {
      if (asked === date) list.removeAttribute('aria-busy');
    }
  }

  function setDate(newDate) {
    date = newDate;
    shownDate = date || (prefs.timezone ? today() : null);
    data = null;
    offlineCopy = null;
    renderDate();
    if (!element.contains(document.activeElement)) focusOn(dayName, false); // "Back to today" went away
    fill(notice);
    summary.textContent = 'Loading your jobs…';
    fill(list);
    reload().then(function () {
      if (data) say(dayLong(data.date) + (relativeDay(data.date) ? ', ' + relativeDay(data.date).toLowerCase() : '') + ': ' + (summary.textContent || 'no jobs') + '.');
    });
  }

  renderDate();
  reload();
  var element = el('div', {},
    el('div', { class: 'tc-view-head' }, heading, name ? el('p', { class: 'tc-subtitle' }, name) : null),
    nav, notice, summary, listTitle, list);
  return { name: 'day', element: element, heading: heading, title: 'My day', update: update, reload: reload, setDate: setDate };
}

export { dayView };
