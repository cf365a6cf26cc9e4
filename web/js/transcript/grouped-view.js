// The transcript grouped by question: each group a heading (Q1 and its text, or
// "Conversation") over its entries, replies indented by depth. A group cut by a page's end
// continues in the same list when the next page starts with it.

import { el } from '../dom.js';
import { renderMessage } from '../render-message.js';

const MAX_DEPTH = 4;

export class GroupedView {
  /** root: the element the groups go into; options: as renderMessage's (lookup, questionId). */
  constructor(root, options) {
    this.root = root;
    this.options = options;
    this.last = null;
  }

  /** Adds a page's groups; returns the new message items. */
  add(groups) {
    const items = [];
    for (const group of groups) {
      if (!this.last || this.last.question !== group.question) this.last = this.open(group);
      for (const entry of group.entries) {
        const li = renderMessage(entry.message, this.options);
        li.classList.add(`depth-${Math.min(entry.depth, MAX_DEPTH)}`);
        this.last.list.append(li);
        items.push(li);
      }
    }
    return items;
  }

  open(group) {
    const first = group.entries[0]?.message;
    const title = group.question === null
      ? 'Conversation'
      : `${group.label}${first?.kind === 'question' ? `: ${first.text}` : ''}`;
    const id = `g-${group.question ?? 'conversation'}`;
    const list = el('ol', { class: 'stream transcript-list', 'aria-labelledby': id });
    this.root.append(el('section', { class: 'q-group', 'data-question': group.question ?? '' },
      el('h3', { id, class: 'q-group-heading' }, title), list));
    return { question: group.question, list };
  }
}
