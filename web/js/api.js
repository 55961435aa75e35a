// api.js — the one way the web UI talks to the lessoncast REST API: JSON in
// and out, the session cookie sent same-origin, and RFC 9457 problem+json
// errors turned into ApiError objects with a readable, localised message.

import { t } from './i18n.js';

const PROBLEM_PREFIX = 'urn:lessoncast:problem:';
export const API_BASE = '/api/v1';

export class ApiError extends Error {
  constructor({ status = 0, type = null, title = '', detail = '', field = null,
                retryAfter = null, conflictId = null } = {}) {
    super(detail || title || `HTTP ${status}`);
    this.name = 'ApiError';
    this.status = status;
    this.type = type;
    this.title = title;
    this.detail = detail;
    this.field = field;
    this.retryAfter = retryAfter;
    this.conflictId = conflictId;
  }

  /** The stable part of the problem type ("rate-limited"), or null. */
  get slug() {
    if (this.status === 0) return 'network';
    return typeof this.type === 'string' && this.type.startsWith(PROBLEM_PREFIX)
      ? this.type.slice(PROBLEM_PREFIX.length) : null;
  }
}

function parseRetryAfter(body, headers) {
  const fromBody = Number(body?.retry_after);
  if (Number.isFinite(fromBody) && fromBody > 0) return Math.ceil(fromBody);
  const header = headers.get('Retry-After');
  if (header === null) return null;
  const seconds = Number(header);
  if (Number.isFinite(seconds)) return Math.max(1, Math.ceil(seconds));
  const when = Date.parse(header); // HTTP-date form
  return Number.isNaN(when) ? null : Math.max(1, Math.ceil((when - Date.now()) / 1000));
}

/**
 * Call the API. path is relative to /api/v1 ("/lessons"). query: an object
 * whose empty/undefined values are left out. body: sent as JSON.
 * Resolves with the parsed JSON (null for 204); rejects with ApiError.
 */
export async function api(path, { method = 'GET', query = null, body, signal } = {}) {
  const url = new URL(API_BASE + path, window.location.origin);
  if (query) {
    for (const [name, value] of Object.entries(query)) {
      if (value !== undefined && value !== null && value !== '') url.searchParams.set(name, value);
    }
  }
  const init = { method, credentials: 'same-origin', headers: { Accept: 'application/json' }, signal };
  if (body !== undefined) {
    init.headers['Content-Type'] = 'application/json';
    init.body = JSON.stringify(body);
  }

  let response;
  try {
    response = await fetch(url, init);
  } catch (err) {
    if (err?.name === 'AbortError') throw err;
    throw new ApiError({ status: 0, detail: String(err?.message || err) });
  }

  if (response.status === 204) return null;
  const contentType = response.headers.get('Content-Type') || '';
  let data = null;
  if (contentType.includes('json')) {
    try {
      data = await response.json();
    } catch {
      data = null;
    }
  }
  if (response.ok) return data;

  const problem = data && typeof data === 'object' ? data : {};
  throw new ApiError({
    status: response.status,
    type: problem.type ?? null,
    title: problem.title ?? response.statusText,
    detail: problem.detail ?? '',
    field: problem.field ?? null,
    retryAfter: parseRetryAfter(problem, response.headers),
    conflictId: problem.conflict_id ?? null,
  });
}

/** Follow next_cursor through a list endpoint, up to maxPages pages. */
export async function apiListAll(path, query = {}, maxPages = 20) {
  const items = [];
  let cursor = null;
  for (let page = 0; page < maxPages; page++) {
    const result = await api(path, { query: { ...query, cursor } });
    items.push(...(result?.items ?? []));
    cursor = result?.next_cursor ?? null;
    if (!cursor) break;
  }
  return items;
}

/** A readable message in the current language for any error. */
export function errorMessage(err) {
  if (!(err instanceof ApiError)) return t('error.generic', { status: '—', detail: String(err?.message || err) });
  const detail = err.detail || err.title || '';
  switch (err.slug) {
    case 'network': return t('error.network');
    case 'rate-limited': return t('error.rateLimited', { seconds: err.retryAfter ?? 1 });
    case 'invalid-credentials': return t('auth.invalid');
    case 'unauthorized': return t('error.unauthorized');
    case 'forbidden': return t('error.forbidden');
    case 'csrf': return t('error.csrf');
    case 'not-found': return t('error.notFound');
    case 'conflict': return t('error.conflict', { detail });
    case 'invalid-field': return t('error.invalid', { detail });
    case 'weak-password': return t('error.weakPassword', { detail });
    case 'payload-too-large': return t('error.tooLarge');
    case 'unavailable': return t('error.unavailable');
    case 'internal': return t('error.internal');
    default: break;
  }
  if (err.status === 429) return t('error.rateLimited', { seconds: err.retryAfter ?? 1 });
  if (err.status === 401) return t('error.unauthorized');
  if (err.status === 403) return t('error.forbidden');
  if (err.status >= 500) return t('error.internal');
  return t('error.generic', { status: err.status, detail });
}
