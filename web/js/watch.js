// watch.js — the public lesson page (/watch/{lesson}): the lesson's facts;
// before the start "starts at …" with a countdown, polling until the lesson
// is live; live playback over WebRTC (WHEP, recvonly) with automatic
// fallback to HLS through the vendored hls.js (or the browser's own HLS);
// ?mode=hls or ?mode=whep forces one; live badge and viewer count; muted
// autoplay with an "unmute" button; after the lesson the recording in the
// same player, or its preparation progress.

import { api, errorMessage } from './api.js';
import { $, clear, h } from './dom.js';
import { formatDateTime, formatTime, getLang, onLangChange, setLang, t } from './i18n.js';
import { formatDuration, lessonIdFromLocation, statusBadge, teacherLabel, viewerCount } from './lesson.js';
import { WebRtcHttpError, WebRtcHttpSession } from './webrtc-http.js';

const HLS_MODULE = '/vendor/hls.js/hls.min.mjs';
const HLS_WORKER = '/vendor/hls.js/hls.worker.js';
const POLL_LIVE_MS = 10_000;
const POLL_NEAR_MS = 5_000; // the lesson starts within NEAR_MS (or is late)
const POLL_FAR_MS = 60_000;
const POLL_RECORDING_MS = 3_000;
const NEAR_MS = 10 * 60_000;
const ICE_TIMEOUT_MS = 10_000;
const WHEP_RETRIES = 2; // reconnects before falling back to HLS
const HLS_RETRY_MS = 3_000;
// After the end, "being prepared" turns into "no recording" after this long.
const PREPARING_MAX_MS = 10 * 60_000;

const state = {
  lessonId: null,
  lesson: null,
  forced: null, // 'whep' | 'hls' from ?mode=
  mode: null, // 'whep' | 'hls' | 'native' | 'recording' | null
  phase: 'loading', // loading | waiting | connecting | playing | preparing | recording | message | error
  message: null, // { title, text } i18n keys + params
  pc: null,
  session: null,
  hls: null,
  Hls: null,
  whepFailures: 0,
  generation: 0, // bumps on every stop: late callbacks of old players see it
  pollTimer: null,
  retryTimer: null,
  recordingUrl: null,
};

const els = {};

/* ---- rendering ------------------------------------------------------------ */

/** "today at 10:00", "tomorrow at 10:00", else the full date and time. */
function formatWhen(date) {
  const day = (d) => `${d.getFullYear()}-${d.getMonth()}-${d.getDate()}`;
  const now = new Date();
  const tomorrow = new Date(now.getFullYear(), now.getMonth(), now.getDate() + 1);
  if (day(date) === day(now)) return t('time.todayAt', { time: formatTime(date) });
  if (day(date) === day(tomorrow)) return t('time.tomorrowAt', { time: formatTime(date) });
  return formatDateTime(date);
}

function setPhase(phase, message = null) {
  state.phase = phase;
  state.message = message;
  els.player.dataset.state = phase;
  document.body.dataset.phase = phase;
  renderOverlay();
  renderControls();
}

function renderOverlay() {
  const { phase, message, lesson } = state;
  // While playing, only a dropped teacher connection covers the picture.
  const stalled = phase === 'playing' && lesson?.status === 'live' && lesson.live?.publisher === 'reconnecting';
  const showing = stalled || (phase !== 'playing' && phase !== 'recording');
  els.overlay.hidden = !showing;
  els.progress.hidden = true;
  if (!showing) return;
  let title = '';
  let text = '';
  if (stalled) title = t('watch.publisherReconnecting');
  else if (phase === 'loading') title = t('watch.loading');
  else if (phase === 'waiting' && lesson) {
    const starts = new Date(lesson.starts_at);
    const left = starts.getTime() - Date.now();
    title = t('watch.startsAt', { when: formatWhen(starts) });
    text = left > 0 ? t('watch.countdown', { time: formatDuration(left) }) : t('watch.startingSoon');
  } else if (phase === 'connecting') {
    title = t('watch.connecting');
    if (lesson?.live?.publisher === 'reconnecting') text = t('watch.publisherReconnecting');
  } else if (phase === 'preparing') {
    const recording = message?.recording;
    // The API reports progress in percent; the public sees ready recordings
    // only, so there may be none to report on yet.
    const progress = Number.isFinite(recording?.progress) ? Math.max(0, Math.min(100, Math.round(recording.progress))) : null;
    title = progress !== null ? t('watch.preparingProgress', { percent: progress }) : t('watch.preparing');
    text = t('watch.preparingHint');
    if (progress !== null) {
      els.progress.hidden = false;
      els.progress.value = progress;
    } else {
      els.progress.removeAttribute('value');
      els.progress.hidden = false;
    }
  } else if (message) {
    title = t(message.title, message.params || {});
    text = message.text ? t(message.text, message.params || {}) : '';
  }
  // The title is a live region: touch it only when it changes.
  if (els.overlayTitle.textContent !== title) els.overlayTitle.textContent = title;
  els.overlayText.textContent = text;
}

function renderControls() {
  const live = state.lesson?.status === 'live';
  const playingLive = live && ['whep', 'hls', 'native'].includes(state.mode);
  els.liveBadge.hidden = !live;
  const viewers = viewerCount(state.lesson?.live);
  els.viewers.hidden = !live || viewers === null;
  els.viewers.textContent = viewers === null ? '' : t('watch.viewers', { count: viewers });

  els.unmute.hidden = !(els.video.muted && (state.phase === 'playing' || state.phase === 'recording'));
  els.unmute.textContent = els.video.paused && state.phase === 'playing' ? t('watch.play') : t('watch.unmute');

  const modeKey = { whep: 'watch.modeWhep', hls: 'watch.modeHls', native: 'watch.modeHls', recording: 'watch.modeRecording' }[state.mode];
  els.modeLabel.textContent = modeKey ? t(modeKey) : '';
  const canWhep = Boolean(window.RTCPeerConnection);
  const hlsState = state.lesson?.live?.hls;
  const canHls = hlsState !== 'unavailable' && hlsState !== 'failed';
  const target = state.mode === 'whep' ? 'hls' : 'whep';
  els.switchMode.hidden = !playingLive || (target === 'whep' ? !canWhep : !canHls);
  els.switchMode.textContent = t(target === 'hls' ? 'watch.switchHls' : 'watch.switchWhep');
  els.fullscreen.hidden = !(state.phase === 'playing' || state.phase === 'recording') || !document.fullscreenEnabled;
  els.bar.hidden = [els.unmute, els.switchMode, els.fullscreen].every((el) => el.hidden) && !els.modeLabel.textContent;
}

function renderLesson() {
  const lesson = state.lesson;
  if (!lesson) return;
  document.title = t('watch.pageTitle', { title: lesson.title });
  els.title.textContent = lesson.title;
  clear(els.badges).append(statusBadge(lesson.status));
  if (lesson.visibility === 'unlisted') els.badges.append(h('span', { class: 'badge badge--unlisted' }, t('lesson.unlisted')));
  els.meta.textContent = [lesson.subject, lesson.grade ? t('lesson.grade', { grade: lesson.grade }) : null]
    .filter(Boolean).join(' · ');
  const school = lesson.school || {};
  els.school.textContent = [school.name || school.short_name, school.district].filter(Boolean).join(', ');
  els.teacher.textContent = teacherLabel(lesson);
  const starts = new Date(lesson.starts_at);
  const ends = new Date(lesson.ends_at);
  clear(els.when).append(
    h('time', { datetime: lesson.starts_at }, formatDateTime(starts)), '–',
    h('time', { datetime: lesson.ends_at }, formatTime(ends)));
  els.description.textContent = lesson.description || '';
  els.description.hidden = !lesson.description;
  renderRecordings();
  renderControls();
}

/** Download links for the ready recordings (a lesson may have several parts). */
function renderRecordings() {
  const ready = readyRecordings();
  clear(els.recordings);
  els.recordings.hidden = ready.length === 0;
  ready.forEach((recording, index) => {
    if (index > 0) els.recordings.append(' · ');
    const label = ready.length > 1 ? t('watch.downloadPart', { n: index + 1 }) : t('watch.download');
    const duration = Number.isFinite(recording.duration_ms) ? ` (${formatDuration(recording.duration_ms)})` : '';
    els.recordings.append(h('a', { href: recording.url, download: '' }, label + duration));
  });
}

function readyRecordings() {
  const list = Array.isArray(state.lesson?.recordings) ? state.lesson.recordings : [];
  return list.filter((r) => r && r.state === 'ready' && typeof r.url === 'string' && r.url.startsWith('/'));
}

function showError(message) {
  els.error.hidden = !message;
  els.error.textContent = message || '';
}

/* ---- players --------------------------------------------------------------- */

function stopPlayers({ keepalive = false } = {}) {
  state.generation += 1;
  window.clearTimeout(state.retryTimer);
  if (state.session) state.session.stop({ keepalive });
  state.session = null;
  if (state.pc) state.pc.close();
  state.pc = null;
  if (state.hls) state.hls.destroy();
  state.hls = null;
  const video = els.video;
  video.srcObject = null;
  if (video.getAttribute('src')) {
    video.removeAttribute('src');
    video.load();
  }
  video.controls = false;
  state.mode = null;
}

function play() {
  const attempt = els.video.play();
  if (attempt && typeof attempt.catch === 'function') {
    attempt.catch(() => renderControls()); // autoplay refused: the button says "play"
  }
}

function scheduleRetry(fn, ms) {
  window.clearTimeout(state.retryTimer);
  const generation = state.generation;
  state.retryTimer = window.setTimeout(() => {
    if (generation === state.generation) fn();
  }, ms);
}

function whepEndpoint() {
  const url = state.lesson?.whep_url;
  return typeof url === 'string' && url.startsWith('/') ? url : `/whep/${encodeURIComponent(state.lessonId)}`;
}

function hlsUrl() {
  const url = state.lesson?.hls_url;
  return typeof url === 'string' && url.startsWith('/') ? url : `/hls/${encodeURIComponent(state.lessonId)}/index.m3u8`;
}

function startLive() {
  const mode = state.forced || (window.RTCPeerConnection ? 'whep' : 'hls');
  if (mode === 'whep') startWhep();
  else startHls();
}

async function startWhep() {
  stopPlayers();
  state.mode = 'whep';
  const generation = state.generation;
  setPhase('connecting');
  const pc = new RTCPeerConnection({ bundlePolicy: 'max-bundle' });
  state.pc = pc;
  pc.addTransceiver('video', { direction: 'recvonly' });
  pc.addTransceiver('audio', { direction: 'recvonly' });
  const stream = new MediaStream();
  pc.addEventListener('track', (event) => {
    stream.addTrack(event.track);
    if (els.video.srcObject !== stream) els.video.srcObject = stream;
    play();
  });
  pc.addEventListener('connectionstatechange', () => {
    if (generation !== state.generation || pc.connectionState !== 'failed') return;
    // The lesson may simply have ended: look before trying again.
    refresh().then(() => {
      if (generation === state.generation && state.lesson?.status === 'live') whepFailed(new Error('ICE failed'));
    });
  });
  const session = new WebRtcHttpSession(pc, whepEndpoint());
  state.session = session;
  try {
    await session.start();
  } catch (err) {
    if (generation !== state.generation) return;
    state.session = null;
    if (err instanceof WebRtcHttpError && err.status === 409) {
      // No media yet (or the teacher is reconnecting): wait as the server
      // says, then try again; the lesson poll stops this if the lesson ends.
      const seconds = err.retryAfter ?? 5;
      setPhase('connecting');
      scheduleRetry(() => startWhep(), Math.max(1, seconds) * 1000);
      return;
    }
    whepFailed(err);
    return;
  }
  const connected = await waitConnected(pc, ICE_TIMEOUT_MS);
  if (generation !== state.generation) return;
  if (!connected) {
    whepFailed(new Error('ICE did not connect'));
    return;
  }
  state.whepFailures = 0;
}

function waitConnected(pc, timeoutMs) {
  return new Promise((resolve) => {
    if (pc.connectionState === 'connected') {
      resolve(true);
      return;
    }
    const timer = window.setTimeout(() => finish(false), timeoutMs);
    const onChange = () => {
      if (pc.connectionState === 'connected') finish(true);
      else if (pc.connectionState === 'failed' || pc.connectionState === 'closed') finish(false);
    };
    function finish(ok) {
      window.clearTimeout(timer);
      pc.removeEventListener('connectionstatechange', onChange);
      resolve(ok);
    }
    pc.addEventListener('connectionstatechange', onChange);
  });
}

/** WHEP did not work: try again a little, then HLS unless WHEP was forced. */
function whepFailed(err) {
  state.whepFailures += 1;
  const hlsState = state.lesson?.live?.hls;
  const hlsPossible = hlsState !== 'unavailable' && hlsState !== 'failed';
  if (state.forced === 'whep' || !hlsPossible || state.whepFailures <= WHEP_RETRIES - 1) {
    if (state.whepFailures > WHEP_RETRIES * 3) {
      stopPlayers();
      setPhase('error', { title: 'watch.errorTitle', text: 'watch.errorWhep', params: { detail: String(err?.message || err) } });
      return;
    }
    stopPlayers();
    setPhase('connecting');
    scheduleRetry(() => startWhep(), 2000);
    return;
  }
  startHls();
}

async function loadHlsJs() {
  if (state.Hls) return state.Hls;
  try {
    const module = await import(HLS_MODULE);
    state.Hls = module.default;
  } catch {
    state.Hls = null;
  }
  return state.Hls;
}

async function startHls() {
  stopPlayers();
  state.mode = 'hls';
  const generation = state.generation;
  setPhase('connecting');
  const hlsState = state.lesson?.live?.hls;
  if (hlsState === 'unavailable' || hlsState === 'failed') {
    setPhase('message', { title: 'watch.hlsUnavailableTitle', text: 'watch.hlsUnavailable' });
    renderControls();
    return;
  }
  const Hls = await loadHlsJs();
  if (generation !== state.generation) return;
  const video = els.video;
  if (Hls && Hls.isSupported()) {
    const hls = new Hls({
      workerPath: HLS_WORKER, // the CSP forbids the blob: worker of the UMD build
      lowLatencyMode: false,
      liveSyncDurationCount: 3,
      backBufferLength: 30,
    });
    state.hls = hls;
    hls.on(Hls.Events.ERROR, (_event, data) => {
      if (generation !== state.generation || !data.fatal) return;
      if (data.type === Hls.ErrorTypes.MEDIA_ERROR) {
        hls.recoverMediaError();
      } else if (data.details === Hls.ErrorDetails.MANIFEST_LOAD_ERROR
        || data.details === Hls.ErrorDetails.MANIFEST_LOAD_TIMEOUT
        || data.details === Hls.ErrorDetails.MANIFEST_PARSING_ERROR
        || data.details === Hls.ErrorDetails.LEVEL_EMPTY_ERROR) {
        // No playlist yet (the first segment is still being written).
        setPhase('connecting');
        scheduleRetry(() => startHls(), HLS_RETRY_MS);
      } else if (data.type === Hls.ErrorTypes.NETWORK_ERROR) {
        hls.startLoad();
      } else {
        scheduleRetry(() => startHls(), HLS_RETRY_MS);
      }
    });
    hls.on(Hls.Events.MANIFEST_PARSED, () => play());
    hls.attachMedia(video);
    hls.loadSource(hlsUrl());
    return;
  }
  if (video.canPlayType('application/vnd.apple.mpegurl')) {
    state.mode = 'native';
    video.src = hlsUrl();
    video.addEventListener('error', () => {
      if (generation === state.generation) scheduleRetry(() => startHls(), HLS_RETRY_MS);
    }, { once: true });
    play();
    return;
  }
  setPhase('error', { title: 'watch.errorTitle', text: 'watch.unsupported' });
}

/* ---- after the lesson ----------------------------------------------------------- */

function showRecording() {
  const ready = readyRecordings();
  if (ready.length > 0) {
    const url = ready[0].url;
    if (state.mode !== 'recording' || state.recordingUrl !== url) {
      stopPlayers();
      state.mode = 'recording';
      state.recordingUrl = url;
      const video = els.video;
      video.autoplay = false;
      video.muted = false;
      video.controls = true;
      video.src = url;
      video.preload = 'metadata';
      setPhase('recording');
    }
    return false; // nothing more to wait for
  }
  stopPlayers();
  const list = Array.isArray(state.lesson?.recordings) ? state.lesson.recordings : [];
  const pending = list.find((r) => r && (r.state === 'recording' || r.state === 'finalizing'));
  if (pending) {
    setPhase('preparing', { recording: pending });
    return true;
  }
  if (list.some((r) => r && r.state === 'failed')) {
    setPhase('message', { title: 'watch.endedTitle', text: 'watch.recordingFailed' });
    return false;
  }
  if (state.lesson?.recording === false) {
    setPhase('message', { title: 'watch.endedTitle', text: 'watch.notRecorded' });
    return false;
  }
  // Recorded, but nothing ready to show: the public sees a recording only
  // once it is ready, so it is being prepared — unless that takes too long.
  const endedAt = Date.parse(state.lesson?.updated_at || state.lesson?.ends_at || 0);
  if (Date.now() - endedAt < PREPARING_MAX_MS) {
    setPhase('preparing', { recording: null });
    return true;
  }
  setPhase('message', { title: 'watch.endedTitle', text: 'watch.noRecording' });
  return false;
}

/* ---- the lesson drives everything ----------------------------------------------- */

function nextPoll(ms) {
  window.clearTimeout(state.pollTimer);
  state.pollTimer = window.setTimeout(() => refresh(), ms);
}

async function refresh() {
  try {
    state.lesson = await api(`/lessons/${encodeURIComponent(state.lessonId)}`);
    showError('');
  } catch (err) {
    if (err?.status === 404) {
      stopPlayers();
      setPhase('message', { title: 'watch.notFoundTitle', text: 'watch.notFound' });
      return;
    }
    showError(errorMessage(err));
    nextPoll(POLL_NEAR_MS * 2);
    return;
  }
  renderLesson();
  const lesson = state.lesson;
  switch (lesson.status) {
    case 'scheduled': {
      if (state.mode && state.mode !== 'recording') stopPlayers();
      setPhase('waiting');
      const left = Date.parse(lesson.starts_at) - Date.now();
      nextPoll(left > NEAR_MS ? Math.min(POLL_FAR_MS, left - NEAR_MS) : POLL_NEAR_MS);
      break;
    }
    case 'live':
      if (!state.mode || state.phase === 'waiting') startLive();
      renderOverlay();
      nextPoll(POLL_LIVE_MS);
      break;
    case 'ended': {
      // Quick while the recording is usually finished (seconds), then slower.
      const endedAt = Date.parse(lesson.updated_at || lesson.ends_at);
      const soon = Date.now() - endedAt < 60_000;
      nextPoll(showRecording() ? POLL_RECORDING_MS * (soon ? 1 : 5) : POLL_FAR_MS * 5);
      break;
    }
    case 'cancelled':
      stopPlayers();
      setPhase('message', { title: 'watch.cancelledTitle', text: 'watch.cancelled' });
      break;
    default:
      nextPoll(POLL_LIVE_MS);
  }
}

/* ---- start ---------------------------------------------------------------------------- */

function bind() {
  for (const [name, selector] of Object.entries({
    error: '#watch-error', player: '#player', video: '#video', overlay: '#overlay',
    overlayTitle: '#overlay-title', overlayText: '#overlay-text', progress: '#overlay-progress',
    liveBadge: '#live-badge', viewers: '#viewers', unmute: '#unmute', modeLabel: '#mode-label',
    switchMode: '#switch-mode', fullscreen: '#fullscreen', bar: '#player-bar', badges: '#badges', title: '#lesson-title',
    meta: '#lesson-meta', school: '#lesson-school', teacher: '#lesson-teacher', when: '#lesson-when',
    description: '#lesson-description', recordings: '#recordings',
  })) els[name] = $(selector);
}

function main() {
  bind();
  setLang(getLang());
  $('#lang-switch').addEventListener('click', () => setLang(getLang() === 'ru' ? 'en' : 'ru'));
  onLangChange(() => {
    renderLesson();
    renderOverlay();
    renderControls();
  });

  const params = new URLSearchParams(window.location.search);
  const mode = params.get('mode');
  state.forced = mode === 'hls' || mode === 'whep' ? mode : null;
  state.lessonId = lessonIdFromLocation('watch');

  const video = els.video;
  for (const type of ['playing', 'pause', 'volumechange', 'loadeddata']) video.addEventListener(type, () => {
    if (type === 'playing' && ['whep', 'hls', 'native'].includes(state.mode) && state.phase !== 'playing') setPhase('playing');
    renderControls();
  });
  els.unmute.addEventListener('click', () => {
    video.muted = false;
    play();
    renderControls();
  });
  els.switchMode.addEventListener('click', () => {
    state.forced = state.mode === 'whep' ? 'hls' : 'whep';
    state.whepFailures = 0;
    if (state.forced === 'hls') startHls();
    else startWhep();
  });
  els.fullscreen.addEventListener('click', () => {
    if (document.fullscreenElement) document.exitFullscreen();
    else els.player.requestFullscreen?.().catch(() => {});
  });
  // Leaving: end the WHEP session now rather than when the server notices.
  window.addEventListener('pagehide', () => {
    if (state.session) state.session.stop({ keepalive: true });
    state.session = null;
  });
  // The countdown ticks between polls.
  window.setInterval(() => {
    if (state.phase === 'waiting') renderOverlay();
  }, 1000);

  // For the browser test (tests/e2e): the live objects of this page.
  window.__lcWatch = {
    get pc() { return state.pc; },
    get hls() { return state.hls; },
    get mode() { return state.mode; },
    get phase() { return state.phase; },
    get lesson() { return state.lesson; },
    video,
  };

  if (!state.lessonId) {
    setPhase('message', { title: 'watch.notFoundTitle', text: 'watch.noLesson' });
    return;
  }
  setPhase('loading');
  refresh().finally(() => {
    document.body.dataset.ready = 'true';
  });
}

main();
