// conference-dialogs.js — two dialogs of /conferences: join links
// (POST /api/v1/conferences/{id}/links per school, or per participant with a
// display name; the URL shown with a copy button) and the attendance report
// (GET …/attendance as a table and per-school totals, with the CSV download).

import { api, errorMessage } from './api.js';
import { formatCityShortDay, formatCityTime } from './city-time.js';
import { clear, fillSelect, h } from './dom.js';
import { t } from './i18n.js';
import { formatDuration } from './lesson.js';
import { showToast } from './toast.js';

function byId(id) {
  return document.getElementById(id);
}

/** Copy text; without clipboard permission select the input instead. */
export async function copyText(text, input = null) {
  try {
    await navigator.clipboard.writeText(text);
    showToast(t('conf.copied'));
    return true;
  } catch {
    if (input) {
      input.focus();
      input.select();
      if (document.execCommand?.('copy')) {
        showToast(t('conf.copied'));
        return true;
      }
    }
    showToast(t('conf.copyFailed'), 'error');
    return false;
  }
}

/* ---- join links ---------------------------------------------------------------- */

export class LinksDialog {
  /** ctx: { account() } */
  constructor(ctx) {
    this.ctx = ctx;
    this.conference = null;
    this.dialog = byId('links-dialog');
    this.form = byId('links-form');
    this.school = byId('links-school');
    this.role = byId('links-role');
    this.name = byId('links-name');
    this.error = byId('links-error');
    this.results = byId('links-results');
    this.submitButton = byId('links-create');
    this.form.addEventListener('submit', (event) => this.create(event));
    this.school.addEventListener('change', () => this.fillRoles());
    byId('links-close').addEventListener('click', () => this.dialog.close());
  }

  /** Schools the caller may make links for: all of the conference when hosting, else their own. */
  schools(conference) {
    const account = this.ctx.account();
    const all = [conference.host_school, ...(conference.invites || []).map((i) => i.school)].filter(Boolean);
    const hosting = account?.role === 'operator' || account?.school_id === conference.host_school?.id;
    return hosting ? all : all.filter((s) => s.id === account?.school_id);
  }

  open(conference) {
    this.conference = conference;
    this.error.hidden = true;
    clear(this.results);
    this.name.value = '';
    byId('links-conference').textContent = conference.title;
    fillSelect(this.school, this.schools(conference).map((s) => [s.id, s.short_name || s.name]), false);
    this.fillRoles();
    this.dialog.showModal();
    this.school.focus();
  }

  fillRoles() {
    const roles = ['participant', 'observer'];
    if (this.conference && this.school.value === this.conference.host_school?.id) roles.push('host');
    fillSelect(this.role, roles.map((r) => [r, t(`room.role.${r}`)]), true);
  }

  relabel() {
    if (this.dialog.open) this.fillRoles();
  }

  async create(event) {
    event.preventDefault();
    this.error.hidden = true;
    const body = { school_id: this.school.value, role: this.role.value };
    const name = this.name.value.trim();
    if (name) body.display_name = name;
    this.submitButton.disabled = true;
    try {
      const link = await api(`/conferences/${encodeURIComponent(this.conference.id)}/links`, { method: 'POST', body });
      this.addResult(link);
    } catch (err) {
      this.error.textContent = errorMessage(err);
      this.error.hidden = false;
    } finally {
      this.submitButton.disabled = false;
    }
  }

  addResult(link) {
    const school = this.schools(this.conference).find((s) => s.id === link.school_id);
    const label = [school?.short_name || link.school_id, t(`room.role.${link.role}`), link.display_name]
      .filter(Boolean).join(' · ');
    const input = h('input', { type: 'text', readonly: true, value: link.url, 'aria-label': t('conf.links.urlLabel', { label }) });
    input.value = link.url;
    const copy = h('button', { type: 'button', class: 'button button--small' }, t('conf.copy'));
    copy.addEventListener('click', () => copyText(link.url, input));
    this.results.prepend(h('li', { class: 'link-result', dataset: { role: link.role } },
      h('span', { class: 'link-result__label' }, label),
      h('span', { class: 'copy-row' }, input, copy),
      link.expires_at ? h('span', { class: 'hint' }, t('conf.links.expires', {
        when: `${formatCityShortDay(new Date(link.expires_at))} ${formatCityTime(new Date(link.expires_at))}`,
      })) : null));
  }
}

/* ---- attendance -------------------------------------------------------------------- */

export class AttendanceDialog {
  constructor() {
    this.dialog = byId('attendance-dialog');
    this.body = byId('attendance-body');
    this.error = byId('attendance-error');
    this.csv = byId('attendance-csv');
    this.report = null;
    this.conference = null;
    byId('attendance-close').addEventListener('click', () => this.dialog.close());
  }

  async open(conference) {
    this.conference = conference;
    this.report = null;
    this.error.hidden = true;
    byId('attendance-conference').textContent = conference.title;
    const path = `/api/v1/conferences/${encodeURIComponent(conference.id)}/attendance`;
    this.csv.href = `${path}?format=csv`;
    this.csv.setAttribute('download', `attendance-${conference.id}.csv`);
    clear(this.body).append(h('p', { class: 'hint' }, t('conf.att.loading')));
    this.body.setAttribute('aria-busy', 'true');
    if (!this.dialog.open) this.dialog.showModal();
    try {
      this.report = await api(`/conferences/${encodeURIComponent(conference.id)}/attendance`);
    } catch (err) {
      clear(this.body);
      this.error.textContent = errorMessage(err);
      this.error.hidden = false;
      return;
    } finally {
      this.body.setAttribute('aria-busy', 'false');
    }
    this.render();
  }

  render() {
    if (!this.report) return;
    const items = this.report.items || [];
    const schools = this.report.schools || [];
    clear(this.body);
    if (items.length === 0) {
      this.body.append(h('p', { class: 'hint' }, t('conf.att.empty')));
      return;
    }
    const time = (value) => (value ? formatCityTime(new Date(value)) : '—');
    this.body.append(h('div', { class: 'table-wrap' }, h('table', { class: 'data-table', id: 'attendance-schools' },
      h('caption', { class: 'visually-hidden' }, t('conf.att.bySchool')),
      h('thead', {}, h('tr', {}, h('th', { scope: 'col' }, t('conf.att.school')),
        h('th', { scope: 'col' }, t('conf.att.participants')), h('th', { scope: 'col' }, t('conf.att.time')))),
      h('tbody', {}, schools.map((s) => h('tr', {}, h('th', { scope: 'row' }, s.short_name || s.school_id || '—'),
        h('td', {}, String(s.participants ?? 0)), h('td', {}, formatDuration((s.seconds || 0) * 1000))))))));
    this.body.append(h('div', { class: 'table-wrap' }, h('table', { class: 'data-table', id: 'attendance-items' },
      h('caption', { class: 'visually-hidden' }, t('conf.att.people')),
      h('thead', {}, h('tr', {}, ['name', 'school', 'role', 'joined', 'left', 'time'].map((c) =>
        h('th', { scope: 'col' }, t(`conf.att.col.${c}`))))),
      h('tbody', {}, items.map((i) => h('tr', {},
        h('th', { scope: 'row' }, i.display_name || '—'),
        h('td', {}, i.school?.short_name || '—'),
        h('td', {}, i.role ? t(`room.role.${i.role}`) : '—'),
        h('td', {}, time(i.joined_at)),
        h('td', {}, i.left_at ? time(i.left_at) : t('conf.att.stillThere')),
        h('td', {}, formatDuration((i.seconds || 0) * 1000))))))));
  }
}
