// staff.js — the staff area: "Create lesson" for teachers, coordinators and
// operators (operators and coordinators pick the school/teacher), with each
// validation error shown next to the field the problem names; and, for
// operators, the list of schools.

import { api, apiListAll, errorMessage } from './api.js';
import { $, clear, fillSelect, h } from './dom.js';
import { onLangChange, t } from './i18n.js';
import { studioHref, watchHref } from './lesson.js';
import { getAccount, onAccountChange } from './session.js';
import { fromLocalInput, toLocalInput, toRfc3339 } from './time.js';

const DEFAULT_DURATION_MIN = 45;

// API field name → form control id (its error element is "<id>-error").
const FIELD_CONTROLS = {
  school_id: 'create-school',
  teacher_id: 'create-teacher',
  title: 'create-title',
  subject: 'create-subject',
  grade: 'create-grade',
  description: 'create-description',
  starts_at: 'create-starts',
  ends_at: 'create-ends',
  visibility: 'create-visibility',
  recording: 'create-recording',
};

const state = {
  schools: [],
  schoolsLoaded: false,
  teachers: [],
  teachersFor: null,
  teachersLoading: false,
  formError: null, // { field, message() } kept to re-render on language change
  created: null,
  schoolsList: [],
  schoolsCursor: null,
  schoolsError: null,
};

const els = {};

/* ---- field errors ------------------------------------------------------ */

function clearErrors() {
  state.formError = null;
  for (const id of Object.values(FIELD_CONTROLS)) {
    const control = document.getElementById(id);
    const error = document.getElementById(`${id}-error`);
    if (control) control.removeAttribute('aria-invalid');
    if (error) {
      error.textContent = '';
      error.hidden = true;
    }
  }
  els.formError.hidden = true;
  els.formError.textContent = '';
}

function renderErrors() {
  const err = state.formError;
  if (!err) return;
  const controlId = err.field ? FIELD_CONTROLS[err.field] : null;
  const fieldError = controlId ? document.getElementById(`${controlId}-error`) : null;
  const visible = fieldError && !fieldError.parentElement.closest('[hidden]');
  if (visible) {
    fieldError.textContent = err.message();
    fieldError.hidden = false;
    const control = document.getElementById(controlId);
    if (control && control.tagName !== 'FIELDSET') control.setAttribute('aria-invalid', 'true');
    els.formError.textContent = t('create.fixErrors');
  } else {
    els.formError.textContent = err.message();
  }
  els.formError.hidden = false;
}

function showError(field, message, focus = true) {
  clearErrors();
  state.formError = { field, message };
  renderErrors();
  if (!focus) return;
  const controlId = field ? FIELD_CONTROLS[field] : null;
  const control = controlId ? document.getElementById(controlId) : null;
  if (control && !control.closest('[hidden]')) {
    (control.tagName === 'FIELDSET' ? control.querySelector('input') : control).focus();
  } else {
    els.formError.focus();
  }
}

/* ---- school and teacher choices ---------------------------------------- */

function renderSchoolOptions() {
  fillSelect(els.school, [['', t('create.chooseSchool')],
    ...state.schools.map((s) => [s.id, s.district ? `${s.name} (${s.district})` : s.name])]);
}

function renderTeacherOptions() {
  let placeholder = t('create.chooseTeacher');
  if (state.teachersLoading) placeholder = t('create.loadingTeachers');
  else if (state.teachersFor && state.teachers.length === 0) placeholder = t('create.noTeachers');
  fillSelect(els.teacher, [['', placeholder],
    ...state.teachers.map((a) => [a.id, a.display_name || a.login])]);
}

async function loadTeachers(schoolId) {
  state.teachersFor = schoolId || null;
  state.teachers = [];
  if (!schoolId) {
    renderTeacherOptions();
    return;
  }
  state.teachersLoading = true;
  renderTeacherOptions();
  try {
    const teachers = await apiListAll('/accounts', { role: 'teacher', school: schoolId });
    if (state.teachersFor !== schoolId) return;
    state.teachers = teachers.filter((a) => !a.disabled);
  } catch (error) {
    if (state.teachersFor !== schoolId) return;
    showError('teacher_id', () => errorMessage(error), false);
  }
  state.teachersLoading = false;
  renderTeacherOptions();
}

async function loadSchoolsForForm() {
  if (state.schoolsLoaded) return;
  try {
    state.schools = await apiListAll('/schools');
    state.schoolsLoaded = true;
  } catch (error) {
    showError('school_id', () => errorMessage(error), false);
  }
  renderSchoolOptions();
}

/* ---- the form ------------------------------------------------------------ */

function defaultTimes() {
  const start = new Date(Date.now() + 60 * 60 * 1000);
  start.setMinutes(start.getMinutes() < 30 ? 30 : 60, 0, 0);
  const end = new Date(start.getTime() + DEFAULT_DURATION_MIN * 60 * 1000);
  els.starts.value = toLocalInput(start);
  els.ends.value = toLocalInput(end);
}

function renderGradeOptions() {
  fillSelect(els.grade, [['', t('create.gradeNone')],
    ...Array.from({ length: 11 }, (_, i) => [String(i + 1), t('lesson.grade', { grade: i + 1 })])]);
}

function collectBody(account) {
  const form = els.form;
  const body = {
    title: form.elements.title.value.trim(),
    subject: form.elements.subject.value.trim(),
    visibility: form.elements.visibility.value || 'public',
    recording: form.elements.recording.checked,
  };
  const description = form.elements.description.value.trim();
  if (description) body.description = description;
  if (form.elements.grade.value) body.grade = Number(form.elements.grade.value);

  const starts = fromLocalInput(form.elements.starts_at.value);
  if (!starts) return { field: 'starts_at' };
  const ends = fromLocalInput(form.elements.ends_at.value);
  if (!ends) return { field: 'ends_at' };
  body.starts_at = toRfc3339(starts);
  body.ends_at = toRfc3339(ends);

  if (account.role === 'operator') {
    body.school_id = els.school.value || undefined;
    body.teacher_id = els.teacher.value || undefined;
  } else if (account.role === 'coordinator') {
    body.teacher_id = els.teacher.value || undefined;
  }
  return { body };
}

async function onSubmit(event) {
  event.preventDefault();
  const account = getAccount();
  if (!account) return;
  clearErrors();
  els.success.hidden = true;

  const { body, field } = collectBody(account);
  if (!body) {
    showError(field, () => t('create.badDate'));
    return;
  }
  for (const key of Object.keys(body)) if (body[key] === undefined) delete body[key];

  els.submit.disabled = true;
  els.submit.textContent = t('create.submitting');
  try {
    const lesson = await api('/lessons', { method: 'POST', body });
    state.created = lesson;
    renderCreated();
    els.form.elements.title.value = '';
    els.form.elements.description.value = '';
    document.dispatchEvent(new CustomEvent('lessoncast:lessons-changed', { detail: lesson }));
  } catch (error) {
    showError(error?.field ?? null, () => errorMessage(error));
  } finally {
    els.submit.disabled = false;
    els.submit.textContent = t('create.submit');
  }
}

function renderCreated() {
  const lesson = state.created;
  clear(els.success);
  if (!lesson) {
    els.success.hidden = true;
    return;
  }
  els.success.append(
    h('p', {}, t('create.success', { title: lesson.title })),
    h('p', { class: 'notice__links' },
      h('a', { href: watchHref(lesson), id: 'create-watch-link' }, t('create.open')),
      h('a', { href: studioHref(lesson), id: 'create-studio-link' }, t('create.studio'))));
  els.success.hidden = false;
}

/* ---- schools list (operators) ------------------------------------------- */

function renderSchoolsTable() {
  const body = clear(els.schoolsBody);
  for (const school of state.schoolsList) {
    let website = '';
    if (typeof school.website === 'string' && /^https?:\/\//i.test(school.website)) {
      website = h('a', { href: school.website, rel: 'noopener noreferrer', target: '_blank' },
        school.website.replace(/^https?:\/\//i, '').replace(/\/$/, ''));
    }
    body.append(h('tr', { dataset: { schoolId: school.id } },
      h('th', { scope: 'row' }, school.name),
      h('td', {}, school.short_name),
      h('td', {}, school.district),
      h('td', {}, school.address || '—'),
      h('td', {}, website || '—')));
  }
  if (state.schoolsError) {
    els.schoolsStatus.textContent = t('schools.error', { message: errorMessage(state.schoolsError) });
  } else {
    els.schoolsStatus.textContent = state.schoolsList.length === 0 ? t('schools.empty') : '';
  }
  els.schoolsMore.hidden = !state.schoolsCursor;
}

async function loadSchoolsList(append = false) {
  try {
    const result = await api('/schools', { query: { cursor: append ? state.schoolsCursor : null } });
    const items = result?.items ?? [];
    state.schoolsList = append ? state.schoolsList.concat(items) : items;
    state.schoolsCursor = result?.next_cursor ?? null;
    state.schoolsError = null;
  } catch (error) {
    state.schoolsError = error;
  }
  renderSchoolsTable();
}

/* ---- the view ------------------------------------------------------------- */

function renderWelcome(account) {
  if (!account) {
    els.welcome.textContent = '';
    return;
  }
  const parts = [t('staff.welcome', { name: account.display_name || account.login, role: t(`role.${account.role}`) })];
  if (account.school?.name) parts.push(t('staff.school', { school: account.school.name }));
  els.welcome.textContent = parts.join('. ');
}

function setMessage(key) {
  els.message.textContent = key ? t(key) : '';
  els.message.dataset.key = key || '';
  els.message.hidden = !key;
}

/** Show the staff area for the current account (or a login hint). */
export function renderStaff() {
  const account = getAccount();
  const role = account?.role;
  const canCreate = ['operator', 'coordinator', 'teacher'].includes(role);
  renderWelcome(account);
  setMessage(!account ? 'staff.needLogin' : (!canCreate ? 'staff.noAccess' : null));

  els.createSection.hidden = !canCreate;
  els.schoolsSection.hidden = role !== 'operator';
  els.schoolField.hidden = role !== 'operator';
  els.teacherField.hidden = !(role === 'operator' || role === 'coordinator');

  if (!canCreate) return;
  if (!els.starts.value) defaultTimes();
  if (role === 'operator') {
    loadSchoolsForForm();
    if (!state.schoolsList.length) loadSchoolsList();
  } else if (role === 'coordinator' && state.teachersFor !== account.school_id) {
    loadTeachers(account.school_id);
  }
}

function resetForAccount() {
  state.schools = [];
  state.schoolsLoaded = false;
  state.teachers = [];
  state.teachersFor = null;
  state.created = null;
  state.schoolsList = [];
  state.schoolsCursor = null;
  state.schoolsError = null;
  clearErrors();
  renderCreated();
  els.form.reset();
  els.starts.value = '';
  renderSchoolOptions();
  renderTeacherOptions();
}

export function initStaff() {
  els.form = $('#create-form');
  els.formError = $('#create-error');
  els.formError.tabIndex = -1;
  els.submit = $('#create-submit');
  els.success = $('#create-success');
  els.school = $('#create-school');
  els.teacher = $('#create-teacher');
  els.grade = $('#create-grade');
  els.starts = $('#create-starts');
  els.ends = $('#create-ends');
  els.schoolField = $('#create-school-field');
  els.teacherField = $('#create-teacher-field');
  els.createSection = $('#create-lesson');
  els.schoolsSection = $('#schools-section');
  els.schoolsBody = $('#schools-body');
  els.schoolsStatus = $('#schools-status');
  els.schoolsMore = $('#schools-more');
  els.welcome = $('#staff-welcome');
  els.message = $('#staff-message');

  renderGradeOptions();
  renderSchoolOptions();
  renderTeacherOptions();

  els.form.addEventListener('submit', onSubmit);
  els.school.addEventListener('change', () => loadTeachers(els.school.value));
  els.starts.addEventListener('change', () => {
    // Keep the end after the start: move it along, keeping the usual length.
    const starts = fromLocalInput(els.starts.value);
    const ends = fromLocalInput(els.ends.value);
    if (starts && (!ends || ends <= starts))
      els.ends.value = toLocalInput(new Date(starts.getTime() + DEFAULT_DURATION_MIN * 60 * 1000));
  });
  els.schoolsMore.addEventListener('click', () => loadSchoolsList(true));

  let previousId = getAccount()?.id ?? null;
  onAccountChange((account) => {
    const id = account?.id ?? null;
    if (id !== previousId) resetForAccount();
    previousId = id;
  });
  onLangChange(() => {
    renderGradeOptions();
    renderSchoolOptions();
    renderTeacherOptions();
    renderWelcome(getAccount());
    if (els.message.dataset.key) setMessage(els.message.dataset.key);
    if (state.formError) {
      const saved = state.formError;
      clearErrors();
      state.formError = saved;
      renderErrors();
    }
    renderCreated();
    renderSchoolsTable();
  });
}
