// schedule.js — the public schedule: filters (district, school, subject,
// grade, date), lessons grouped by day in the browser's time zone, status
// badges, "load more" through the API's next_cursor; each card links to the
// watch page, and to the studio for staff who may broadcast the lesson.

import { api, apiListAll, errorMessage } from './api.js';
import { $, clear, fillSelect, h } from './dom.js';
import { formatDay, formatDateTime, formatTime, onLangChange, t, timeZoneName } from './i18n.js';
import { canBroadcast, statusBadge, studioHref, teacherLabel, watchHref } from './lesson.js';
import { getAccount } from './session.js';
import { toRfc3339 } from './time.js';

// Without a date filter the list starts this long ago, so lessons that are
// running late or still live are not missed; lessons already over are hidden.
const LOOKBACK_MS = 12 * 60 * 60 * 1000;
// Pages fetched in a row when a page holds only lessons that are already over.
const MAX_EMPTY_PAGES = 5;

const state = {
  districts: [],
  schools: [],
  lessons: [],
  nextCursor: null,
  loading: false,
  error: null,
  generation: 0,
  dateMode: false,
};

const els = {};

function currentFilters() {
  const form = els.form;
  return {
    district: form.elements.district.value,
    school: form.elements.school.value,
    subject: form.elements.subject.value.trim(),
    grade: form.elements.grade.value,
    date: form.elements.date.value,
  };
}

function buildQuery(filters) {
  const query = {
    district: filters.district,
    school: filters.school,
    subject: filters.subject,
    grade: filters.grade,
  };
  if (filters.date) {
    const [y, m, d] = filters.date.split('-').map(Number);
    const start = new Date(y, m - 1, d);
    const end = new Date(y, m - 1, d + 1);
    query.from = toRfc3339(start);
    query.to = toRfc3339(end);
  } else {
    query.from = toRfc3339(new Date(Date.now() - LOOKBACK_MS));
  }
  return query;
}

/** Upcoming mode hides lessons that are over (unless the server says live). */
function isShown(lesson, now) {
  if (state.dateMode) return true;
  if (lesson.status === 'live') return true;
  return Date.parse(lesson.ends_at) > now;
}

export async function loadSchedule({ append = false } = {}) {
  const generation = ++state.generation;
  const filters = currentFilters();
  const query = buildQuery(filters);
  state.dateMode = Boolean(filters.date);
  state.loading = true;
  state.error = null;
  if (!append) {
    state.lessons = [];
    state.nextCursor = null;
  }
  render();

  try {
    let cursor = append ? state.nextCursor : null;
    const added = [];
    const now = Date.now();
    for (let page = 0; page < MAX_EMPTY_PAGES; page++) {
      const result = await api('/lessons', { query: { ...query, cursor } });
      if (generation !== state.generation) return; // a newer request won
      added.push(...(result?.items ?? []).filter((lesson) => isShown(lesson, now)));
      cursor = result?.next_cursor ?? null;
      if (added.length > 0 || !cursor) break;
    }
    const known = new Set(state.lessons.map((lesson) => lesson.id));
    state.lessons = state.lessons.concat(added.filter((lesson) => !known.has(lesson.id)));
    state.nextCursor = cursor;
  } catch (err) {
    if (generation !== state.generation) return;
    state.error = err;
  }
  state.loading = false;
  render();
}

function dayKey(date) {
  return `${date.getFullYear()}-${date.getMonth() + 1}-${date.getDate()}`;
}

function dayHeading(date) {
  const today = new Date();
  const tomorrow = new Date(today.getFullYear(), today.getMonth(), today.getDate() + 1);
  const formatted = formatDay(date);
  if (dayKey(date) === dayKey(today)) return `${t('schedule.today')}, ${formatted}`;
  if (dayKey(date) === dayKey(tomorrow)) return `${t('schedule.tomorrow')}, ${formatted}`;
  return formatted.charAt(0).toUpperCase() + formatted.slice(1);
}

function renderLesson(lesson) {
  const starts = new Date(lesson.starts_at);
  const ends = new Date(lesson.ends_at);
  const titleId = `lesson-${lesson.id}-title`;
  const meta = [lesson.subject, lesson.grade ? t('lesson.grade', { grade: lesson.grade }) : null]
    .filter(Boolean).join(' · ');
  const school = lesson.school || {};

  return h('li', { class: `lesson lesson--${lesson.status}`, dataset: { lessonId: lesson.id } },
    h('article', { 'aria-labelledby': titleId },
      h('div', { class: 'lesson__time' },
        h('time', { datetime: lesson.starts_at, title: formatDateTime(starts) }, formatTime(starts)),
        h('span', { class: 'lesson__end' }, '–',
          h('time', { datetime: lesson.ends_at, title: formatDateTime(ends) }, formatTime(ends)))),
      h('div', { class: 'lesson__body' },
        h('div', { class: 'lesson__badges' },
          statusBadge(lesson.status),
          lesson.visibility === 'unlisted'
            ? h('span', { class: 'badge badge--unlisted' }, t('lesson.unlisted')) : null),
        h('h3', { class: 'lesson__title', id: titleId },
          h('a', { href: watchHref(lesson), class: 'lesson__link' }, lesson.title)),
        meta ? h('p', { class: 'lesson__meta' }, meta) : null,
        h('p', { class: 'lesson__school' },
          h('span', { class: 'visually-hidden' }, `${t('lesson.school')}: `),
          school.name || school.short_name || '',
          school.district ? h('span', { class: 'lesson__district' }, ` · ${school.district}`) : null),
        h('p', { class: 'lesson__teacher' },
          h('span', { class: 'visually-hidden' }, `${t('lesson.teacher')}: `),
          teacherLabel(lesson)),
        canBroadcast(getAccount(), lesson) && (lesson.status === 'scheduled' || lesson.status === 'live')
          ? h('p', { class: 'lesson__actions' },
            h('a', { href: studioHref(lesson), class: 'button button--small lesson__studio',
              'aria-label': t('lesson.studioLabel', { title: lesson.title }) }, t('lesson.studio')))
          : null)));
}

function renderSubjects() {
  const subjects = [...new Set(state.lessons.map((lesson) => lesson.subject).filter(Boolean))]
    .sort((a, b) => a.localeCompare(b));
  const list = $('#subject-options');
  const existing = new Set([...list.options].map((option) => option.value));
  for (const subject of subjects) if (!existing.has(subject)) list.append(h('option', { value: subject }));
}

function render() {
  const container = clear(els.schedule);
  container.setAttribute('aria-busy', state.loading ? 'true' : 'false');

  const groups = new Map();
  for (const lesson of state.lessons) {
    const date = new Date(lesson.starts_at);
    const key = dayKey(date);
    if (!groups.has(key)) groups.set(key, { date, lessons: [] });
    groups.get(key).lessons.push(lesson);
  }
  for (const [key, group] of groups) {
    const headingId = `day-${key}`;
    container.append(h('section', { class: 'day', 'aria-labelledby': headingId },
      h('h2', { class: 'day__heading', id: headingId }, dayHeading(group.date)),
      h('ul', { class: 'lesson-list' }, group.lessons.map(renderLesson))));
  }

  const status = clear(els.status);
  if (state.error) {
    status.append(h('p', { class: 'form-error' },
      t('schedule.error', { message: errorMessage(state.error) }), ' ',
      h('button', { type: 'button', class: 'button button--small', onclick: () => loadSchedule() },
        t('schedule.retry'))));
  } else if (state.loading) {
    status.append(h('p', { class: 'hint' }, t('schedule.loading')));
  } else if (state.lessons.length === 0) {
    status.append(h('p', { class: 'empty' }, t('schedule.empty')));
  } else {
    status.append(h('p', { class: 'hint' }, t('schedule.count', { count: state.lessons.length })));
  }

  els.loadMore.hidden = !state.nextCursor || state.loading;
  els.timezone.textContent = t('schedule.timezone', { zone: timeZoneName() });
  renderSubjects();
}

function renderFilterOptions() {
  const form = els.form;
  fillSelect(form.elements.district, [['', t('filters.any')],
    ...state.districts.map((d) => [d.name, Number.isFinite(d.schools) ? `${d.name} (${d.schools})` : d.name])]);
  const district = form.elements.district.value;
  const schools = state.schools.filter((s) => !district || s.district === district);
  fillSelect(form.elements.school, [['', t('filters.any')], ...schools.map((s) => [s.id, s.short_name || s.name])]);
  fillSelect(form.elements.grade, [['', t('filters.any')],
    ...Array.from({ length: 11 }, (_, i) => [String(i + 1), t('lesson.grade', { grade: i + 1 })])]);
}

async function loadFilterData() {
  try {
    const [districts, schools] = await Promise.all([
      api('/districts').then((result) => result?.items ?? []),
      apiListAll('/schools'),
    ]);
    state.districts = districts;
    state.schools = schools;
  } catch {
    // The schedule works without these lists (the filters then offer "All"
    // only); a server problem shows in the schedule's own status line.
  }
  renderFilterOptions();
}

export function initSchedule() {
  els.form = $('#filters');
  els.schedule = $('#schedule');
  els.status = $('#schedule-status');
  els.loadMore = $('#load-more');
  els.timezone = $('#timezone-note');

  renderFilterOptions();
  // Phones start with the filters folded so the lessons are on the first screen.
  if (window.matchMedia('(max-width: 640px)').matches) $('#filters-details').open = false;
  els.form.addEventListener('submit', (event) => {
    event.preventDefault();
    loadSchedule();
  });
  els.form.addEventListener('change', (event) => {
    if (event.target === els.form.elements.district) renderFilterOptions();
    if (event.target !== els.form.elements.subject) loadSchedule();
  });
  els.form.addEventListener('reset', () => {
    // The form's own reset runs after this event: reload once it is done.
    window.setTimeout(() => {
      renderFilterOptions();
      loadSchedule();
    }, 0);
  });
  els.loadMore.addEventListener('click', () => loadSchedule({ append: true }));
  document.addEventListener('lessoncast:lessons-changed', () => loadSchedule());

  onLangChange(() => {
    renderFilterOptions();
    render();
  });

  loadFilterData();
  return loadSchedule();
}
