// Home page: live and upcoming sessions, recent archives, and the host tools for signed-in
// people. (The search box is a plain GET form to search.html.)

import { ApiError, listArchives, listSessions } from './api.js';
import { archiveCard } from './archive-card.js';
import { replaceChildren } from './dom.js';
import { initHostTools } from './host-tools.js';
import { initAccountNav } from './nav.js';
import { sessionCard } from './session-card.js';

const REFRESH_MS = 30000;
const RECENT_ARCHIVES = 5;

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

// Apart from the live lists, so a failure here never hides what is live.
async function recentArchives() {
  try {
    const { archives } = await listArchives({ limit: RECENT_ARCHIVES });
    replaceChildren(document.getElementById('archives-list'), archives.map(archiveCard));
    document.getElementById('archives-empty').hidden = archives.length > 0;
  } catch (e) {
    document.getElementById('archives-error').textContent =
      `Could not load the archives: ${e instanceof ApiError ? e.message : 'unknown error'}`;
  } finally {
    document.getElementById('archives-loading').hidden = true;
  }
}

async function main() {
  const userPromise = initAccountNav();
  recentArchives();
  await refresh();
  setInterval(() => {
    if (document.visibilityState === 'visible') refresh();
  }, REFRESH_MS);
  const user = await userPromise;
  if (user) initHostTools({ onChange: refresh });
}

main();
