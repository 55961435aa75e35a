// conference.mjs — the conference part of the browser end-to-end test, run
// by run.mjs against the same daemon (LC_E2E_PART=conference runs it alone).
//
// Booking page: a demo coordinator logs in on /conferences (week view in
// the city's time zone), books a conference through the form (school picker,
// conflict check clean), then starts a second booking at an overlapping time
// and sees the clash named before submitting.
//
// The issue's "done when", through the pages only: the coordinator of school
// A books on /conferences a conference starting in two minutes (its room is
// open: it opens conferences.room_opens_before earlier; waiting room on) with
// schools B and C invited; the form already names C's clash with the demo
// seminar C takes part in. B's and C's coordinators (own contexts) accept on
// their page; C's accept is refused (409 naming that seminar) until C
// declines the seminar. The three coordinators, logged in and without a link,
// open /room/<id> from their page, pass the device check and join (the host
// admits the other two); each decodes video from both others and hears them
// (inbound-rtp audio with the fake microphone's tone). Chat, raised hand,
// mute and camera reach the others; the host asks B to mute (B's microphone
// goes off) and removes C (removed screen; the others see C leave); B's
// dropped WebSocket reconnects by itself; B leaves. A personal join link made
// in the booking page's dialog lets a participant without an account in; the
// host's attendance report lists the three coordinators with their schools.
// A conference an hour ahead shows the lobby (its shared link asks for a
// name). Screenshots go to artifacts/.

const ROOM_TIMEOUT_MS = 45_000;
const FRAMES_TIMEOUT_MS = 45_000;
const FRAMES_GROWTH = 30; // decoded frames per remote peer within one wait
const AUDIO_PACKETS_GROWTH = 25; // audio packets (20 ms each) per remote peer within one wait

// HTTP errors the pages meet by design: 401 from /auth/me while anonymous,
// and the 409s the test provokes on purpose (the clashing booking, and C's
// accept while it still takes part in another conference then).
function expectedFailure(method, pathname, status) {
  if (status === 401 && pathname === '/api/v1/auth/me') return true;
  if (status !== 409 || method !== 'POST') return false;
  return pathname === '/api/v1/conferences' || /^\/api\/v1\/conferences\/[^/]+\/accept$/.test(pathname);
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

/**
 * In-page: per peer id, the connection state, inbound video frames decoded
 * (the page's own stats()) and the inbound audio: packets, samples played
 * out, energy and the last level (read from the connection's getStats()).
 */
function mediaStats(page) {
  return page.evaluate(async () => {
    const room = window.__lcRoom;
    const out = await room.stats();
    for (const [id, entry] of Object.entries(out)) {
      Object.assign(entry, { audioInbound: 0, audioSamples: 0, audioEnergy: 0, audioLevel: 0 });
      const link = room.mesh.link(id);
      if (!link) continue;
      try {
        (await link.pc.getStats()).forEach((s) => {
          if (s.type !== 'inbound-rtp' || s.kind !== 'audio') return;
          entry.audioInbound += 1;
          entry.audioSamples += s.totalSamplesReceived || 0;
          entry.audioEnergy += s.totalAudioEnergy || 0;
          entry.audioLevel = Math.max(entry.audioLevel, s.audioLevel || 0);
        });
      } catch {
        // closed meanwhile: the wait goes on
      }
    }
    return out;
  });
}

/**
 * Wait until every one of ids has decoded FRAMES_GROWTH more frames than
 * now and, with audio, has received AUDIO_PACKETS_GROWTH more audio packets,
 * played out more samples and carried sound (the fake microphone's beeps:
 * energy grew or the level is above zero).
 */
async function waitMedia(page, ids, label, { audio = false } = {}) {
  const before = await mediaStats(page);
  const deadline = Date.now() + FRAMES_TIMEOUT_MS;
  const grew = (now, id, key) => now[id][key] - (before[id]?.[key] || 0);
  let last = before;
  while (Date.now() < deadline) {
    last = await mediaStats(page);
    const ok = ids.every((id) => last[id] && last[id].videoInbound >= 1 && grew(last, id, 'framesDecoded') >= FRAMES_GROWTH
      && (!audio || (last[id].audioInbound >= 1 && grew(last, id, 'audioPackets') >= AUDIO_PACKETS_GROWTH
        && grew(last, id, 'audioSamples') > 0 && (grew(last, id, 'audioEnergy') > 0 || last[id].audioLevel > 0))));
    if (ok) return last;
    await page.waitForTimeout(500); // poll the stats, bounded by the deadline
  }
  throw new Error(`${label}: media did not grow from ${ids.join(', ')}: before ${JSON.stringify(before)} now ${JSON.stringify(last)}`);
}

function cityInput(ms, zone = 'Europe/Moscow') {
  const parts = {};
  for (const { type, value } of new Intl.DateTimeFormat('en-US', {
    timeZone: zone, hourCycle: 'h23', year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit',
  }).formatToParts(new Date(ms))) parts[type] = value;
  return `${parts.year}-${parts.month}-${parts.day}T${parts.hour}:${parts.minute}`;
}

/** Elements sticking out to the right of the viewport (to say what makes a page too wide). */
function overflowing(page, scope = 'body') {
  return page.evaluate((root) => [...document.querySelectorAll(`${root} *`)]
    .filter((el) => el.getClientRects().length && el.getBoundingClientRect().right > window.innerWidth + 0.5)
    .slice(-5).map((el) => `${el.tagName.toLowerCase()}${el.id ? `#${el.id}` : ''}.${[...el.classList].join('.')} `
      + `(right ${Math.round(el.getBoundingClientRect().right)})`), scope);
}

export async function conferenceScenario({ base, accounts, operator, step: runStep, assert, assertEqual, shot, launch }) {
  // Each step's wall time as a TAP comment: the part should stay within about 3 minutes.
  const step = async (name, fn) => {
    const started = Date.now();
    const ok = await runStep(name, fn);
    console.log(`#   ${((Date.now() - started) / 1000).toFixed(1)} s`);
    return ok;
  };
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

    /* ---- the "done when" path: three schools' coordinators, pages only ------------ */
    // The operator's API session only looks at what is booked (staff see their
    // own school's conferences) and books the lobby conference at the end.
    const admin = await launch('operator');
    contexts.push(admin);
    const op = admin.request;
    const schoolByShort = (short) => schools.find((s) => s.short_name === short);
    // A hosts; B is free and accepts; C already takes part in a live conference
    // (the demo's seminar that starts at seed time): it must decline that one
    // before it can accept (the clash rule), which it does on its page.
    const people = [{ key: 'A' }, { key: 'B' }, { key: 'C' }];
    const [A, B, C] = people;
    let conflict = null; // the conference C declines
    let conference = null;
    let pair = null; // { host, guest } for the lobby conference
    const roomPath = () => `/room/${conference.id}`;

    await step('school A\'s coordinator books on /conferences a conference in 2 minutes with B and C (C\'s clash shown)', async () => {
      await apiLogin(op, base, operator.login, operator.password);
      const now = Date.now();
      const iso = (ms) => encodeURIComponent(new Date(ms).toISOString());
      const window = `from=${iso(now)}&to=${iso(now + 3600e3)}&status=scheduled&limit=100`;
      const busy = new Map(); // school id → [{ conference, hosting }]
      for (const c of (await call(op, 'GET', `/api/v1/conferences?${window}`)).items) {
        const mark = (id, hosting) => busy.set(id, [...(busy.get(id) || []), { conference: c, hosting }]);
        mark(c.host_school.id, true);
        for (const i of c.invites) if (i.status !== 'declined') mark(i.school.id, false);
      }
      const withCoordinator = (school) => coordinators.find((a) => schoolByShort(a.school)?.id === school.id);
      const free = schools.filter((s) => !busy.has(s.id) && withCoordinator(s));
      assert(free.length >= 2, `two schools with a coordinator and no conference in the next hour needed, free: ${free.length}`);
      const invitee = schools.find((s) => withCoordinator(s) && busy.get(s.id)?.length === 1 && !busy.get(s.id)[0].hosting
        && busy.get(s.id)[0].conference.live);
      assert(invitee, 'a school invited to (and accepted) a conference live now is needed (the demo seminar)');
      conflict = busy.get(invitee.id)[0].conference;
      [A.school, B.school, C.school] = [free[0], free[1], invitee];
      for (const person of people) person.account = withCoordinator(person.school);
      pair = { host: A.school, guest: B.school };

      A.context = await launch('coordinator-a');
      contexts.push(A.context);
      A.booking = A.context.pages()[0] || await A.context.newPage();
      await watchForErrors(A.booking, errors, 'A booking');
      await A.booking.goto(`${base}/conferences`);
      await loginInPage(A.booking, A.account.login, A.account.password);
      await A.booking.waitForSelector('body[data-ready="true"]');
      await A.booking.click('#new-conference');
      await A.booking.waitForSelector('#form-dialog[open]');
      assert(await A.booking.isHidden('#f-host-field'), 'a coordinator books for their own school');
      // The next whole minute at least two minutes away, in city time (the form's precision).
      const starts = Math.ceil((Date.now() + 120e3) / 60e3) * 60e3;
      await A.booking.fill('#f-title', 'E2E: конференция трёх школ');
      await A.booking.fill('#f-starts', cityInput(starts));
      await A.booking.fill('#f-ends', cityInput(starts + 30 * 60e3));
      for (const school of [B.school, C.school]) {
        await A.booking.fill('#f-school-search', school.short_name);
        await A.booking.check(`#f-school-options input[value="${school.id}"]`);
        await A.booking.waitForSelector(`#f-invited-chips [data-school="${school.id}"]`);
      }
      await A.booking.check('#f-waiting');
      // The check names C's other conference before anything is submitted.
      await A.booking.waitForFunction((title) => document.querySelector('#check-box').dataset.state === 'problems'
        && [...document.querySelectorAll('#check-problems li')].some((el) => el.textContent.includes(title)), conflict.title);
      const problems = await A.booking.$$eval('#check-problems li',
        (els) => els.map((el) => ({ kind: el.dataset.kind, text: el.textContent })));
      assert(problems.every((p) => p.kind === 'clash' && p.text.startsWith(C.school.short_name)),
        `only C's clash is listed: ${JSON.stringify(problems)}`);
      // An invited school's clash does not stop the booking: C decides.
      await A.booking.click('#form-submit');
      await A.booking.waitForSelector('#form-dialog:not([open])', { state: 'attached' });
      const mine = await call(A.booking.request, 'GET', `/api/v1/conferences?school=${A.school.id}&from=${iso(now)}&limit=100`);
      conference = mine.items.find((c) => c.title === 'E2E: конференция трёх школ');
      assert(conference, 'the booked conference is in the API');
      assertEqual(conference.host_school.id, A.school.id, 'host school');
      assertEqual(Date.parse(conference.starts_at), starts, 'starts_at');
      assertEqual(conference.invites.map((i) => `${i.school.id}:${i.status}`).sort().join(),
        [`${B.school.id}:pending`, `${C.school.id}:pending`].sort().join(), 'invites');
      assertEqual(conference.waiting_room, true, 'waiting room');
      // The room opens conferences.room_opens_before (15 min) ahead: open at once.
      assertEqual(conference.live, true, 'the room is open');
      await A.booking.waitForSelector(`#week [data-conference-id="${conference.id}"]`);
    });

    await step('B\'s and C\'s coordinators accept on their page (C first declines its clashing conference)', async () => {
      assert(conference, 'no conference');
      for (const person of [B, C]) {
        person.context = await launch(`coordinator-${person.key}`);
        contexts.push(person.context);
        person.booking = person.context.pages()[0] || await person.context.newPage();
        await watchForErrors(person.booking, errors, `${person.key} booking`);
        await person.booking.goto(`${base}/conferences`);
        await loginInPage(person.booking, person.account.login, person.account.password);
        await person.booking.waitForSelector('body[data-ready="true"]');
        await person.booking.click('#show-list');
        await person.booking.waitForSelector('#conf-list[aria-busy="false"]');
        await person.booking.waitForSelector(`#invitation-list [data-conference-id="${conference.id}"]`);
        const card = await person.booking.textContent(`#invitation-list [data-conference-id="${conference.id}"]`);
        assert(card.includes(A.school.short_name), `the invitation names the host school: ${card}`);
        const accept = `#invitation-list [data-conference-id="${conference.id}"] button:has-text("Принять")`;
        if (person === C) {
          // Accepting while in another conference then: refused, naming it.
          await person.booking.click(accept);
          await person.booking.waitForFunction((title) => {
            const toast = document.querySelector('#toast');
            return toast.dataset.kind === 'error' && toast.textContent.includes(title);
          }, conflict.title);
          await person.booking.click(`#conf-list [data-conference-id="${conflict.id}"] button:has-text("Отклонить")`);
          // The list shows C's invite to the seminar declined (the page reloaded it from the API).
          await person.booking.waitForSelector(`#conf-list [data-conference-id="${conflict.id}"] `
            + `.conf__invite[data-school="${C.school.id}"][data-status="declined"]`);
        }
        await person.booking.click(accept);
        // Accepted: the invitation is gone and the room can be opened from the list.
        await person.booking.waitForSelector(`#conf-list [data-conference-id="${conference.id}"] a[href="${roomPath()}"]`);
        await person.booking.waitForSelector(`#invitation-list [data-conference-id="${conference.id}"]`, { state: 'detached' });
      }
      const now = await call(A.booking.request, 'GET', `/api/v1/conferences/${conference.id}`);
      assertEqual(now.invites.map((i) => i.status).join(), 'accepted,accepted', 'both invitations accepted');
      const seminar = await call(op, 'GET', `/api/v1/conferences/${conflict.id}`);
      assertEqual(seminar.invites.find((i) => i.school.id === C.school.id)?.status, 'declined', 'C declined the seminar');
    });

    await step('the three coordinators open the room from their page (no link), pass the device check and join', async () => {
      assert(conference, 'no conference');
      await A.booking.click('#show-list');
      await A.booking.waitForSelector(`#conf-list [data-conference-id="${conference.id}"] a[href="${roomPath()}"]`);
      for (const person of people) {
        const me = await call(person.booking.request, 'GET', '/api/v1/auth/me');
        person.name = me.display_name || me.login;
        person.page = person.booking; // the booking page goes to the room
        const served = person.page.waitForResponse((r) => new URL(r.url()).pathname === roomPath());
        await person.page.click(`#conf-list [data-conference-id="${conference.id}"] a[href="${roomPath()}"]`);
        const response = await served;
        assert((response.headers()['content-security-policy'] || '').includes("default-src 'self'"), '/room/{id} CSP');
        assertEqual(new URL(person.page.url()).search, '', `${person.key}: no join link`);
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
        assertEqual(await person.page.isVisible('#name-field'), false, `${person.key}: the account gives the name`);
        const you = await person.page.textContent('#room-you');
        const role = person === A ? 'организатор' : 'участник';
        assert(you.includes(role) && you.includes(person.school.short_name), `${person.key}: "${you}"`);
        if (person === A) await shot(person.page, '22-room-device-check');
        await person.page.click('#join-button');
        if (person !== A) {
          // Waiting room: the host sees the knock and admits.
          await person.page.waitForSelector('body[data-phase="waiting"]', { timeout: ROOM_TIMEOUT_MS });
          await A.page.waitForSelector(`#waiting-panel:not([hidden]) #waiting-list > li:has-text("${person.name}")`,
            { timeout: ROOM_TIMEOUT_MS });
          if (person === B) await shot(A.page, '22b-room-waiting-list', { fullPage: false });
          await A.page.click(`#waiting-list > li:has-text("${person.name}") button.button--primary`);
        }
        await person.page.waitForSelector('body[data-phase="room"]', { timeout: ROOM_TIMEOUT_MS });
        person.id = await person.page.evaluate(() => window.__lcRoom.selfId);
        assert(person.id, `${person.key}: no participant id`);
      }
      for (const person of people) {
        await person.page.waitForFunction(() => document.querySelectorAll('#participants > li').length === 3
          && document.querySelectorAll('#grid > li').length === 3, null, { timeout: ROOM_TIMEOUT_MS });
      }
    });

    await step('each coordinator sees (framesDecoded) and hears (inbound audio) both others', async () => {
      for (const person of people) {
        const others = people.filter((p) => p !== person).map((p) => p.id);
        const stats = await waitMedia(person.page, others, person.key, { audio: true });
        for (const id of others) assertEqual(stats[id].state, 'connected', `${person.key} → ${id} connection`);
        const figures = people.filter((p) => p !== person).map((p) => {
          const s = stats[p.id];
          return `${p.key}: ${s.framesDecoded} frames, ${s.audioPackets} audio packets, ${s.audioSamples} samples, `
            + `energy ${s.audioEnergy.toFixed(4)}`;
        });
        console.log(`#   ${person.key} receives ${figures.join('; ')}`);
      }
      // Names and schools on the tiles; the host is marked in the list.
      const tiles = await A.page.$$eval('#grid > li', (els) => els.map((el) => ({
        peer: el.dataset.peer, name: el.querySelector('.tile__name').textContent, school: el.querySelector('.tile__school').textContent,
      })));
      for (const person of people) {
        const tile = tiles.find((t) => t.peer === person.id);
        assert(tile && tile.name.includes(person.name) && tile.school === person.school.short_name,
          `tile of ${person.key}: ${JSON.stringify(tile)}`);
      }
      const roles = await A.page.$$eval('#participants > li .participant__meta', (els) => els.map((el) => el.textContent));
      assert(roles.some((r) => r.includes('организатор')), `the host is marked: ${roles.join(' | ')}`);
      await shot(A.page, '23-conference-room');
    });

    await step('chat, raised hand, mute and camera off/on reach the others', async () => {
      await B.page.fill('#chat-input', 'Здравствуйте, коллеги!');
      await B.page.press('#chat-input', 'Enter');
      for (const person of people) {
        await person.page.waitForFunction(() => [...document.querySelectorAll('#chat-log .chat__text')]
          .some((el) => el.textContent === 'Здравствуйте, коллеги!'));
      }
      await C.page.click('#toggle-hand');
      await A.page.waitForSelector(`#grid > li[data-peer="${C.id}"][data-hand="up"]`);
      await C.page.click('#toggle-mic');
      assertEqual(await C.page.getAttribute('#toggle-mic', 'aria-pressed'), 'true', 'mute pressed');
      await A.page.waitForSelector(`#grid > li[data-peer="${C.id}"] .tile__badge--muted`);
      await B.page.waitForSelector(`#participants > li[data-peer="${C.id}"] .pstate`);
      // Camera off: the others see the placeholder; on again: video again.
      await B.page.click('#toggle-camera');
      await A.page.waitForSelector(`#grid > li[data-peer="${B.id}"][data-video="off"]`);
      await B.page.click('#toggle-camera');
      await A.page.waitForSelector(`#grid > li[data-peer="${B.id}"][data-video="on"]`);
      await waitMedia(A.page, [B.id], 'host after B\'s camera came back');
    });

    await step('host controls: asked to mute, B\'s microphone goes off and the others see B muted', async () => {
      const ask = `#participants > li[data-peer="${B.id}"] button:has-text("Попросить выключить звук")`;
      assert(await A.page.isEnabled(ask), 'ask-to-mute is offered while B speaks');
      assertEqual(await B.page.getAttribute('#toggle-mic', 'aria-pressed'), 'false', 'B speaks before');
      await A.page.click(ask);
      await B.page.waitForSelector('#toggle-mic[aria-pressed="true"]', { timeout: ROOM_TIMEOUT_MS });
      await B.page.waitForFunction(() => document.querySelector('#toast').textContent
        .includes('Организатор попросил выключить микрофон'));
      // What B sends: the microphone track is off on every connection.
      const enabled = await B.page.evaluate(() => window.__lcRoom.mesh.peerIds().flatMap((id) => window.__lcRoom.mesh.link(id)
        .pc.getSenders().filter((s) => s.track?.kind === 'audio').map((s) => s.track.enabled)));
      assert(enabled.length === 2 && enabled.every((e) => e === false), `B's microphone senders: ${JSON.stringify(enabled)}`);
      for (const person of [A, C]) {
        await person.page.waitForSelector(`#grid > li[data-peer="${B.id}"] .tile__badge--muted`);
        await person.page.waitForSelector(`#participants > li[data-peer="${B.id}"] .pstate:has-text("без звука")`);
      }
      await A.page.waitForSelector(`${ask}[disabled]`);
    });

    await step('host controls: C is removed, sees the removed screen; A and B see C leave', async () => {
      await A.page.click(`#participants > li[data-peer="${C.id}"] button.button--danger`);
      await C.page.waitForSelector('body[data-phase="ended"]', { timeout: ROOM_TIMEOUT_MS });
      const removed = await C.page.textContent('#end-text');
      assert(removed.includes('Организатор удалил вас'), `C's screen: ${removed}`);
      assert(await C.page.isHidden('#rejoin'), 'no rejoin after removal');
      await shot(C.page, '24-conference-removed', { fullPage: false });
      for (const person of [A, B]) {
        await person.page.waitForFunction(({ id, name }) => !document.querySelector(`#participants > li[data-peer="${id}"]`)
          && !document.querySelector(`#grid > li[data-peer="${id}"]`)
          && document.querySelectorAll('#participants > li').length === 2
          && document.querySelectorAll('#grid > li').length === 2
          && document.querySelector('#conn-status').textContent.includes(name), { id: C.id, name: C.name },
        { timeout: ROOM_TIMEOUT_MS });
        assertEqual((await person.page.textContent('#participants-heading')).trim(), 'Участники (2)', `${person.key}: heading`);
      }
    });

    await step('a dropped WebSocket reconnects by itself, says so, and media flows again', async () => {
      await B.page.evaluate(() => window.__lcRoom.dropSocket());
      // The notice is read in the same turn as it shows (the retry comes within about a second).
      const notice = await B.page.waitForFunction(() => !document.querySelector('#reconnect-box').hidden
        && document.querySelector('#reconnect-text').textContent.trim());
      const text = await notice.jsonValue();
      assert(/^Связь потеряна/.test(text), `reconnect notice: "${text}"`);
      await B.page.waitForSelector('#reconnect-box[hidden]', { state: 'attached', timeout: ROOM_TIMEOUT_MS });
      await B.page.waitForFunction(() => document.querySelector('#conn-status').textContent === 'Связь восстановлена.');
      assertEqual(await B.page.evaluate(() => window.__lcRoom.selfId), B.id, 'same participant id after the reconnect');
      // One participant, not two, on the host's page; media both ways again.
      assertEqual(await A.page.$$eval('#participants > li', (els) => els.length), 2, 'host: participants');
      await waitMedia(A.page, [B.id], 'host after the reconnect');
      await waitMedia(B.page, [A.id], 'B after the reconnect');
    });

    await step('B leaves; the host sees the list and the grid shrink', async () => {
      await B.page.click('#leave');
      await B.page.waitForSelector('body[data-phase="ended"]');
      await A.page.waitForFunction((id) => !document.querySelector(`#participants > li[data-peer="${id}"]`)
        && document.querySelectorAll('#participants > li').length === 1
        && document.querySelectorAll('#grid > li').length === 1, B.id, { timeout: ROOM_TIMEOUT_MS });
      assertEqual((await A.page.textContent('#participants-heading')).trim(), 'Участники (1)', 'host: heading');
    });

    // Join links: the host makes a personal link on the booking page; its holder joins without an account.
    const guest = { key: 'link', name: 'Борис' };
    await step('a personal join link made on the booking page lets a participant in (waiting room, both ways media)', async () => {
      A.report = await A.context.newPage();
      await watchForErrors(A.report, errors, 'A report');
      await A.report.goto(`${base}/conferences`);
      await A.report.waitForSelector('body[data-ready="true"]');
      await A.report.click('#show-list');
      const card = `#conf-list [data-conference-id="${conference.id}"]`;
      await A.report.click(`${card} button:has-text("Ссылки для входа")`);
      await A.report.waitForSelector('#links-dialog[open]');
      await A.report.selectOption('#links-school', B.school.id);
      await A.report.selectOption('#links-role', 'participant');
      await A.report.fill('#links-name', guest.name);
      await A.report.click('#links-create');
      const url = new URL(await A.report.inputValue('#links-results li[data-role="participant"] input'));
      assertEqual(url.pathname, roomPath(), 'link path');
      assert(url.searchParams.get('t'), 'the link carries a token');
      await A.report.click('#links-close');

      guest.context = await launch('room-link');
      contexts.push(guest.context);
      guest.page = guest.context.pages()[0] || await guest.context.newPage();
      await watchForErrors(guest.page, errors, 'link');
      await guest.page.goto(`${base}${url.pathname}${url.search}`);
      await guest.page.waitForSelector('#prejoin:not([hidden])');
      await guest.page.waitForFunction(() => document.querySelector('#preview').videoWidth > 0);
      assertEqual(await guest.page.isVisible('#name-field'), false, 'a personal link carries the name');
      const you = await guest.page.textContent('#room-you');
      assert(you.includes('участник') && you.includes(B.school.short_name), `link: "${you}"`);
      await guest.page.click('#join-button');
      await guest.page.waitForSelector('body[data-phase="waiting"]', { timeout: ROOM_TIMEOUT_MS });
      await A.page.click(`#waiting-list > li:has-text("${guest.name}") button.button--primary`, { timeout: ROOM_TIMEOUT_MS });
      await guest.page.waitForSelector('body[data-phase="room"]', { timeout: ROOM_TIMEOUT_MS });
      guest.id = await guest.page.evaluate(() => window.__lcRoom.selfId);
      await waitMedia(A.page, [guest.id], 'host from the link holder', { audio: true });
      await waitMedia(guest.page, [A.id], 'link holder from the host', { audio: true });
      await A.page.waitForSelector(`#grid > li[data-peer="${guest.id}"] .tile__school:has-text("${B.school.short_name}")`);
      assertEqual((await A.page.textContent(`#grid > li[data-peer="${guest.id}"] .tile__name`)).trim(), guest.name, 'tile name');
    });

    await step('the host\'s attendance report lists the coordinators with their schools (dialog, JSON, CSV)', async () => {
      const report = await call(A.report.request, 'GET', `/api/v1/conferences/${conference.id}/attendance`);
      for (const person of [...people, { ...guest, school: B.school }]) {
        const rows = report.items.filter((i) => i.display_name === person.name);
        assert(rows.length >= 1, `${person.name} in the report: ${JSON.stringify(report.items)}`);
        assert(rows.every((r) => r.school?.id === person.school.id && r.school.short_name === person.school.short_name),
          `${person.name}'s school: ${JSON.stringify(rows)}`);
      }
      for (const person of [B, C]) {
        assert(report.items.filter((i) => i.display_name === person.name).every((r) => r.left_at), `${person.key} has left_at`);
      }
      const bySchool = new Map(report.schools.map((s) => [s.school_id, s]));
      for (const school of [A.school, B.school, C.school]) {
        assert(bySchool.get(school.id)?.participants >= 1, `${school.short_name} in the totals`);
      }
      // The same in the booking page's dialog.
      const card = `#conf-list [data-conference-id="${conference.id}"]`;
      await A.report.click(`${card} button:has-text("Посещаемость")`);
      await A.report.waitForSelector('#attendance-items tbody tr');
      const rows = await A.report.$$eval('#attendance-items tbody tr', (els) => els.map((el) => ({
        name: el.querySelector('th').textContent, school: el.querySelector('td').textContent,
      })));
      for (const person of people) {
        assert(rows.some((r) => r.name === person.name && r.school === person.school.short_name),
          `${person.name} (${person.school.short_name}) in the dialog: ${JSON.stringify(rows)}`);
      }
      const csvHref = await A.report.getAttribute('#attendance-csv', 'href');
      const csv = await A.report.request.get(csvHref);
      assertEqual(csv.status(), 200, 'CSV status');
      assert((csv.headers()['content-type'] || '').startsWith('text/csv'), 'CSV type');
      const body = await csv.text();
      for (const person of people) assert(body.includes(person.name) && body.includes(person.school.short_name), `CSV row of ${person.key}`);
      await shot(A.report, '25-conference-attendance', { fullPage: false });
      await A.report.click('#attendance-close');
    });

    await step('the room on a phone-sized screen has no horizontal scrolling', async () => {
      // The link holder's whole page and the host's whole page (a logged-in staff member's
      // header has three links, which wrap at 360 px), with the host controls.
      for (const p of [guest.page, A.page]) await p.setViewportSize({ width: 360, height: 780 });
      for (const [who, p] of [['link holder', guest.page], ['host', A.page]]) {
        const overflow = await p.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
        assert(overflow <= 0, `${who}: room is ${overflow}px wider than the phone: ${(await overflowing(p)).join(', ')}`);
      }
      await shot(A.page, '26-conference-phone', { fullPage: false });
      for (const p of [guest.page, A.page]) await p.setViewportSize({ width: 1280, height: 900 });
    });

    await step('host ends the conference for everyone', async () => {
      await A.page.click('#end-all');
      await A.page.waitForSelector('#end-dialog[open]');
      await A.page.click('#end-confirm');
      for (const person of [A, guest]) {
        await person.page.waitForSelector('body[data-phase="ended"]', { timeout: ROOM_TIMEOUT_MS });
        assert((await person.page.textContent('#end-text')).includes('Организатор завершил'), `${person.key}: ended by the host`);
      }
    });

    await step('before the room opens: a shared link asks for a name, then the lobby with its countdown', async () => {
      assert(pair, 'no schools');
      // An hour from now: the room opens conferences.room_opens_before (15 min) before.
      const starts = Date.now() + 60 * 60e3;
      const later = await call(op, 'POST', '/api/v1/conferences', {
        title: 'E2E: позже', host_school_id: pair.host.id, invited_school_ids: [pair.guest.id],
        starts_at: new Date(starts).toISOString(), ends_at: new Date(starts + 30 * 60e3).toISOString(),
      }, [201]);
      await call(op, 'POST', `/api/v1/conferences/${later.id}/accept`, { school_id: pair.guest.id });
      // The invited school's shared link: whoever opens it types a name.
      const link = await call(op, 'POST', `/api/v1/conferences/${later.id}/links`,
        { school_id: pair.guest.id, role: 'participant' }, [201]);
      assertEqual(link.display_name, null, 'a shared link has no name');
      const context = await launch('lobby');
      contexts.push(context);
      const lobby = await context.newPage();
      await watchForErrors(lobby, errors, 'lobby');
      const url = new URL(link.url);
      assertEqual(url.pathname, `/room/${later.id}`, 'link path');
      await lobby.goto(`${base}${url.pathname}${url.search}`);
      await lobby.waitForSelector('#prejoin-lobby:not([hidden])');
      const countdown = await lobby.waitForFunction(() => document.querySelector('#prejoin-countdown').textContent.trim());
      assert(/^через \d+:\d\d/.test(await countdown.jsonValue()), `countdown "${await countdown.jsonValue()}"`);
      assertEqual((await lobby.textContent('#join-button')).trim(), 'Подождать открытия', 'join button');
      assert(await lobby.isVisible('#name-field'), 'a shared link asks for a name');
      // Empty name: refused inline.
      await lobby.click('#join-button');
      await lobby.waitForSelector('#display-name-error:not([hidden])');
      assertEqual(await lobby.getAttribute('#display-name', 'aria-invalid'), 'true', 'name field marked');
      await lobby.fill('#display-name', 'Вера');
      await lobby.click('#join-button');
      await lobby.waitForSelector('body[data-phase="lobby"]');
      await lobby.waitForFunction(() => /^\d+:\d\d/.test(document.querySelector('#lobby-countdown').textContent));
      assert((await lobby.textContent('#lobby-status')).includes('Комната откроется в'), 'lobby status');
      await shot(lobby, '27-conference-lobby', { fullPage: false });
      await lobby.click('#lobby-leave');
      await lobby.waitForSelector('body[data-phase="ended"]');
    });

    await step('conference pages: every string translated, no JavaScript errors or CSP violations', async () => {
      const missing = await A.page.evaluate(async () => (await import('/js/i18n.js')).missingKeys());
      assertEqual(missing.length, 0, `keys missing (${missing.join(', ')})`);
      for (const [label, p] of [['booking', page], ['A', A.page], ['A report', A.report], ['B', B.page], ['C', C.page], ['link', guest.page]]) {
        if (!p) continue;
        for (const v of await cspViolations(p)) errors.push(`${label} CSP: ${v}`);
      }
      assertEqual(errors.length, 0, `errors: ${errors.join(' | ')}`);
    });
  } finally {
    for (const context of contexts) await context.close().catch(() => {});
  }
}
