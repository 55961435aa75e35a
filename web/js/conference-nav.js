// conference-nav.js — the "Conferences" link of the header (#nav-conferences),
// shown to staff only (coordinators, teachers, operators). Loaded as its own
// module by index.html and imported by the conference pages: it follows the
// shared session (session.js), so it needs no hook in the page's main script.

import { getAccount, isStaff, onAccountChange } from './session.js';

function render(account) {
  const link = document.getElementById('nav-conferences');
  if (link) link.hidden = !isStaff(account);
}

onAccountChange(render);
render(getAccount());
