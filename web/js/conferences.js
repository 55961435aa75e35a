// conferences.js — the booking page (/conferences): the school's conferences
// in a week view and a list view (times in the city's time zone from
// GET /api/v1/config/public), pending invitations to accept or decline, the
// booking form (conference-form.js), cancel, join links and the attendance
// report (conference-dialogs.js). Coordinators book for their school,
// operators for any; teachers see their school's list read-only. The server
// decides every permission; the page only offers what it would allow.

import { api, apiListAll, errorMessage } from './api.js';
import { initAuth, openLogin } from './auth.js';
import {
  cityZone, dayKey, dayStart, formatCityDay, formatCityShortDay, formatCityTime, loadPublicConfig, weekStart,
} from './city-time.js';
import { AttendanceDialog, LinksDialog } from './conference-dialogs.js';
import { ConferenceForm } from './conference-form.js';
import './conference-nav.js';
import { $, clear, fillSelect, h } from './dom.js';
import { getLang, onLangChange, setLang, t } from './i18n.js';
import { getAccount, isStaff, refreshAccount } from './session.js';
import { showToast } from './toast.js';

const UPCOMING_PAGES = 10;

const state = {
  config: null,
  schools: [],
  schoolsById: new Map(),
  view: 'week', // week | list
  week: null, // Date: Monday 00:00 city time
  weekItems: [],
  listItems: [],
  listCursor: null,
  invitations: [],
  loading: false,
  error: null, // () => message
};

const els = {};
let form = null;
let links = null;
let attendance = null;

/* ---- who may do what (the server decides; this only picks the buttons) ------------------ */

const account = () => getAccount();
const isOperator = () => account()?.role === 'operator';
const isCoordinator = () => account()?.role === 'coordinator';
const canBook = () => isOperator() || (isCoordinator() && Boolean(account()?.school_id));

function hosts(conference) {
  return isOperator() || (isCoordinator() && account()?.school_id === conference.host_school?.id);
}

function open(conference) {
  return conference.status === 'scheduled' && Date.parse(conference.ends_at) > Date.now();
}

function myInvite(conference) {
  if (!isCoordinator()) return null;
  return (conference.invites || []).find((i) => i.school?.id === account()?.school_id) || null;
}

function takesPart(conference) {
  if (isOperator()) return true;
  const school = account()?.school_id;
  if (!school) return false;
  if (conference.host_school?.id === school) return true;
  return (conference.invites || []).some((i) => i.school?.id === school && i.status === 'accepted');
}

export function schoolName(id) {
  const school = state.schoolsById.get(id);
  return school ? school.short_name || school.name : id || '';
}

/* ---- errors --------------------------------------------------------------------------------- */

function showError(message) {
  state.error = message;
  els.error.hidden = !message;
  els.error.textContent = message ? message() : '';
}

/* ---- one conference -------------------------------------------------------------------------- */

function statusBadge(conference) {
  if (conference.live && conference.status === 'scheduled') {
    return h('span', { class: 'badge badge--live', dataset: { status: 'live' } },
      h('span', { class: 'badge__dot', 'aria-hidden': 'true' }), t('conf.status.live'));
  }
  const status = ['scheduled', 'ended', 'cancelled'].includes(conference.status) ? conference.status : 'scheduled';
  return h('span', { class: `badge badge--${status}`, dataset: { status } }, t(`conf.status.${status}`));
}

function inviteBadge(status) {
  const known = ['pending', 'accepted', 'declined'].includes(status) ? status : 'pending';
  return h('span', { class: `invite invite--${known}` }, t(`conf.invite.${known}`));
}

function timeRange(conference) {
  const starts = new Date(conference.starts_at);
  const ends = new Date(conference.ends_at);
  return t('conf.range', { day: formatCityShortDay(starts), start: formatCityTime(starts), end: formatCityTime(ends) });
}

function actionButton(key, onclick, { danger = false, primary = false, label = null } = {}) {
  const cls = `button button--small${danger ? ' button--danger' : ''}${primary ? ' button--primary' : ''}`;
  return h('button', { type: 'button', class: cls, onclick, 'aria-label': label }, t(key));
}

function conferenceActions(conference) {
  const actions = [];
  const label = (key) => t(key, { title: conference.title });
  if (open(conference) && takesPart(conference)) {
    actions.push(h('a', {
      class: `button button--small${conference.live ? ' button--primary' : ''}`, href: conference.room_url || `/room/${encodeURIComponent(conference.id)}`,
      'aria-label': label('conf.openRoomLabel'),
    }, t('conf.openRoom')));
  }
  const invite = myInvite(conference);
  if (invite && open(conference)) {
    if (invite.status !== 'accepted') actions.push(actionButton('conf.accept', () => respond(conference, 'accept'), { primary: true, label: label('conf.acceptLabel') }));
    if (invite.status !== 'declined') actions.push(actionButton('conf.decline', () => respond(conference, 'decline'), { label: label('conf.declineLabel') }));
  }
  const canLink = open(conference) && (hosts(conference) || (invite && invite.status === 'accepted'));
  if (canLink) actions.push(actionButton('conf.links', () => links.open(conference), { label: label('conf.linksLabel') }));
  if (hosts(conference) && open(conference)) {
    actions.push(actionButton('conf.edit', () => form.openEdit(conference), { label: label('conf.editLabel') }));
    actions.push(actionButton('conf.cancel', () => confirmCancel(conference), { danger: true, label: label('conf.cancelLabel') }));
  }
  if (hosts(conference) && conference.status !== 'cancelled' && Date.parse(conference.opens_at || conference.starts_at) <= Date.now()) {
    actions.push(actionButton('conf.attendance', () => attendance.open(conference), { label: label('conf.attendanceLabel') }));
  }
  return actions;
}

function inviteRows(conference) {
  return (conference.invites || []).map((invite) => {
    const operatorButtons = isOperator() && open(conference) ? [
      invite.status !== 'accepted' ? actionButton('conf.accept', () => respond(conference, 'accept', invite.school.id), {
        label: t('conf.acceptFor', { school: invite.school.short_name }),
      }) : null,
      invite.status !== 'declined' ? actionButton('conf.decline', () => respond(conference, 'decline', invite.school.id), {
        label: t('conf.declineFor', { school: invite.school.short_name }),
      }) : null,
    ] : [];
    return h('li', { class: 'conf__invite', dataset: { school: invite.school?.id, status: invite.status } },
      h('span', {}, invite.school?.short_name || invite.school?.name || ''), inviteBadge(invite.status), operatorButtons);
  });
}

function conferenceCard(conference, { compact = false } = {}) {
  const body = [
    h('p', { class: 'conf__meta' }, h('time', { datetime: conference.starts_at }, timeRange(conference)),
      ' · ', t('conf.hostedBy', { school: conference.host_school?.short_name || conference.host_school?.name || '' })),
    h('ul', { class: 'conf__invites', 'aria-label': t('conf.invitedSchools') }, inviteRows(conference)),
    conference.live && conference.participants_now ? h('p', { class: 'hint' }, t('conf.participantsNow', { count: conference.participants_now })) : null,
    conference.description ? h('p', { class: 'conf__description' }, conference.description) : null,
    conference.agenda ? h('div', { class: 'conf__agenda' }, h('h4', {}, t('conf.field.agenda')), h('p', {}, conference.agenda)) : null,
    h('div', { class: 'conf__actions' }, conferenceActions(conference)),
  ];
  const cls = `conf conf--${conference.live ? 'live' : conference.status}`;
  if (compact) {
    return h('li', { class: cls, dataset: { conferenceId: conference.id } },
      h('details', { class: 'conf__details' },
        h('summary', {}, h('span', { class: 'conf__time' }, formatCityTime(new Date(conference.starts_at))),
          ' ', h('span', { class: 'conf__title' }, conference.title),
          // The week's cells are narrow: a badge only when it is not the usual "scheduled".
          conference.live || conference.status !== 'scheduled' ? [' ', statusBadge(conference)] : null),
        body));
  }
  return h('li', { class: cls, dataset: { conferenceId: conference.id } },
    h('article', { class: 'card conf__card' },
      h('div', { class: 'conf__head' }, h('h3', { class: 'conf__title' }, conference.title), statusBadge(conference)),
      body));
}

/* ---- actions -------------------------------------------------------------------------------------- */

async function respond(conference, action, schoolId = null) {
  try {
    const body = schoolId ? { school_id: schoolId } : {};
    await api(`/conferences/${encodeURIComponent(conference.id)}/${action}`, { method: 'POST', body });
    showToast(t(action === 'accept' ? 'conf.accepted' : 'conf.declined', { title: conference.title }));
    await reload();
  } catch (err) {
    showToast(errorMessage(err), 'error');
  }
}

let cancelling = null;

function confirmCancel(conference) {
  cancelling = conference;
  $('#cancel-text').textContent = t('conf.cancelText', { title: conference.title, when: timeRange(conference) });
  $('#cancel-dialog').showModal();
}

async function doCancel() {
  const conference = cancelling;
  cancelling = null;
  if (!conference) return;
  try {
    await api(`/conferences/${encodeURIComponent(conference.id)}/cancel`, { method: 'POST' });
    showToast(t('conf.cancelled', { title: conference.title }));
    await reload();
  } catch (err) {
    showToast(errorMessage(err), 'error');
  }
}

function onSaved(conference, created) {
  showToast(t(created ? 'conf.createdToast' : 'conf.savedToast', { title: conference.title }));
  // Show the week the conference is in.
  state.week = weekStart(new Date(conference.starts_at));
  reload();
}

/* ---- loading ---------------------------------------------------------------------------------------- */

function filterQuery() {
  const query = {};
  if (isOperator() && els.schoolFilter.value) query.school = els.schoolFilter.value;
  return query;
}

// Each loader numbers its requests: only the latest one's answer is shown
// (two quick actions, or week changes, must not leave an older answer on top).
const loads = { week: 0, list: 0, invitations: 0 };

async function loadWeek() {
  const from = state.week;
  const to = weekStart(from, 1);
  const seq = ++loads.week;
  els.week.setAttribute('aria-busy', 'true');
  let items;
  let error = null;
  try {
    items = await apiListAll('/conferences', {
      ...filterQuery(), from: from.toISOString(), to: to.toISOString(), limit: 100,
    });
  } catch (err) {
    items = [];
    error = err;
  }
  if (seq !== loads.week) return; // a newer load is under way
  state.weekItems = items;
  showError(error ? () => t('conf.loadError', { message: errorMessage(error) }) : null);
  els.week.setAttribute('aria-busy', 'false');
  renderWeek();
}

async function loadList(more = false) {
  const seq = ++loads.list;
  els.list.setAttribute('aria-busy', 'true');
  let page = null;
  let error = null;
  try {
    const status = els.statusFilter.value;
    const query = { ...filterQuery(), status, limit: 20, cursor: more ? state.listCursor : null };
    // Without a status: what is on now and to come; a status shows its whole history.
    if (!status) query.from = new Date().toISOString();
    page = await api('/conferences', { query });
  } catch (err) {
    error = err;
  }
  if (seq !== loads.list) return; // a newer load is under way
  if (error) {
    if (!more) state.listItems = [];
    showError(() => t('conf.loadError', { message: errorMessage(error) }));
  } else {
    state.listItems = more ? [...state.listItems, ...(page?.items || [])] : page?.items || [];
    state.listCursor = page?.next_cursor || null;
    showError(null);
  }
  els.list.setAttribute('aria-busy', 'false');
  renderList();
}

async function loadInvitations() {
  if (!isCoordinator()) {
    state.invitations = [];
    renderInvitations();
    return;
  }
  const seq = ++loads.invitations;
  let invitations;
  try {
    const items = await apiListAll('/conferences', { from: new Date().toISOString(), status: 'scheduled', limit: 100 }, UPCOMING_PAGES);
    invitations = items.filter((c) => myInvite(c)?.status === 'pending' && open(c));
  } catch {
    invitations = []; // the week/list report the error
  }
  if (seq !== loads.invitations) return; // a newer load is under way
  state.invitations = invitations;
  renderInvitations();
}

async function reload() {
  await Promise.all([state.view === 'week' ? loadWeek() : loadList(), loadInvitations()]);
}

/* ---- rendering ------------------------------------------------------------------------------------ */

function renderWeek() {
  const from = state.week;
  const last = dayStart(from, 6);
  els.weekLabel.textContent = t('conf.weekOf', { from: formatCityShortDay(from), to: formatCityShortDay(last) });
  clear(els.week);
  const byDay = new Map();
  for (const conference of state.weekItems) {
    // A conference is listed on each day it touches within the week (usually one).
    for (let d = 0; d < 7; d++) {
      const dayFrom = dayStart(from, d);
      const dayTo = dayStart(from, d + 1);
      if (Date.parse(conference.starts_at) < dayTo.getTime() && Date.parse(conference.ends_at) > dayFrom.getTime()) {
        const key = dayKey(dayFrom);
        if (!byDay.has(key)) byDay.set(key, []);
        byDay.get(key).push(conference);
      }
    }
  }
  const today = dayKey(new Date());
  for (let d = 0; d < 7; d++) {
    const day = dayStart(from, d);
    const key = dayKey(day);
    const items = (byDay.get(key) || []).sort((a, b) => Date.parse(a.starts_at) - Date.parse(b.starts_at));
    const headingId = `day-${key}`;
    els.week.append(h('li', { class: `week__day${key === today ? ' week__day--today' : ''}`, dataset: { day: key } },
      h('h3', { class: 'week__heading', id: headingId }, formatCityDay(day),
        key === today ? h('span', { class: 'visually-hidden' }, ` (${t('schedule.today')})`) : null),
      items.length
        ? h('ul', { class: 'week__items', 'aria-labelledby': headingId }, items.map((c) => conferenceCard(c, { compact: true })))
        : h('p', { class: 'week__empty' }, t('conf.dayEmpty'))));
  }
}

function renderList() {
  clear(els.list);
  let lastDay = null;
  for (const conference of state.listItems) {
    const key = dayKey(new Date(conference.starts_at));
    if (key !== lastDay) {
      els.list.append(h('li', { class: 'conf-list__day' }, h('h3', {}, formatCityDay(new Date(conference.starts_at)))));
      lastDay = key;
    }
    els.list.append(conferenceCard(conference));
  }
  els.listStatus.textContent = state.listItems.length ? t('conf.count', { count: state.listItems.length }) : t('conf.empty');
  els.listMore.hidden = !state.listCursor;
}

function renderInvitations() {
  els.invitations.hidden = state.invitations.length === 0;
  clear(els.invitationList);
  for (const conference of state.invitations) els.invitationList.append(conferenceCard(conference));
}

function renderView() {
  const week = state.view === 'week';
  els.weekView.hidden = !week;
  els.listView.hidden = week;
  els.showWeek.setAttribute('aria-pressed', String(week));
  els.showList.setAttribute('aria-pressed', String(!week));
  $('#status-filter-field').hidden = week;
}

function renderAll() {
  els.zone.textContent = t('schedule.timezone', { zone: cityZone() });
  renderWeek();
  renderList();
  renderInvitations();
  if (state.error) showError(state.error);
}

async function setView(view) {
  state.view = view;
  renderView();
  if (view === 'week') await loadWeek();
  else await loadList();
}

/* ---- start -------------------------------------------------------------------------------------------- */

async function loadSchools() {
  try {
    state.schools = (await apiListAll('/schools', { limit: 100 })).sort((a, b) => a.name.localeCompare(b.name));
  } catch (err) {
    state.schools = [];
    showError(() => errorMessage(err));
  }
  state.schoolsById = new Map(state.schools.map((s) => [s.id, s]));
  fillSelect(els.schoolFilter, [['', t('filters.any')], ...state.schools.map((s) => [s.id, s.short_name || s.name])], true);
}

async function start() {
  const acc = account();
  els.app.hidden = true;
  els.newConference.hidden = true;
  if (!acc) {
    els.login.hidden = false;
    openLogin(() => start());
    return;
  }
  els.login.hidden = true;
  if (!isStaff(acc)) {
    showError(() => t('conf.noAccess'));
    return;
  }
  showError(null);
  els.app.hidden = false;
  els.newConference.hidden = !canBook();
  $('#school-filter-field').hidden = !isOperator();
  await loadSchools();
  renderView();
  await reload();
  document.body.dataset.ready = 'true';
}

function bind() {
  for (const [name, selector] of Object.entries({
    error: '#conf-error', login: '#conf-login', app: '#conf-app', zone: '#conf-zone',
    newConference: '#new-conference', invitations: '#invitations', invitationList: '#invitation-list',
    showWeek: '#show-week', showList: '#show-list', schoolFilter: '#school-filter', statusFilter: '#status-filter',
    weekView: '#week-view', weekLabel: '#week-label', week: '#week', listView: '#list-view', list: '#conf-list',
    listStatus: '#list-status', listMore: '#list-more',
  })) els[name] = $(selector);
}

async function main() {
  bind();
  setLang(getLang());
  $('#lang-switch').addEventListener('click', () => setLang(getLang() === 'ru' ? 'en' : 'ru'));
  initAuth({ onLoggedIn: () => start(), onLoggedOut: () => window.location.assign('/') });

  form = new ConferenceForm({
    account,
    schools: () => state.schools,
    schoolName,
    config: () => state.config,
    zone: () => cityZone(),
    onSaved,
  });
  links = new LinksDialog({ account });
  attendance = new AttendanceDialog();

  els.newConference.addEventListener('click', () => form.openNew());
  els.showWeek.addEventListener('click', () => setView('week'));
  els.showList.addEventListener('click', () => setView('list'));
  $('#week-prev').addEventListener('click', () => { state.week = weekStart(state.week, -1); loadWeek(); });
  $('#week-next').addEventListener('click', () => { state.week = weekStart(state.week, 1); loadWeek(); });
  $('#week-today').addEventListener('click', () => { state.week = weekStart(new Date()); loadWeek(); });
  els.schoolFilter.addEventListener('change', () => reload());
  els.statusFilter.addEventListener('change', () => loadList());
  els.listMore.addEventListener('click', () => loadList(true));
  $('#cancel-dialog').addEventListener('close', () => {
    if ($('#cancel-dialog').returnValue === 'cancel') doCancel();
    else cancelling = null;
  });
  onLangChange(() => {
    renderAll();
    form.relabel();
    links.relabel();
    attendance.render();
  });

  try {
    state.config = await loadPublicConfig();
  } catch {
    state.config = {}; // times then show in the browser's zone
  }
  state.week = weekStart(new Date());
  els.zone.textContent = t('schedule.timezone', { zone: cityZone() });
  try {
    await refreshAccount();
  } catch (err) {
    showError(() => errorMessage(err));
    return;
  }
  await start();
}

main();
