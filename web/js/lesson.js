// lesson.js — what the schedule, studio and watch pages share about a lesson:
// the teacher line (the name only with the teacher's consent), the status
// badge, who may broadcast it, the lesson id in /studio/{id} and /watch/{id}
// URLs, and durations such as "01:02:03" or "2 d 03:04:05".

import { h } from './dom.js';
import { t } from './i18n.js';

export const STATUSES = ['scheduled', 'live', 'ended', 'cancelled'];

export function teacherLabel(lesson) {
  const teacher = lesson.teacher || {};
  if (teacher.name_public && teacher.name) return teacher.name;
  return t('lesson.teacherOf', { school: lesson.school?.short_name || lesson.school?.name || '' });
}

export function statusBadge(status) {
  const known = STATUSES.includes(status) ? status : 'scheduled';
  return h('span', { class: `badge badge--${known}`, dataset: { status: known } },
    known === 'live' ? h('span', { class: 'badge__dot', 'aria-hidden': 'true' }) : null,
    t(`status.${known}`));
}

/** The page URLs of a lesson (the API's watch_url when it is a local path). */
export function watchHref(lesson) {
  return typeof lesson.watch_url === 'string' && lesson.watch_url.startsWith('/')
    ? lesson.watch_url : `/watch/${encodeURIComponent(lesson.id)}`;
}

export function studioHref(lesson) {
  return `/studio/${encodeURIComponent(lesson.id)}`;
}

/**
 * Whether account may broadcast lesson (the API hands it the publish key):
 * the lesson's teacher, a coordinator of its school, an operator. The
 * server decides; this only chooses whether to offer the studio link.
 */
export function canBroadcast(account, lesson) {
  if (!account || !lesson) return false;
  if (account.role === 'operator') return true;
  if (account.role === 'coordinator') return Boolean(account.school_id) && account.school_id === lesson.school?.id;
  return account.role === 'teacher' && Boolean(lesson.teacher?.id) && lesson.teacher.id === account.id;
}

/**
 * The lesson id of a page served at /<prefix>/<id> (the server maps any id
 * to the page), or from ?lesson=<id> when the page is opened by its file
 * name. null when there is none.
 */
export function lessonIdFromLocation(prefix, location = window.location) {
  const parts = location.pathname.split('/').filter(Boolean);
  if (parts.length === 2 && parts[0] === prefix) {
    try {
      return decodeURIComponent(parts[1]);
    } catch {
      return null;
    }
  }
  const fromQuery = new URLSearchParams(location.search).get('lesson');
  return fromQuery || null;
}

const pad = (n) => String(n).padStart(2, '0');

/** "05:07" below an hour, "1:05:07" above, "2 d 01:05:07" above a day. */
export function formatDuration(ms) {
  const total = Math.max(0, Math.floor(ms / 1000));
  const days = Math.floor(total / 86400);
  const hours = Math.floor((total % 86400) / 3600);
  const clock = hours > 0 || days > 0
    ? `${days > 0 ? pad(hours) : hours}:${pad(Math.floor((total % 3600) / 60))}:${pad(total % 60)}`
    : `${pad(Math.floor(total / 60))}:${pad(total % 60)}`;
  return days > 0 ? t('time.days', { days, clock }) : clock;
}

/** Megabit or kilobit per second, for bitrates measured in bit/s. */
export function formatBitrate(bitsPerSecond) {
  if (!Number.isFinite(bitsPerSecond)) return '—';
  if (bitsPerSecond >= 1e6) return t('unit.mbps', { value: (bitsPerSecond / 1e6).toFixed(2) });
  return t('unit.kbps', { value: Math.round(bitsPerSecond / 1e3) });
}

/** The total viewer count of a lesson's "live" object (both protocols). */
export function viewerCount(live) {
  const viewers = live?.viewers;
  if (!viewers || typeof viewers !== 'object') return null;
  let total = 0;
  for (const value of Object.values(viewers)) if (Number.isFinite(value)) total += value;
  return total;
}
