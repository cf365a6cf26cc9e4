// One message as a list item, for the live chat and the transcript. User text becomes text
// nodes; only http(s) URLs become links, built as <a> elements.

import { el } from './dom.js';
import { linkParts, snippet } from './text.js';
import { formatTime, formatFull } from './time.js';

/** Message text as nodes, with safe links. */
export function textNodes(text) {
  return linkParts(text).map((part) =>
    part.type === 'link'
      ? el('a', { href: part.href, rel: 'noopener nofollow ugc', target: '_blank' }, part.text,
          el('span', { class: 'visually-hidden' }, ' (opens in a new tab)'))
      : part.text,
  );
}

export function authorName(message) {
  return message.author ? message.author.handle : 'tweetchat';
}

export function hiddenBody() {
  return el('p', { class: 'msg-text' }, el('em', {}, 'This message was hidden by a moderator.'));
}

/**
 * options: {
 *   mine: bool, lookup(id) → message|null, permalink(id) → href,
 *   actions: null | {liked: bool, onLike(message, liked), onReply(message)},
 *   moderator: bool (a hidden message is shown, marked, instead of a placeholder),
 *   tools(message) → nodes added after the actions (report, moderate), or null
 * }
 */
export function renderMessage(message, options = {}) {
  const { mine = false } = options;
  const classes = ['msg', message.kind ?? 'post'];
  if (mine) classes.push('mine');
  const li = el('li', { class: classes.join(' '), id: `m-${message.id}`, 'data-seq': message.seq, tabindex: '-1' });
  fillMessage(li, message, options);
  return li;
}

export function fillMessage(li, message, options = {}) {
  const {
    mine = false,
    lookup = () => null,
    permalink = (id) => `#m-${id}`,
    actions = null,
    questionId = () => null,
    moderator = false,
    tools = null,
  } = options;
  li.replaceChildren();
  const marked = Boolean(message.hidden) && moderator && typeof message.text === 'string';
  if (!marked && (message.hidden || typeof message.text !== 'string')) {
    li.classList.add('is-hidden');
    li.append(hiddenBody());
    return li;
  }
  li.classList.toggle('is-hidden', marked);
  const head = el('p', { class: 'msg-head' });
  if (marked) head.append(el('span', { class: 'badge hidden-badge' }, 'Hidden'), ' ');
  if (message.pinned && moderator) head.append(el('span', { class: 'badge pinned-badge' }, 'Pinned'), ' ');
  if (message.kind === 'question') {
    head.append(el('span', { class: 'badge live' }, `Q${message.question}`), ' ');
  }
  if (message.author) {
    head.append(
      el('span', { class: 'msg-author' }, message.author.display_name),
      ' ',
      el('span', { class: 'msg-handle' }, message.author.handle),
    );
  } else {
    head.append(el('span', { class: 'msg-author' }, 'tweetchat'));
  }
  if (mine) head.append(' ', el('span', { class: 'visually-hidden' }, '(you)'));
  if (message.credit) head.append(' ', el('span', { class: 'msg-credit' }, `asked by ${message.credit}`));
  head.append(
    ' ',
    el(
      'a',
      { class: 'msg-time', href: permalink(message.id), title: formatFull(message.created_at) },
      el('time', { datetime: message.created_at }, formatTime(message.created_at)),
      el('span', { class: 'visually-hidden' }, ', link to this message'),
    ),
  );
  li.append(head);

  if (message.reply_to) {
    const parent = lookup(message.reply_to);
    const about = parent && !parent.hidden && parent.text !== undefined
      ? `${authorName(parent)}: ${snippet(parent.text, 60)}`
      : 'an earlier message';
    li.append(el('p', { class: 'msg-reply' }, 'Replying to ', el('a', { href: permalink(message.reply_to) }, about)));
  }

  li.append(el('p', { class: 'msg-text' }, textNodes(message.text)));

  const facts = el('div', { class: 'msg-actions' });
  if (message.answers) {
    const question = questionId(message.answers);
    if (question) facts.append(el('a', { href: permalink(question) }, `Answers Q${message.answers}`));
  }
  const likes = el('span', { class: 'likes', 'data-likes': message.likes ?? 0 }, likeText(message.likes ?? 0));
  if (actions) {
    const like = el('button', { type: 'button', class: 'secondary small like-btn', 'aria-pressed': actions.liked ? 'true' : 'false' },
      'Like', el('span', { class: 'visually-hidden' }, ` message from ${authorName(message)}`));
    like.addEventListener('click', () => actions.onLike(message, like.getAttribute('aria-pressed') !== 'true', like));
    const reply = el('button', { type: 'button', class: 'secondary small reply-btn' },
      'Reply', el('span', { class: 'visually-hidden' }, ` to ${authorName(message)}`));
    reply.addEventListener('click', () => actions.onReply(message));
    facts.append(like, likes, reply);
  } else if ((message.likes ?? 0) > 0) {
    facts.append(likes);
  }
  const extra = tools?.(message);
  if (extra) facts.append(extra);
  if (facts.childNodes.length) li.append(facts);
  return li;
}

export function likeText(n) {
  if (!n) return '';
  return n === 1 ? '1 like' : `${n} likes`;
}
