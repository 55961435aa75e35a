// conference-form.js — the booking form of /conferences (create and edit in
// one dialog): title, host school (operators), start and end in the city's
// time zone, the invited schools through a searchable school picker, the
// per-school participant limit, waiting room, description and agenda. While
// the form changes it asks POST /api/v1/conferences/check (debounced) and
// lists clashes, capacity and time problems before anything is submitted;
// server errors land next to the field they name.

import { api, errorMessage } from './api.js';
import { fromCityInput, formatCityShortDay, formatCityTime, toCityInput, toCityRfc3339 } from './city-time.js';
import { clear, fillSelect, h } from './dom.js';
import { t } from './i18n.js';

const CHECK_DELAY_MS = 400;
const DEFAULT_DURATION_MIN = 60;
const MAX_OPTIONS_SHOWN = 30;

// API field → form control id (its error element is "<id>-error").
const FIELDS = {
  title: 'f-title',
  host_school_id: 'f-host',
  starts_at: 'f-starts',
  ends_at: 'f-ends',
  invited_school_ids: 'f-invited',
  max_participants_per_school: 'f-max',
  description: 'f-description',
  agenda: 'f-agenda',
};

export class ConferenceForm {
  /**
   * ctx: { account(), schools() (all schools, array), schoolName(id),
   * config() (GET /config/public), onSaved(conference, created) }.
   */
  constructor(ctx) {
    this.ctx = ctx;
    this.els = {};
    for (const id of ['form-dialog', 'conf-form', 'form-title', 'form-error', 'form-submit', 'form-close',
      'form-cancel', 'f-title', 'f-host-field', 'f-host', 'f-starts', 'f-starts-hint', 'f-ends', 'f-invited-chips',
      'f-school-search', 'f-school-options', 'f-max', 'f-max-hint', 'f-waiting', 'f-description', 'f-agenda',
      'check-box', 'check-status', 'check-problems']) {
      this.els[id.replace(/-([a-z])/g, (_, c) => c.toUpperCase())] = document.getElementById(id);
    }
    this.editing = null; // the conference being edited, or null for a new one
    this.invited = []; // school ids in the order chosen
    this.checkTimer = null;
    this.checkSeq = 0;
    this.lastCheck = null; // { ok, problems } of the current form
    this.formError = null;
    this.saving = false;

    const e = this.els;
    e.confForm.addEventListener('submit', (event) => this.submit(event));
    e.formClose.addEventListener('click', () => this.close());
    e.formCancel.addEventListener('click', () => this.close());
    e.fSchoolSearch.addEventListener('input', () => this.renderOptions());
    e.fSchoolSearch.addEventListener('keydown', (event) => {
      if (event.key !== 'Enter') return;
      event.preventDefault(); // Enter picks the only match instead of submitting
      const only = this.matches();
      if (only.length === 1) this.toggleSchool(only[0].id, true);
    });
    e.fStarts.addEventListener('change', () => this.onStartsChange());
    for (const control of [e.fTitle, e.fHost, e.fStarts, e.fEnds, e.fMax, e.fWaiting]) {
      control.addEventListener('input', () => this.scheduleCheck());
      control.addEventListener('change', () => this.scheduleCheck());
    }
    e.fHost.addEventListener('change', () => this.renderInvited());
  }

  get isOperator() {
    return this.ctx.account()?.role === 'operator';
  }

  hostId() {
    if (this.editing) return this.editing.host_school?.id || null;
    return this.isOperator ? this.els.fHost.value || null : this.ctx.account()?.school_id || null;
  }

  /* ---- open / close ------------------------------------------------------------ */

  openNew() {
    this.editing = null;
    this.reset();
    const start = new Date(Date.now() + 24 * 3600e3);
    start.setMinutes(0, 0, 0);
    this.els.fStarts.value = toCityInput(start);
    this.els.fEnds.value = toCityInput(new Date(start.getTime() + DEFAULT_DURATION_MIN * 60e3));
    this.els.fMax.value = '10';
    this.show();
  }

  openEdit(conference) {
    this.editing = conference;
    this.reset();
    const e = this.els;
    e.fTitle.value = conference.title || '';
    e.fDescription.value = conference.description || '';
    e.fAgenda.value = conference.agenda || '';
    e.fStarts.value = toCityInput(new Date(conference.starts_at));
    e.fEnds.value = toCityInput(new Date(conference.ends_at));
    e.fMax.value = String(conference.max_participants_per_school ?? 10);
    e.fWaiting.checked = Boolean(conference.waiting_room);
    this.invited = (conference.invites || []).map((invite) => invite.school?.id).filter(Boolean);
    this.show();
  }

  reset() {
    const e = this.els;
    e.confForm.reset();
    this.invited = [];
    this.lastCheck = null;
    this.checkSeq += 1;
    e.fSchoolSearch.value = '';
    this.clearErrors();
  }

  show() {
    const e = this.els;
    const config = this.ctx.config() || {};
    const max = config.conferences?.max_participants_per_school;
    if (max) e.fMax.max = String(max);
    e.fMaxHint.textContent = max ? t('conf.field.maxHint', { max }) : '';
    e.fHostField.hidden = !this.isOperator || Boolean(this.editing);
    if (this.isOperator && !this.editing) {
      fillSelect(e.fHost, [['', t('conf.field.chooseHost')],
        ...this.ctx.schools().map((s) => [s.id, s.name])], true);
    }
    this.renderTexts();
    this.renderInvited();
    this.renderCheck();
    if (!e.formDialog.open) e.formDialog.showModal();
    e.fTitle.focus();
    this.scheduleCheck(0);
  }

  close() {
    window.clearTimeout(this.checkTimer);
    this.checkSeq += 1;
    if (this.els.formDialog.open) this.els.formDialog.close();
  }

  renderTexts() {
    const e = this.els;
    e.formTitle.textContent = t(this.editing ? 'conf.editTitle' : 'conf.newTitle');
    e.formSubmit.textContent = t(this.saving ? 'conf.saving' : this.editing ? 'conf.save' : 'conf.create');
    e.fStartsHint.textContent = t('conf.field.zoneHint', { zone: this.ctx.zone() });
    if (this.formError) this.showFormError(this.formError());
  }

  /** Language changed while open. */
  relabel() {
    if (!this.els.formDialog.open) return;
    this.renderTexts();
    this.renderInvited();
    this.renderCheck();
  }

  onStartsChange() {
    // Moving the start keeps the duration.
    const starts = fromCityInput(this.els.fStarts.value);
    const ends = fromCityInput(this.els.fEnds.value);
    if (!starts) return;
    if (!ends || ends <= starts) this.els.fEnds.value = toCityInput(new Date(starts.getTime() + DEFAULT_DURATION_MIN * 60e3));
  }

  /* ---- school picker ------------------------------------------------------------------ */

  matches() {
    const query = this.els.fSchoolSearch.value.trim().toLocaleLowerCase();
    const host = this.hostId();
    return this.ctx.schools().filter((s) => s.id !== host && (!query
      || s.name.toLocaleLowerCase().includes(query) || s.short_name.toLocaleLowerCase().includes(query)
      || (s.district || '').toLocaleLowerCase().includes(query)));
  }

  renderOptions() {
    const list = this.els.fSchoolOptions;
    clear(list);
    const matches = this.matches();
    for (const school of matches.slice(0, MAX_OPTIONS_SHOWN)) {
      const id = `f-school-${school.id}`;
      const input = h('input', { type: 'checkbox', id, value: school.id, checked: this.invited.includes(school.id) });
      input.addEventListener('change', () => this.toggleSchool(school.id, input.checked, false));
      list.append(h('li', {}, h('label', { class: 'choice', for: id }, input,
        h('span', {}, school.name, ' ', h('span', { class: 'hint' }, school.district || '')))));
    }
    if (matches.length === 0) list.append(h('li', { class: 'hint' }, t('conf.noSchoolMatch')));
    else if (matches.length > MAX_OPTIONS_SHOWN) list.append(h('li', { class: 'hint' }, t('conf.moreSchools', { count: matches.length - MAX_OPTIONS_SHOWN })));
  }

  toggleSchool(id, on, rerenderOptions = true) {
    if (on && !this.invited.includes(id)) this.invited.push(id);
    if (!on) this.invited = this.invited.filter((x) => x !== id);
    this.renderInvited(rerenderOptions);
    this.scheduleCheck();
  }

  renderInvited(rerenderOptions = true) {
    const chips = this.els.fInvitedChips;
    clear(chips);
    const host = this.hostId();
    this.invited = this.invited.filter((id) => id !== host);
    const statusOf = new Map((this.editing?.invites || []).map((i) => [i.school?.id, i.status]));
    for (const id of this.invited) {
      const name = this.ctx.schoolName(id);
      const status = statusOf.get(id);
      chips.append(h('li', { class: 'chip', dataset: { school: id } },
        h('span', {}, name, status ? ` · ${t(`conf.invite.${status}`)}` : ''),
        h('button', {
          type: 'button', class: 'chip__remove', 'aria-label': t('conf.removeSchool', { name }),
          onclick: () => this.toggleSchool(id, false),
        }, '×')));
    }
    if (this.invited.length === 0) chips.append(h('li', { class: 'hint' }, t('conf.noInvited')));
    if (rerenderOptions) this.renderOptions();
  }

  /* ---- the body ---------------------------------------------------------------------------- */

  body({ forCheck = false } = {}) {
    const e = this.els;
    const starts = fromCityInput(e.fStarts.value);
    const ends = fromCityInput(e.fEnds.value);
    const body = {
      title: e.fTitle.value.trim(),
      invited_school_ids: [...this.invited],
      waiting_room: e.fWaiting.checked,
    };
    if (forCheck && !body.title) body.title = t('conf.untitled');
    if (starts) body.starts_at = toCityRfc3339(starts);
    if (ends) body.ends_at = toCityRfc3339(ends);
    const max = Number(e.fMax.value);
    if (e.fMax.value !== '' && Number.isInteger(max)) body.max_participants_per_school = max;
    const description = e.fDescription.value.trim();
    const agenda = e.fAgenda.value.trim();
    if (description || this.editing) body.description = description;
    if (agenda || this.editing) body.agenda = agenda;
    if (this.isOperator && !this.editing && e.fHost.value) body.host_school_id = e.fHost.value;
    return body;
  }

  /* ---- conflicts before submitting ------------------------------------------------------------- */

  scheduleCheck(delay = CHECK_DELAY_MS) {
    window.clearTimeout(this.checkTimer);
    this.checkTimer = window.setTimeout(() => this.check(), delay);
  }

  async check() {
    const body = this.body({ forCheck: true });
    const seq = ++this.checkSeq;
    if (!body.starts_at || !body.ends_at || body.invited_school_ids.length === 0
      || (this.isOperator && !this.editing && !body.host_school_id)) {
      this.lastCheck = null;
      this.renderCheck('incomplete');
      return;
    }
    if (this.editing) body.id = this.editing.id;
    this.renderCheck('checking');
    try {
      const result = await api('/conferences/check', { method: 'POST', body });
      if (seq !== this.checkSeq) return; // the form changed meanwhile
      this.lastCheck = result;
      this.renderCheck();
    } catch (err) {
      if (seq !== this.checkSeq) return;
      this.lastCheck = { ok: false, problems: [], error: errorMessage(err) };
      this.renderCheck();
    }
  }

  problemText(p) {
    const range = (from, to) => {
      const a = new Date(from);
      const b = new Date(to);
      return t('conf.range', { day: formatCityShortDay(a), start: formatCityTime(a), end: formatCityTime(b) });
    };
    if (p.kind === 'clash') {
      return t('conf.problem.clash', {
        school: this.ctx.schoolName(p.school_id), title: p.title || '', when: range(p.starts_at, p.ends_at),
      });
    }
    if (p.kind === 'capacity') return t('conf.problem.capacity', { peak: p.peak, limit: p.limit, when: range(p.from, p.to) });
    if (p.kind === 'times') return t('conf.problem.times', { detail: p.detail || '' });
    return t('conf.problem.other', { detail: JSON.stringify(p) });
  }

  renderCheck(phase = null) {
    const e = this.els;
    clear(e.checkProblems);
    for (const id of Object.values(FIELDS)) document.getElementById(id)?.classList.remove('has-problem');
    if (phase === 'checking') {
      e.checkBox.dataset.state = 'checking';
      e.checkStatus.textContent = t('conf.checking');
      return;
    }
    const result = this.lastCheck;
    if (!result) {
      e.checkBox.dataset.state = 'idle';
      e.checkStatus.textContent = phase === 'incomplete' ? t('conf.checkIncomplete') : '';
      return;
    }
    if (result.error) {
      e.checkBox.dataset.state = 'error';
      e.checkStatus.textContent = t('conf.checkFailed', { message: result.error });
      return;
    }
    const problems = Array.isArray(result.problems) ? result.problems : [];
    e.checkBox.dataset.state = result.ok && problems.length === 0 ? 'ok' : 'problems';
    e.checkStatus.textContent = result.ok && problems.length === 0
      ? t('conf.checkOk') : t('conf.checkProblems', { count: problems.length });
    for (const p of problems) {
      e.checkProblems.append(h('li', { class: 'check-box__problem', dataset: { kind: p.kind || '' } }, this.problemText(p)));
      if (p.kind === 'times' && FIELDS[p.field]) document.getElementById(FIELDS[p.field])?.classList.add('has-problem');
    }
  }

  /* ---- errors ----------------------------------------------------------------------------------- */

  clearErrors() {
    this.formError = null;
    for (const id of Object.values(FIELDS)) {
      document.getElementById(id)?.removeAttribute('aria-invalid');
      const error = document.getElementById(`${id}-error`);
      if (error) {
        error.textContent = '';
        error.hidden = true;
      }
    }
    this.els.formError.hidden = true;
    this.els.formError.textContent = '';
  }

  showFormError(message) {
    this.els.formError.textContent = message;
    this.els.formError.hidden = !message;
  }

  fieldError(field, message) {
    const id = FIELDS[field];
    const error = id && document.getElementById(`${id}-error`);
    if (!error) return false;
    error.textContent = message;
    error.hidden = false;
    const control = document.getElementById(id === 'f-invited' ? 'f-school-search' : id);
    control?.setAttribute('aria-invalid', 'true');
    control?.focus();
    return true;
  }

  /** Checks the browser can make before asking the server. */
  validate(body) {
    if (!body.title) return ['title', t('conf.err.title')];
    if (this.isOperator && !this.editing && !body.host_school_id) return ['host_school_id', t('conf.err.host')];
    if (!body.starts_at) return ['starts_at', t('conf.err.starts')];
    if (!body.ends_at) return ['ends_at', t('conf.err.ends')];
    if (Date.parse(body.ends_at) <= Date.parse(body.starts_at)) return ['ends_at', t('conf.err.order')];
    if (body.invited_school_ids.length === 0) return ['invited_school_ids', t('conf.err.invited')];
    return null;
  }

  /** For PATCH: only what changed (any visible change bumps the sequence). */
  changes(body) {
    const c = this.editing;
    const out = {};
    const same = (a, b) => JSON.stringify(a) === JSON.stringify(b);
    if (body.title !== c.title) out.title = body.title;
    if ((body.description || '') !== (c.description || '')) out.description = body.description;
    if ((body.agenda || '') !== (c.agenda || '')) out.agenda = body.agenda;
    if (Date.parse(body.starts_at) !== Date.parse(c.starts_at)) out.starts_at = body.starts_at;
    if (Date.parse(body.ends_at) !== Date.parse(c.ends_at)) out.ends_at = body.ends_at;
    const before = (c.invites || []).map((i) => i.school?.id).sort();
    if (!same([...body.invited_school_ids].sort(), before)) out.invited_school_ids = body.invited_school_ids;
    if (body.max_participants_per_school !== c.max_participants_per_school) out.max_participants_per_school = body.max_participants_per_school;
    if (body.waiting_room !== Boolean(c.waiting_room)) out.waiting_room = body.waiting_room;
    return out;
  }

  async submit(event) {
    event.preventDefault();
    if (this.saving) return;
    this.clearErrors();
    const body = this.body();
    const problem = this.validate(body);
    if (problem) {
      this.fieldError(problem[0], problem[1]);
      return;
    }
    let result;
    this.saving = true;
    this.renderTexts();
    this.els.formSubmit.disabled = true;
    this.els.confForm.setAttribute('aria-busy', 'true');
    try {
      if (this.editing) {
        const changes = this.changes(body);
        result = Object.keys(changes).length === 0 ? this.editing
          : await api(`/conferences/${encodeURIComponent(this.editing.id)}`, { method: 'PATCH', body: changes });
      } else {
        result = await api('/conferences', { method: 'POST', body });
      }
    } catch (err) {
      const message = () => errorMessage(err);
      if (!(err.field && this.fieldError(err.field, message()))) {
        this.formError = message;
        this.showFormError(message());
        this.els.formError.focus();
      }
      this.scheduleCheck(0);
      return;
    } finally {
      this.saving = false;
      this.els.formSubmit.disabled = false;
      this.els.confForm.setAttribute('aria-busy', 'false');
      this.renderTexts();
    }
    const created = !this.editing;
    this.close();
    this.ctx.onSaved(result, created);
  }
}
