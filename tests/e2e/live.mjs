// live.mjs — the live-lesson part of the browser end-to-end test, run by
// run.mjs against the same daemon (started with webrtc.addresses=127.0.0.1
// and a short lessons.publisher_grace).
//
// A demo teacher logs in, sees the studio link on their own lessons, creates
// a lesson starting in 90 s and opens /studio/<id> with Chromium's fake
// camera and microphone; an anonymous viewer (another browser profile) opens
// /watch/<id> first and sees the countdown. Go live (WHIP from the studio):
// the watch page starts by itself and plays over WHEP (inbound-rtp
// framesDecoded grows), viewer counts show on both pages, sources switch
// while live (microphone off/on, screen share) without a new connection; a
// second watch page with ?mode=hls plays through the vendored hls.js (video
// time and decoded frames advance); Stop ends the lesson and the watch page
// turns to the recording (preparing, then playing and seekable).

import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const VENDOR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', 'web', 'vendor', 'hls.js');
const LIVE_TIMEOUT_MS = 30_000;
const FRAMES_TIMEOUT_MS = 40_000;
const HLS_TIMEOUT_MS = 60_000;
const RECORDING_TIMEOUT_MS = 45_000;
const START_IN_MS = 90_000;

// HTTP errors the pages meet by design and handle: 401 from /auth/me when
// anonymous, 404 for the HLS playlist before its first segment (and for a
// WHEP session the server already closed), 409 from WHEP before the media
// flows (and from WHIP while a reconnection waits for the server to let go
// of the dropped connection; 404 for its ICE restart of a session the server
// already closed), 503 from WHEP when the server could not set a viewer up in time
// (the page retries). Anything else is reported.
function expectedFailure(method, pathname, status) {
  if (status === 401 && pathname === '/api/v1/auth/me') return true;
  if (status === 404 && method === 'GET' && pathname.startsWith('/hls/')) return true;
  if (status === 404 && method === 'DELETE' && /^\/whep\/[^/]+\/[^/]+$/.test(pathname)) return true;
  if ((status === 409 || status === 503) && method === 'POST' && /^\/whep\/[^/]+$/.test(pathname)) return true;
  // The studio reconnecting: 409 while the server still holds the dropped
  // publisher; 404 for an ICE restart of a session the server already closed.
  if (status === 409 && method === 'POST' && /^\/whip\/[^/]+$/.test(pathname)) return true;
  if (status === 404 && method === 'PATCH' && /^\/whip\/[^/]+\/[^/]+$/.test(pathname)) return true;
  return false;
}

/** Collects page errors, console errors, unexpected HTTP errors and CSP violations of a page. */
async function watchForErrors(page, errors, label) {
  await page.addInitScript(() => {
    window.__cspViolations = [];
    document.addEventListener('securitypolicyviolation', (event) => {
      window.__cspViolations.push(`${event.violatedDirective} ${event.blockedURI}`);
    });
  });
  page.on('pageerror', (err) => errors.push(`${label}: ${err.message}`));
  page.on('console', (msg) => {
    // Failed requests are judged below, with their URL.
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

/** In-page: the inbound video/audio RTP stats of the watch page's WHEP connection. */
async function inbound(page) {
  return page.evaluate(async () => {
    const pc = window.__lcWatch?.pc;
    if (!pc) return null;
    const report = await pc.getStats();
    const out = { framesDecoded: 0, audioPackets: 0, codec: null, width: 0 };
    const codecs = new Map();
    report.forEach((s) => {
      if (s.type === 'codec') codecs.set(s.id, s.mimeType);
    });
    report.forEach((s) => {
      if (s.type !== 'inbound-rtp') return;
      if (s.kind === 'video') {
        out.framesDecoded += s.framesDecoded || 0;
        out.codec = codecs.get(s.codecId) || out.codec;
        out.width = s.frameWidth || out.width;
      } else if (s.kind === 'audio') {
        out.audioPackets += s.packetsReceived || 0;
      }
    });
    return out;
  });
}

/** In-page: the studio's outbound video codec and bytes. */
async function outbound(page) {
  return page.evaluate(async () => {
    const pc = window.__lcStudio?.pc;
    if (!pc) return null;
    const report = await pc.getStats();
    const codecs = new Map();
    report.forEach((s) => {
      if (s.type === 'codec') codecs.set(s.id, s.mimeType);
    });
    const out = { bytesSent: 0, codec: null, framesEncoded: 0 };
    report.forEach((s) => {
      if (s.type !== 'outbound-rtp') return;
      out.bytesSent += s.bytesSent || 0;
      if (s.kind === 'video') {
        out.codec = codecs.get(s.codecId) || out.codec;
        out.framesEncoded += s.framesEncoded || 0;
      }
    });
    return out;
  });
}

/** In-page: the studio connection's ICE candidates and pairs, one line. */
async function iceSummary(page) {
  return page.evaluate(async () => {
    const pc = window.__lcStudio?.pc;
    if (!pc || pc.signalingState === 'closed') return null;
    const report = await pc.getStats();
    const parts = [`${pc.connectionState}/${pc.iceConnectionState}/${pc.iceGatheringState}`];
    report.forEach((s) => {
      if (s.type === 'local-candidate' || s.type === 'remote-candidate')
        parts.push(`${s.type === 'local-candidate' ? 'L' : 'R'} ${s.protocol} ${s.address}:${s.port} ${s.candidateType}`);
      else if (s.type === 'candidate-pair')
        parts.push(`pair ${s.state} sent ${s.requestsSent} recv ${s.responsesReceived} req-in ${s.requestsReceived}`);
    });
    return parts.join('; ');
  });
}

/** In-page: the HLS player's position, frames and buffer, one line. */
function hlsState() {
  const video = window.__lcWatch.video;
  const ranges = [];
  for (let i = 0; i < video.buffered.length; i++) ranges.push(`${video.buffered.start(i).toFixed(1)}-${video.buffered.end(i).toFixed(1)}`);
  return `phase ${window.__lcWatch.phase} t=${video.currentTime.toFixed(2)} frames=${video.getVideoPlaybackQuality().totalVideoFrames} `
    + `paused=${video.paused} readyState=${video.readyState} buffered=${ranges.join(',')}`;
}

/** In-page: which host candidates a fresh RTCPeerConnection gathers in 3 s. */
async function gatherProbe(page) {
  return page.evaluate(async () => {
    const pc = new RTCPeerConnection();
    pc.createDataChannel('probe');
    const found = [];
    pc.addEventListener('icecandidate', (event) => {
      if (event.candidate) found.push(event.candidate.candidate.split(' ').slice(2, 8).join(' '));
    });
    await pc.setLocalDescription(await pc.createOffer());
    await new Promise((resolve) => setTimeout(resolve, 3000));
    const state = pc.iceGatheringState;
    pc.close();
    return `${state}: ${found.join(' | ') || 'nothing'}`;
  }).catch((err) => `probe failed: ${err.message}`);
}

/** Wait until fn() (async, node side) returns a truthy value; bounded. */
async function until(fn, { timeout, interval = 250, what }) {
  const deadline = Date.now() + timeout;
  let last;
  for (;;) {
    last = await fn();
    if (last) return last;
    if (Date.now() > deadline) throw new Error(`${what}: not within ${timeout / 1000} s`);
    await new Promise((resolve) => setTimeout(resolve, interval)); // polling a condition
  }
}

async function framesGrow(page, by, what) {
  const first = await until(() => inbound(page), { timeout: 10_000, what: `${what}: no WHEP connection` });
  let last = first;
  await until(async () => {
    last = await inbound(page);
    return last && last.framesDecoded >= first.framesDecoded + by;
  }, { timeout: FRAMES_TIMEOUT_MS, what: `${what}: framesDecoded ${first.framesDecoded} → ${last?.framesDecoded} (need +${by})` });
  return last;
}

async function apiLesson(page, id) {
  const response = await page.request.get(`/api/v1/lessons/${encodeURIComponent(id)}`);
  if (response.status() !== 200) throw new Error(`GET /api/v1/lessons/${id}: ${response.status()}`);
  return response.json();
}

/** The studio's error line, for failure messages. */
async function studioError(page) {
  return (await page.textContent('#studio-error').catch(() => '')).trim();
}

export async function liveScenario(ctx) {
  const { base, teachers, step, assert, assertEqual, shot, launch } = ctx;
  const errors = [];
  const pages = [];
  const teacherAccount = teachers.find((a) => a.login === 'teacher.s57') || teachers[0];
  let teacherCtx = null;
  let viewerCtx = null;

  try {
    if (!(await step('demo teacher passwords are printed by `serve --demo`', async () => {
      assert(teacherAccount, 'no "  teacher.<school>  teacher  <school>  <password>" line on the daemon\'s stdout');
    }))) return;

    await step('the vendored hls.js is served exactly as pinned (web/vendor/hls.js/SHA256SUMS)', async () => {
      const sums = fs.readFileSync(path.join(VENDOR, 'SHA256SUMS'), 'utf8').trim().split('\n');
      assert(sums.length >= 3, 'SHA256SUMS lists the module, the worker and the licence');
      for (const line of sums) {
        const [sum, name] = line.split(/\s+\*?/);
        const response = await fetch(`${base}/vendor/hls.js/${name}`);
        assertEqual(response.status, 200, `GET /vendor/hls.js/${name}`);
        const body = Buffer.from(await response.arrayBuffer());
        assertEqual(crypto.createHash('sha256').update(body).digest('hex'), sum, `sha256 of ${name}`);
      }
    });

    teacherCtx = await launch('teacher');
    // Granting replaces the origin's permissions: keep camera and microphone
    // granted too, or Chromium hides the host addresses behind mDNS names,
    // which cannot resolve in the test's network namespace (no candidates).
    await teacherCtx.grantPermissions(['camera', 'microphone', 'clipboard-read', 'clipboard-write'], { origin: base });
    viewerCtx = await launch('viewer');
    const studio = teacherCtx.pages()[0] || await teacherCtx.newPage();
    const watch = await viewerCtx.newPage();
    pages.push(studio, watch);
    await watchForErrors(studio, errors, 'studio');
    await watchForErrors(watch, errors, 'watch');

    let me = null;
    await step('the demo teacher logs in and the schedule offers the studio for their lessons only', async () => {
      await studio.goto(`${base}/`);
      await studio.waitForSelector('body[data-ready="true"]');
      await studio.click('#login-button');
      await studio.waitForSelector('#login-dialog[open]');
      await studio.fill('#login-login', teacherAccount.login);
      for (let attempt = 0; attempt < 3; attempt++) {
        await studio.fill('#login-password', teacherAccount.password);
        await studio.click('#login-submit');
        await studio.waitForSelector('#login-form[aria-busy="false"]', { state: 'attached' });
        await studio.waitForSelector('#logout-button:not([hidden]), #login-submit[disabled], #login-error:not([hidden])',
          { state: 'attached' });
        if (await studio.isVisible('#logout-button')) break;
        // Slowed down by the earlier failed logins (429): wait it out.
        await studio.waitForSelector('#login-submit:not([disabled])', { timeout: 60_000 });
      }
      assert(await studio.isVisible('#logout-button'), `the teacher could not log in: ${await studio.textContent('#login-error')}`);
      me = (await (await studio.request.get('/api/v1/auth/me')).json());
      assertEqual(me.role, 'teacher', 'role');

      await studio.goto(`${base}/#/`);
      await studio.waitForSelector('body[data-ready="true"]');
      await studio.waitForFunction(() => document.querySelector('#schedule')?.getAttribute('aria-busy') === 'false');
      const cards = await studio.$$eval('#schedule .lesson', (els) => els.map((el) => ({
        id: el.dataset.lessonId, studio: el.querySelector('.lesson__studio')?.getAttribute('href') || null,
      })));
      assert(cards.length > 0, 'no lessons in the schedule');
      let own = 0;
      for (const card of cards) {
        const lesson = await apiLesson(studio, card.id);
        const mine = lesson.teacher?.id === me.id && ['scheduled', 'live'].includes(lesson.status);
        if (mine) {
          own += 1;
          assertEqual(card.studio, `/studio/${lesson.id}`, `studio link of "${lesson.title}"`);
        } else {
          assertEqual(card.studio, null, `studio link on another teacher's lesson "${lesson.title}"`);
        }
      }
      assert(own > 0, `none of the ${cards.length} lessons shown belongs to ${teacherAccount.login}`);
      await shot(studio, '09-schedule-teacher');
    });

    let lesson = null;
    if (!(await step('the teacher creates a lesson that starts in 90 s', async () => {
      const now = Date.now();
      const result = await studio.evaluate(async (body) => {
        const response = await fetch('/api/v1/lessons', {
          method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(body),
        });
        return { status: response.status, body: await response.json() };
      }, {
        title: `E2E: прямой эфир ${now.toString(36)}`,
        subject: 'Физика',
        grade: 8,
        description: 'Урок браузерного теста: трансляция с поддельной камеры.',
        starts_at: new Date(now + START_IN_MS).toISOString(),
        ends_at: new Date(now + START_IN_MS + 45 * 60_000).toISOString(),
        visibility: 'public',
        recording: true,
      });
      assertEqual(result.status, 201, `POST /api/v1/lessons (${JSON.stringify(result.body)})`);
      lesson = result.body;
      assertEqual(lesson.status, 'scheduled', 'status');
    }))) return;
    const id = lesson.id;

    await step('the watch page (anonymous) counts down to the start, under the server\'s CSP', async () => {
      const response = await watch.goto(`${base}/watch/${id}`);
      assertEqual(response.status(), 200, `GET /watch/${id}`);
      const csp = response.headers()['content-security-policy'] || '';
      assert(/default-src 'self'/.test(csp) && /media-src 'self' blob:/.test(csp), `CSP of /watch: "${csp}"`);
      await watch.waitForSelector('body[data-ready="true"]');
      assertEqual((await watch.textContent('#lesson-title')).trim(), lesson.title, 'title');
      assertEqual((await watch.textContent('#lesson-teacher')).trim(), lesson.teacher.name, 'teacher (consented name)');
      await watch.waitForSelector('#player[data-state="waiting"]');
      const title = (await watch.textContent('#overlay-title')).trim();
      assert(/^Начало: (сегодня|завтра) в \d\d:\d\d$/.test(title), `countdown title "${title}"`);
      const text = (await watch.textContent('#overlay-text')).trim();
      assert(/^Осталось \d\d:\d\d$/.test(text), `countdown "${text}"`);
      await shot(watch, '10-watch-countdown');
    });

    await step('the studio previews the fake camera and microphone and shows the WHIP URL and key', async () => {
      const response = await studio.goto(`${base}/studio/${id}`);
      assertEqual(response.status(), 200, `GET /studio/${id}`);
      await studio.waitForSelector('body[data-ready="true"]');
      assertEqual((await studio.textContent('#lesson-title')).trim(), lesson.title, 'title');
      await studio.waitForFunction(() => document.querySelector('#preview').videoWidth > 0);
      const sources = await studio.$$eval('#video-source option', (els) => els.map((el) => el.value));
      assert(sources.some((v) => v.startsWith('camera:')) && sources.includes('screen'), `video sources ${sources}`);
      // Chromium's fake microphone beeps: the meter must move.
      await studio.waitForFunction(() => Number(document.querySelector('#level-meter').value) > 0.05, null,
        { timeout: 10_000 });

      const key = await (await studio.request.get(`/api/v1/lessons/${id}/publish-key`)).json();
      assertEqual(await studio.inputValue('#whip-url'), key.whip_url, 'WHIP URL');
      assertEqual(key.whip_url, `${base}/whip/${id}`, 'whip_url of the API');
      assertEqual(await studio.getAttribute('#whip-key', 'type'), 'password', 'the key is masked');
      assertEqual(await studio.inputValue('#whip-key'), key.publish_key, 'key');
      await studio.click('#copy-key');
      await studio.waitForFunction(() => document.querySelector('#toast')?.textContent === 'Скопировано.');
      assertEqual(await studio.evaluate(() => navigator.clipboard.readText()), key.publish_key, 'clipboard');
      await studio.click('#show-key');
      assertEqual(await studio.getAttribute('#whip-key', 'type'), 'text', 'the key is shown');
      await studio.click('#show-key');
      assert(await studio.isEnabled('#go-live'), '"Go live" is enabled');
      await shot(studio, '11-studio-preview');
    });

    let live = false;
    await step('Go live: WHIP publish with H.264, live state and outgoing bitrate in the studio', async () => {
      await studio.click('#go-live');
      // What ICE did, sampled while connecting: shown if it fails.
      let ice = '';
      const sampler = setInterval(async () => {
        ice = await iceSummary(studio).catch(() => ice) || ice;
      }, 1000);
      try {
        await studio.waitForSelector('body[data-phase="live"]', { timeout: LIVE_TIMEOUT_MS });
      } catch {
        throw new Error(`the studio did not go live: phase ${await studio.getAttribute('body', 'data-phase')}, `
          + `"${await studio.textContent('#live-state-text')}", error "${await studioError(studio)}"; ICE: ${ice}; `
          + `a fresh RTCPeerConnection gathers: ${await gatherProbe(studio)}`);
      } finally {
        clearInterval(sampler);
      }
      live = true;
      const first = await outbound(studio);
      assert(first, 'no peer connection on window.__lcStudio');
      await until(async () => (await outbound(studio)).bytesSent > first.bytesSent + 50_000,
        { timeout: 15_000, what: 'bytesSent grows' });
      const out = await outbound(studio);
      assertEqual(out.codec, 'video/H264', 'negotiated video codec (HLS and the recording need H.264)');
      await studio.waitForFunction(() => /bit\/s|бит\/с/.test(document.querySelector('#stat-bitrate').textContent));
      await studio.waitForFunction(() => /^\d\d:\d\d/.test(document.querySelector('#stat-elapsed').textContent));
      await until(async () => (await apiLesson(studio, id)).status === 'live',
        { timeout: 15_000, what: 'the lesson is "live" in the API' });
    });

    if (live) {
      await step('the waiting watch page starts by itself and plays over WHEP (framesDecoded grows)', async () => {
        try {
          await watch.waitForFunction(() => window.__lcWatch?.mode === 'whep' && window.__lcWatch.phase === 'playing',
            null, { timeout: LIVE_TIMEOUT_MS });
        } catch {
          throw new Error(`the watch page did not start WHEP playback: mode ${await watch.evaluate(() => window.__lcWatch?.mode)}, `
            + `phase ${await watch.evaluate(() => window.__lcWatch?.phase)}, overlay "${await watch.textContent('#overlay')}"`);
        }
        const stats = await framesGrow(watch, 50, 'WHEP');
        assertEqual(stats.codec, 'video/H264', 'WHEP video codec');
        assert(stats.audioPackets > 0, 'no audio packets over WHEP');
        assert(await watch.isVisible('#live-badge'), 'live badge');
        assert(await watch.isVisible('#unmute'), '"unmute" shown for the muted autoplay');
        await shot(watch, '12-watch-whep');
      });

      await step('viewer counts: the watch page and the studio count the viewer', async () => {
        await watch.waitForFunction(() => /^Зрители: [1-9]/.test(document.querySelector('#viewers').textContent),
          null, { timeout: 25_000 });
        await studio.waitForFunction(() => /^[1-9]/.test(document.querySelector('#stat-viewers').textContent),
          null, { timeout: 25_000 });
      });

      await step('sources switch while live (microphone off/on, screen share, camera) on the same connection', async () => {
        const pcBefore = await studio.evaluateHandle(() => window.__lcStudio.pc);
        // The label of what a transceiver sends (null: nothing), by kind.
        const senderTrack = (kind) => studio.evaluate((k) => {
          const transceiver = window.__lcStudio.pc.getTransceivers().find((tr) => tr.receiver.track.kind === k);
          return transceiver?.sender.track ? transceiver.sender.track.label : null;
        }, kind);
        await studio.selectOption('#audio-source', 'none');
        await until(async () => (await senderTrack('audio')) === null, { timeout: 5_000, what: 'microphone off' });
        const mics = await studio.$$eval('#audio-source option', (els) => els.map((el) => el.value).filter((v) => v !== 'none'));
        await studio.selectOption('#audio-source', mics[mics.length - 1]);
        await until(async () => (await senderTrack('audio')) !== null, { timeout: 5_000, what: 'microphone on' });

        await studio.selectOption('#video-source', 'screen');
        await until(async () => /^screen/.test((await senderTrack('video')) || ''), { timeout: 10_000, what: 'screen share on the sender' });
        await framesGrow(watch, 30, 'WHEP during screen share');
        await shot(studio, '13-studio-live-screen');

        const camera = (await studio.$$eval('#video-source option', (els) => els.map((el) => el.value)))
          .find((v) => v.startsWith('camera:'));
        await studio.selectOption('#video-source', camera);
        await until(async () => !/^screen/.test((await senderTrack('video')) || 'screen'), { timeout: 10_000, what: 'back to the camera' });
        await framesGrow(watch, 30, 'WHEP after switching back');
        const same = await studio.evaluate((pc) => pc === window.__lcStudio.pc && pc.connectionState === 'connected', pcBefore);
        assert(same, 'the peer connection was replaced or is not connected');
        assertEqual(await studio.getAttribute('body', 'data-phase'), 'live', 'studio phase');
        await shot(studio, '14-studio-live');
      });

      // Chromium checks its new ICE generation against the server's current
      // credentials before the PATCH answer arrives; the server keeps them
      // across the restart (streamer/lc-webrtc-session.c), so this holds.
      await step('ICE restart on the WHIP session (PATCH + If-Match): new credentials, the broadcast goes on', async () => {
        const transport = () => studio.evaluate(async () => {
          let found = null;
          (await window.__lcStudio.pc.getStats()).forEach((s) => {
            if (s.type === 'transport') found = { ufrag: s.iceLocalUsernameFragment, state: s.iceState };
          });
          return found;
        });
        const before = await transport();
        assert(before?.ufrag, 'no ICE transport in the studio');
        const session = await studio.evaluate(() => ({
          location: window.__lcStudio.session.location, reconnects: window.__lcStudio.reconnects,
        }));
        const ok = await studio.evaluate(() => window.__lcStudio.restartIce().then((connected) => connected,
          (err) => `error: ${err.message}`));
        assertEqual(ok, true, 'ICE restart');
        await until(async () => {
          const now = await transport();
          return now && now.ufrag !== before.ufrag && now.state === 'connected';
        }, { timeout: 15_000, what: `the ICE transport uses new credentials (was ${before.ufrag})` });
        // Long enough for the server to notice missing media (it gives up on
        // a publisher after 5 s without): the same session must carry on.
        await framesGrow(watch, 250, 'WHEP after the publisher\'s ICE restart');
        const after = await studio.evaluate(() => ({
          location: window.__lcStudio.session?.location, reconnects: window.__lcStudio.reconnects,
        }));
        assertEqual(after.reconnects, session.reconnects,
          'reconnections after the ICE restart (the server lost the media and the studio had to start a new session)');
        assertEqual(after.location, session.location, 'WHIP session after the ICE restart');
        assertEqual(await studio.getAttribute('body', 'data-phase'), 'live', 'studio phase');
      });

      await step('a dropped connection reconnects within the grace period: same lesson, the viewer sees frames again', async () => {
        const startedAt = (await apiLesson(studio, id)).live?.started_at;
        await studio.evaluate(() => window.__lcStudio.dropConnection());
        await studio.waitForSelector('body[data-phase="reconnecting"]', { timeout: 5_000 });
        try {
          await studio.waitForSelector('body[data-phase="live"]', { timeout: LIVE_TIMEOUT_MS });
        } catch {
          throw new Error(`no reconnection: phase ${await studio.getAttribute('body', 'data-phase')}, `
            + `"${await studio.textContent('#live-state-text')}", error "${await studioError(studio)}"`);
        }
        const after = await apiLesson(studio, id);
        assertEqual(after.status, 'live', 'lesson status after the reconnection');
        assertEqual(after.live?.started_at, startedAt, 'live.started_at (the same broadcast goes on)');
        const watching = await watch.evaluate(() => window.__lcWatch.mode);
        assertEqual(watching, 'whep', 'the viewer stays on WHEP');
        await framesGrow(watch, 30, 'WHEP after the publisher reconnected');
      });

      let hlsPage = null;
      await step('the watch page plays over HLS with hls.js (?mode=hls): time and frames advance', async () => {
        hlsPage = await viewerCtx.newPage();
        pages.push(hlsPage);
        await watchForErrors(hlsPage, errors, 'watch?mode=hls');
        await hlsPage.goto(`${base}/watch/${id}?mode=hls`);
        await hlsPage.waitForSelector('body[data-ready="true"]');
        try {
          await hlsPage.waitForFunction(() => window.__lcWatch?.mode === 'hls' && window.__lcWatch.hls
            && window.__lcWatch.video.currentTime > 0 && window.__lcWatch.video.getVideoPlaybackQuality().totalVideoFrames > 0,
          null, { timeout: HLS_TIMEOUT_MS });
        } catch {
          const lessonNow = await apiLesson(hlsPage, id);
          throw new Error(`no HLS playback: mode ${await hlsPage.evaluate(() => window.__lcWatch?.mode)}, `
            + `phase ${await hlsPage.evaluate(() => window.__lcWatch?.phase)}, live.hls "${lessonNow.live?.hls}", `
            + `overlay "${(await hlsPage.textContent('#overlay')).trim()}"`);
        }
        const first = await hlsPage.evaluate(() => ({
          time: window.__lcWatch.video.currentTime,
          frames: window.__lcWatch.video.getVideoPlaybackQuality().totalVideoFrames,
        }));
        try {
          await hlsPage.waitForFunction((f) => window.__lcWatch.video.currentTime > f.time + 2
            && window.__lcWatch.video.getVideoPlaybackQuality().totalVideoFrames > f.frames + 30, first, { timeout: 20_000 });
        } catch {
          throw new Error(`HLS playback does not advance: from ${JSON.stringify(first)} to ${await hlsPage.evaluate(hlsState)}; `
            + `playlist: ${(await (await hlsPage.request.get(`/hls/${id}/index.m3u8`)).text()).replace(/\n/g, ' ')}`);
        }
        const worker = await hlsPage.evaluate(() => performance.getEntriesByType('resource')
          .some((e) => e.name.endsWith('/vendor/hls.js/hls.worker.js')));
        assert(worker, 'hls.js did not load its worker from /vendor/hls.js/hls.worker.js');
        const version = await hlsPage.evaluate(async () => (await import('/vendor/hls.js/hls.min.mjs')).default.version);
        const readme = fs.readFileSync(path.join(VENDOR, '..', 'README.md'), 'utf8');
        assert(readme.includes(`| **${version}** |`), `web/vendor/README.md does not pin the served hls.js ${version}`);
        await shot(hlsPage, '15-watch-hls');
      });

      await step('when WHEP fails (503 injected by the test) the watch page falls back to HLS by itself', async () => {
        const page = await viewerCtx.newPage();
        pages.push(page);
        await watchForErrors(page, errors, 'watch (WHEP refused)');
        let refused = 0;
        await page.route((url) => /^\/whep\/[^/]+$/.test(url.pathname), async (route) => {
          if (route.request().method() !== 'POST') return route.continue();
          refused += 1;
          return route.fulfill({
            status: 503, contentType: 'application/problem+json',
            body: JSON.stringify({ type: 'urn:lessoncast:problem:unavailable', title: 'Unavailable', status: 503 }),
          });
        });
        await page.goto(`${base}/watch/${id}`);
        try {
          await page.waitForFunction(() => window.__lcWatch?.mode === 'hls' && window.__lcWatch.phase === 'playing'
            && window.__lcWatch.video.getVideoPlaybackQuality().totalVideoFrames > 0, null, { timeout: HLS_TIMEOUT_MS });
        } catch {
          throw new Error(`no fallback: mode ${await page.evaluate(() => window.__lcWatch?.mode)}, `
            + `phase ${await page.evaluate(() => window.__lcWatch?.phase)}, WHEP attempts ${refused}`);
        }
        assert(refused >= 2, `WHEP was tried ${refused} time(s) before HLS (expected a retry first)`);
        await page.close();
      });

      await step('phone-sized watch page: no horizontal scrolling, the player fits', async () => {
        const phone = await viewerCtx.newPage();
        pages.push(phone);
        await watchForErrors(phone, errors, 'watch (phone)');
        await phone.setViewportSize({ width: 360, height: 780 });
        await phone.goto(`${base}/watch/${id}`);
        await phone.waitForSelector('body[data-ready="true"]');
        await phone.waitForFunction(() => window.__lcWatch?.phase === 'playing', null, { timeout: LIVE_TIMEOUT_MS });
        const overflow = await phone.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
        assert(overflow <= 0, `page is ${overflow}px wider than the phone`);
        const box = await phone.locator('#video').boundingBox();
        assert(box && box.width <= 360 && box.width > 300, `player width ${box?.width}`);
        await shot(phone, '16-watch-phone', { fullPage: false });
      });

      await step('Stop ends the lesson; the watch page turns to the recording (preparing, then playable and seekable)', async () => {
        await studio.click('#stop');
        await studio.waitForSelector('#stop-dialog[open]');
        await studio.click('#stop-confirm');
        await studio.waitForSelector('body[data-phase="ended"]', { timeout: 15_000 });
        await until(async () => (await apiLesson(studio, id)).status === 'ended',
          { timeout: 15_000, what: 'the lesson is "ended" in the API' });
        await shot(studio, '17-studio-ended');

        try {
          await watch.waitForFunction(() => ['preparing', 'recording'].includes(window.__lcWatch?.phase), null,
            { timeout: 20_000 });
          await watch.waitForFunction(() => window.__lcWatch.phase === 'recording', null, { timeout: RECORDING_TIMEOUT_MS });
        } catch {
          const recordings = (await apiLesson(watch, id)).recordings;
          throw new Error(`no playable recording: phase ${await watch.evaluate(() => window.__lcWatch.phase)}, `
            + `overlay "${(await watch.textContent('#overlay')).trim()}", recordings ${JSON.stringify(recordings)}`);
        }
        const src = await watch.evaluate(() => window.__lcWatch.video.currentSrc);
        assert(/\/api\/v1\/recordings\/[^/]+\/file$/.test(src), `recording src ${src}`);
        await watch.waitForFunction(() => window.__lcWatch.video.readyState >= 1 && window.__lcWatch.video.duration > 2);
        const seeked = await watch.evaluate(() => new Promise((resolve) => {
          const video = window.__lcWatch.video;
          const target = video.duration / 2;
          video.addEventListener('seeked', () => resolve({ target, now: video.currentTime }), { once: true });
          video.currentTime = target;
        }));
        assert(Math.abs(seeked.now - seeked.target) < 1.5, `seek to ${seeked.target} landed at ${seeked.now}`);
        await shot(watch, '18-watch-recording');
      });
    }

    await step('every string on the studio and watch pages is filled', async () => {
      for (const page of [studio, watch]) {
        const empty = await page.$$eval('[data-i18n]', (els) =>
          els.filter((el) => !el.closest('[hidden]') && el.textContent.trim() === '').map((el) => el.dataset.i18n));
        assertEqual(empty.length, 0, `${page.url()}: empty data-i18n elements (${empty.join(', ')})`);
      }
      await watch.click('#lang-switch');
      assertEqual(await watch.getAttribute('html', 'lang'), 'en', 'watch page language');
      assertEqual((await watch.textContent('[data-i18n="watch.when"]')).trim(), 'When', 'English label');
      await watch.click('#lang-switch');
    });

    await step('no JavaScript errors or CSP violations on the studio and watch pages', async () => {
      for (const page of pages) errors.push(...(await cspViolations(page)).map((v) => `CSP ${page.url()}: ${v}`));
      assertEqual(errors.length, 0, `errors: ${errors.join(' | ')}`);
    });
  } finally {
    if (teacherCtx) await teacherCtx.close().catch(() => {});
    if (viewerCtx) await viewerCtx.close().catch(() => {});
  }
}
