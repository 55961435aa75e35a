// auth.js — the staff login dialog (errors from problem+json shown inline,
// including the 429 "try again in N s" countdown), the header's user box and
// the logout button. The dialog's markup comes from login-dialog.js.

import { errorMessage } from './api.js';
import { $ } from './dom.js';
import { onLangChange, t } from './i18n.js';
import { ensureLoginDialog } from './login-dialog.js';
import { getAccount, login, logout, onAccountChange } from './session.js';
import { showToast } from './toast.js';

const els = {};
let countdownTimer = null;
let lastError = null; // kept to re-render in the other language
let afterLogin = null;

function showError(message) {
  els.error.textContent = message;
  els.error.hidden = !message;
}

function renderError() {
  if (!lastError) {
    showError('');
    return;
  }
  if (lastError.kind === 'required') showError(t('auth.required'));
  // On login every 401 means the same (unknown login, wrong password, disabled).
  else if (lastError.error?.status === 401) showError(t('auth.invalid'));
  else showError(errorMessage(lastError.error));
}

function stopCountdown() {
  if (countdownTimer !== null) window.clearInterval(countdownTimer);
  countdownTimer = null;
  els.submit.disabled = false;
}

/** 429: keep the message current and the button disabled until it is time. */
function startCountdown(error) {
  stopCountdown();
  let remaining = Math.max(1, error.retryAfter ?? 1);
  els.submit.disabled = true;
  countdownTimer = window.setInterval(() => {
    remaining -= 1;
    if (remaining <= 0) {
      stopCountdown();
      lastError = null;
      renderError();
      return;
    }
    error.retryAfter = remaining;
    renderError();
  }, 1000);
}

export function openLogin(then = null) {
  afterLogin = then;
  if (countdownTimer === null) {
    lastError = null;
    renderError();
  }
  els.password.value = '';
  if (!els.dialog.open) els.dialog.showModal();
  els.login.focus();
}

function closeLogin() {
  if (els.dialog.open) els.dialog.close();
}

async function onSubmit(event) {
  event.preventDefault();
  const loginName = els.login.value.trim();
  const password = els.password.value;
  if (!loginName || !password) {
    lastError = { kind: 'required' };
    renderError();
    (loginName ? els.password : els.login).focus();
    return;
  }

  els.submit.disabled = true;
  els.submit.textContent = t('auth.signingIn');
  els.form.setAttribute('aria-busy', 'true');
  try {
    const account = await login(loginName, password);
    lastError = null;
    renderError();
    els.password.value = '';
    closeLogin();
    showToast(t('auth.signedInAs', { name: account?.display_name || loginName }));
    if (afterLogin) afterLogin(account);
  } catch (error) {
    lastError = { kind: 'api', error };
    renderError();
    els.password.value = '';
    els.password.focus();
    if (error?.status === 429) startCountdown(error);
  } finally {
    els.submit.textContent = t('auth.submit');
    if (countdownTimer === null) els.submit.disabled = false;
    els.form.setAttribute('aria-busy', 'false');
  }
}

function renderHeader(account) {
  const loggedIn = Boolean(account);
  els.userInfo.hidden = !loggedIn;
  els.loginButton.hidden = loggedIn;
  els.logoutButton.hidden = !loggedIn;
  $('#nav-staff').hidden = !loggedIn;
  if (loggedIn) {
    els.userName.textContent = account.display_name || account.login;
    const role = t(`role.${account.role}`);
    els.userRole.textContent = account.school?.short_name ? `${role} · ${account.school.short_name}` : role;
  }
}

export function initAuth({ onLoggedIn, onLoggedOut }) {
  els.dialog = ensureLoginDialog();
  els.form = $('#login-form');
  els.login = $('#login-login');
  els.password = $('#login-password');
  els.submit = $('#login-submit');
  els.error = $('#login-error');
  els.userInfo = $('#user-info');
  els.userName = $('#user-name');
  els.userRole = $('#user-role');
  els.loginButton = $('#login-button');
  els.logoutButton = $('#logout-button');

  els.form.setAttribute('aria-busy', 'false');
  els.form.addEventListener('submit', onSubmit);
  $('#login-cancel').addEventListener('click', closeLogin);
  $('#login-close').addEventListener('click', closeLogin);
  // A click on the backdrop (outside the form) closes the dialog.
  els.dialog.addEventListener('click', (event) => {
    if (event.target === els.dialog) closeLogin();
  });
  els.dialog.addEventListener('close', () => els.loginButton.focus());

  els.loginButton.addEventListener('click', () => openLogin(onLoggedIn));
  els.logoutButton.addEventListener('click', async () => {
    els.logoutButton.disabled = true;
    try {
      await logout();
      showToast(t('auth.loggedOut'));
      onLoggedOut();
    } catch (error) {
      showToast(errorMessage(error), 'error');
    } finally {
      els.logoutButton.disabled = false;
    }
  });

  onAccountChange(renderHeader);
  onLangChange(() => {
    renderHeader(getAccount());
    renderError();
    if (!els.submit.disabled) els.submit.textContent = t('auth.submit');
  });
  renderHeader(getAccount());
}
