// city-time.js — times in the city's time zone (city.timezone from
// GET /api/v1/config/public), whatever zone the browser is in: formatting,
// the wall clock of an instant, wall clock → instant (datetime-local inputs
// are read as city time), RFC 3339 with the city's offset for the API, and
// the week (Monday 00:00 city time) an instant falls in.

import { api } from './api.js';
import { locale } from './i18n.js';

let zone = null;
let configPromise = null;

const pad = (n, width = 2) => String(Math.trunc(Math.abs(n))).padStart(width, '0');

/** The public configuration (time zone and conference limits), fetched once. */
export function loadPublicConfig() {
  if (!configPromise) {
    configPromise = api('/config/public').then((config) => {
      setCityZone(config?.timezone);
      return config || {};
    }, (err) => {
      configPromise = null; // try again next time
      throw err;
    });
  }
  return configPromise;
}

/** Use zone for everything below (an invalid name falls back to the browser's). */
export function setCityZone(name) {
  try {
    if (name) new Intl.DateTimeFormat('en', { timeZone: name }).format(0);
    zone = name || null;
  } catch {
    zone = null;
  }
}

export function cityZone() {
  return zone || Intl.DateTimeFormat().resolvedOptions().timeZone || 'UTC';
}

function format(date, options) {
  return new Intl.DateTimeFormat(locale(), { ...options, timeZone: cityZone() }).format(date);
}

export const formatCityTime = (date) => format(date, { hour: '2-digit', minute: '2-digit' });
export const formatCityDay = (date) => format(date, { weekday: 'long', day: 'numeric', month: 'long' });
export const formatCityShortDay = (date) => format(date, { weekday: 'short', day: 'numeric', month: 'short' });
export const formatCityDate = (date) => format(date, { day: 'numeric', month: 'long', year: 'numeric' });
export const formatCityDateTime = (date) => format(date, { dateStyle: 'full', timeStyle: 'short' });

/** { year, month (1-12), day, hour, minute, second, weekday (0 = Monday) } of date in the city. */
export function wallClock(date) {
  const parts = {};
  const formatter = new Intl.DateTimeFormat('en-US', {
    timeZone: cityZone(), hourCycle: 'h23', year: 'numeric', month: '2-digit', day: '2-digit',
    hour: '2-digit', minute: '2-digit', second: '2-digit', weekday: 'short',
  });
  for (const { type, value } of formatter.formatToParts(date)) parts[type] = value;
  const weekdays = ['Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat', 'Sun'];
  return {
    year: Number(parts.year), month: Number(parts.month), day: Number(parts.day),
    hour: Number(parts.hour) % 24, minute: Number(parts.minute), second: Number(parts.second),
    weekday: weekdays.indexOf(parts.weekday),
  };
}

/** Minutes east of UTC of the city at instant ms. */
export function offsetMinutes(ms) {
  const w = wallClock(new Date(ms));
  const asUtc = Date.UTC(w.year, w.month - 1, w.day, w.hour, w.minute, w.second);
  return Math.round((asUtc - Math.floor(ms / 1000) * 1000) / 60000);
}

/** The instant at which the city's clock shows the given wall time. */
export function fromWallClock(year, month, day, hour = 0, minute = 0) {
  const guess = Date.UTC(year, month - 1, day, hour, minute);
  let ms = guess - offsetMinutes(guess) * 60000;
  // Across an offset change the first guess is off by the change: once more.
  ms = guess - offsetMinutes(ms) * 60000;
  return new Date(ms);
}

/** "2026-12-01T09:00" (a datetime-local value) for date in the city. */
export function toCityInput(date) {
  const w = wallClock(date);
  return `${w.year}-${pad(w.month)}-${pad(w.day)}T${pad(w.hour)}:${pad(w.minute)}`;
}

/** A datetime-local value read as city time; null when empty or invalid. */
export function fromCityInput(value) {
  const match = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::\d{2})?$/.exec(value || '');
  if (!match) return null;
  const [, y, mo, d, hh, mm] = match.map(Number);
  if (mo < 1 || mo > 12 || d < 1 || d > 31 || hh > 23 || mm > 59) return null;
  return fromWallClock(y, mo, d, hh, mm);
}

/** "2026-12-01T09:00:00+03:00": date with the city's offset (what the API takes). */
export function toCityRfc3339(date) {
  const w = wallClock(date);
  const offset = offsetMinutes(date.getTime());
  const sign = offset >= 0 ? '+' : '-';
  return `${w.year}-${pad(w.month)}-${pad(w.day)}T${pad(w.hour)}:${pad(w.minute)}:${pad(w.second)}`
    + `${sign}${pad(offset / 60)}:${pad(offset % 60)}`;
}

/** Monday 00:00 (city time) of the week date falls in, plus weeks. */
export function weekStart(date, weeks = 0) {
  const w = wallClock(date);
  const monday = new Date(Date.UTC(w.year, w.month - 1, w.day - w.weekday + weeks * 7));
  return fromWallClock(monday.getUTCFullYear(), monday.getUTCMonth() + 1, monday.getUTCDate());
}

/** 00:00 city time of the day n days after the day of date. */
export function dayStart(date, n = 0) {
  const w = wallClock(date);
  const day = new Date(Date.UTC(w.year, w.month - 1, w.day + n));
  return fromWallClock(day.getUTCFullYear(), day.getUTCMonth() + 1, day.getUTCDate());
}

/** "YYYY-MM-DD" of date in the city (a stable key for a day). */
export function dayKey(date) {
  const w = wallClock(date);
  return `${w.year}-${pad(w.month)}-${pad(w.day)}`;
}
