// conference.mjs — the conference part of the browser end-to-end test, run
// by run.mjs against the same daemon (LC_E2E_PART=conference runs it alone).
//
// Booking page: a demo coordinator logs in on /conferences (week view in
// the city's time zone), books a conference through the form (school picker,
// conflict check clean), then starts a second booking at an overlapping time
// and sees the clash named before submitting.
//
// Room: the operator books a conference starting in two minutes (its room is
// open: it opens conferences.room_opens_before earlier; waiting room on) between two schools
// that have nothing else then, accepts for the invited school and makes
// three join links (the host's and a participant's personal links, and the
// invited school's shared link, whose holder types a name). Three browsers
// with Chromium's fake camera join /room/<id> (the host admits the other two
// from the waiting room); each decodes video from both
// others (inbound-rtp framesDecoded grows on two connections); chat, raised
// hand and mute reach the others; a dropped WebSocket reconnects by itself
// (same client_id, "resumed") and media flows again; one leaves and the
// other two see the list and the grid shrink; the host's attendance report
// lists the three (JSON view and CSV). Screenshots go to artifacts/.

const ROOM_TIMEOUT_MS = 30_000;
const FRAMES_TIMEOUT_MS = 45_000;
const FRAMES_GROWTH = 30; // decoded frames per remote peer within one wait

// HTTP errors the pages meet by design: 401 from /auth/me while anonymous,
// and the 409 of the clashing booking the test submits on purpose.
function expectedFailure(method, pathname, status) {
  if (status === 401 && pathname === '/api/v1/auth/me') return true;
  return status === 409 && method === 'POST' && pathname === '/api/v1/conferences';
}

async function watchForErrors(page, errors, label) {
  await page.addInitScript(() => {
    window.__cspViolations = [];
    document.addEventListener('securitypolicyviolation', (event) => {
      window.__cspViolations.push(`${event.violatedDirective} ${event.blockedURI}`);
    });
  });
  page.on('pageerror', (err) => errors.push(`${label}: ${err.message}`));
  page.on('console', (msg) => {
    if (msg.type() === 'error' && !msg.text().startsWith('Failed to load resource:')) errors.push(`${label} console: ${msg.text()}`);
  });
  page.on('response', (response) => {
    const status = response.status();
    if (status < 400) return;
    const { pathname } = new URL(response.url());
    const method = response.request().method();
    if (!expectedFailure(method, pathname, status)) errors.push(`${label}: ${method} ${pathname} → ${status}`);
  });
}

async function cspViolations(page) {
  return page.evaluate(() => window.__cspViolations || []).catch(() => []);
}

// The server's origin: cookie-authenticated writes must carry it (CSRF rule).
let origin = null;

/** JSON request through a page's (or a request context's) cookies; throws on an unexpected status. */
async function call(request, method, path, body, expected = [200, 201]) {
  const headers = method === 'GET' ? {} : { Origin: origin };
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  const response = await request.fetch(path, { method, data: body === undefined ? undefined : body, headers });
  const text = await response.text();
  if (!expected.includes(response.status())) throw new Error(`${method} ${path} → ${response.status()}: ${text.slice(0, 500)}`);
  return text ? JSON.parse(text) : null;
}

async function apiLogin(request, base, login, password) {
  const response = await request.post('/api/v1/auth/login', {
    data: { login, password }, headers: { Origin: base },
  });
  if (response.status() !== 200) throw new Error(`login ${login} → ${response.status()}`);
}

/** Log in through the page's login dialog (the page opens it for anonymous visitors). */
async function loginInPage(page, login, password) {
  await page.waitForSelector('#login-dialog[open]');
  await page.fill('#login-login', login);
  await page.fill('#login-password', password);
  await page.click('#login-submit');
  await page.waitForSelector('#login-dialog:not([open])', { state: 'attached' });
}

/** In-page: per peer id, the connection state and inbound video frames decoded. */
function roomStats(page) {
  return page.evaluate(() => window.__lcRoom.stats());
}

/** Wait until every one of ids has decoded growth more frames than in before. */
async function waitFrames(page, ids, label, growth = FRAMES_GROWTH) {
  const before = await roomStats(page);
  const deadline = Date.now() + FRAMES_TIMEOUT_MS;
  let last = before;
  while (Date.now() < deadline) {
    last = await roomStats(page);
    const ok = ids.every((id) => last[id] && last[id].videoInbound >= 1
      && last[id].framesDecoded - (before[id]?.framesDecoded || 0) >= growth);
    if (ok) return last;
    await page.waitForTimeout(500); // poll the stats, bounded by the deadline
  }
  throw new Error(`${label}: frames did not grow from ${ids.join(', ')}: before ${JSON.stringify(before)} now ${JSON.stringify(last)}`);
}

function cityInput(ms, zone = 'Europe/Moscow') {
  const parts = {};
  for (const { type, value } of new Intl.DateTimeFormat('en-US', {
    timeZone: zone, hourCycle: 'h23', year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit',
  }).formatToParts(new Date(ms))) parts[type] = value;
  return `${parts.year}-${parts.month}-${parts.day}T${parts.hour}:${parts.minute}`;
}

export async function conferenceScenario({ base, accounts, operator, step, assert, assertEqual, shot, launch }) {
  origin = new URL(base).origin;
  const errors = [];
  const contexts = [];
  const coordinators = accounts.filter((a) => a.role === 'coordinator');
  try {
    /* ---- booking page ------------------------------------------------------------ */
    const coordinator = coordinators[0];
    assert(coordinator, 'no demo coordinator printed by the daemon');
    const booking = await launch('booking');
    contexts.push(booking);
    const page = booking.pages()[0] || await booking.newPage();
    await watchForErrors(page, errors, 'booking');
    let schools = [];
    let mySchool = null;
    let booked = null;
    // Far enough ahead that the demo conferences do not matter; a whole hour in city time.
    const day = Date.now() + 20 * 86400e3;
    const startInput = `${cityInput(day).slice(0, 10)}T10:00`;
    const endInput = `${cityInput(day).slice(0, 10)}T11:00`;

    await step('conference booking page: a coordinator logs in and sees the week in the city time zone', async () => {
      const response = await page.goto(`${base}/conferences`);
      const csp = response.headers()['content-security-policy'] || '';
      assert(csp.includes("default-src 'self'"), `/conferences is served with the pages' CSP: "${csp}"`);
      await loginInPage(page, coordinator.login, coordinator.password);
      await page.waitForSelector('body[data-ready="true"]');
      await page.waitForSelector('#week[aria-busy="false"]');
      assertEqual(await page.getAttribute('html', 'lang'), 'ru', '<html lang>');
      assertEqual((await page.textContent('#conf-heading')).trim(), 'Конференции школ', 'heading');
      assert((await page.textContent('#conf-zone')).includes('Europe/Moscow'), 'the zone is named');
      assertEqual(await page.$$eval('#week > li', (els) => els.length), 7, 'days in the week view');
      const me = await call(page.request, 'GET', '/api/v1/auth/me');
      mySchool = me.school_id;
      schools = (await call(page.request, 'GET', '/api/v1/schools?limit=100')).items;
      // The week view lists exactly the API's conferences of this week.
      const days = await page.$$eval('#week > li', (els) => els.map((el) => el.dataset.day));
      const ids = await page.$$eval('#week [data-conference-id]', (els) => [...new Set(els.map((el) => el.dataset.conferenceId))]);
      const from = new Date(`${days[0]}T00:00:00+03:00`).toISOString();
      const to = new Date(new Date(`${days[6]}T00:00:00+03:00`).getTime() + 86400e3).toISOString();
      const api = await call(page.request, 'GET', `/api/v1/conferences?from=${encodeURIComponent(from)}&to=${encodeURIComponent(to)}&limit=100`);
      assertEqual(ids.sort().join(','), api.items.map((c) => c.id).sort().join(','), 'week view vs API');
      assert(await page.isVisible('#new-conference'), 'a coordinator may book');
      await shot(page, '20-conferences-week');
    });

    const invited = () => schools.find((s) => s.id !== mySchool);
    await step('booking form: a conference is booked with the school picker (no conflicts)', async () => {
      const other = invited();
      await page.click('#new-conference');
      await page.waitForSelector('#form-dialog[open]');
      await page.fill('#f-title', 'E2E: совместный урок');
      await page.fill('#f-starts', startInput);
      await page.fill('#f-ends', endInput);
      await page.fill('#f-school-search', other.short_name);
      await page.check(`#f-school-options input[value="${other.id}"]`);
      await page.waitForSelector(`#f-invited-chips [data-school="${other.id}"]`);
      await page.fill('#f-agenda', '1. Знакомство\n2. Опыт');
      await page.waitForSelector('#check-box[data-state="ok"]');
      await page.click('#form-submit');
      await page.waitForSelector('#form-dialog:not([open])', { state: 'attached' });
      const list = await call(page.request, 'GET', `/api/v1/conferences?from=${encodeURIComponent(new Date(day - 86400e3).toISOString())}&limit=100`);
      booked = list.items.find((c) => c.title === 'E2E: совместный урок');
      assert(booked, 'the booked conference is in the API');
      assertEqual(booked.host_school.id, mySchool, 'host school');
      assertEqual(booked.invites.map((i) => i.school.id).join(), other.id, 'invited school');
      assertEqual(booked.agenda, '1. Знакомство\n2. Опыт', 'agenda');
      // 10:00 city time is 07:00 UTC in Moscow.
      assert(booked.starts_at.endsWith('T07:00:00Z'), `starts_at ${booked.starts_at} is 10:00 Moscow time`);
      // The page moved to that week and shows it.
      await page.waitForSelector(`#week [data-conference-id="${booked.id}"]`);
    });

    await step('booking form: an overlapping time shows the clash before submitting', async () => {
      await page.click('#new-conference');
      await page.waitForSelector('#form-dialog[open]');
      await page.fill('#f-title', 'E2E: пересечение');
      await page.fill('#f-starts', `${startInput.slice(0, 10)}T10:30`);
      await page.fill('#f-ends', `${startInput.slice(0, 10)}T11:30`);
      const other = schools.find((s) => s.id !== mySchool && s.id !== invited().id) || invited();
      await page.fill('#f-school-search', other.short_name);
      await page.check(`#f-school-options input[value="${other.id}"]`);
      await page.waitForSelector('#check-box[data-state="problems"]');
      const problems = await page.$$eval('#check-problems li', (els) => els.map((el) => ({ kind: el.dataset.kind, text: el.textContent })));
      const clash = problems.find((p) => p.kind === 'clash');
      assert(clash, `no clash listed: ${JSON.stringify(problems)}`);
      assert(clash.text.includes('E2E: совместный урок'), `the clash names the booked conference: ${clash.text}`);
      assert(clash.text.includes('10:00'), `the clash shows its time in the city zone: ${clash.text}`);
      await page.$eval('#check-box', (el) => el.scrollIntoView({ block: 'center' }));
      await shot(page, '21-conference-clash', { fullPage: false });
      // Submitting anyway is refused by the server (409) and said in the form.
      await page.click('#form-submit');
      await page.waitForSelector('#form-error:not([hidden])');
      await page.click('#form-cancel');
      await page.waitForSelector('#form-dialog:not([open])', { state: 'attached' });
      const list = await call(page.request, 'GET', `/api/v1/conferences?from=${encodeURIComponent(new Date(day - 86400e3).toISOString())}&limit=100`);
      assert(!list.items.some((c) => c.title === 'E2E: пересечение'), 'the clashing conference was not booked');
    });

    await step('booking page: list view, English, and the booked conference can be cancelled', async () => {
      await page.click('#show-list');
      await page.waitForSelector('#conf-list[aria-busy="false"]');
      await page.waitForSelector(`#conf-list [data-conference-id="${booked.id}"]`);
      await page.click('#lang-switch');
      assertEqual((await page.textContent('#conf-heading')).trim(), 'School conferences', 'English heading');
      await page.click('#lang-switch');
      await page.click(`#conf-list [data-conference-id="${booked.id}"] button:has-text("Отменить")`);
      await page.waitForSelector('#cancel-dialog[open]');
      await page.click('#cancel-confirm');
      await page.waitForFunction(async (id) => {
        const response = await fetch(`/api/v1/conferences/${id}`);
        return (await response.json()).status === 'cancelled';
      }, booked.id);
      const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
      assert(overflow <= 0, `page is ${overflow}px too wide`);
    });

    /* ---- a conference for the room ------------------------------------------------ */
    const admin = await launch('operator');
    contexts.push(admin);
    const op = admin.request;
    let conference = null;
    let pair = null; // { host, guest }: schools free in the next hour
    const links = {};
    await step('the operator books a conference starting now with three join links', async () => {
      await apiLogin(op, base, operator.login, operator.password);
      const now = Date.now();
      const window = `from=${encodeURIComponent(new Date(now).toISOString())}&to=${encodeURIComponent(new Date(now + 3600e3).toISOString())}`;
      const busy = new Set();
      for (const c of (await call(op, 'GET', `/api/v1/conferences?${window}&status=scheduled&limit=100`)).items) {
        busy.add(c.host_school.id);
        for (const i of c.invites) if (i.status !== 'declined') busy.add(i.school.id);
      }
      const free = schools.filter((s) => !busy.has(s.id));
      assert(free.length >= 2, `two schools without a conference in the next hour needed, free: ${free.length}`);
      const [host, guest] = free;
      pair = { host, guest };
      conference = await call(op, 'POST', '/api/v1/conferences', {
        title: 'E2E: конференция трёх участников', host_school_id: host.id, invited_school_ids: [guest.id],
        starts_at: new Date(now + 120e3).toISOString(), ends_at: new Date(now + 40 * 60e3).toISOString(),
        waiting_room: true,
      }, [201]);
      await call(op, 'POST', `/api/v1/conferences/${conference.id}/accept`, { school_id: guest.id });
      links.host = await call(op, 'POST', `/api/v1/conferences/${conference.id}/links`,
        { school_id: host.id, role: 'host', display_name: 'Ведущая Анна' }, [201]);
      links.guest = await call(op, 'POST', `/api/v1/conferences/${conference.id}/links`,
        { school_id: guest.id, role: 'participant', display_name: 'Борис' }, [201]);
      links.shared = await call(op, 'POST', `/api/v1/conferences/${conference.id}/links`,
        { school_id: guest.id, role: 'participant' }, [201]);
      for (const link of Object.values(links)) {
        assert(new URL(link.url).pathname === `/room/${conference.id}`, `link ${link.url} points at the room`);
      }
      const info = await call(op, 'GET', `/api/v1/conferences/${conference.id}/room-info?t=${encodeURIComponent(links.shared.token)}`);
      assertEqual(info.state, 'open', 'room state');
      assertEqual(info.you.needs_name, true, 'a shared link asks for a name');
    });

    /* ---- three browsers in the room ---------------------------------------------------- */
    const people = [
      { key: 'host', name: 'Ведущая Анна' },
      { key: 'guest', name: 'Борис' },
      { key: 'shared', name: 'Вера' },
    ];
    await step('three participants with the fake camera pass the device check and join', async () => {
      assert(conference, 'no conference');
      for (const person of people) {
        const context = await launch(`room-${person.key}`);
        contexts.push(context);
        person.page = context.pages()[0] || await context.newPage();
        await watchForErrors(person.page, errors, person.key);
        const url = new URL(links[person.key].url);
        const response = await person.page.goto(`${base}${url.pathname}${url.search}`);
        assert((response.headers()['content-security-policy'] || '').includes("default-src 'self'"), '/room/{id} CSP');
        await person.page.waitForSelector('#prejoin:not([hidden])');
        // Device check: preview playing, camera and microphone listed, the level meter moves.
        await person.page.waitForFunction(() => {
          const video = document.querySelector('#preview');
          return video.srcObject && video.videoWidth > 0;
        });
        assert(await person.page.$$eval('#camera-select option', (els) => els.length) >= 1, 'camera select');
        assert(await person.page.$$eval('#mic-select option', (els) => els.length) >= 1, 'mic select');
        await person.page.waitForFunction(() => Number(document.querySelector('#level-meter').dataset.level) > 0.01,
          null, { timeout: 15_000 });
        const needsName = await person.page.isVisible('#name-field');
        assertEqual(needsName, person.key === 'shared', `${person.key}: name field`);
        if (needsName) {
          // Empty name: refused inline.
          await person.page.click('#join-button');
          await person.page.waitForSelector('#display-name-error:not([hidden])');
          await person.page.fill('#display-name', person.name);
        }
        if (person.key === 'host') await shot(person.page, '22-room-device-check');
        await person.page.click('#join-button');
        if (person.key !== 'host') {
          // Waiting room: the host sees the knock and admits.
          await person.page.waitForSelector('body[data-phase="waiting"]', { timeout: ROOM_TIMEOUT_MS });
          const host = people[0].page;
          await host.waitForSelector('#waiting-panel:not([hidden]) #waiting-list > li');
          const waiting = await host.textContent('#waiting-list');
          assert(waiting.includes(person.name), `${person.name} in the host's waiting list: ${waiting}`);
          if (person.key === 'guest') await shot(host, '22b-room-waiting-list', { fullPage: false });
          await host.click('#waiting-list > li button.button--primary');
        }
        await person.page.waitForSelector('body[data-phase="room"]', { timeout: ROOM_TIMEOUT_MS });
        person.id = await person.page.evaluate(() => window.__lcRoom.selfId);
        assert(person.id, `${person.key}: no participant id`);
      }
      for (const person of people) {
        await person.page.waitForFunction(() => document.querySelectorAll('#participants > li').length === 3
          && document.querySelectorAll('#grid > li').length === 3);
      }
    });

    await step('each participant decodes video from both others (framesDecoded grows on two connections)', async () => {
      for (const person of people) {
        const others = people.filter((p) => p !== person).map((p) => p.id);
        const stats = await waitFrames(person.page, others, person.key);
        for (const id of others) assertEqual(stats[id].state, 'connected', `${person.key} → ${id} connection`);
      }
      // Names and schools on the tiles.
      const labels = await people[0].page.$$eval('#grid > li', (els) => els.map((el) => el.querySelector('.tile__name').textContent + ' / ' + el.querySelector('.tile__school').textContent));
      for (const person of people) assert(labels.some((l) => l.includes(person.name)), `tile of ${person.name}: ${labels.join(' | ')}`);
      assert(labels.every((l) => / \/ \S/.test(l)), `every tile names a school: ${labels.join(' | ')}`);
      const roles = await people[0].page.$$eval('#participants > li .participant__meta', (els) => els.map((el) => el.textContent));
      assert(roles.some((r) => r.includes('организатор')), `the host is marked: ${roles.join(' | ')}`);
      await shot(people[0].page, '23-conference-room');
    });

    await step('chat, raised hand and mute reach the other participants', async () => {
      const [host, guest, shared] = people;
      await guest.page.fill('#chat-input', 'Здравствуйте, коллеги!');
      await guest.page.press('#chat-input', 'Enter');
      for (const person of people) {
        await person.page.waitForFunction(() => [...document.querySelectorAll('#chat-log .chat__text')]
          .some((el) => el.textContent === 'Здравствуйте, коллеги!'));
      }
      await shared.page.click('#toggle-hand');
      await host.page.waitForSelector(`#grid > li[data-peer="${shared.id}"][data-hand="up"]`);
      await shared.page.click('#toggle-mic');
      assertEqual(await shared.page.getAttribute('#toggle-mic', 'aria-pressed'), 'true', 'mute pressed');
      await host.page.waitForSelector(`#grid > li[data-peer="${shared.id}"] .tile__badge--muted`);
      await guest.page.waitForSelector(`#participants > li[data-peer="${shared.id}"] .pstate`);
      // Camera off: the others see the placeholder; on again: video again.
      await guest.page.click('#toggle-camera');
      await host.page.waitForSelector(`#grid > li[data-peer="${guest.id}"][data-video="off"]`);
      await guest.page.click('#toggle-camera');
      await host.page.waitForSelector(`#grid > li[data-peer="${guest.id}"][data-video="on"]`);
      await waitFrames(host.page, [guest.id], 'host after the guest camera came back');
    });

    await step('a dropped WebSocket reconnects by itself, says so, and media flows again', async () => {
      const [host, guest, shared] = people;
      await guest.page.evaluate(() => window.__lcRoom.dropSocket());
      // The notice is read in the same turn as it shows (the retry comes within about a second).
      const notice = await guest.page.waitForFunction(() => !document.querySelector('#reconnect-box').hidden
        && document.querySelector('#reconnect-text').textContent.trim());
      const text = await notice.jsonValue();
      assert(/^Связь потеряна/.test(text), `reconnect notice: "${text}"`);
      await guest.page.waitForSelector('#reconnect-box[hidden]', { state: 'attached', timeout: ROOM_TIMEOUT_MS });
      await guest.page.waitForFunction(() => document.querySelector('#conn-status').textContent === 'Связь восстановлена.');
      assertEqual(await guest.page.evaluate(() => window.__lcRoom.selfId), guest.id, 'same participant id after the reconnect');
      // One participant, not two, on the others' pages; media from the guest again.
      for (const person of [host, shared]) {
        assertEqual(await person.page.$$eval('#participants > li', (els) => els.length), 3, `${person.key}: participants`);
        await waitFrames(person.page, [guest.id], `${person.key} after the reconnect`);
      }
      await waitFrames(guest.page, [host.id, shared.id], 'guest after the reconnect');
    });

    await step('one participant leaves; the other two see the list and the grid shrink', async () => {
      const [host, guest, shared] = people;
      await shared.page.click('#leave');
      await shared.page.waitForSelector('body[data-phase="ended"]');
      for (const person of [host, guest]) {
        await person.page.waitForFunction((id) => !document.querySelector(`#participants > li[data-peer="${id}"]`)
          && document.querySelectorAll('#participants > li').length === 2
          && document.querySelectorAll('#grid > li').length === 2, shared.id);
        assertEqual((await person.page.textContent('#participants-heading')).trim(), 'Участники (2)', `${person.key}: heading`);
      }
      await shot(host.page, '24-conference-after-leave');
    });

    await step('the attendance report lists the three (JSON view and CSV)', async () => {
      const report = await call(op, 'GET', `/api/v1/conferences/${conference.id}/attendance`);
      for (const person of people) {
        assert(report.items.some((i) => i.display_name === person.name), `${person.name} in the report`);
      }
      const left = report.items.find((i) => i.display_name === 'Вера');
      assert(left.left_at, 'the one who left has left_at');
      // The same in the booking page's dialog (operator view of the list).
      const adminPage = admin.pages()[0] || await admin.newPage();
      await watchForErrors(adminPage, errors, 'operator');
      await adminPage.goto(`${base}/conferences`);
      await adminPage.waitForSelector('body[data-ready="true"]');
      await adminPage.click('#show-list');
      await adminPage.waitForSelector(`#conf-list [data-conference-id="${conference.id}"]`);
      await adminPage.click(`#conf-list [data-conference-id="${conference.id}"] button:has-text("Посещаемость")`);
      await adminPage.waitForSelector('#attendance-items tbody tr');
      const names = await adminPage.$$eval('#attendance-items tbody th', (els) => els.map((el) => el.textContent));
      for (const person of people) assert(names.includes(person.name), `${person.name} in the dialog`);
      const csvHref = await adminPage.getAttribute('#attendance-csv', 'href');
      const csv = await admin.request.get(csvHref);
      assertEqual(csv.status(), 200, 'CSV status');
      assert((csv.headers()['content-type'] || '').startsWith('text/csv'), 'CSV type');
      const body = await csv.text();
      assert(body.includes('Вера') && body.includes('Борис'), 'CSV rows');
      await shot(adminPage, '25-conference-attendance', { fullPage: false });
    });

    await step('the room on a phone-sized screen has no horizontal scrolling', async () => {
      const host = people[0];
      await host.page.setViewportSize({ width: 360, height: 780 });
      const overflow = await host.page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
      assert(overflow <= 0, `room is ${overflow}px wider than the phone`);
      await shot(host.page, '26-conference-phone', { fullPage: false });
    });

    await step('host ends the conference for everyone', async () => {
      const [host, guest] = people;
      await host.page.setViewportSize({ width: 1280, height: 900 });
      await host.page.click('#end-all');
      await host.page.waitForSelector('#end-dialog[open]');
      await host.page.click('#end-confirm');
      for (const person of [host, guest]) {
        await person.page.waitForSelector('body[data-phase="ended"]', { timeout: ROOM_TIMEOUT_MS });
        assert((await person.page.textContent('#end-text')).includes('Организатор завершил'), `${person.key}: ended by the host`);
      }
    });

    await step('before the room opens: lobby with a countdown, then the lobby over the socket', async () => {
      // An hour from now: the room opens conferences.room_opens_before (15 min) before.
      const starts = Date.now() + 60 * 60e3;
      const later = await call(op, 'POST', '/api/v1/conferences', {
        title: 'E2E: позже', host_school_id: pair.host.id, invited_school_ids: [pair.guest.id],
        starts_at: new Date(starts).toISOString(), ends_at: new Date(starts + 30 * 60e3).toISOString(),
      }, [201]);
      const link = await call(op, 'POST', `/api/v1/conferences/${later.id}/links`,
        { school_id: pair.host.id, role: 'host', display_name: 'Ведущая Анна' }, [201]);
      const context = await launch('lobby');
      contexts.push(context);
      const lobby = await context.newPage();
      await watchForErrors(lobby, errors, 'lobby');
      const url = new URL(link.url);
      await lobby.goto(`${base}${url.pathname}${url.search}`);
      await lobby.waitForSelector('#prejoin-lobby:not([hidden])');
      const countdown = await lobby.waitForFunction(() => document.querySelector('#prejoin-countdown').textContent.trim());
      assert(/^через \d+:\d\d/.test(await countdown.jsonValue()), `countdown "${await countdown.jsonValue()}"`);
      assertEqual((await lobby.textContent('#join-button')).trim(), 'Подождать открытия', 'join button');
      await lobby.click('#join-button');
      await lobby.waitForSelector('body[data-phase="lobby"]');
      await lobby.waitForFunction(() => /^\d+:\d\d/.test(document.querySelector('#lobby-countdown').textContent));
      assert((await lobby.textContent('#lobby-status')).includes('Комната откроется в'), 'lobby status');
      await shot(lobby, '27-conference-lobby', { fullPage: false });
      await lobby.click('#lobby-leave');
      await lobby.waitForSelector('body[data-phase="ended"]');
    });

    await step('conference pages: every string translated, no JavaScript errors or CSP violations', async () => {
      const missing = await people[0].page.evaluate(async () => (await import('/js/i18n.js')).missingKeys());
      assertEqual(missing.length, 0, `keys missing (${missing.join(', ')})`);
      for (const person of people) {
        for (const v of await cspViolations(person.page)) errors.push(`${person.key} CSP: ${v}`);
      }
      for (const v of await cspViolations(page)) errors.push(`booking CSP: ${v}`);
      assertEqual(errors.length, 0, `errors: ${errors.join(' | ')}`);
    });
  } finally {
    for (const context of contexts) await context.close().catch(() => {});
  }
}
