// session.js — who is logged in (the account from GET /api/v1/auth/me, with
// its school embedded) and a change notification for the views.

import { api } from './api.js';

let account = null;
const listeners = new Set();

export function getAccount() {
  return account;
}

export function isStaff(acc = account) {
  return Boolean(acc && ['operator', 'coordinator', 'teacher'].includes(acc.role));
}

export function setAccount(next) {
  account = next || null;
  for (const listener of listeners) listener(account);
}

export function onAccountChange(listener) {
  listeners.add(listener);
}

/** Ask the server who we are; 401 means anonymous. Other errors propagate. */
export async function refreshAccount() {
  try {
    setAccount(await api('/auth/me'));
  } catch (err) {
    if (err?.status === 401) setAccount(null);
    else throw err;
  }
  return account;
}

export async function login(loginName, password) {
  await api('/auth/login', { method: 'POST', body: { login: loginName, password } });
  return refreshAccount();
}

export async function logout() {
  try {
    await api('/auth/logout', { method: 'POST' });
  } catch (err) {
    if (err?.status !== 401) throw err; // already logged out elsewhere
  }
  setAccount(null);
}
