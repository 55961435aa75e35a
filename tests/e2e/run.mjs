// run.mjs — browser end-to-end test of the lessoncast web UI.
//
// Starts the real daemon (`lessoncast serve --demo`, from $LC_BUILD_ROOT) on
// 127.0.0.1 port 0 with a fresh data dir, drives Debian's Chromium through
// playwright-core, and checks what a person would: the demo schedule, the
// RU/EN switch, staff login (a wrong password first), creating a lesson
// through the form (a validation error first), the new lesson in the
// schedule, logout; then a live lesson (live.mjs): studio → WHIP → watch
// page over WHEP and HLS → stop → recording. Screenshots go to
// tests/e2e/artifacts/.
//
// WebRTC stays on loopback: the daemon gathers on 127.0.0.1 only, and when
// the machine allows it the whole run happens in a network namespace of its
// own with nothing but `lo` (unshare), so no packet can reach another host.
//
// No test framework: each step prints "ok N - name" or "not ok N - name"
// (TAP), and the run ends with "e2e: N passed, N failed".

import { spawn, spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import readline from 'node:readline';
import { fileURLToPath } from 'node:url';

import { conferenceScenario } from './conference.mjs';
import { liveScenario } from './live.mjs';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const ARTIFACTS = path.join(HERE, 'artifacts');
const CHROMIUM = '/usr/bin/chromium';
// Exactly the flags of shared/MEDIA-NOTES.md "Headless Chromium in tests".
const CHROMIUM_ARGS = [
  '--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync',
  '--use-fake-device-for-media-stream', '--use-fake-ui-for-media-stream',
  '--autoplay-policy=no-user-gesture-required',
  // Not in MEDIA-NOTES's list: WebRTC over 127.0.0.1 (the daemon gathers there only).
  '--allow-loopback-in-peer-connection',
];
// Seconds a live lesson waits for its publisher to come back (short: a test
// that dies mid-broadcast leaves no lesson live for long).
const PUBLISHER_GRACE_S = 15;
const START_TIMEOUT_MS = 90_000;
const STOP_TIMEOUT_MS = 30_000;
const STEP_TIMEOUT_MS = 30_000;

/* ---- preconditions: fail loudly, never skip ------------------------------ */

function die(message) {
  const bar = '!'.repeat(78);
  process.stderr.write(`\n${bar}\ne2e: ${message}\n${bar}\n`);
  console.log('e2e: 0 passed, 1 failed');
  process.exit(1);
}

const nodeMajor = Number(process.versions.node.split('.')[0]);
if (!(nodeMajor >= 18)) die(`node ${process.versions.node} is too old: need >= 18 (scripts/deps.sh test installs it)`);
if (!fs.existsSync(CHROMIUM)) die(`${CHROMIUM} is missing: apt-get install chromium (scripts/deps.sh test does it)`);
const buildRoot = process.env.LC_BUILD_ROOT;
if (!buildRoot) die('LC_BUILD_ROOT is not set: run through `meson test --suite e2e` or set it to the build dir');
const BINARY = path.resolve(buildRoot, 'server', 'lessoncast');
if (!fs.existsSync(BINARY)) die(`the daemon ${BINARY} is not built: run ninja -C ${buildRoot}`);

let chromium;
try {
  const require = createRequire(path.join(HERE, 'package.json'));
  ({ chromium } = require('playwright-core'));
} catch (err) {
  die(`playwright-core is not installed in ${HERE}/node_modules: run \`npm ci\` there `
    + `(scripts/deps.sh test does it)\n${err.message}`);
}

/* ---- a loopback-only network namespace ------------------------------------ */

function findTool(names) {
  return names.find((name) => fs.existsSync(name)) || null;
}

/**
 * Run this script again inside a new network namespace whose only interface
 * is lo (as root: unshare --net; otherwise with a user namespace, where the
 * kernel allows it). Returns true when the child runs the test. Without
 * unshare/ip or the permission, the test runs here: the daemon still
 * gathers on 127.0.0.1 only. LC_E2E_NETNS=0 turns this off.
 */
function reexecInNetns() {
  if (process.env.LC_E2E_NETNS) return false; // "1": we are the child; "0": off
  const unshare = findTool(['/usr/bin/unshare', '/bin/unshare']);
  const ip = findTool(['/usr/sbin/ip', '/sbin/ip', '/usr/bin/ip', '/bin/ip']);
  if (!unshare || !ip) {
    console.log('# unshare or ip (util-linux, iproute2) missing: running on the host network');
    return false;
  }
  const flags = process.getuid?.() === 0 ? ['--net'] : ['--net', '--map-root-user'];
  const probe = spawnSync(unshare, [...flags, ip, 'link', 'set', 'lo', 'up'], { stdio: 'ignore' });
  if (probe.status !== 0) {
    console.log('# cannot create a network namespace here: running on the host network');
    return false;
  }
  console.log('# running in a new network namespace (lo only)');
  const child = spawn(unshare, [...flags, 'sh', '-c', `"${ip}" link set lo up && exec "$0" "$@"`,
    process.execPath, ...process.argv.slice(1)], { stdio: 'inherit', env: { ...process.env, LC_E2E_NETNS: '1' } });
  for (const signal of ['SIGTERM', 'SIGINT']) process.on(signal, () => child.kill(signal));
  child.on('exit', (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
  return true;
}

/* ---- the daemon ---------------------------------------------------------- */

// Sanitizer settings for the daemon (an ASan build) come from the test
// environment of tests/meson.build: tests/lsan.supp and fast_unwind_on_malloc=0.

function startServer(dataDir, logStream, env) {
  const args = ['serve', '--demo', '--data-dir', dataDir,
    '--set', 'server.listen=127.0.0.1:0', '--set', 'auth.kdf_cost=10',
    // Slow logins down after one failure, for at most 2 s: the 429 path is tested quickly.
    '--set', 'auth.login_free_attempts=1', '--set', 'auth.login_max_delay=2',
    // WebRTC on loopback only; a short grace period (see PUBLISHER_GRACE_S).
    '--set', 'webrtc.addresses=127.0.0.1', '--set', `lessons.publisher_grace=${PUBLISHER_GRACE_S}`];
  const child = spawn(BINARY, args, { stdio: ['ignore', 'pipe', 'pipe'], env });
  const exited = new Promise((resolve) => child.on('exit', (code, signal) => resolve({ code, signal })));
  child.stderr.on('data', (chunk) => logStream.write(chunk));

  const ready = new Promise((resolve, reject) => {
    const found = { url: null, login: null, password: null, accounts: [] };
    const timer = setTimeout(() => reject(new Error(
      `the server did not print its URL and operator password within ${START_TIMEOUT_MS / 1000} s`)), START_TIMEOUT_MS);
    const lines = readline.createInterface({ input: child.stdout });
    lines.on('line', (line) => {
      // Passwords are secrets: keep them out of the saved log.
      const op = /^operator login: (\S+)\s+password: (\S+)/.exec(line);
      // The demo accounts: "  teacher.s57      teacher      Школа № 57       <password>".
      const demo = /^ {2}(\S+)\s+(teacher|coordinator)\s+(.+?)\s+(\S+)$/.exec(line);
      if (demo) found.accounts.push({ login: demo[1], role: demo[2], school: demo[3], password: demo[4] });
      let logged = line;
      if (op) logged = `operator login: ${op[1]}  password: <hidden>`;
      else if (demo) logged = line.slice(0, line.length - demo[4].length) + '<hidden>';
      logStream.write(`${logged}\n`);
      const listening = /^lessoncast: listening on (https?:\/\/\S+)/.exec(line);
      if (listening) found.url = listening[1].replace(/\/$/, '');
      if (op) [found.login, found.password] = [op[1], op[2]];
      if (found.url && found.password) {
        clearTimeout(timer);
        resolve(found);
      }
    });
    exited.then(({ code, signal }) => {
      clearTimeout(timer);
      reject(new Error(`the server exited during start-up (code ${code}, signal ${signal}); see artifacts/server.log`));
    });
  });
  return { child, ready, exited };
}

async function stopServer(server) {
  if (server.child.exitCode !== null || server.child.signalCode !== null) return server.exited;
  server.child.kill('SIGTERM');
  const timeout = new Promise((resolve) => setTimeout(() => resolve(null), STOP_TIMEOUT_MS));
  const result = await Promise.race([server.exited, timeout]);
  if (result === null) {
    server.child.kill('SIGKILL');
    return { code: null, signal: 'SIGKILL (no exit within 30 s of SIGTERM)' };
  }
  return result;
}

/* ---- a minimal step runner ------------------------------------------------ */

let passed = 0;
let failed = 0;
let stepNo = 0;

function assert(condition, message) {
  if (!condition) throw new Error(message);
}

function assertEqual(actual, expected, what) {
  if (actual !== expected) throw new Error(`${what}: expected ${JSON.stringify(expected)}, got ${JSON.stringify(actual)}`);
}

async function step(name, fn) {
  stepNo += 1;
  try {
    await fn();
    passed += 1;
    console.log(`ok ${stepNo} - ${name}`);
    return true;
  } catch (err) {
    failed += 1;
    console.log(`not ok ${stepNo} - ${name}`);
    for (const line of String(err?.stack || err).split('\n')) console.log(`# ${line}`);
    return false;
  }
}

async function shot(page, name, { fullPage = true } = {}) {
  // From the top, so the sticky header is drawn where it belongs.
  if (fullPage) await page.evaluate(() => window.scrollTo(0, 0));
  await page.screenshot({ path: path.join(ARTIFACTS, `${name}.png`), fullPage });
}

/* ---- the scenario ----------------------------------------------------------- */

async function apiJson(page, apiPath) {
  const response = await page.request.get(apiPath);
  return { status: response.status(), body: response.status() === 204 ? null : await response.json() };
}

/** All items of a list endpoint, following next_cursor (bounded). */
async function apiItems(page, apiPath) {
  const items = [];
  let cursor = null;
  for (let i = 0; i < 50; i++) {
    const sep = apiPath.includes('?') ? '&' : '?';
    const res = await apiJson(page, cursor ? `${apiPath}${sep}cursor=${encodeURIComponent(cursor)}` : apiPath);
    assertEqual(res.status, 200, `GET ${apiPath}`);
    items.push(...res.body.items);
    cursor = res.body.next_cursor;
    if (!cursor) return items;
  }
  throw new Error(`${apiPath}: more than 50 pages`);
}

async function waitReady(page) {
  await page.waitForSelector('body[data-ready="true"]');
  await page.waitForFunction(() => document.querySelector('#schedule')?.getAttribute('aria-busy') === 'false');
}

async function visibleLessonTitles(page) {
  return page.$$eval('#schedule .lesson__title', (els) => els.map((el) => el.textContent.trim()));
}

/** Find a lesson card by title, clicking "load more" while there is more. */
async function findLessonCard(page, title) {
  for (let i = 0; i < 20; i++) {
    const titles = await visibleLessonTitles(page);
    if (titles.includes(title)) return true;
    if (!(await page.isVisible('#load-more'))) return false;
    await page.click('#load-more');
    await page.waitForFunction(() => document.querySelector('#schedule')?.getAttribute('aria-busy') === 'false');
  }
  return false;
}

// The page must work under a strict Content-Security-Policy (no inline
// scripts or styles, nothing from elsewhere): the test adds one to the HTML
// responses, and any violation shows up as a console error below.
const CSP = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
  + "object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

async function enforceCsp(page) {
  await page.route((url) => url.pathname === '/' || url.pathname.endsWith('.html'), async (route) => {
    const headers = { ...route.request().headers() };
    delete headers['if-none-match'];
    delete headers['if-modified-since'];
    const response = await route.fetch({ headers });
    await route.fulfill({ response, headers: { ...response.headers(), 'content-security-policy': CSP } });
  });
}

async function scenario(page, base, operator) {
  await enforceCsp(page);
  const pageErrors = [];
  page.on('pageerror', (err) => pageErrors.push(err.message));
  page.on('console', (msg) => {
    if (msg.type() === 'error' && !/status of (401|422|429)/.test(msg.text())) pageErrors.push(`console: ${msg.text()}`);
  });

  let demoLessons = [];
  await step('the schedule shows the demo lessons (Russian by default)', async () => {
    await page.goto(`${base}/`);
    await waitReady(page);
    assertEqual(await page.getAttribute('html', 'lang'), 'ru', '<html lang>');
    assertEqual((await page.textContent('#schedule-heading')).trim(), 'Расписание открытых уроков', 'heading');

    const items = await apiItems(page, `/api/v1/lessons?from=${encodeURIComponent(new Date(Date.now() - 12 * 3600e3).toISOString())}`);
    const api = { body: { items } };
    demoLessons = items.filter((l) => l.status === 'live' || Date.parse(l.ends_at) > Date.now());
    assert(demoLessons.length > 0, 'the demo data has no current or upcoming public lessons');

    const titles = await visibleLessonTitles(page);
    assert(titles.length > 0, 'no lesson cards in the schedule');
    for (const title of titles) {
      assert(api.body.items.some((l) => l.title === title), `card "${title}" is not a public lesson of the API`);
    }
    // The first card is the earliest current/upcoming lesson.
    assertEqual(titles[0], demoLessons[0].title, 'first card');

    const cards = await page.$$eval('#schedule .lesson', (els) => els.map((el) => ({
      id: el.dataset.lessonId,
      href: el.querySelector('.lesson__link')?.getAttribute('href'),
      status: el.querySelector('.badge')?.dataset.status,
      badge: el.querySelector('.badge')?.textContent.trim(),
      teacher: el.querySelector('.lesson__teacher')?.textContent.trim(),
      time: el.querySelector('time')?.getAttribute('datetime'),
    })));
    const badges = { scheduled: 'Запланирован', live: 'В эфире', ended: 'Завершён', cancelled: 'Отменён' };
    for (const card of cards) {
      const lesson = api.body.items.find((l) => l.id === card.id);
      assert(lesson, `card ${card.id} not in the API list`);
      assertEqual(card.href, `/watch/${lesson.id}`, 'watch link');
      assertEqual(card.status, lesson.status, 'status badge');
      assertEqual(card.badge, badges[lesson.status], 'badge text');
      assertEqual(card.time, lesson.starts_at, '<time datetime>');
      const teacher = lesson.teacher.name_public ? lesson.teacher.name : `учитель ${lesson.school.short_name}`;
      assert(card.teacher.endsWith(teacher), `teacher line "${card.teacher}" should end with "${teacher}"`);
    }

    // Filters were filled from the API.
    const districts = await apiJson(page, '/api/v1/districts');
    const options = await page.$$eval('#filter-district option', (els) => els.map((el) => el.value).filter(Boolean));
    assertEqual(options.length, districts.body.items.length, 'district options');
    await shot(page, '01-schedule-ru');
  });

  await step('every string is translated in both languages', async () => {
    const missing = await page.evaluate(async () => (await import('/js/i18n.js')).missingKeys());
    assertEqual(missing.length, 0, `keys missing from a dictionary (${missing.join(', ')})`);
    const untranslated = await page.$$eval('[data-i18n]', (els) =>
      els.filter((el) => !el.closest('[hidden]') && el.textContent.trim() === '').map((el) => el.dataset.i18n));
    assertEqual(untranslated.length, 0, `empty data-i18n elements (${untranslated.join(', ')})`);
  });

  await step('switch to English, remembered across a reload, and back to Russian', async () => {
    await page.click('#lang-switch');
    assertEqual(await page.getAttribute('html', 'lang'), 'en', '<html lang> after switch');
    assertEqual((await page.textContent('#schedule-heading')).trim(), 'Open lesson schedule', 'heading');
    assertEqual(await page.title(), 'Open lessons — lessoncast', 'document title');
    const badge = await page.textContent('#schedule .badge');
    assert(['Scheduled', 'Live', 'Ended', 'Cancelled'].includes(badge.trim()), `badge "${badge}" not in English`);
    await shot(page, '02-schedule-en');

    await page.reload();
    await waitReady(page);
    assertEqual(await page.getAttribute('html', 'lang'), 'en', '<html lang> after reload');
    assertEqual((await page.textContent('#lang-switch')).trim(), 'RU', 'switch button');

    await page.click('#lang-switch');
    assertEqual(await page.getAttribute('html', 'lang'), 'ru', '<html lang> back');
    assertEqual((await page.textContent('#login-button')).trim(), 'Войти', 'login button');
  });

  await step('a wrong password is refused inline', async () => {
    await page.click('#login-button');
    await page.waitForSelector('#login-dialog[open]');
    await page.fill('#login-login', operator.login);
    await page.fill('#login-password', `${operator.password}-wrong`);
    await page.click('#login-submit');
    await page.waitForSelector('#login-error:not([hidden])');
    const text = (await page.textContent('#login-error')).trim();
    assertEqual(text, 'Неверный логин или пароль.', 'login error');
    assert(await page.isVisible('#login-dialog[open]'), 'the dialog stays open');
    await shot(page, '03-login-error', { fullPage: false });
  });

  await step('repeated failures are slowed down: 429 shown as "try again in N s"', async () => {
    // The server runs with auth.login_free_attempts=1 and login_max_delay=2.
    let text = '';
    for (let attempt = 0; attempt < 5; attempt++) {
      await page.fill('#login-password', `${operator.password}-wrong-${attempt}`);
      await page.click('#login-submit');
      await page.waitForSelector('#login-form[aria-busy="false"]', { state: 'attached' });
      text = (await page.textContent('#login-error')).trim();
      if (/Повторите через \d+ с\./.test(text)) break;
      assertEqual(text, 'Неверный логин или пароль.', 'login error before the slow-down');
    }
    assert(/^Слишком много попыток\. Повторите через \d+ с\.$/.test(text), `no 429 message, last: "${text}"`);
    assert(await page.isDisabled('#login-submit'), 'submit disabled during the wait');
    await shot(page, '03b-login-rate-limited', { fullPage: false });
    await page.waitForSelector('#login-submit:not([disabled])', { timeout: 60_000 });
    assert(await page.isHidden('#login-error'), 'the message goes away when the wait is over');
  });

  await step('the operator logs in', async () => {
    await page.fill('#login-password', operator.password);
    for (let attempt = 0; attempt < 3; attempt++) {
      await page.click('#login-submit');
      await page.waitForSelector('#login-form[aria-busy="false"]', { state: 'attached' });
      await page.waitForSelector('#create-lesson:not([hidden]), #login-submit[disabled]', { state: 'attached' });
      if (await page.isVisible('#create-lesson')) break;
      // Still slowed down (the wait is rounded): let the countdown run out, retry.
      await page.waitForSelector('#login-submit:not([disabled])', { timeout: 60_000 });
      await page.fill('#login-password', operator.password);
    }
    await page.waitForSelector('#create-lesson:not([hidden])');
    assert(!(await page.isVisible('#login-dialog[open]')), 'the dialog closed');
    assert(await page.isVisible('#logout-button'), 'logout button shown');
    assert(!(await page.isVisible('#login-button')), 'login button hidden');
    const me = await apiJson(page, '/api/v1/auth/me');
    assertEqual(me.status, 200, 'GET /api/v1/auth/me');
    assertEqual((await page.textContent('#user-name')).trim(), me.body.display_name || me.body.login, 'user name');
    assertEqual(new URL(page.url()).hash, '#/staff', 'staff view after login');

    // Operators see the schools list.
    const firstPage = await apiJson(page, '/api/v1/schools');
    assert(firstPage.body.items.length > 0, 'the demo has schools');
    await page.waitForFunction((n) => document.querySelectorAll('#schools-body tr').length >= n,
      firstPage.body.items.length);
    const rows = await page.$$eval('#schools-body tr th', (els) => els.map((el) => el.textContent.trim()));
    for (const school of firstPage.body.items) assert(rows.includes(school.name), `school "${school.name}" listed`);
  });

  const title = `E2E: открытый урок ${Date.now().toString(36)}`;
  let chosenSchool = null;
  await step('the create-lesson form shows a validation error next to its field', async () => {
    await page.fill('#create-title', '');
    await page.click('#create-submit');
    await page.waitForSelector('#create-error:not([hidden])');
    // Which field the server names first is its business; the UI must put the
    // message next to that field and mark it invalid.
    const marked = await page.$$eval('#create-form .field-error:not([hidden])', (els) => els.map((el) => el.id));
    assertEqual(marked.length, 1, 'one field error shown');
    const controlId = marked[0].replace(/-error$/, '');
    const invalid = await page.getAttribute(`#${controlId}`, 'aria-invalid');
    assert(invalid === 'true' || controlId === 'create-visibility', `#${controlId} aria-invalid`);
    assert((await page.textContent(`#${marked[0]}`)).trim().length > 0, 'the message is not empty');
    await shot(page, '04-create-validation');
  });

  await step('the operator creates a lesson through the form', async () => {
    await page.waitForFunction(() => document.querySelectorAll('#create-school option').length > 1);
    const schools = await page.$$eval('#create-school option', (els) => els.map((el) => el.value).filter(Boolean));
    // Pick the first school that has a teacher.
    for (const schoolId of schools) {
      await page.selectOption('#create-school', schoolId);
      await page.waitForFunction(() => !/…|\.\.\./.test(document.querySelector('#create-teacher option')?.textContent || ''));
      const teachers = await page.$$eval('#create-teacher option', (els) => els.map((el) => el.value).filter(Boolean));
      if (teachers.length > 0) {
        await page.selectOption('#create-teacher', teachers[0]);
        chosenSchool = schoolId;
        break;
      }
    }
    assert(chosenSchool, 'no demo school has a teacher');
    await page.fill('#create-title', title);
    await page.fill('#create-subject', 'Физика');
    await page.selectOption('#create-grade', '7');
    await page.fill('#create-description', 'Создан браузерным тестом.');
    await page.click('#create-submit');
    await page.waitForSelector('#create-success:not([hidden])');
    assert((await page.textContent('#create-success')).includes(title), 'success message names the lesson');
    assert(await page.isHidden('#create-error'), 'no form error');
    await shot(page, '05-lesson-created');

    const lessons = await apiItems(page, `/api/v1/lessons?school=${encodeURIComponent(chosenSchool)}`);
    const created = lessons.find((l) => l.title === title);
    assert(created, 'the lesson is in the API');
    assertEqual(created.subject, 'Физика', 'subject');
    assertEqual(created.grade, 7, 'grade');
    assertEqual(created.status, 'scheduled', 'status');
  });

  await step('the new lesson appears in the schedule', async () => {
    await page.click('#nav-schedule');
    await page.waitForSelector('#view-schedule:not([hidden])');
    await page.waitForFunction(() => document.querySelector('#schedule')?.getAttribute('aria-busy') === 'false');
    assert(await findLessonCard(page, title), `"${title}" not in the schedule`);
    // And with the school filter set.
    await page.selectOption('#filter-school', chosenSchool);
    await page.waitForFunction((t) => [...document.querySelectorAll('#schedule .lesson__title')]
      .some((el) => el.textContent.trim() === t), title);
    const others = await page.$$eval('#schedule .lesson', (els) => els.length);
    assert(others >= 1, 'filtered schedule shows the lesson');
    await shot(page, '06-schedule-with-new-lesson');
    await page.click('#filters button[type="reset"]');
    await page.waitForFunction(() => document.querySelector('#filter-school').value === '');
  });

  await step('the operator logs out', async () => {
    await page.click('#logout-button');
    await page.waitForSelector('#login-button:not([hidden])');
    assert(await page.isHidden('#nav-staff'), 'staff link hidden');
    assert(await page.isHidden('#user-info'), 'user box hidden');
    assert(await page.isVisible('#view-schedule'), 'back on the schedule');
    const me = await apiJson(page, '/api/v1/auth/me');
    assertEqual(me.status, 401, 'GET /api/v1/auth/me after logout');
    await waitReady(page);
    await shot(page, '07-logged-out');
  });

  await step('phone width: no horizontal scrolling', async () => {
    await page.setViewportSize({ width: 360, height: 780 });
    await page.goto(`${base}/`);
    await waitReady(page);
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    assert(overflow <= 0, `page is ${overflow}px wider than the phone`);
    await shot(page, '08-phone', { fullPage: false });
  });

  await step('no JavaScript errors or CSP violations on the page', async () => {
    assertEqual(pageErrors.length, 0, `errors: ${pageErrors.join(' | ')}`);
  });
}

async function main() {
  if (reexecInNetns()) return;
  fs.mkdirSync(ARTIFACTS, { recursive: true });
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'lc-e2e-'));
  const dataDir = path.join(tmp, 'data');
  const profileDir = path.join(tmp, 'chromium-profile');
  const log = fs.createWriteStream(path.join(ARTIFACTS, 'server.log'));
  console.log(`# daemon: ${BINARY}`);
  console.log(`# artifacts: ${ARTIFACTS}`);

  const server = startServer(dataDir, log, process.env);
  let context = null;
  try {
    let started = null;
    const ok = await step('the daemon starts with demo data on a free port', async () => {
      started = await server.ready;
      const health = await fetch(`${started.url}/healthz`);
      assertEqual(health.status, 200, 'GET /healthz');
      for (let i = 0; i < 100; i++) {
        const ready = await fetch(`${started.url}/readyz`);
        if (ready.status === 200) return;
        await new Promise((resolve) => setTimeout(resolve, 100)); // poll readiness, bounded
      }
      throw new Error('/readyz never became ready');
    });
    if (ok) {
      console.log(`# server: ${started.url}`);
      context = await chromium.launchPersistentContext(profileDir, {
        executablePath: CHROMIUM,
        headless: true,
        args: CHROMIUM_ARGS,
        baseURL: started.url,
        locale: 'ru-RU',
        // Not UTC: times go through the browser's offset (+03:00) both ways.
        timezoneId: 'Europe/Moscow',
        viewport: { width: 1280, height: 900 },
      });
      const page = context.pages()[0] || await context.newPage();
      page.setDefaultTimeout(STEP_TIMEOUT_MS);
      // --part=… (tests/e2e/meson.build) or LC_E2E_PART names the parts to
      // run, comma-separated (web, live, conference); unset or "all": every part.
      const partArg = process.argv.find((a) => a.startsWith('--part='))?.slice('--part='.length);
      const partList = (partArg || process.env.LC_E2E_PART || 'all').split(',').map((p) => p.trim());
      const runs = (name) => partList.includes('all') || partList.includes(name);
      if (runs('web')) await scenario(page, started.url, { login: started.login, password: started.password });
      await context.close();
      context = null;

      let profiles = 0;
      if (runs('live')) await liveScenario({
        base: started.url,
        teachers: started.accounts.filter((a) => a.role === 'teacher'),
        step, assert, assertEqual, shot,
        launch: async (name) => {
          const live = await chromium.launchPersistentContext(path.join(tmp, `chromium-${name}-${++profiles}`), {
            executablePath: CHROMIUM,
            headless: true,
            args: CHROMIUM_ARGS,
            baseURL: started.url,
            locale: 'ru-RU',
            timezoneId: 'Europe/Moscow',
            viewport: { width: 1280, height: 900 },
          });
          live.setDefaultTimeout(STEP_TIMEOUT_MS);
          return live;
        },
      });

      // Conferences (conference.mjs): one browser, a fresh context (own
      // cookies and localStorage) per person; the fake camera is browser-wide.
      if (runs('conference')) {
        const browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: CHROMIUM_ARGS });
        try {
          await conferenceScenario({
            base: started.url,
            accounts: started.accounts,
            operator: { login: started.login, password: started.password },
            step, assert, assertEqual, shot,
            launch: async () => {
              const conf = await browser.newContext({
                baseURL: started.url,
                locale: 'ru-RU',
                timezoneId: 'Europe/Moscow',
                viewport: { width: 1280, height: 900 },
              });
              conf.setDefaultTimeout(STEP_TIMEOUT_MS);
              return conf;
            },
          });
        } finally {
          await browser.close().catch(() => {});
        }
      }
    }
  } catch (err) {
    failed += 1;
    console.log(`not ok ${++stepNo} - unexpected error`);
    for (const line of String(err?.stack || err).split('\n')) console.log(`# ${line}`);
  } finally {
    if (context) await context.close().catch(() => {});
    const exit = await stopServer(server);
    await step('the daemon stops cleanly on SIGTERM', async () => {
      assert(exit.code === 0, `exit code ${exit.code}, signal ${exit.signal}; see artifacts/server.log`);
    });
    log.end();
    fs.rmSync(tmp, { recursive: true, force: true });
  }

  console.log(`1..${stepNo}`);
  console.log(`e2e: ${passed} passed, ${failed} failed`);
  process.exit(failed === 0 ? 0 : 1);
}

main();
