// Audience questions: approved proposals with their votes (by votes or by time, answered ones
// apart), a form to propose one while the series takes them, your own pending and rejected
// ones, and for moderators the review queue and the tools on each question. Read over HTTP on
// every welcome, kept current by `proposal` frames (which never carry the reader's vote, so
// votes are remembered from the list and from this page's own clicks).

import { ApiError } from '../api.js';
import { el, replaceChildren, setMessage } from '../dom.js';
import {
  audienceSetting, decideProposal, editProposal, listProposals, markAnswered, mergeProposal, promoteProposal, propose,
  voteProposal,
} from '../mod-api.js';
import { snippet } from '../text.js';

/** Whether a series with `setting` takes proposals while its session has `status`. */
export function takesQuestions(setting, status) {
  const before = status === 'scheduled' || status === 'lobby';
  const during = status === 'live';
  return (setting === 'before' && before) || (setting === 'during' && during) || (setting === 'both' && (before || during));
}

/** Approved, not answered proposals in display order. */
export function sortProposals(items, sort) {
  const byTime = (a, b) => (a.created_at < b.created_at ? 1 : a.created_at > b.created_at ? -1 : 0);
  return [...items].sort(sort === 'time' ? byTime : (a, b) => b.votes - a.votes || -byTime(a, b));
}

const errorText = (e) => (e instanceof ApiError ? e.message : 'try again');
const votesText = (n) => (n === 1 ? '1 vote' : `${n} votes`);

export class ProposalsPanel {
  constructor({ root = document, sessionId, state, announcer, onPromoted = () => {} }) {
    this.onPromoted = onPromoted;
    this.sessionId = sessionId;
    this.state = state;
    this.announcer = announcer;
    this.box = root.getElementById('audience');
    this.count = root.getElementById('aq-count');
    this.error = root.getElementById('aq-error');
    this.form = root.getElementById('aq-form');
    this.text = root.getElementById('aq-text');
    this.anon = root.getElementById('aq-anon');
    this.formStatus = root.getElementById('aq-form-status');
    this.closed = root.getElementById('aq-closed');
    this.sort = root.getElementById('aq-sort');
    this.lists = {
      mine: root.getElementById('aq-mine'),
      pending: root.getElementById('aq-pending'),
      open: root.getElementById('aq-list'),
      answered: root.getElementById('aq-answered'),
    };
    this.empty = root.getElementById('aq-empty');
    /** proposal id → ProposalView. */
    this.items = new Map();
    /** proposal id → whether this reader voted. */
    this.votes = new Map();
    /** Values typed into the per-question fields, kept across re-renders. */
    this.drafts = new Map();
    this.setting = 'off';
    this.loading = 0;
    this.sort.addEventListener('change', () => this.render());
    this.form.addEventListener('submit', (event) => {
      event.preventDefault();
      this.submit();
    });
  }

  /** Reads the series' setting and the whole list again (every welcome). */
  async load() {
    const run = ++this.loading;
    const session = this.state.session;
    try {
      const [setting, list] = await Promise.all([audienceSetting(session.hashtag), listProposals(this.sessionId)]);
      if (run !== this.loading) return;
      setMessage(this.error, '');
      this.setting = setting.audience_questions;
      this.items = new Map(list.map((x) => [x.id, x]));
      this.votes = new Map(list.map((x) => [x.id, Boolean(x.voted)]));
      this.box.hidden = this.setting === 'off' && list.length === 0;
      this.configure();
      this.render();
    } catch (e) {
      if (run === this.loading) setMessage(this.error, `Audience questions could not be loaded: ${errorText(e)}.`);
    }
  }

  /** Shows the form only when the series takes questions now and the reader may post. */
  configure() {
    const open = takesQuestions(this.setting, this.state.status);
    this.form.hidden = !(open && this.state.canPost);
    const why = !open
      ? 'This chat is not taking questions right now.'
      : this.state.canPost ? '' : 'Sign in to propose questions and vote.';
    setMessage(this.closed, this.setting === 'off' ? '' : why);
  }

  /** A `proposal` frame. */
  frame(proposal) {
    const before = this.items.get(proposal.id);
    if (proposal.status === 'merged') {
      this.items.delete(proposal.id);
      this.votes.delete(proposal.id);
    } else {
      this.items.set(proposal.id, proposal);
    }
    this.box.hidden = false;
    this.render();
    this.announce(before, proposal);
  }

  announce(before, now) {
    const mine = this.isMine(now);
    if (mine && before?.status === 'pending' && now.status === 'approved') {
      this.announcer.say('A moderator approved your question.', 'proposals-mine');
    } else if (mine && before?.status !== 'rejected' && now.status === 'rejected') {
      this.announcer.say('A moderator did not approve your question.', 'proposals-mine');
    } else if (!mine && now.status === 'approved' && before?.status !== 'approved') {
      this.announcer.say('New audience question.', 'proposals');
    } else if (!mine && now.status === 'pending' && !before && this.state.canModerate) {
      this.announcer.say('A proposed question waits for review.', 'proposals');
    }
  }

  isMine(proposal) {
    return Boolean(this.state.you && proposal.author && proposal.author.id === this.state.you.id);
  }

  async submit() {
    const text = this.text.value.trim();
    if (!text) {
      setMessage(this.formStatus, 'Write your question first.');
      this.text.focus();
      return;
    }
    setMessage(this.formStatus, '');
    try {
      const created = await propose(this.sessionId, text, this.anon.checked);
      this.items.set(created.id, created);
      this.text.value = '';
      this.anon.checked = false;
      setMessage(this.formStatus, 'Sent. A moderator reviews it before others see it.');
      this.render();
    } catch (e) {
      setMessage(this.formStatus, `Your question was not sent: ${errorText(e)}`);
    }
  }

  render() {
    const hadFocus = this.box.contains(document.activeElement);
    const focusKey = document.activeElement?.dataset?.key;
    const openKeys = new Set([...this.box.querySelectorAll('details[data-key][open]')].map((d) => d.dataset.key));
    const all = [...this.items.values()];
    const approved = all.filter((x) => x.status === 'approved');
    const open = sortProposals(approved.filter((x) => !x.answered), this.sort.value);
    const answered = sortProposals(approved.filter((x) => x.answered), 'time');
    const mine = all.filter((x) => x.status !== 'approved' && this.isMine(x));
    const pending = this.state.canModerate ? all.filter((x) => x.status === 'pending' && !this.isMine(x)) : [];
    const fill = (list, items) => {
      replaceChildren(list, items.map((x) => this.item(x, approved)));
      list.closest('[data-part]').hidden = items.length === 0;
    };
    fill(this.lists.mine, mine);
    fill(this.lists.pending, pending);
    fill(this.lists.answered, answered);
    replaceChildren(this.lists.open, open.map((x) => this.item(x, approved)));
    this.empty.hidden = open.length > 0;
    this.count.textContent = `(${open.length})`;
    for (const d of this.box.querySelectorAll('details[data-key]')) if (openKeys.has(d.dataset.key)) d.open = true;
    // Keep the keyboard where it was; when its button went away (approved, merged, promoted),
    // on the panel's summary rather than lost to the page.
    const target = focusKey ? this.box.querySelector(`[data-key="${CSS.escape(focusKey)}"]`) : null;
    if (target) target.focus();
    else if (hadFocus && !this.box.contains(document.activeElement)) this.box.querySelector('summary').focus();
  }

  /** A field whose typed value survives re-renders. */
  field(tag, key, attrs) {
    const node = el(tag, { ...attrs, 'data-key': key });
    if (this.drafts.has(key)) node.value = this.drafts.get(key);
    node.addEventListener('input', () => this.drafts.set(key, node.value));
    return node;
  }

  /** A button running `action()`; errors land in `status`. */
  button(key, label, hidden, status, action, secondary = true) {
    const b = el('button', { type: 'button', class: secondary ? 'secondary small' : 'small', 'data-key': key },
      label, el('span', { class: 'visually-hidden' }, ` ${hidden}`));
    b.addEventListener('click', async () => {
      if (b.getAttribute('aria-disabled') === 'true') return;
      b.setAttribute('aria-disabled', 'true');
      status.textContent = '';
      try {
        await action();
      } catch (e) {
        status.textContent = `That did not work: ${errorText(e)}`;
      } finally {
        b.removeAttribute('aria-disabled');
      }
    });
    return b;
  }

  item(x, approved) {
    const about = `question: ${snippet(x.text, 60)}`;
    const status = el('p', { class: 'tool-status', role: 'status' });
    const key = (k) => `${k}-${x.id}`;
    const who = x.author
      ? [el('span', { class: 'msg-author' }, x.author.display_name), ' ', el('span', { class: 'msg-handle' }, x.author.handle)]
      : [el('span', { class: 'msg-author' }, 'Anonymous')];
    const badges = [];
    if (x.anonymous && x.author) badges.push('asked anonymously');
    if (x.status === 'pending') badges.push('waiting for review');
    if (x.status === 'rejected') badges.push('not approved');
    if (x.promoted) badges.push('in the plan');
    if (x.edited) badges.push('edited by a moderator');
    const li = el('li', { class: 'proposal', 'data-proposal-id': x.id },
      el('p', { class: 'msg-head' }, who,
        x.status === 'approved' ? [' ', el('span', { class: 'proposal-votes' }, votesText(x.votes))] : null,
        badges.map((b) => [' ', el('span', { class: 'badge' }, b)])),
      el('p', { class: 'msg-text' }, x.text),
      x.status === 'rejected' && x.reason ? el('p', { class: 'hint' }, `Reason: ${x.reason}`) : null,
      x.edited && x.original_text ? el('p', { class: 'hint' }, `Originally: ${x.original_text}`) : null);
    const actions = el('div', { class: 'actions' });
    const act = (fn) => async () => {
      const updated = await fn();
      if (updated?.id) this.items.set(updated.id, updated);
      this.render();
    };
    if (x.status === 'approved' && !x.answered && this.state.canPost) {
      const voted = this.votes.get(x.id) ?? false;
      const b = this.button(key('vote'), 'Vote', `for ${about}`, status, async () => {
        const updated = await voteProposal(this.sessionId, x.id, !voted);
        this.votes.set(x.id, !voted);
        if (updated?.id) this.items.set(updated.id, updated);
        this.render();
      }, voted);
      b.setAttribute('aria-pressed', voted ? 'true' : 'false');
      actions.append(b);
    }
    const tools = this.state.canModerate ? this.moderatorTools(x, approved, { li, actions, status, about, key, act }) : null;
    if (actions.childElementCount > 0) li.append(actions);
    li.append(...[tools, status].flat().filter(Boolean));
    return li;
  }

  /** Adds the review fields and buttons; returns the Edit or merge disclosure, if any. */
  moderatorTools(x, approved, { li, actions, status, about, key, act }) {
    const id = this.sessionId;
    if (x.status === 'pending') {
      const reasonId = key('reason');
      li.append(el('label', { for: reasonId }, 'Reason if rejected (the author sees it)'),
        this.field('input', reasonId, { id: reasonId, type: 'text', maxlength: '500', autocomplete: 'off' }));
      actions.append(
        this.button(key('approve'), 'Approve', about, status, act(() => decideProposal(id, x.id, 'approve')), false),
        this.button(key('reject'), 'Reject', about, status,
          act(() => decideProposal(id, x.id, 'reject', (this.drafts.get(reasonId) ?? '').trim()))));
    }
    if (x.status !== 'approved') return null;
    actions.append(this.button(key('answered'), x.answered ? 'Restore' : 'Mark answered', about, status,
      act(() => markAnswered(id, x.id, !x.answered))));
    let place = null;
    if (this.state.isHost && !x.promoted) {
      const promote = (where) => act(async () => {
        const result = await promoteProposal(id, x.id, where);
        this.onPromoted();
        const when = where.offset_minutes !== undefined ? `, released at minute ${where.offset_minutes}` : '';
        this.announcer.say(`Added to the plan at position ${result.position}${when}.`, 'proposals');
        return result.proposal;
      })();
      actions.append(this.button(key('promote'), 'Add to the plan', `as the next question: ${about}`, status, () => promote({})));
      place = this.placeForm(x, { status, about, key, promote });
    }
    const tools = el('details', { class: 'proposal-tools', 'data-key': key('tools') },
      el('summary', {}, 'Edit or merge', el('span', { class: 'visually-hidden' }, ` ${about}`)));
    if (!x.promoted) {
      const textId = key('text');
      const text = this.field('textarea', textId, { id: textId, rows: '2' });
      if (!this.drafts.has(textId)) text.value = x.text;
      tools.append(el('label', { for: textId }, 'Wording'), text,
        this.button(key('save'), 'Save wording', about, status, act(() => editProposal(id, x.id, text.value.trim()))));
    }
    const others = approved.filter((o) => o.id !== x.id);
    if (others.length > 0) {
      const intoId = key('into');
      const into = this.field('select', intoId, { id: intoId });
      into.append(...others.map((o) => el('option', { value: o.id }, snippet(o.text, 80))));
      if (this.drafts.has(intoId)) into.value = this.drafts.get(intoId);
      tools.append(el('label', { for: intoId }, 'Duplicate of'), into,
        this.button(key('merge'), 'Merge', about, status, act(async () => {
          const target = await mergeProposal(id, x.id, into.value);
          this.items.delete(x.id);
          return target;
        })));
    }
    return [place, tools];
  }

  /**
   * "Add at another place" (hosts): a small form to promote as the next question (default), at
   * a position among the questions still planned, or released at a minute after the start.
   */
  placeForm(x, { status, about, key, promote }) {
    const whereKey = key('where');
    const chosen = this.drafts.get(whereKey) ?? 'next';
    const positionId = key('position');
    const minuteId = key('minute');
    const radio = (value, label) => {
      const input = el('input', { type: 'radio', name: whereKey, value, 'data-key': `${whereKey}-${value}` });
      input.checked = chosen === value;
      input.addEventListener('change', () => { if (input.checked) this.drafts.set(whereKey, value); });
      return el('label', { class: 'checkbox' }, input, ` ${label}`);
    };
    const position = this.field('input', positionId, { id: positionId, type: 'number', min: '1', step: '1', inputmode: 'numeric' });
    const minute = this.field('input', minuteId, { id: minuteId, type: 'number', min: '0', step: '1', inputmode: 'numeric' });
    const form = el('form', { novalidate: '' },
      el('fieldset', { class: 'promote-place' },
        el('legend', {}, 'Where in the plan'),
        radio('next', 'As the next question'),
        radio('position', 'At a position among the questions still to come'),
        el('label', { for: positionId }, 'Position (1 is next)'), position,
        radio('offset', 'Released by itself at a minute of the chat (placed next)'),
        el('label', { for: minuteId }, 'Minute after the start'), minute),
      el('button', { type: 'submit', class: 'small', 'data-key': key('promote-at') },
        'Add at this place', el('span', { class: 'visually-hidden' }, ` ${about}`)));
    const pick = (value) => () => {
      this.drafts.set(whereKey, value);
      form.querySelector(`input[value="${value}"]`).checked = true;
    };
    position.addEventListener('input', pick('position'));
    minute.addEventListener('input', pick('offset'));
    form.addEventListener('submit', async (event) => {
      event.preventDefault();
      const where = form.querySelector('input[type="radio"]:checked')?.value ?? 'next';
      const number = (input, min, what) => {
        const n = Number(input.value);
        if (input.value.trim() === '' || !Number.isInteger(n) || n < min) {
          status.textContent = `Give the ${what} as a whole number from ${min}.`;
          input.focus();
          return null;
        }
        return n;
      };
      let body = {};
      if (where === 'position') {
        const n = number(position, 1, 'position');
        if (n === null) return;
        body = { position: n };
      } else if (where === 'offset') {
        const n = number(minute, 0, 'minute');
        if (n === null) return;
        body = { offset_minutes: n };
      }
      const submit = form.querySelector('button[type="submit"]');
      if (submit.disabled) return;
      status.textContent = '';
      submit.disabled = true; // one promotion per press, however often Enter is pressed
      try {
        await promote(body);
      } catch (e) {
        status.textContent = `That did not work: ${errorText(e)}`;
      } finally {
        submit.disabled = false;
      }
    });
    return el('details', { class: 'proposal-tools', 'data-key': key('place') },
      el('summary', {}, 'Add at another place', el('span', { class: 'visually-hidden' }, ` ${about}`)), form);
  }
}
