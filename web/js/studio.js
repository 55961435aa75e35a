// studio.js — the broadcast studio (/studio/{lesson}) for the lesson's
// teacher: camera, microphone or screen share, switched while live with
// RTCRtpSender.replaceTrack; preview with an audio level meter; Go live /
// Stop over WHIP (sendonly transceivers, H.264 first); live state, elapsed
// time, viewers (the lesson's "live" object), outgoing bitrate and warnings
// from getStats; automatic reconnection (ICE restart, then a new WHIP
// session) while the server's grace period keeps the lesson open; and the
// WHIP URL + key for OBS with copy buttons.

import { api, errorMessage } from './api.js';
import { initAuth, openLogin } from './auth.js';
import { $, fillSelect } from './dom.js';
import { formatDateTime, formatTime, getLang, onLangChange, setLang, t } from './i18n.js';
import {
  formatBitrate, formatDuration, lessonIdFromLocation, teacherLabel, viewerCount, watchHref,
} from './lesson.js';
import { AudioLevel, OutboundStats } from './media-meter.js';
import { getAccount, onAccountChange, refreshAccount } from './session.js';
import { showToast } from './toast.js';
import { WebRtcHttpError, WebRtcHttpSession, preferH264 } from './webrtc-http.js';

const VIDEO_CONSTRAINTS = { width: { ideal: 1280 }, height: { ideal: 720 }, frameRate: { ideal: 30, max: 30 } };
const AUDIO_CONSTRAINTS = { echoCancellation: true, noiseSuppression: true, autoGainControl: true };
const CAMERA_BITRATE = 2_500_000; // bit/s; OBS advice says 1.5–3 Mbit/s too
const SCREEN_BITRATE = 2_000_000;
const POLL_LIVE_MS = 5_000;
const POLL_IDLE_MS = 15_000;
const CONNECT_TIMEOUT_MS = 15_000;
const DISCONNECTED_GRACE_MS = 4_000; // "disconnected" often heals by itself
const RECONNECT_WINDOW_MS = 180_000; // the server ends the lesson earlier (lessons.publisher_grace)

const state = {
  lessonId: null,
  lesson: null,
  key: null, // { publish_key, whip_url }
  stream: new MediaStream(),
  videoChoice: null, // "camera:<deviceId>" | "screen"
  audioChoice: null, // "<deviceId>" | "none"
  lastCamera: null,
  phase: 'idle', // idle | connecting | live | reconnecting | stopping | ended | error
  phaseDetail: null, // { key, params }
  pc: null,
  session: null,
  senders: { video: null, audio: null },
  liveSince: null,
  stats: null,
  lastSample: null,
  problems: [],
  reconnecting: false,
  reconnects: 0, // how often the connection had to be restored
  attempt: 0,
  pollTimer: null,
  statsTimer: null,
  disconnectTimer: null,
  switching: false,
  error: null, // { key, params } or { message }
};

const els = {};
const level = new AudioLevel();

/* ---- small helpers -------------------------------------------------------- */

const sleep = (ms) => new Promise((resolve) => window.setTimeout(resolve, ms));

function videoTrack() {
  return state.stream.getVideoTracks()[0] || null;
}

function audioTrack() {
  return state.stream.getAudioTracks()[0] || null;
}

function isActive() {
  return ['connecting', 'live', 'reconnecting', 'stopping'].includes(state.phase);
}

function showError(error) {
  state.error = error;
  renderError();
}

function renderError() {
  const error = state.error;
  els.error.hidden = !error;
  els.error.textContent = !error ? '' : (error.key ? t(error.key, error.params || {}) : error.message);
}

function mediaErrorMessage(err, what) {
  switch (err?.name) {
    case 'NotAllowedError':
    case 'SecurityError':
      return { key: 'studio.error.denied', params: { what: t(what) } };
    case 'NotFoundError':
    case 'OverconstrainedError':
      return { key: 'studio.error.notFound', params: { what: t(what) } };
    case 'NotReadableError':
    case 'AbortError':
      return { key: 'studio.error.busy', params: { what: t(what) } };
    default:
      return { key: 'studio.error.media', params: { what: t(what), detail: String(err?.message || err) } };
  }
}

/* ---- phase and live figures ------------------------------------------------ */

function setPhase(phase, detail = null) {
  state.phase = phase;
  state.phaseDetail = detail;
  if (phase === 'ended') releaseMedia();
  renderPhase();
}

/** The lesson is over: let go of the camera, microphone and screen. */
function releaseMedia() {
  for (const track of state.stream.getTracks()) {
    track.stop();
    state.stream.removeTrack(track);
  }
  level.attach(null);
  els.preview.srcObject = null;
}

function renderPhase() {
  const { phase } = state;
  document.body.dataset.phase = phase;
  els.liveState.dataset.state = phase;
  let text = t(`studio.phase.${phase}`);
  if (phase === 'reconnecting' && state.attempt > 0) text = t('studio.phase.reconnectingAttempt', { attempt: state.attempt });
  if (state.phaseDetail) text = `${text} — ${t(state.phaseDetail.key, state.phaseDetail.params || {})}`;
  els.liveStateText.textContent = text;

  const status = state.lesson?.status;
  const closed = status === 'ended' || status === 'cancelled';
  els.goLive.hidden = isActive();
  els.stop.hidden = !isActive();
  els.goLive.disabled = closed || !state.key || !videoTrack() || phase === 'ended';
  els.stop.disabled = phase === 'stopping';
  els.videoSource.disabled = phase === 'ended' || state.switching;
  els.audioSource.disabled = phase === 'ended';
  els.previewEmpty.hidden = Boolean(videoTrack()) && phase !== 'ended';
  els.previewEmpty.textContent = t(phase === 'ended' ? 'studio.endedNotice' : 'studio.noVideo');
  renderFigures();
}

function renderFigures() {
  const live = state.lesson?.live;
  const startedAt = live?.started_at ? Date.parse(live.started_at) : state.liveSince;
  els.elapsed.textContent = isActive() && startedAt ? formatDuration(Date.now() - startedAt) : '—';

  const viewers = viewerCount(live);
  if (viewers === null) {
    els.viewers.textContent = '—';
  } else {
    const parts = Object.entries(live.viewers)
      .filter(([, n]) => Number.isFinite(n))
      .map(([protocol, n]) => t('studio.viewersBy', { protocol: t(`protocol.${protocol}`), count: n }));
    els.viewers.textContent = parts.length > 1 ? `${viewers} (${parts.join(', ')})` : String(viewers);
  }

  const sample = isActive() ? state.lastSample : null;
  els.bitrate.textContent = sample && sample.bitrate !== null ? formatBitrate(sample.bitrate) : '—';
  const codec = sample?.codec ? sample.codec.replace(/^video\//, '') : (live?.video_codec || '').toUpperCase();
  const hls = live?.hls ? t('studio.hlsState', { state: t(`hls.${live.hls}`) }) : '';
  els.codec.textContent = [codec, hls].filter(Boolean).join(' · ') || '—';

  const problems = isActive() ? state.problems : [];
  els.warning.hidden = problems.length === 0;
  els.warning.textContent = problems.length === 0 ? ''
    : `${t('warning.poor')} ${problems.map((p) => t(p.key, p.params || {})).join(' ')}`;
}

/* ---- sources ----------------------------------------------------------------- */

async function listDevices() {
  let devices = [];
  try {
    devices = await navigator.mediaDevices.enumerateDevices();
  } catch {
    devices = [];
  }
  const cameras = devices.filter((d) => d.kind === 'videoinput');
  const mics = devices.filter((d) => d.kind === 'audioinput');
  const videoOptions = cameras.map((d, i) => [`camera:${d.deviceId}`, d.label || t('studio.cameraN', { n: i + 1 })]);
  if (navigator.mediaDevices.getDisplayMedia) videoOptions.push(['screen', t('studio.screen')]);
  // Nothing on yet (no camera, or it was refused): a choice must be made, so
  // the first real option must not look chosen already.
  if (!videoTrack()) videoOptions.unshift(['', t('studio.chooseVideo')]);
  const audioOptions = mics.map((d, i) => [d.deviceId, d.label || t('studio.micN', { n: i + 1 })]);
  audioOptions.push(['none', t('studio.micOff')]);
  fillSelect(els.videoSource, videoOptions, false);
  fillSelect(els.audioSource, audioOptions, false);
  els.videoSource.value = videoTrack() && state.videoChoice ? state.videoChoice : els.videoSource.options[0]?.value ?? '';
  if (state.audioChoice) els.audioSource.value = state.audioChoice;
}

function deviceIdOf(track) {
  return track?.getSettings?.().deviceId || null;
}

/** Put track in the preview stream and, when live, on the sender. */
async function useTrack(kind, track) {
  const old = kind === 'video' ? videoTrack() : audioTrack();
  const sender = state.senders[kind];
  if (sender) await sender.replaceTrack(track);
  if (old && old !== track) {
    state.stream.removeTrack(old);
    old.stop();
  }
  if (track && old !== track) state.stream.addTrack(track);
  if (kind === 'video') {
    els.preview.srcObject = state.stream;
    if (sender && track) await tuneSender(sender, track);
  } else {
    level.attach(track);
  }
  renderPhase();
}

async function tuneSender(sender, track) {
  try {
    const params = sender.getParameters();
    if (!params.encodings || params.encodings.length === 0) params.encodings = [{}];
    const screen = track.contentHint === 'detail' || track.contentHint === 'text';
    params.encodings[0].maxBitrate = screen ? SCREEN_BITRATE : CAMERA_BITRATE;
    params.degradationPreference = screen ? 'maintain-resolution' : 'balanced';
    await sender.setParameters(params);
  } catch {
    // Not every browser lets these be set; the defaults work.
  }
}

async function openCamera(deviceId) {
  const video = deviceId ? { ...VIDEO_CONSTRAINTS, deviceId: { exact: deviceId } } : VIDEO_CONSTRAINTS;
  const stream = await navigator.mediaDevices.getUserMedia({ video });
  return stream.getVideoTracks()[0];
}

async function openScreen() {
  const stream = await navigator.mediaDevices.getDisplayMedia({
    video: { frameRate: { ideal: 15, max: 30 }, width: { max: 1920 }, height: { max: 1080 } }, audio: false,
  });
  const track = stream.getVideoTracks()[0];
  track.contentHint = 'detail';
  // "Stop sharing" in the browser's bar: back to the camera, still live.
  track.addEventListener('ended', () => {
    if (videoTrack() !== track) return;
    const camera = state.lastCamera || firstCameraChoice();
    if (camera) switchVideo(camera);
    else useTrack('video', null).then(() => listDevices());
  });
  return track;
}

async function openMic(deviceId) {
  const audio = deviceId ? { ...AUDIO_CONSTRAINTS, deviceId: { exact: deviceId } } : AUDIO_CONSTRAINTS;
  const stream = await navigator.mediaDevices.getUserMedia({ audio });
  return stream.getAudioTracks()[0];
}

function firstCameraChoice() {
  const option = [...els.videoSource.options].find((o) => o.value.startsWith('camera:'));
  return option ? option.value : null;
}

async function switchVideo(choice) {
  if (!choice || state.switching) return;
  state.switching = true;
  els.videoSource.disabled = true;
  try {
    const track = choice === 'screen' ? await openScreen() : await openCamera(choice.slice('camera:'.length) || null);
    await useTrack('video', track);
    state.videoChoice = choice;
    if (choice !== 'screen') state.lastCamera = choice;
    showError(null);
    if (els.videoSource.options[0]?.value === '') await listDevices(); // drop "choose…"
  } catch (err) {
    // Keep the current source; the select goes back to it.
    if (err?.name !== 'NotAllowedError' || choice !== 'screen') showError(mediaErrorMessage(err, choice === 'screen' ? 'studio.what.screen' : 'studio.what.camera'));
  } finally {
    state.switching = false;
    els.videoSource.disabled = false;
    if (state.videoChoice) els.videoSource.value = state.videoChoice;
  }
}

async function switchAudio(choice) {
  els.audioSource.disabled = true;
  try {
    const track = choice === 'none' ? null : await openMic(choice || null);
    await useTrack('audio', track);
    state.audioChoice = choice;
    showError(null);
  } catch (err) {
    showError(mediaErrorMessage(err, 'studio.what.mic'));
  } finally {
    els.audioSource.disabled = false;
    if (state.audioChoice) els.audioSource.value = state.audioChoice;
  }
}

/** First start: camera and microphone together (one permission prompt). */
async function startPreview() {
  let stream = null;
  try {
    stream = await navigator.mediaDevices.getUserMedia({ video: VIDEO_CONSTRAINTS, audio: AUDIO_CONSTRAINTS });
  } catch (err) {
    try {
      stream = await navigator.mediaDevices.getUserMedia({ video: VIDEO_CONSTRAINTS });
      showError(mediaErrorMessage(err, 'studio.what.mic'));
    } catch (err2) {
      showError(mediaErrorMessage(err2, 'studio.what.camera'));
    }
  }
  const video = stream?.getVideoTracks()[0] || null;
  const audio = stream?.getAudioTracks()[0] || null;
  if (video) await useTrack('video', video);
  if (audio) await useTrack('audio', audio);
  state.videoChoice = video ? `camera:${deviceIdOf(video) || ''}` : null;
  state.audioChoice = audio ? deviceIdOf(audio) || '' : 'none';
  await listDevices();
  if (state.videoChoice && ![...els.videoSource.options].some((o) => o.value === state.videoChoice)) {
    state.videoChoice = firstCameraChoice();
    if (state.videoChoice) els.videoSource.value = state.videoChoice;
  }
  state.lastCamera = state.videoChoice;
  if (![...els.audioSource.options].some((o) => o.value === state.audioChoice)) state.audioChoice = els.audioSource.value;
  els.audioSource.value = state.audioChoice;
  renderPhase();
}

function meterLoop() {
  const sample = level.sample();
  els.levelMeter.value = sample ? sample.level : 0;
  els.levelText.textContent = sample ? t('studio.db', { db: Math.round(sample.db) }) : '—';
  els.levelMeter.dataset.level = sample ? sample.level.toFixed(3) : '0';
  window.setTimeout(() => window.requestAnimationFrame(meterLoop), 100);
}

/* ---- WHIP ----------------------------------------------------------------------- */

function whipEndpoint() {
  // Same origin as the page (the CSP allows no other); OBS gets whip_url.
  return `/whip/${encodeURIComponent(state.lessonId)}`;
}

function buildConnection() {
  const pc = new RTCPeerConnection({
    bundlePolicy: 'max-bundle',
    iceServers: state.session?.iceServers || [],
  });
  const streams = [state.stream];
  const video = pc.addTransceiver(videoTrack() || 'video', { direction: 'sendonly', streams });
  preferH264(video);
  const audio = pc.addTransceiver(audioTrack() || 'audio', { direction: 'sendonly', streams });
  state.senders = { video: video.sender, audio: audio.sender };
  if (videoTrack()) tuneSender(video.sender, videoTrack());
  pc.addEventListener('connectionstatechange', () => onConnectionState(pc));
  return pc;
}

function closeConnection() {
  window.clearTimeout(state.disconnectTimer);
  if (state.pc) state.pc.close();
  state.pc = null;
  state.senders = { video: null, audio: null };
}

function waitConnected(pc, timeoutMs) {
  if (pc.connectionState === 'connected') return Promise.resolve(true);
  return new Promise((resolve) => {
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

/** A new peer connection and WHIP session; resolves once ICE is connected. */
async function connectOnce() {
  closeConnection();
  const pc = buildConnection();
  state.pc = pc;
  state.stats = new OutboundStats(pc);
  const previous = state.session;
  const session = new WebRtcHttpSession(pc, whipEndpoint(), { token: state.key.publish_key });
  if (previous) session.iceServers = previous.iceServers;
  state.session = session;
  await session.start();
  if (!(await waitConnected(pc, CONNECT_TIMEOUT_MS))) {
    throw new WebRtcHttpError({ message: t('studio.error.ice') });
  }
}

function whipErrorDetail(err) {
  if (!(err instanceof WebRtcHttpError)) return { message: String(err?.message || err) };
  switch (err.status) {
    case 0: return err.problem || !err.message ? { key: 'error.network' } : { key: 'studio.error.generic', params: { detail: err.message } };
    case 401: return { key: 'studio.error.key' };
    case 403: return { key: 'studio.error.closed' };
    case 404: return { key: 'error.notFound' };
    case 409: return { key: 'studio.error.busyLesson' };
    case 415:
    case 400:
    case 422: return { key: 'studio.error.offer', params: { detail: err.message } };
    case 429: return { key: 'error.rateLimited', params: { seconds: Math.ceil(err.retryAfter ?? 1) } };
    case 503: return { key: 'studio.error.engine' };
    default: return { key: 'studio.error.generic', params: { detail: err.message } };
  }
}

async function goLive() {
  if (isActive() || !state.key) return;
  level.resume();
  showError(null);
  state.attempt = 0;
  state.liveSince = null;
  setPhase('connecting');
  try {
    await connectOnce();
    becameLive();
  } catch (err) {
    const session = state.session;
    if (session?.location) {
      // The session exists but ICE did not connect. If media got through
      // (the lesson is live) keep it and reconnect; otherwise remove it, or
      // it would block the next try with 409 until the server reaps it.
      await refreshLesson();
      if (state.lesson?.status === 'live') {
        setPhase('live');
        reconnect();
        return;
      }
      await session.stop();
    }
    closeConnection();
    state.session = null;
    setPhase('idle');
    showError(whipErrorDetail(err));
  }
}

function becameLive() {
  if (!state.liveSince) state.liveSince = Date.now();
  state.attempt = 0;
  setPhase('live');
  showToast(t('studio.nowLive'));
  startStats();
  poll();
}

function onConnectionState(pc) {
  // While reconnecting, reconnect() itself waits for the state it needs.
  if (pc !== state.pc || state.phase !== 'live') return;
  const connection = pc.connectionState;
  if (connection === 'connected') {
    window.clearTimeout(state.disconnectTimer);
    if (state.phase === 'live') setPhase('live');
  } else if (connection === 'disconnected') {
    setPhase('live', { key: 'studio.phase.unstable' });
    window.clearTimeout(state.disconnectTimer);
    state.disconnectTimer = window.setTimeout(() => {
      if (pc === state.pc && pc.connectionState !== 'connected') reconnect();
    }, DISCONNECTED_GRACE_MS);
  } else if (connection === 'failed') {
    reconnect();
  }
}

/**
 * The connection dropped: first an ICE restart on the same WHIP session, then
 * new sessions until one connects, the lesson is over (403), or the window
 * closes. The lesson continues on the server meanwhile (publisher grace).
 */
async function reconnect() {
  if (state.reconnecting || state.phase === 'stopping' || state.phase === 'ended') return;
  state.reconnecting = true;
  state.reconnects += 1;
  state.attempt = 0;
  setPhase('reconnecting');
  const deadline = Date.now() + RECONNECT_WINDOW_MS;
  try {
    if (state.session?.location && state.pc) {
      state.attempt = 1;
      renderPhase();
      try {
        await state.session.restartIce();
        if (await waitConnected(state.pc, CONNECT_TIMEOUT_MS / 2)) {
          becameLive();
          return;
        }
      } catch {
        // No restart here (or it failed): a fresh session below.
      }
    }
    let delay = 1000;
    while (Date.now() < deadline && state.phase === 'reconnecting') {
      state.attempt += 1;
      renderPhase();
      try {
        await connectOnce();
        becameLive();
        return;
      } catch (err) {
        if (state.phase !== 'reconnecting') return;
        if (err instanceof WebRtcHttpError && [401, 403, 404].includes(err.status)) {
          closeConnection();
          state.session = null;
          stopStats();
          setPhase('ended');
          showError(whipErrorDetail(err));
          refreshLesson();
          return;
        }
        // 409: the server still holds the old session until it times out.
        let wait = delay;
        if (err instanceof WebRtcHttpError && err.retryAfter !== null) wait = Math.max(500, err.retryAfter * 1000);
        const conflict = err instanceof WebRtcHttpError && err.status === 409;
        setPhase('reconnecting', conflict ? { key: 'studio.phase.oldSession' } : whipErrorDetail(err));
        await sleep(Math.min(wait, 5000));
        delay = Math.min(delay * 2, 5000);
      }
    }
    if (state.phase === 'reconnecting') {
      closeConnection();
      stopStats();
      setPhase('error');
      showError({ key: 'studio.error.reconnectFailed' });
    }
  } finally {
    state.reconnecting = false;
  }
}

async function stopBroadcast() {
  if (!isActive()) return;
  setPhase('stopping');
  const session = state.session;
  state.session = null;
  const status = session ? await session.stop() : null;
  closeConnection();
  stopStats();
  state.lastSample = null;
  state.problems = [];
  setPhase('ended');
  if (status !== null && status !== 0 && (status < 200 || status >= 300) && status !== 404)
    showError({ key: 'studio.error.stop', params: { status } });
  else showToast(t('studio.stopped'));
  refreshLesson();
}

function confirmStop() {
  els.stopDialog.returnValue = '';
  els.stopDialog.showModal();
}

/* ---- stats and polling ------------------------------------------------------------ */

function startStats() {
  stopStats();
  const tick = async () => {
    const pc = state.pc;
    if (pc && state.stats) {
      try {
        const sample = await state.stats.sample();
        if (pc === state.pc) {
          state.lastSample = sample;
          state.problems = state.stats.problems(sample, {
            sendingVideo: Boolean(videoTrack()), iceState: pc.iceConnectionState,
          });
        }
      } catch {
        // A closed connection has no stats; the next tick sees the new one.
      }
    }
    renderFigures();
  };
  state.statsTimer = window.setInterval(tick, 1000);
  tick();
}

function stopStats() {
  if (state.statsTimer !== null) window.clearInterval(state.statsTimer);
  state.statsTimer = null;
}

async function refreshLesson() {
  try {
    state.lesson = await api(`/lessons/${encodeURIComponent(state.lessonId)}`);
    renderLesson();
    if (state.lesson.status === 'ended' && ['live', 'reconnecting'].includes(state.phase)) {
      // Ended elsewhere (another session's DELETE, or the grace period ran out).
      closeConnection();
      stopStats();
      state.session = null;
      setPhase('ended');
    }
  } catch {
    // Keep the last figures; the next poll tries again.
  }
}

function poll() {
  window.clearTimeout(state.pollTimer);
  state.pollTimer = window.setTimeout(async () => {
    await refreshLesson();
    poll();
  }, isActive() ? POLL_LIVE_MS : POLL_IDLE_MS);
}

/* ---- the lesson and the key ------------------------------------------------------- */

function renderLesson() {
  const lesson = state.lesson;
  if (!lesson) return;
  els.title.textContent = lesson.title;
  document.title = t('studio.pageTitle', { title: lesson.title });
  const starts = new Date(lesson.starts_at);
  const ends = new Date(lesson.ends_at);
  els.meta.textContent = [
    lesson.subject, lesson.grade ? t('lesson.grade', { grade: lesson.grade }) : null,
    lesson.school?.short_name || lesson.school?.name, teacherLabel(lesson),
    `${formatDateTime(starts)}–${formatTime(ends)}`, t(`status.${lesson.status}`),
  ].filter(Boolean).join(' · ');
  els.watchLink.href = watchHref(lesson);
  els.watchLink.textContent = new URL(watchHref(lesson), window.location.origin).href;
  if (lesson.status === 'ended' && !isActive() && state.phase !== 'ended') setPhase('ended');
  else if (lesson.status === 'cancelled') showError({ key: 'studio.error.cancelled' });
  renderPhase();
}

function renderKey() {
  els.whipUrl.value = state.key?.whip_url || new URL(whipEndpoint(), window.location.origin).href;
  els.whipKey.value = state.key?.publish_key || '';
}

async function loadLesson() {
  if (!getAccount()) {
    els.title.textContent = t('studio.heading');
    els.studio.hidden = true;
    showError({ key: 'studio.needLogin' });
    openLogin(() => loadLesson());
    return;
  }
  try {
    state.lesson = await api(`/lessons/${encodeURIComponent(state.lessonId)}`);
    state.key = await api(`/lessons/${encodeURIComponent(state.lessonId)}/publish-key`);
  } catch (err) {
    els.studio.hidden = true;
    if (state.lesson) renderLesson();
    showError(err?.status === 403 ? { key: 'studio.error.notYours' } : { message: errorMessage(err) });
    return;
  }
  showError(null);
  els.studio.hidden = false;
  renderLesson();
  renderKey();
  poll();
  if (state.lesson.status === 'scheduled' || state.lesson.status === 'live') {
    if (!videoTrack()) await startPreview();
  }
  renderPhase();
  document.body.dataset.ready = 'true';
}

async function copyText(text, button) {
  try {
    await navigator.clipboard.writeText(text);
  } catch {
    // No clipboard permission (or not a secure context): select it instead.
    const input = button.closest('.copy-row')?.querySelector('input');
    if (input) {
      const type = input.type;
      input.type = 'text';
      input.select();
      const ok = document.execCommand?.('copy');
      input.type = type;
      if (!ok) {
        showToast(t('obs.copyFailed'), 'error');
        return;
      }
    }
  }
  showToast(t('obs.copied'));
}

/* ---- start ------------------------------------------------------------------------- */

function bind() {
  for (const [name, selector] of Object.entries({
    title: '#lesson-title', meta: '#lesson-meta', error: '#studio-error', studio: '#studio',
    liveState: '#live-state', liveStateText: '#live-state-text', preview: '#preview',
    previewEmpty: '#preview-empty', levelMeter: '#level-meter', levelText: '#level-text',
    videoSource: '#video-source', audioSource: '#audio-source', goLive: '#go-live', stop: '#stop',
    elapsed: '#stat-elapsed', viewers: '#stat-viewers', bitrate: '#stat-bitrate', codec: '#stat-codec',
    warning: '#quality-warning', watchLink: '#watch-link', whipUrl: '#whip-url', whipKey: '#whip-key',
    showKey: '#show-key', copyUrl: '#copy-url', copyKey: '#copy-key', stopDialog: '#stop-dialog',
  })) els[name] = $(selector);
}

async function main() {
  bind();
  setLang(getLang());
  $('#lang-switch').addEventListener('click', () => setLang(getLang() === 'ru' ? 'en' : 'ru'));
  state.lessonId = lessonIdFromLocation('studio');
  initAuth({ onLoggedIn: () => loadLesson(), onLoggedOut: () => window.location.assign('/') });

  els.goLive.addEventListener('click', goLive);
  els.stop.addEventListener('click', confirmStop);
  els.stopDialog.addEventListener('close', () => {
    if (els.stopDialog.returnValue === 'stop') stopBroadcast();
  });
  els.videoSource.addEventListener('change', () => switchVideo(els.videoSource.value));
  els.audioSource.addEventListener('change', () => switchAudio(els.audioSource.value));
  els.showKey.addEventListener('click', () => {
    const show = els.whipKey.type === 'password';
    els.whipKey.type = show ? 'text' : 'password';
    els.showKey.setAttribute('aria-pressed', String(show));
    els.showKey.textContent = t(show ? 'obs.hide' : 'obs.show');
  });
  $('#obs-form').addEventListener('submit', (event) => event.preventDefault());
  els.copyUrl.addEventListener('click', () => copyText(els.whipUrl.value, els.copyUrl));
  els.copyKey.addEventListener('click', () => copyText(els.whipKey.value, els.copyKey));
  document.addEventListener('pointerdown', () => level.resume());
  navigator.mediaDevices?.addEventListener?.('devicechange', () => listDevices());
  // Closing the page drops the broadcast (the lesson ends after the grace
  // period): ask first. A reload within the grace period carries on.
  window.addEventListener('beforeunload', (event) => {
    if (isActive()) event.preventDefault();
  });
  window.setInterval(() => {
    if (isActive()) renderFigures();
  }, 1000);
  onLangChange(() => {
    renderError();
    renderLesson();
    renderPhase();
    els.showKey.textContent = t(els.whipKey.type === 'password' ? 'obs.show' : 'obs.hide');
    if (videoTrack() || audioTrack()) listDevices();
  });
  onAccountChange(() => {
    if (!getAccount() && isActive()) stopBroadcast();
  });

  // For the browser test (tests/e2e): the live objects of this page.
  window.__lcStudio = {
    get pc() { return state.pc; },
    get phase() { return state.phase; },
    get session() { return state.session; },
    get stream() { return state.stream; },
    get sample() { return state.lastSample; },
    get reconnects() { return state.reconnects; },
    /** Drop the connection without DELETE, as a network failure would. */
    dropConnection() {
      if (state.pc) state.pc.close();
      reconnect();
    },
    /** An ICE restart on the current WHIP session (PATCH + If-Match). */
    async restartIce() {
      await state.session.restartIce();
      return waitConnected(state.pc, CONNECT_TIMEOUT_MS);
    },
  };

  if (!state.lessonId) {
    showError({ key: 'studio.error.noLesson' });
    return;
  }
  if (!navigator.mediaDevices?.getUserMedia || !window.RTCPeerConnection) {
    showError({ key: 'studio.error.unsupported' });
    return;
  }
  renderPhase();
  meterLoop();
  try {
    await refreshAccount();
  } catch (err) {
    showError({ message: errorMessage(err) });
    return;
  }
  await loadLesson();
}

main();
