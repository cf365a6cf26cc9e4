// The host page (?tag=WeNurses): for the series' owner and hosts, and site administrators, its
// details, recurrence, sessions and their question plans, notices, moderation settings and
// (owner and admins) team. Anyone else gets a plain refusal.

import { ApiError, currentUser, getSeries, seriesMembers } from '../api.js';
import { initAccountNav } from '../nav.js';
import { RulesForm } from '../rules-form.js';
import { initDetails } from './details.js';
import { errorText } from './form.js';
import { initNotices } from './notices.js';
import { initRecurrence } from './recurrence.js';
import { initSessions } from './sessions.js';
import { initTeam } from './team.js';

const $ = (id) => document.getElementById(id);

/** Why the page cannot be used, in words for the reader. */
class Refusal extends Error {}

/** The signed-in person's role in the series (owner, host, moderator), 'admin' for a site
 * administrator who is not on its team (they may do what an owner may), or null. */
async function roleOf(user, hashtag) {
  const members = await seriesMembers(hashtag);
  const role = members.find((m) => m.handle.toLowerCase() === user.handle.toLowerCase())?.role ?? null;
  if (role === 'owner' || role === 'host') return role;
  return user.is_admin ? 'admin' : role;
}

function showSeries(series) {
  $('h-heading').textContent = `Manage ${series.hashtag}`;
  document.title = `Manage ${series.hashtag}: tweetchat`;
}

async function main() {
  initAccountNav();
  const fatal = $('h-fatal');
  const tag = new URLSearchParams(location.search).get('tag')?.replace(/^#/, '');
  try {
    if (!tag) throw new Refusal('No series was chosen. Open a series page and follow "Manage this series".');
    const [series, user] = await Promise.all([getSeries(tag), currentUser()]);
    const link = $('h-series-link');
    link.href = `/series.html?tag=${encodeURIComponent(series.hashtag.slice(1))}`;
    link.hidden = false;
    if (!user) throw new Refusal(`Sign in as a host of ${series.hashtag} to manage it.`);
    const role = await roleOf(user, series.hashtag);
    if (role !== 'owner' && role !== 'host' && role !== 'admin') {
      throw new Refusal(`Only the owner and hosts of ${series.hashtag} can manage it, and you are not one of them. Ask its owner to add you as a host.`);
    }
    showSeries(series);
    $('h-admin-note').hidden = role !== 'admin';
    const refreshSessions = initSessions(series.hashtag);
    initDetails(series, (saved) => { showSeries(saved); refreshSessions(); });
    await Promise.all([
      initRecurrence(series.hashtag, refreshSessions),
      initNotices(series.hashtag),
      RulesForm.inPage(document, 'h-rules').load(series.hashtag),
      refreshSessions(),
      role === 'owner' || role === 'admin' ? initTeam(series.hashtag) : null,
    ]);
    $('h-tools').hidden = false;
  } catch (e) {
    fatal.textContent = e instanceof ApiError && e.status === 404 ? 'This series does not exist. Check the link.'
      : e instanceof Refusal ? e.message : `The series could not be loaded: ${errorText(e)}`;
  } finally {
    $('h-loading').hidden = true;
  }
}

main();
