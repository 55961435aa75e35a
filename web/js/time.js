// time.js — conversions between JavaScript dates, RFC 3339 strings with the
// browser's UTC offset (what the API accepts) and <input type=datetime-local>.

const pad = (n, width = 2) => String(Math.trunc(Math.abs(n))).padStart(width, '0');

/** "2026-12-01T09:00:00+03:00" in the browser's time zone. */
export function toRfc3339(date) {
  const offset = -date.getTimezoneOffset(); // minutes east of UTC
  const sign = offset >= 0 ? '+' : '-';
  return `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())}`
    + `T${pad(date.getHours())}:${pad(date.getMinutes())}:${pad(date.getSeconds())}`
    + `${sign}${pad(offset / 60)}:${pad(offset % 60)}`;
}

/** The value of a datetime-local input ("2026-12-01T09:00") for date. */
export function toLocalInput(date) {
  return `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())}`
    + `T${pad(date.getHours())}:${pad(date.getMinutes())}`;
}

/** Parse a datetime-local value as local time; null when empty or invalid. */
export function fromLocalInput(value) {
  const match = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2}))?$/.exec(value || '');
  if (!match) return null;
  const [, y, mo, d, hh, mm, ss] = match.map(Number);
  const date = new Date(y, mo - 1, d, hh, mm, ss || 0);
  return Number.isNaN(date.getTime()) ? null : date;
}
