// room-ui.js — what the room page draws: the video grid (one tile per
// participant with name, school and media badges; the layout follows the
// count through data-count), the participant list with states, hands and
// host actions, the host's waiting list, and the chat log. Text only through
// textContent (dom.js); all strings from i18n.js.

import { clear, h } from './dom.js';
import { t } from './i18n.js';
import { formatCityTime } from './city-time.js';

/** "Name · School" parts of a Peer. */
export function peerSchool(peer) {
  return peer?.school?.short_name || '';
}

function roleLabel(role) {
  return role === 'host' || role === 'observer' ? t(`room.role.${role}`) : '';
}

/* ---- video grid --------------------------------------------------------- */

export class VideoGrid {
  constructor(root) {
    this.root = root;
    this.tiles = new Map(); // id → { el, video, name, school, badges, stream }
  }

  /** Make or update the tile of peer (self: our own preview, muted and mirrored). */
  upsert(peer, { self = false } = {}) {
    let tile = this.tiles.get(peer.id);
    if (!tile) {
      const video = h('video', { class: 'tile__video', autoplay: true, playsinline: true });
      video.muted = self; // our own sound would echo
      const name = h('span', { class: 'tile__name' });
      const school = h('span', { class: 'tile__school' });
      const badges = h('span', { class: 'tile__badges' });
      const placeholder = h('span', { class: 'tile__avatar', 'aria-hidden': 'true' });
      const el = h('li', { class: `tile${self ? ' tile--self' : ''}`, dataset: { peer: peer.id } },
        video, placeholder, h('span', { class: 'tile__label' }, name, school), badges);
      tile = { el, video, name, school, badges, placeholder, stream: null };
      this.tiles.set(peer.id, tile);
      this.root.append(el);
      this.layout();
    }
    tile.name.textContent = self ? t('room.you', { name: peer.name || '' }) : peer.name || '';
    tile.school.textContent = peerSchool(peer);
    tile.school.hidden = !peerSchool(peer);
    tile.placeholder.textContent = (peer.name || '?').trim().charAt(0).toUpperCase();
    const media = peer.media || {};
    const showsVideo = media.video !== false || media.screen === true;
    tile.el.dataset.video = showsVideo ? 'on' : 'off';
    tile.el.dataset.state = peer.state || 'active';
    tile.el.dataset.hand = peer.hand ? 'up' : 'down';
    tile.el.setAttribute('aria-label', [peer.name, peerSchool(peer)].filter(Boolean).join(', '));
    clear(tile.badges);
    if (media.audio === false) tile.badges.append(h('span', { class: 'tile__badge tile__badge--muted' }, t('room.badge.muted')));
    if (media.screen) tile.badges.append(h('span', { class: 'tile__badge' }, t('room.badge.screen')));
    if (peer.hand) tile.badges.append(h('span', { class: 'tile__badge tile__badge--hand' }, t('room.badge.hand')));
    if (peer.state === 'reconnecting') tile.badges.append(h('span', { class: 'tile__badge tile__badge--warn' }, t('room.badge.reconnecting')));
    return tile;
  }

  setStream(id, stream) {
    const tile = this.tiles.get(id);
    if (!tile || tile.stream === stream) return;
    tile.stream = stream;
    tile.video.srcObject = stream;
    tile.video.play?.().catch(() => {});
  }

  remove(id) {
    const tile = this.tiles.get(id);
    if (!tile) return;
    tile.video.srcObject = null;
    tile.el.remove();
    this.tiles.delete(id);
    this.layout();
  }

  clearRemote(selfId) {
    for (const id of [...this.tiles.keys()]) if (id !== selfId) this.remove(id);
  }

  layout() {
    this.root.dataset.count = String(this.tiles.size);
  }

  get size() {
    return this.tiles.size;
  }
}

/* ---- participants --------------------------------------------------------- */

/**
 * Fill list with every participant: self first, then by name. actions:
 * { isHost, selfId, onAskMute(id), onRemove(id) } — hosts get buttons on the others.
 */
export function renderParticipants(list, peers, { isHost, selfId, onAskMute, onRemove }) {
  const sorted = [...peers].sort((a, b) => {
    if (a.id === selfId) return -1;
    if (b.id === selfId) return 1;
    return (a.name || '').localeCompare(b.name || '');
  });
  clear(list);
  for (const peer of sorted) {
    const media = peer.media || {};
    const states = [];
    if (peer.state === 'reconnecting') states.push(h('span', { class: 'pstate pstate--warn' }, t('room.badge.reconnecting')));
    if (peer.hand) states.push(h('span', { class: 'pstate pstate--hand' }, t('room.badge.hand')));
    if (media.audio === false) states.push(h('span', { class: 'pstate' }, t('room.badge.muted')));
    if (media.video === false && !media.screen) states.push(h('span', { class: 'pstate' }, t('room.badge.cameraOff')));
    if (media.screen) states.push(h('span', { class: 'pstate' }, t('room.badge.screen')));
    const role = roleLabel(peer.role);
    const actions = [];
    if (isHost && peer.id !== selfId) {
      actions.push(h('button', {
        type: 'button', class: 'button button--small', onclick: () => onAskMute(peer.id),
        'aria-label': t('room.askMuteLabel', { name: peer.name }), disabled: media.audio === false,
      }, t('room.askMute')));
      actions.push(h('button', {
        type: 'button', class: 'button button--small button--danger', onclick: () => onRemove(peer.id),
        'aria-label': t('room.removeLabel', { name: peer.name }),
      }, t('room.remove')));
    }
    list.append(h('li', { class: 'participant', dataset: { peer: peer.id, state: peer.state || 'active' } },
      h('span', { class: 'participant__who' },
        h('span', { class: 'participant__name' }, peer.id === selfId ? t('room.you', { name: peer.name }) : peer.name),
        h('span', { class: 'participant__meta' }, [peerSchool(peer), role].filter(Boolean).join(' · '))),
      states.length ? h('span', { class: 'participant__states' }, states) : null,
      actions.length ? h('span', { class: 'participant__actions' }, actions) : null));
  }
}

/** The host's waiting list: Admit / Deny per knocking participant. */
export function renderWaiting(list, waiting, { onAdmit, onDeny }) {
  clear(list);
  for (const peer of waiting) {
    list.append(h('li', { class: 'participant', dataset: { peer: peer.id } },
      h('span', { class: 'participant__who' },
        h('span', { class: 'participant__name' }, peer.name),
        h('span', { class: 'participant__meta' }, peerSchool(peer))),
      h('span', { class: 'participant__actions' },
        h('button', {
          type: 'button', class: 'button button--small button--primary', onclick: () => onAdmit(peer.id),
          'aria-label': t('room.admitLabel', { name: peer.name }),
        }, t('room.admit')),
        h('button', {
          type: 'button', class: 'button button--small', onclick: () => onDeny(peer.id),
          'aria-label': t('room.denyLabel', { name: peer.name }),
        }, t('room.deny')))));
  }
}

/* ---- chat ------------------------------------------------------------------- */

const MAX_CHAT_SHOWN = 200;

/** Append one chat message { from, name, text, at } (mine: from === selfId). */
export function appendChat(log, msg, selfId) {
  const at = msg.at ? new Date(msg.at) : new Date();
  const time = Number.isNaN(at.getTime()) ? '' : formatCityTime(at);
  const mine = msg.from === selfId;
  log.append(h('li', { class: `chat__msg${mine ? ' chat__msg--mine' : ''}` },
    h('span', { class: 'chat__head' },
      h('span', { class: 'chat__name' }, mine ? t('room.chatMe') : msg.name || ''),
      time ? h('time', { class: 'chat__time', datetime: at.toISOString() }, time) : null),
    h('span', { class: 'chat__text' }, msg.text || '')));
  while (log.children.length > MAX_CHAT_SHOWN) log.firstElementChild.remove();
  log.scrollTop = log.scrollHeight;
}
