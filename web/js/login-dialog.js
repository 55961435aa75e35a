// login-dialog.js — the markup of the staff login dialog (#login-dialog), built
// once with DOM APIs for every page that has a login (index, studio,
// conferences, room) instead of a copy in each HTML file. Ids, classes and
// data-i18n keys are the ones auth.js and the browser tests use. A closed
// <dialog> is not rendered, so building it from the page's module changes
// nothing on first paint.

import { h } from './dom.js';
import { applyTranslations } from './i18n.js';

const SVG_NS = 'http://www.w3.org/2000/svg';

/** The "×" icon of the dialog's close button (an SVG needs its namespace). */
function closeIcon() {
  const svg = document.createElementNS(SVG_NS, 'svg');
  svg.setAttribute('viewBox', '0 0 24 24');
  svg.setAttribute('aria-hidden', 'true');
  svg.setAttribute('focusable', 'false');
  const path = document.createElementNS(SVG_NS, 'path');
  path.setAttribute('d', 'M6 6l12 12M18 6L6 18');
  svg.append(path);
  return svg;
}

function buildDialog() {
  return h('dialog', { class: 'dialog', id: 'login-dialog', 'aria-labelledby': 'login-title' },
    h('form', { class: 'dialog__form', id: 'login-form', novalidate: true },
      h('div', { class: 'dialog__head' },
        h('h2', { id: 'login-title', 'data-i18n': 'auth.dialogTitle' }),
        h('button', {
          type: 'button', class: 'icon-button', id: 'login-close',
          'data-i18n-aria-label': 'auth.close', 'data-i18n-title': 'auth.close',
        }, closeIcon())),
      h('p', { class: 'form-error', id: 'login-error', role: 'alert', hidden: true }),
      h('div', { class: 'field' },
        h('label', { for: 'login-login', 'data-i18n': 'auth.loginField' }),
        h('input', {
          id: 'login-login', name: 'login', type: 'text', autocomplete: 'username', autocapitalize: 'none',
          spellcheck: 'false', required: true, maxlength: 64,
        })),
      h('div', { class: 'field' },
        h('label', { for: 'login-password', 'data-i18n': 'auth.passwordField' }),
        h('input', {
          id: 'login-password', name: 'password', type: 'password', autocomplete: 'current-password',
          required: true, maxlength: 1024,
        })),
      h('div', { class: 'dialog__actions' },
        h('button', { type: 'button', class: 'button', id: 'login-cancel', 'data-i18n': 'auth.cancel' }),
        h('button', {
          type: 'submit', class: 'button button--primary', id: 'login-submit', 'data-i18n': 'auth.submit',
        }))));
}

/**
 * The page's #login-dialog: an existing one is returned as it is; otherwise
 * it is built, translated into the current language and placed where the
 * pages used to carry it (before the site footer, else at the end of <body>).
 * Later language switches reach it through applyTranslations(document).
 */
export function ensureLoginDialog() {
  const existing = document.getElementById('login-dialog');
  if (existing) return existing;
  const dialog = buildDialog();
  applyTranslations(dialog);
  const footer = document.querySelector('body > .site-footer');
  if (footer) footer.before(dialog);
  else document.body.append(dialog);
  return dialog;
}
