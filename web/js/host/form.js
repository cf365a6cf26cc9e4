// Shared form plumbing for the host page: an error line and a done line per form, and the
// field an API `invalid` message names ("title: must be …") marked and focused.

import { ApiError } from '../api.js';

export const errorText = (e) => (e instanceof ApiError ? e.message : 'Something went wrong. Try again.');

/**
 * Runs `action(formData)` for a submitted form and shows the text it returns, or the error
 * (`explain(error)`) with the field it names; `fields` maps API field names to form names.
 */
export function handleSubmit(form, action, { fields = {}, explain = errorText } = {}) {
  const error = form.querySelector('[data-error]');
  const done = form.querySelector('[data-done]');
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    error.textContent = '';
    done.textContent = '';
    for (const input of form.querySelectorAll('[aria-invalid]')) input.removeAttribute('aria-invalid');
    try {
      done.textContent = await action(new FormData(form));
    } catch (e) {
      error.textContent = explain(e);
      const name = /^(\w+):/.exec(e instanceof ApiError ? e.message : '')?.[1];
      const input = name ? form.querySelector(`[name="${fields[name] ?? name}"]`) : null;
      if (input) {
        input.setAttribute('aria-invalid', 'true');
        input.focus();
      }
    }
  });
}
