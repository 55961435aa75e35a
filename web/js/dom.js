// dom.js — a tiny element builder and helpers for the web UI (no framework,
// no innerHTML with data: every text goes through textContent).

/**
 * h('a', { href: '/x', class: 'link', dataset: { id: 1 }, onclick: fn }, 'text', child)
 * Attributes whose value is false/null/undefined are left out; true sets "".
 */
export function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs || {})) {
    if (value === false || value === null || value === undefined) continue;
    if (name === 'dataset') Object.assign(el.dataset, value);
    else if (name.startsWith('on') && typeof value === 'function') el.addEventListener(name.slice(2), value);
    else if (name === 'class') el.className = value;
    else el.setAttribute(name, value === true ? '' : String(value));
  }
  append(el, children);
  return el;
}

function append(el, children) {
  for (const child of children) {
    if (child === null || child === undefined || child === false) continue;
    if (Array.isArray(child)) append(el, child);
    else el.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
}

export function $(selector, root = document) {
  return root.querySelector(selector);
}

export function clear(el) {
  el.replaceChildren();
  return el;
}

/** Fill a <select> with [value, label] pairs, keeping the selection if possible. */
export function fillSelect(select, options, keep = true) {
  const previous = keep ? select.value : '';
  select.replaceChildren(...options.map(([value, label]) => h('option', { value }, label)));
  if (options.some(([value]) => value === previous)) select.value = previous;
}
