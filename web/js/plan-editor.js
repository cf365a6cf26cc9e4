// A session's question plan, for hosts: edit each planned question's text and minute, add,
// remove, reorder, save (it replaces every planned question), and skip the next one. Released
// and skipped questions never change: they are left out, or listed read-only when a `done`
// list is given. Used by the chat's host panel and by the host page (one editor per session).

import { ApiError } from './api.js';
import { el, replaceChildren } from './dom.js';
import { questionPlan, replacePlan, skipQuestion } from './mod-api.js';

export class PlanEditor {
  /**
   * Parts: `list` (an ol for the planned questions), `empty` (shown when there are none),
   * `status` (a role="status" line), `addButton`, `saveButton`; optional `skipButton` and `done`
   * (an ol for released and skipped questions; `doneBox` is shown when it has any). `idPrefix`
   * keeps the rows' ids unique on the page (`<prefix>-text-1`, `<prefix>-offset-1`).
   */
  constructor({ sessionId, list, empty, status, addButton, saveButton, skipButton = null, done = null, doneBox = done, idPrefix = 'plan' }) {
    Object.assign(this, { sessionId, list, empty, status, addButton, done, doneBox, idPrefix });
    this.rows = [];
    this.gone = [];
    /** Edits not saved yet: a reload from the server would throw them away. */
    this.dirty = false;
    addButton.addEventListener('click', () => this.add());
    saveButton.addEventListener('click', () => this.save());
    skipButton?.addEventListener('click', () => this.skip());
  }

  /** The chat page's editor, from its fixed ids. */
  static inPage(root, sessionId) {
    const $ = (id) => root.getElementById(id);
    return new PlanEditor({
      sessionId, list: $('plan-list'), empty: $('plan-empty'), status: $('plan-status'),
      addButton: $('plan-add'), saveButton: $('plan-save'), skipButton: $('plan-skip'),
    });
  }

  async load() {
    try {
      this.show(await questionPlan(this.sessionId));
    } catch (e) {
      this.status.textContent = `The question plan could not be loaded: ${e.message}`;
    }
  }

  show(plan) {
    this.rows = plan.filter((q) => q.status === 'planned').map((q) => ({ text: q.text, offset: q.offset_minutes ?? null }));
    this.gone = plan.filter((q) => q.status !== 'planned');
    this.dirty = false;
    this.render();
  }

  /** A question went out (released by anyone, or by the scheduler): always the first planned. */
  released(number) {
    if (!this.dirty) {
      this.load();
      return;
    }
    this.rows.shift();
    this.render();
    this.status.textContent = `Q${number} went out, so it left this list. Your other changes are not saved yet.`;
  }

  render() {
    replaceChildren(this.list, this.rows.map((row, i) => this.row(row, i)));
    this.empty.hidden = this.rows.length > 0;
    if (this.done) {
      replaceChildren(this.done, this.gone.map((q) => el('li', { class: 'plan-done' },
        q.status === 'released' ? `Q${q.number} (released): ` : 'Skipped: ', q.text)));
      this.doneBox.hidden = this.gone.length === 0;
    }
  }

  id(kind, n) {
    return `${this.idPrefix}-${kind}-${n}`;
  }

  row(row, i) {
    const n = i + 1;
    const text = el('textarea', { id: this.id('text', n), rows: '2', maxlength: '270' });
    text.value = row.text;
    text.addEventListener('input', () => {
      row.text = text.value;
      this.dirty = true;
    });
    const offset = el('input', { id: this.id('offset', n), type: 'number', min: '0', step: '1', inputmode: 'numeric' });
    offset.value = row.offset === null ? '' : String(row.offset);
    offset.addEventListener('input', () => {
      row.offset = offset.value.trim() === '' ? null : Number(offset.value);
      this.dirty = true;
    });
    const button = (label, action, show = true) => {
      if (!show) return null;
      const b = el('button', { type: 'button', class: 'secondary small' }, label);
      b.addEventListener('click', action);
      return b;
    };
    const remove = button(`Remove question ${n}`, () => {
      this.rows.splice(i, 1);
      this.dirty = true;
      this.render();
      (this.list.querySelectorAll('textarea')[i] ?? this.addButton).focus();
    });
    return el('li', { class: 'plan-row' },
      el('label', { for: text.id }, `Question ${n}`), text,
      el('label', { for: offset.id }, `Minutes after the start for question ${n} (empty: release it by hand)`), offset,
      el('div', { class: 'actions' },
        button(`Move question ${n} up`, () => this.move(i, -1), i > 0),
        button(`Move question ${n} down`, () => this.move(i, 1), i < this.rows.length - 1),
        remove));
  }

  /** Swaps question i with its neighbour; focus follows the question to its new place. */
  move(i, by) {
    const j = i + by;
    [this.rows[i], this.rows[j]] = [this.rows[j], this.rows[i]];
    this.dirty = true;
    this.render();
    const buttons = [...this.list.children[j].querySelectorAll('button')];
    const word = by < 0 ? 'up' : 'down';
    (buttons.find((b) => b.textContent.endsWith(` ${word}`)) ?? buttons[0]).focus();
    this.status.textContent = `Question ${i + 1} is now question ${j + 1}. Not saved yet.`;
  }

  add() {
    this.rows.push({ text: '', offset: null });
    this.dirty = true;
    this.render();
    const boxes = this.list.querySelectorAll('textarea');
    boxes[boxes.length - 1]?.focus();
  }

  async save() {
    this.status.textContent = '';
    // Marks of an earlier refusal go: this save is judged afresh.
    for (const marked of this.list.querySelectorAll('[aria-invalid="true"]')) marked.removeAttribute('aria-invalid');
    const blank = this.rows.findIndex((row) => !row.text.trim());
    if (blank >= 0) {
      this.status.textContent = `Question ${blank + 1} is empty: write it or remove it.`;
      this.list.querySelectorAll('textarea')[blank]?.focus();
      return;
    }
    const questions = this.rows.map((row) => (row.offset === null ? { text: row.text.trim() } : { text: row.text.trim(), offset_minutes: row.offset }));
    try {
      this.show(await replacePlan(this.sessionId, questions));
      this.status.textContent = this.rows.length === 1 ? 'Saved: 1 question to come.' : `Saved: ${this.rows.length} questions to come.`;
    } catch (e) {
      this.status.textContent = `Not saved: ${e.message}`;
      // "questions[1].offset_minutes: …" names the field: mark and focus it.
      const named = /^questions\[(\d+)\]\.(text|offset_minutes)/.exec(e instanceof ApiError ? e.message : '');
      const field = named && document.getElementById(this.id(named[2] === 'text' ? 'text' : 'offset', Number(named[1]) + 1));
      if (field) {
        field.setAttribute('aria-invalid', 'true');
        field.focus();
      }
    }
  }

  async skip() {
    this.status.textContent = '';
    try {
      const skipped = await skipQuestion(this.sessionId);
      await this.load();
      this.status.textContent = `Skipped: ${skipped.text}`;
    } catch (e) {
      this.status.textContent = `Nothing skipped: ${e.message}`;
    }
  }
}
