// A series' moderation settings (docs/moderation.md "Rules"): slow mode, hold policy and
// blocked terms, read and saved as a whole. Used by the chat's host panel and the host page.

import { getRules, setRules } from './mod-api.js';

export class RulesForm {
  /** Parts: the `form`, its `slow` input, `hold` select and `terms` textarea, and a `status` line. */
  constructor({ form, slow, hold, terms, status }) {
    Object.assign(this, { form, slow, hold, terms, status });
    this.hashtag = null;
    this.rules = null;
    form.addEventListener('submit', (event) => {
      event.preventDefault();
      this.save();
    });
  }

  /** The chat page's form: `<prefix>-form`, `-slow`, `-hold`, `-terms`, `-status`. */
  static inPage(root, prefix = 'rules') {
    const $ = (part) => root.getElementById(`${prefix}-${part}`);
    return new RulesForm({ form: $('form'), slow: $('slow'), hold: $('hold'), terms: $('terms'), status: $('status') });
  }

  async load(hashtag = this.hashtag) {
    this.hashtag = hashtag;
    try {
      this.rules = await getRules(hashtag);
      this.slow.value = String(this.rules.slow_mode_seconds);
      this.hold.value = this.rules.hold_policy;
      this.terms.value = this.rules.blocked_terms.join('\n');
    } catch (e) {
      this.status.textContent = `The settings could not be loaded: ${e.message}`;
    }
  }

  async save() {
    this.status.textContent = '';
    const seconds = Number(this.slow.value);
    if (!Number.isInteger(seconds) || seconds < 0 || seconds > 3600) {
      this.slow.setAttribute('aria-invalid', 'true');
      this.status.textContent = 'Slow mode: enter a whole number of seconds from 0 to 3600.';
      this.slow.focus();
      return;
    }
    this.slow.removeAttribute('aria-invalid');
    if (!this.rules) {
      // Saving before they load would overwrite settings the form has not shown yet.
      this.status.textContent = 'The current settings are not loaded yet; try again in a moment.';
      this.load();
      return;
    }
    try {
      this.rules = await setRules(this.hashtag, {
        hold_policy: this.hold.value,
        slow_mode_seconds: seconds,
        blocked_terms: this.terms.value.split('\n').map((t) => t.trim()).filter(Boolean),
      });
      this.terms.value = this.rules.blocked_terms.join('\n');
      this.status.textContent = 'Saved. The settings apply to the next post.';
    } catch (e) {
      this.status.textContent = `Not saved: ${e.message}`;
    }
  }
}
