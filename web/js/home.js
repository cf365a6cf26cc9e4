// Home page: live and upcoming sessions, and the host tools for signed-in people.

import { ApiError, listSessions } from './api.js';
import { replaceChildren } from './dom.js';
import { initHostTools } from './host-tools.js';
import { initAccountNav } from './nav.js';
import { sessionCard } from './session-card.js';

const REFRESH_MS = 30000;

function fill(kind, sessions) {
  document.getElementById(`${kind}-loading`).hidden = true;
  replaceChildren(document.getElementById(`${kind}-list`), sessions.map(sessionCard));
  document.getElementById(`${kind}-empty`).hidden = sessions.length > 0;
}

async function refresh() {
  const error = document.getElementById('list-error');
  try {
    const [live, upcoming] = await Promise.all([listSessions('live'), listSessions('upcoming')]);
    fill('live', live);
    fill('upcoming', upcoming);
    error.textContent = '';
  } catch (e) {
    error.textContent = `Could not load the chats: ${e instanceof ApiError ? e.message : 'unknown error'}`;
  }
}

async function main() {
  const userPromise = initAccountNav();
  await refresh();
  setInterval(() => {
    if (document.visibilityState === 'visible') refresh();
  }, REFRESH_MS);
  const user = await userPromise;
  if (user) initHostTools({ onChange: refresh });
}

main();
