// app.js — entry point of the lessoncast web UI: language, views (#/ the
// schedule, #/staff the staff area), session and the modules that draw them.

import { initAuth, openLogin } from './auth.js';
import { $ } from './dom.js';
import { getLang, setLang } from './i18n.js';
import { initSchedule, loadSchedule } from './schedule.js';
import { getAccount, onAccountChange, refreshAccount } from './session.js';
import { initStaff, renderStaff } from './staff.js';

const VIEWS = { schedule: '#view-schedule', staff: '#view-staff' };

function currentRoute() {
  return window.location.hash.replace(/^#\/?/, '') === 'staff' ? 'staff' : 'schedule';
}

function navigate(route) {
  const hash = route === 'staff' ? '#/staff' : '#/';
  if (window.location.hash !== hash) window.location.hash = hash; // fires hashchange
  else showRoute(true);
}

function showRoute(moveFocus) {
  const route = currentRoute();
  for (const [name, selector] of Object.entries(VIEWS)) $(selector).hidden = name !== route;
  for (const link of document.querySelectorAll('.site-nav a[href^="#"]')) {
    const active = (link.id === 'nav-staff') === (route === 'staff');
    if (active) link.setAttribute('aria-current', 'page');
    else link.removeAttribute('aria-current');
  }
  if (route === 'staff') {
    renderStaff();
    if (!getAccount()) openLogin(() => navigate('staff'));
  }
  if (moveFocus) {
    const heading = $(`${VIEWS[route]} h1`);
    heading.tabIndex = -1;
    heading.focus({ preventScroll: false });
  }
}

function initLanguage() {
  setLang(getLang()); // sets <html lang>, the title and every data-i18n element
  $('#lang-switch').addEventListener('click', () => setLang(getLang() === 'ru' ? 'en' : 'ru'));
}

async function main() {
  initLanguage();
  initAuth({
    onLoggedIn: () => navigate('staff'),
    onLoggedOut: () => navigate('schedule'),
  });
  initStaff();
  window.addEventListener('hashchange', () => showRoute(true));

  // Who we are decides what the schedule lists (staff also see their school's
  // unlisted lessons), so ask first; the schedule loads either way.
  try {
    await refreshAccount();
  } catch {
    // Network trouble: the schedule below reports it.
  }
  let previousId = getAccount()?.id ?? null;
  onAccountChange((account) => {
    const id = account?.id ?? null;
    if (id !== previousId) loadSchedule();
    previousId = id;
    if (currentRoute() === 'staff') renderStaff();
  });

  showRoute(false);
  await initSchedule();
  document.body.dataset.ready = 'true';
}

main();
