// The post-chat digest of an archived session (digest.html?session=ID): when it was, the key
// figures, each question with its answer count and a link to it in the transcript, the links
// shared and the newcomers; "Copy as text" puts a plain-text version on the clipboard for an
// email or a newsletter. The digest exists once the chat is archived (409 before that).

import { ApiError, getDigest, getSession } from './api.js';
import { el, replaceChildren } from './dom.js';
import { accountLink, initAccountNav } from './nav.js';
import { chatHref, seriesHref, statusBadge, transcriptHref } from './session-card.js';
import { sessionIdFrom } from './text.js';
import { copyText } from './digest/copy.js';
import { digestText, seriesWhenText, whenText } from './digest/text.js';
import { figuresPart, linksPart, newcomersPart, questionsPart } from './digest/view.js';

const $id = (id) => document.getElementById(id);

function header(session) {
  $id('d-hashtag').textContent = session.hashtag;
  $id('d-title').textContent = session.title;
  document.title = `${session.hashtag} post-chat digest: tweetchat`;
  const there = seriesWhenText(session);
  replaceChildren($id('d-when'),
    statusBadge(session.status), ' ',
    el('time', { datetime: session.starts_at }, whenText(session)),
    there ? el('span', { class: 'series-zone' }, ` (${there})`) : null);
}

function links(session, archived) {
  const links = $id('d-links');
  replaceChildren(links,
    archived || session.status === 'closed'
      ? el('a', { href: transcriptHref(session.id) }, 'Read the full transcript')
      : el('a', { href: chatHref(session.id) }, 'Open the chat page'),
    el('a', { href: seriesHref(session.hashtag) }, `About ${session.hashtag} and its other chats`));
  links.hidden = false;
}

function problem(...content) {
  $id('d-loading').hidden = true;
  replaceChildren($id('d-problem'), el('p', {}, ...content));
  $id('d-problem').hidden = false;
}

const WHY = {
  scheduled: 'it has not started yet',
  lobby: 'its lobby is open, and it has not started yet',
  live: 'it is live now',
  closed: 'it has ended, and is archived a short while after',
  cancelled: 'it was cancelled, so it will have no digest',
};

async function notArchived(id) {
  let session = null;
  try {
    session = await getSession(id);
  } catch {
    session = null;
  }
  if (session) {
    header(session);
    links(session, false);
  }
  const why = session ? WHY[session.status] : null;
  problem(`The digest is ready once the chat is archived${why ? `: ${why}` : ''}.`);
}

function shareButton(digest) {
  const button = $id('d-copy');
  const status = $id('d-copy-status');
  const fallback = $id('d-fallback');
  button.addEventListener('click', async () => {
    const text = digestText(digest, { origin: location.origin });
    status.textContent = '';
    if (await copyText(text)) {
      fallback.hidden = true;
      status.textContent = 'Copied. Paste it into an email or a newsletter.';
      return;
    }
    const area = $id('d-text');
    area.value = text;
    $id('d-fallback-note').textContent =
      'Your browser did not let this page use the clipboard. The text is below: select it and copy it yourself.';
    fallback.hidden = false;
    area.focus();
    area.select();
    area.scrollTop = 0;
  });
}

function show(digest) {
  const { session } = digest;
  header(session);
  links(session, true);
  replaceChildren($id('d-figures'), figuresPart(digest.figures));
  replaceChildren($id('d-questions'), questionsPart(session.id, digest.questions));
  replaceChildren($id('d-shared'), linksPart(digest.links));
  replaceChildren($id('d-newcomers'), newcomersPart(digest.newcomers));
  shareButton(digest);
  $id('d-loading').hidden = true;
  $id('d-body').hidden = false;
}

async function main() {
  initAccountNav();
  const id = sessionIdFrom(location.search);
  if (!id) {
    problem('No chat was chosen. ', el('a', { href: '/archives.html' }, 'Pick one in the archives'), '.');
    return;
  }
  let digest;
  try {
    digest = await getDigest(id);
  } catch (e) {
    if (!(e instanceof ApiError)) problem('The digest could not be loaded: unknown error.');
    else if (e.status === 409) await notArchived(id);
    else if (e.status === 404) problem('This chat does not exist. Check the link, or ', el('a', { href: '/archives.html' }, 'find it in the archives'), '.');
    else if (e.status === 401) problem('This chat is open to signed-in people only. ', accountLink('signin', 'Sign in to read its digest'), '.');
    else problem(`The digest could not be loaded: ${e.message}`);
    return;
  }
  show(digest);
}

main();
