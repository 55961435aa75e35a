// room.js — the conference room page (/room/{id}[?t=token]): asks
// GET /api/v1/conferences/{id}/room-info first (who we are, the room's
// state), runs the device check (device-check.js) with name entry when
// needed and the lobby countdown, then joins over the signaling WebSocket
// (room-signal.js, protocol v1) and exchanges media with every other
// participant through a full mesh (room-mesh.js). In the room: video grid,
// mute / camera / screen share, raised hands, chat, participant list with
// states, host controls (waiting room, remove, ask to mute, end for
// everyone), the closing warning, leave; after a network drop it reconnects
// by itself (same client_id) and says so, and a resumed join re-offers to
// everyone. When the host moves the conference's times ("rescheduled") the
// shown times and the closing countdown follow and a status line says so; a
// removal says whether the host or the school's withdrawal was the reason.

import { ApiError, api, errorMessage } from './api.js';
import { initAuth, openLogin } from './auth.js';
import { cityZone, formatCityDate, formatCityTime, loadPublicConfig } from './city-time.js';
import './conference-nav.js';
import { LocalMedia } from './device-check.js';
import { $ } from './dom.js';
import { getLang, onLangChange, setLang, t } from './i18n.js';
import { formatDuration, lessonIdFromLocation } from './lesson.js';
import { Mesh } from './room-mesh.js';
import { RoomSocket } from './room-signal.js';
import { VideoGrid, appendChat, renderParticipants, renderWaiting } from './room-ui.js';
import { getAccount, refreshAccount } from './session.js';
import { showToast } from './toast.js';

const CLIENT_ID_KEY = 'lessoncast.room.clientId';
const NAME_KEY = 'lessoncast.room.name';
const CONNECT_ATTEMPTS_BEFORE_JOIN = 3; // never joined and this many failures: give up
const MAX_NAME = 60;

const state = {
  id: null,
  token: null,
  info: null, // room-info
  phase: 'loading', // loading | prejoin | joining | lobby | waiting | room | ended | error
  lobby: null, // { opens_at } while waiting for the room to open
  self: null, // Peer
  peers: new Map(), // id → Peer (not self)
  waiting: new Map(), // id → Peer (hosts)
  closesAt: null,
  closingAt: null,
  closeWarningMs: null, // conferences.close_warning from the public config, when known
  rescheduled: null, // { key, params }: the times moved while we were inside
  hand: false,
  joined: false, // had a welcome on this visit
  opened: false, // the socket was open at least once on this visit
  reconnect: null, // { attempt, retryAt } while the socket is down
  error: null, // { key, params } | { message }
  end: null, // { key, params, rejoin }
};

const els = {};
let socket = null;
let media = null;
let mesh = null;
let grid = null;

/* ---- helpers -------------------------------------------------------------------- */

function clientId() {
  const valid = (id) => typeof id === 'string' && /^[A-Za-z0-9_-]{16,64}$/.test(id);
  let id = null;
  try {
    id = window.localStorage.getItem(CLIENT_ID_KEY);
  } catch {
    id = null;
  }
  if (valid(id)) return id;
  const bytes = crypto.getRandomValues(new Uint8Array(18));
  id = btoa(String.fromCharCode(...bytes)).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
  try {
    window.localStorage.setItem(CLIENT_ID_KEY, id);
  } catch {
    // storage off: this page keeps it
  }
  return id;
}

function storedName() {
  try {
    return window.localStorage.getItem(NAME_KEY) || '';
  } catch {
    return '';
  }
}

function text(message) {
  if (!message) return '';
  return message.key ? t(message.key, message.params || {}) : message.message || '';
}

function showError(error) {
  state.error = error;
  els.error.hidden = !error;
  els.error.textContent = text(error);
}

function isHost() {
  return state.self?.role === 'host';
}

/** Everyone in the room; our own entry with our media and hand as they are now. */
function allPeers() {
  const others = [...state.peers.values()];
  return state.self ? [{ ...state.self, media: media.mediaState, hand: state.hand }, ...others] : others;
}

/* ---- phases --------------------------------------------------------------------- */

function setPhase(phase) {
  state.phase = phase;
  document.body.dataset.phase = phase;
  els.prejoin.hidden = phase !== 'prejoin';
  els.lobby.hidden = phase !== 'lobby' && phase !== 'waiting' && phase !== 'joining';
  els.room.hidden = phase !== 'room';
  els.end.hidden = phase !== 'ended';
  renderAll();
}

function renderAll() {
  renderHead();
  renderPrejoin();
  renderLobby();
  renderRoom();
  renderEnd();
}

function renderHead() {
  const info = state.info;
  if (!info) return;
  els.title.textContent = info.title;
  document.title = t('room.pageTitle', { title: info.title });
  const starts = new Date(info.starts_at);
  const ends = new Date(info.ends_at);
  const host = info.host_school?.short_name || info.host_school?.name || '';
  els.meta.textContent = t('room.meta', {
    date: formatCityDate(starts), start: formatCityTime(starts), end: formatCityTime(ends), host, zone: cityZone(),
  });
}

function renderPrejoin() {
  if (state.phase !== 'prejoin' || !state.info) return;
  const you = state.info.you || {};
  const school = you.school?.short_name || you.school?.name;
  const role = t(`room.role.${you.role || 'participant'}`);
  els.you.textContent = school ? t('room.youAre', { role, school }) : t('room.youAreNoSchool', { role });
  els.nameField.hidden = !you.needs_name;
  const lobby = state.info.state === 'lobby';
  els.prejoinLobby.hidden = !lobby;
  if (lobby) {
    els.prejoinLobbyText.textContent = t('room.opensAt', { time: formatCityTime(new Date(state.info.opens_at)) });
  }
  els.joinButton.textContent = t(lobby ? 'room.joinLobby' : 'room.join');
  els.joinButton.disabled = false;
  renderVideoPreview();
}

function renderVideoPreview() {
  if (!media) return;
  els.previewEmpty.hidden = Boolean(media.videoTrack);
}

function renderLobby() {
  const phase = state.phase;
  if (phase === 'joining') {
    els.lobbyHeading.textContent = t('room.joiningHeading');
    els.lobbyStatus.textContent = state.reconnect ? reconnectText() : t('room.joining');
  } else if (phase === 'lobby') {
    els.lobbyHeading.textContent = t('room.lobbyHeading');
    els.lobbyStatus.textContent = t('room.lobbyText', { time: formatCityTime(new Date(state.lobby?.opens_at || 0)) });
  } else if (phase === 'waiting') {
    els.lobbyHeading.textContent = t('room.waitingHeading');
    els.lobbyStatus.textContent = [t('room.waitingText'), text(state.rescheduled)].filter(Boolean).join(' ');
  }
  tickCountdowns();
}

function renderRoom() {
  if (state.phase !== 'room') return;
  const count = allPeers().length;
  els.participantsHeading.textContent = t('room.participants', { count });
  renderParticipants(els.participants, allPeers(), {
    isHost: isHost(),
    selfId: state.self?.id,
    onAskMute: (peer) => hostAction('ask-mute', peer),
    onRemove: (peer) => hostAction('remove', peer),
  });
  els.waitingPanel.hidden = !isHost() || state.waiting.size === 0;
  els.waitingHeading.textContent = t('room.waitingList', { count: state.waiting.size });
  renderWaiting(els.waitingList, [...state.waiting.values()], {
    onAdmit: (peer) => hostAction('admit', peer),
    onDeny: (peer) => hostAction('deny', peer),
  });
  if (state.self) grid.upsert({ ...state.self, media: media.mediaState, hand: state.hand }, { self: true });
  for (const peer of state.peers.values()) grid.upsert(peer);
  renderControls();
  renderConnection();
}

function renderControls() {
  const muted = media.micMuted || !media.audioTrack;
  setToggle(els.toggleMic, muted, muted ? 'room.unmute' : 'room.mute');
  els.toggleMic.disabled = !media.audioTrack;
  const cameraOff = media.cameraOff || !media.camera;
  setToggle(els.toggleCamera, cameraOff, cameraOff ? 'room.cameraOnButton' : 'room.cameraOffButton');
  els.toggleCamera.disabled = media.sharing;
  setToggle(els.toggleScreen, media.sharing, media.sharing ? 'room.stopShare' : 'room.share');
  els.toggleScreen.hidden = !navigator.mediaDevices?.getDisplayMedia;
  setToggle(els.toggleHand, state.hand, state.hand ? 'room.lowerHand' : 'room.raiseHand');
  els.endAll.hidden = !isHost();
  const observer = state.self?.role === 'observer';
  for (const button of [els.toggleMic, els.toggleCamera, els.toggleScreen]) if (observer) button.hidden = true;
}

function setToggle(button, pressed, key) {
  button.setAttribute('aria-pressed', String(pressed));
  button.textContent = t(key);
}

function reconnectText() {
  const r = state.reconnect;
  if (!r) return '';
  const seconds = Math.max(0, Math.ceil((r.retryAt - Date.now()) / 1000));
  return r.retryAt && seconds > 0
    ? t('room.reconnectIn', { seconds, attempt: r.attempt })
    : t('room.reconnecting', { attempt: r.attempt });
}

function renderConnection() {
  const down = Boolean(state.reconnect);
  els.reconnectBox.hidden = !down || state.phase !== 'room';
  els.reconnectText.textContent = reconnectText();
  els.connStatus.dataset.state = down ? 'reconnecting' : 'ok';
}

function renderEnd() {
  if (state.phase !== 'ended' || !state.end) return;
  els.endHeading.textContent = t(state.end.heading || 'room.endedHeading');
  els.endText.textContent = text(state.end);
  els.rejoin.hidden = !state.end.rejoin;
}

function announce(message) {
  els.connStatus.textContent = message;
}

/* ---- countdowns (once a second) --------------------------------------------------- */

function tickCountdowns() {
  const now = Date.now();
  if (state.phase === 'prejoin' && state.info?.state === 'lobby') {
    const left = Date.parse(state.info.opens_at) - now;
    els.prejoinCountdown.textContent = left > 0 ? t('room.in', { time: formatDuration(left) }) : t('room.openingNow');
  }
  if (state.phase === 'lobby' && state.lobby) {
    const left = Date.parse(state.lobby.opens_at) - now;
    els.lobbyCountdown.textContent = left > 0 ? formatDuration(left) : t('room.openingNow');
  } else {
    els.lobbyCountdown.textContent = '';
  }
  if (state.phase === 'room' && state.closingAt) {
    const left = Date.parse(state.closingAt) - now;
    els.closing.hidden = false;
    els.closing.textContent = t('room.closingWarning', {
      time: formatCityTime(new Date(state.closingAt)), left: formatDuration(Math.max(0, left)),
    });
  } else {
    els.closing.hidden = true;
  }
  if (state.reconnect) {
    els.reconnectText.textContent = reconnectText();
    if (state.phase === 'joining') els.lobbyStatus.textContent = reconnectText();
  }
}

/* ---- room-info and the device check ---------------------------------------------------- */

async function loadInfo() {
  showError(null);
  els.login.hidden = true;
  try {
    state.info = await api(`/conferences/${encodeURIComponent(state.id)}/room-info`, { query: { t: state.token } });
  } catch (err) {
    state.info = null;
    els.title.textContent = t('room.heading');
    if (err instanceof ApiError && err.status === 401 && !state.token && !getAccount()) {
      els.login.hidden = false;
      setPhase('error');
      return;
    }
    if (err instanceof ApiError && err.status === 401) showError({ key: 'room.error.link', params: { detail: err.detail || err.title } });
    else if (err instanceof ApiError && err.status === 404) showError({ key: 'room.error.notFound' });
    else if (err instanceof ApiError && err.status === 403) showError({ key: 'room.error.notInvited' });
    else showError({ message: errorMessage(err) });
    setPhase('error');
    return;
  }
  const info = state.info;
  if (info.state === 'cancelled' || info.state === 'closed') {
    state.end = { key: info.state === 'cancelled' ? 'room.end.cancelled' : 'room.end.closed', heading: 'room.endedHeading' };
    setPhase('ended');
    return;
  }
  if (info.you?.needs_name && !els.name.value) els.name.value = storedName();
  setPhase('prejoin');
  if (!media.camera && !media.mic) {
    await media.start();
    await media.listDevices(els.cameraSelect, els.micSelect);
  }
  els.preview.srcObject = media.stream;
  renderPrejoin();
}

function meterLoop() {
  const sample = state.phase === 'prejoin' ? media.sampleLevel() : null;
  els.levelMeter.value = sample ? sample.level : 0;
  els.levelMeter.dataset.level = sample ? sample.level.toFixed(3) : '0';
  els.levelText.textContent = sample ? t('room.db', { db: Math.round(sample.db) }) : '—';
  window.setTimeout(() => window.requestAnimationFrame(meterLoop), 100);
}

/* ---- joining ------------------------------------------------------------------------------ */

function joinMessage() {
  const msg = { type: 'join', client_id: clientId() };
  if (state.token) msg.token = state.token;
  const name = els.name.value.trim();
  if (state.info?.you?.needs_name && name) msg.name = name;
  return msg;
}

function onJoinSubmit(event) {
  event.preventDefault();
  els.nameError.hidden = true;
  els.name.removeAttribute('aria-invalid');
  if (state.info?.you?.needs_name) {
    const name = els.name.value.trim();
    if (!name || name.length > MAX_NAME) {
      els.nameError.textContent = t('room.nameRequired', { max: MAX_NAME });
      els.nameError.hidden = false;
      els.name.setAttribute('aria-invalid', 'true');
      els.name.focus();
      return;
    }
    try {
      window.localStorage.setItem(NAME_KEY, name);
    } catch {
      // fine without
    }
  }
  media.resumeAudio();
  if (els.joinMuted.checked) media.setMuted(true);
  if (els.joinCameraOff.checked) media.setCameraOff(true);
  join();
}

function wsUrl() {
  const scheme = window.location.protocol === 'https:' ? 'wss:' : 'ws:';
  return `${scheme}//${window.location.host}/ws/conference/${encodeURIComponent(state.id)}`;
}

function join() {
  showError(null);
  state.joined = false;
  state.opened = false;
  state.reconnect = null;
  setPhase('joining');
  socket = new RoomSocket({ url: wsUrl(), join: joinMessage, onMessage, onStatus });
  socket.connect();
}

function onStatus(status, info) {
  if (status === 'open') {
    state.opened = true;
  } else if (status === 'reconnecting' && info.delayMs > 0) {
    state.reconnect = { attempt: info.attempt, retryAt: info.retryAt };
    if (!state.opened && info.attempt >= CONNECT_ATTEMPTS_BEFORE_JOIN) {
      socket.leave();
      state.reconnect = null;
      showError({ key: 'room.error.connect' });
      setPhase('prejoin');
      return;
    }
    if (state.phase === 'room') announce(t('room.connectionLost'));
    renderLobby();
    renderConnection();
  } else if (status === 'closed') {
    state.reconnect = null;
    if (state.phase !== 'ended') onClosed(info);
  }
}

/** The socket closed for good without "ended"/"removed"/…: say why. */
function onClosed({ code, error }) {
  leaveMesh();
  if (error?.type === 'error') {
    finish({ key: `room.ws.${error.code}`, params: { detail: error.message || '' }, heading: 'room.refusedHeading' });
    return;
  }
  finish({ key: 'room.end.closedCode', params: { code }, heading: 'room.endedHeading', rejoin: true });
}

function finish(end) {
  state.end = end;
  leaveMesh();
  media?.close();
  setPhase('ended');
  els.endHeading.focus();
}

function leaveMesh() {
  mesh?.dropAll();
  grid?.clearRemote(null);
  state.peers.clear();
  state.waiting.clear();
}

/* ---- server messages ------------------------------------------------------------------ */

function onMessage(msg) {
  switch (msg.type) {
    case 'lobby':
      state.lobby = { opens_at: msg.opens_at };
      updateTimes(msg);
      setPhase('lobby');
      break;
    case 'waiting':
      setPhase('waiting');
      break;
    case 'welcome':
      onWelcome(msg);
      break;
    case 'peer-joined':
      onPeerJoined(msg);
      break;
    case 'peer-state': {
      const peer = state.peers.get(msg.peer);
      if (peer) {
        peer.state = msg.state;
        if (msg.state === 'reconnecting') announce(t('room.peerReconnecting', { name: peer.name }));
        renderRoom();
      }
      break;
    }
    case 'peer-left':
      onPeerLeft(msg);
      break;
    case 'offer':
      mesh.onOffer(msg.from, msg.sdp);
      break;
    case 'answer':
      mesh.onAnswer(msg.from, msg.sdp);
      break;
    case 'candidate':
      mesh.onCandidate(msg.from, msg.candidate);
      break;
    case 'media': {
      const peer = state.peers.get(msg.peer);
      if (peer) {
        peer.media = { audio: Boolean(msg.audio), video: Boolean(msg.video), screen: Boolean(msg.screen) };
        renderRoom();
      }
      break;
    }
    case 'hand': {
      const peer = state.peers.get(msg.peer);
      if (peer) {
        peer.hand = Boolean(msg.raised);
        if (peer.hand) announce(t('room.handRaised', { name: peer.name }));
        renderRoom();
      } else if (msg.peer === state.self?.id) {
        state.hand = Boolean(msg.raised);
        renderRoom();
      }
      break;
    }
    case 'chat':
      appendChat(els.chatLog, msg, state.self?.id);
      break;
    case 'knock':
      if (msg.peer?.id) state.waiting.set(msg.peer.id, msg.peer);
      announce(t('room.knock', { name: msg.peer?.name || '' }));
      renderRoom();
      break;
    case 'knock-cancelled':
      state.waiting.delete(msg.peer);
      renderRoom();
      break;
    case 'ask-mute':
      if (media.audioTrack && !media.micMuted) {
        media.setMuted(true);
        sendMedia();
      }
      showToast(t('room.askedToMute'));
      renderRoom();
      break;
    case 'closing':
      state.closingAt = msg.at;
      tickCountdowns();
      break;
    case 'rescheduled':
      onRescheduled(msg);
      break;
    case 'removed': {
      const keys = { host: 'room.end.removedHost', school: 'room.end.removedSchool' };
      finish({ key: keys[msg.reason] || 'room.end.removed', heading: 'room.endedHeading' });
      break;
    }
    case 'denied':
      finish({ key: 'room.end.denied', heading: 'room.refusedHeading' });
      break;
    case 'replaced':
      finish({ key: 'room.end.replaced', heading: 'room.endedHeading', rejoin: true });
      break;
    case 'ended':
      finish({ key: `room.end.${['host', 'time', 'cancelled'].includes(msg.reason) ? msg.reason : 'time'}`, heading: 'room.endedHeading' });
      break;
    case 'error':
      onServerError(msg);
      break;
    default:
      break; // newer server messages: ignored
  }
}

/** New times (from "lobby" or "rescheduled"): the header shows them. */
function updateTimes(msg) {
  if (!state.info) return;
  for (const name of ['opens_at', 'starts_at', 'ends_at'])
    if (typeof msg[name] === 'string' && !Number.isNaN(Date.parse(msg[name]))) state.info[name] = msg[name];
  renderHead();
}

/**
 * The conference's times moved while we are in the room or the waiting room
 * (we stay either way). The end moved: the closing countdown follows it. The
 * server sends "closing" when the new warning time comes; when the new end is
 * already inside the warning window it sends none, so the countdown starts
 * here. open: false — the opening moved later, newcomers wait until then.
 */
function onRescheduled(msg) {
  updateTimes(msg);
  if (!state.info) return;
  const starts = new Date(state.info.starts_at);
  const ends = new Date(state.info.ends_at);
  state.closesAt = state.info.ends_at;
  if (state.closeWarningMs !== null) {
    state.closingAt = ends.getTime() - Date.now() <= state.closeWarningMs ? state.info.ends_at : null;
  } else if (state.closingAt) {
    state.closingAt = state.info.ends_at;
  }
  state.rescheduled = {
    key: msg.open === false ? 'room.rescheduledClosed' : 'room.rescheduled',
    params: {
      date: formatCityDate(starts), start: formatCityTime(starts), end: formatCityTime(ends),
      opens: formatCityTime(new Date(state.info.opens_at)),
    },
  };
  if (state.phase === 'room') announce(text(state.rescheduled));
  renderLobby();
}

function onServerError(msg) {
  const fatal = ['invalid-token', 'unauthorized', 'not-invited', 'room-full', 'mesh-limit', 'room-closed', 'cancelled'];
  if (fatal.includes(msg.code)) return; // the close that follows ends the visit (onClosed)
  if (msg.code === 'rate-limited') showToast(t('room.ws.rate-limited'), 'error');
  else if (msg.code === 'forbidden') showToast(t('room.ws.forbidden'), 'error');
  else console.warn(`room: server error ${msg.code}: ${msg.message || ''}`);
}

function onWelcome(msg) {
  const wasJoined = state.joined;
  state.joined = true;
  state.reconnect = null;
  state.self = msg.you;
  state.hand = Boolean(msg.you?.hand);
  state.closesAt = msg.closes_at || null;
  updateTimes(msg.conference || {});
  state.peers = new Map((msg.peers || []).filter((p) => p && p.id !== msg.you?.id).map((p) => [p.id, p]));
  state.waiting = new Map((msg.waiting || []).map((p) => [p.id, p]));
  // A resumed (or repeated) welcome starts every connection afresh: drop the old
  // ones and offer to everyone, as the newcomer does.
  mesh.dropAll();
  grid.clearRemote(state.self.id);
  mesh.configure({ selfId: state.self.id, iceServers: msg.ice_servers });
  // Observers watch and listen only: nothing of theirs is sent.
  if (state.self.role === 'observer' && !wasJoined) {
    media.setMuted(true);
    media.setCameraOff(true);
  }
  setPhase('room');
  els.preview.srcObject = null;
  grid.upsert({ ...state.self, media: media.mediaState }, { self: true });
  grid.setStream(state.self.id, media.stream);
  els.chatLog.replaceChildren();
  for (const chat of msg.chat || []) appendChat(els.chatLog, chat, state.self.id);
  for (const peer of state.peers.values()) {
    grid.upsert(peer);
    mesh.offerTo(peer.id);
  }
  sendMedia();
  renderRoom();
  announce(wasJoined || msg.resumed ? t('room.reconnected') : t('room.joined', { count: state.peers.size }));
}

function onPeerJoined({ peer, resumed }) {
  if (!peer?.id || peer.id === state.self?.id) return;
  // The same participant came back: their old connection is gone; their offer follows.
  if (resumed || state.peers.has(peer.id)) mesh.drop(peer.id);
  const known = state.peers.has(peer.id);
  state.peers.set(peer.id, peer);
  state.waiting.delete(peer.id);
  grid.upsert(peer);
  if (!known) announce(t('room.peerJoined', { name: peer.name }));
  renderRoom();
}

function onPeerLeft({ peer: id, reason }) {
  const peer = state.peers.get(id);
  state.waiting.delete(id);
  if (!peer) {
    renderRoom();
    return;
  }
  state.peers.delete(id);
  mesh.drop(id);
  grid.remove(id);
  const key = ['removed', 'timeout', 'denied'].includes(reason) ? `room.peerLeft.${reason}` : 'room.peerLeft.left';
  announce(t(key, { name: peer.name }));
  renderRoom();
}

/* ---- our actions ---------------------------------------------------------------------- */

function sendMedia() {
  socket?.send({ type: 'media', ...media.mediaState });
}

function hostAction(type, peer) {
  if (!isHost()) return;
  if (type === 'admit' || type === 'deny') state.waiting.delete(peer);
  socket.send({ type, peer });
  renderRoom();
}

async function toggleMic() {
  media.setMuted(!media.micMuted);
  sendMedia();
  renderRoom();
}

async function toggleCamera() {
  els.toggleCamera.disabled = true;
  await media.setCameraOff(!media.cameraOff);
  sendMedia();
  renderRoom();
}

async function toggleScreen() {
  if (media.sharing) media.stopScreen();
  else await media.startScreen();
  sendMedia();
  renderRoom();
}

function toggleHand() {
  state.hand = !state.hand;
  socket.send({ type: 'hand', raised: state.hand });
  renderRoom();
}

function sendChat(event) {
  event.preventDefault();
  const value = els.chatInput.value.trim();
  if (!value) return;
  if (socket?.send({ type: 'chat', text: value.slice(0, 2000) })) els.chatInput.value = '';
  else showToast(t('room.chatOffline'), 'error');
}

function leave() {
  socket?.leave();
  finish({ key: 'room.end.left', heading: 'room.leftHeading', rejoin: true });
}

/* ---- start ------------------------------------------------------------------------------- */

function bind() {
  for (const [name, selector] of Object.entries({
    title: '#room-title', meta: '#room-meta', error: '#room-error', login: '#room-login',
    prejoin: '#prejoin', preview: '#preview', previewEmpty: '#preview-empty', levelMeter: '#level-meter',
    levelText: '#level-text', cameraSelect: '#camera-select', micSelect: '#mic-select', joinForm: '#join-form',
    joinMuted: '#join-muted', joinCameraOff: '#join-camera-off', nameField: '#name-field', name: '#display-name',
    nameError: '#display-name-error', you: '#room-you', prejoinLobby: '#prejoin-lobby',
    prejoinLobbyText: '#prejoin-lobby-text', prejoinCountdown: '#prejoin-countdown', joinButton: '#join-button',
    lobby: '#lobby', lobbyHeading: '#lobby-heading', lobbyStatus: '#lobby-status', lobbyCountdown: '#lobby-countdown',
    room: '#room', connStatus: '#conn-status', reconnectBox: '#reconnect-box', reconnectText: '#reconnect-text',
    closing: '#closing-warning', grid: '#grid', toggleMic: '#toggle-mic', toggleCamera: '#toggle-camera',
    toggleScreen: '#toggle-screen', toggleHand: '#toggle-hand', leave: '#leave', endAll: '#end-all',
    waitingPanel: '#waiting-panel', waitingHeading: '#waiting-heading', waitingList: '#waiting-list',
    participantsHeading: '#participants-heading', participants: '#participants', chatLog: '#chat-log',
    chatForm: '#chat-form', chatInput: '#chat-input', end: '#room-end', endHeading: '#end-heading',
    endText: '#end-text', rejoin: '#rejoin', endDialog: '#end-dialog',
  })) els[name] = $(selector);
}

function listen() {
  $('#lang-switch').addEventListener('click', () => setLang(getLang() === 'ru' ? 'en' : 'ru'));
  $('#room-login-button').addEventListener('click', () => openLogin(() => loadInfo()));
  els.joinForm.addEventListener('submit', onJoinSubmit);
  els.cameraSelect.addEventListener('change', () => media.switchCamera(els.cameraSelect.value));
  els.micSelect.addEventListener('change', () => media.switchMic(els.micSelect.value));
  els.toggleMic.addEventListener('click', toggleMic);
  els.toggleCamera.addEventListener('click', toggleCamera);
  els.toggleScreen.addEventListener('click', toggleScreen);
  els.toggleHand.addEventListener('click', toggleHand);
  els.leave.addEventListener('click', leave);
  $('#lobby-leave').addEventListener('click', leave);
  els.endAll.addEventListener('click', () => els.endDialog.showModal());
  els.endDialog.addEventListener('close', () => {
    if (els.endDialog.returnValue === 'end' && isHost()) socket?.send({ type: 'end' });
  });
  els.chatForm.addEventListener('submit', sendChat);
  $('#reconnect-now').addEventListener('click', () => socket?.retryNow());
  els.rejoin.addEventListener('click', () => window.location.reload());
  document.addEventListener('pointerdown', () => media.resumeAudio());
  navigator.mediaDevices?.addEventListener?.('devicechange', () => media.listDevices(els.cameraSelect, els.micSelect));
  // Closing the tab: tell the others now rather than after the heartbeat timeout.
  window.addEventListener('pagehide', () => socket?.leave());
  window.setInterval(tickCountdowns, 1000);
  onLangChange(() => {
    showError(state.error);
    renderAll();
    if (state.phase === 'prejoin') media.listDevices(els.cameraSelect, els.micSelect);
  });
}

async function main() {
  bind();
  setLang(getLang());
  state.id = lessonIdFromLocation('room');
  state.token = new URLSearchParams(window.location.search).get('t') || null;
  grid = new VideoGrid(els.grid);
  media = new LocalMedia({
    onTrack: (kind, track) => mesh?.replaceTrack(kind, track),
    onError: (error) => showError(error),
    onChange: () => {
      if (state.phase === 'prejoin') renderVideoPreview();
      if (state.phase === 'room') renderRoom();
    },
  });
  mesh = new Mesh({
    send: (msg) => socket?.send(msg),
    local: (kind) => (kind === 'video' ? media.videoTrack : media.audioTrack),
    onStream: (peerId, stream) => grid.setStream(peerId, stream),
    onState: (peerId, connection) => {
      const tile = grid.tiles.get(peerId);
      if (tile) tile.el.dataset.connection = connection;
    },
  });
  initAuth({ onLoggedIn: () => loadInfo(), onLoggedOut: () => window.location.reload() });
  listen();

  // For the browser test (tests/e2e/conference.mjs): the live objects of this page.
  window.__lcRoom = {
    get phase() { return state.phase; },
    get selfId() { return state.self?.id ?? null; },
    get peers() { return [...state.peers.keys()]; },
    get mesh() { return mesh; },
    get socket() { return socket; },
    stats: () => mesh.stats(),
    /** Drop the WebSocket without "leave", as a network failure would. */
    dropSocket: () => socket?.drop(),
  };

  if (!state.id) {
    showError({ key: 'room.error.noRoom' });
    setPhase('error');
    return;
  }
  if (!navigator.mediaDevices?.getUserMedia || !window.RTCPeerConnection || !window.WebSocket) {
    showError({ key: 'room.error.unsupported' });
    setPhase('error');
    return;
  }
  meterLoop();
  try {
    await refreshAccount();
  } catch {
    // a link works without an account
  }
  try {
    const minutes = (await loadPublicConfig()).conferences?.close_warning;
    if (Number.isFinite(minutes)) state.closeWarningMs = minutes * 60_000;
  } catch {
    // times then show in the browser's zone
  }
  await loadInfo();
  document.body.dataset.ready = 'true';
}

main();
