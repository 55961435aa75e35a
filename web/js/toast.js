// toast.js — short status messages ("logged out") in a polite live region.

const SHOW_MS = 5000;
let timer = null;

export function showToast(message, kind = 'info') {
  const toast = document.getElementById('toast');
  if (!toast) return;
  if (timer !== null) window.clearTimeout(timer);
  toast.textContent = message;
  toast.dataset.kind = kind;
  toast.classList.add('toast--visible');
  timer = window.setTimeout(() => {
    toast.classList.remove('toast--visible');
    timer = null;
  }, SHOW_MS);
}
