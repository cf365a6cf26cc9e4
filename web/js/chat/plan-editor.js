// The questions still to come, for hosts: edit their text and minute, add, remove, save the
// plan (it replaces every planned question), and skip the next one. Released and skipped
// questions never change, so only planned ones are shown.

import { el, replaceChildren } from '../dom.js';
import { questionPlan, replacePlan, skipQuestion } from '../mod-api.js';

export class PlanEditor {
  constructor({ root = document, sessionId }) {
    this.sessionId = sessionId;
    this.list = root.getElementById('plan-list');
    this.empty = root.getElementById('plan-empty');
    this.status = root.getElementById('plan-status');
    this.addButton = root.getElementById('plan-add');
    this.rows = [];
    /** Edits not saved yet: a reload from the server would throw them away. */
    this.dirty = false;
    this.addButton.addEventListener('click', () => this.add());
    root.getElementById('plan-save').addEventListener('click', () => this.save());
    root.getElementById('plan-skip').addEventListener('click', () => this.skip());
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
  }

  row(row, i) {
    const n = i + 1;
    const textId = `plan-text-${n}`;
    const offsetId = `plan-offset-${n}`;
    const text = el('textarea', { id: textId, rows: '2', maxlength: '270' });
    text.value = row.text;
    text.addEventListener('input', () => {
      row.text = text.value;
      this.dirty = true;
    });
    const offset = el('input', { id: offsetId, type: 'number', min: '0', step: '1', inputmode: 'numeric' });
    offset.value = row.offset === null ? '' : String(row.offset);
    offset.addEventListener('input', () => {
      row.offset = offset.value.trim() === '' ? null : Number(offset.value);
      this.dirty = true;
    });
    const remove = el('button', { type: 'button', class: 'secondary small' }, `Remove question ${n}`);
    remove.addEventListener('click', () => {
      this.rows.splice(i, 1);
      this.dirty = true;
      this.render();
      (this.list.querySelectorAll('textarea')[i] ?? this.addButton).focus();
    });
    return el('li', { class: 'plan-row' },
      el('label', { for: textId }, `Question ${n}`), text,
      el('label', { for: offsetId }, `Minutes after the start for question ${n} (empty: release it by hand)`), offset,
      el('div', { class: 'actions' }, remove));
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
