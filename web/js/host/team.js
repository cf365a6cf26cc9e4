// The team (owner only): who hosts and moderates, adding someone by handle, removing.

import { seriesMembers } from '../api.js';
import { el, replaceChildren } from '../dom.js';
import { deleteMember, putMember } from './api.js';
import { errorText, handleSubmit } from './form.js';

const ROLE = { owner: 'Owner', host: 'Host', moderator: 'Moderator' };

export async function initTeam(hashtag) {
  const list = document.getElementById('h-team');
  const error = document.getElementById('h-team-error');
  const form = document.getElementById('h-team-add');

  async function refresh() {
    const members = await seriesMembers(hashtag);
    replaceChildren(list, members.map((m) => {
      const label = `${m.display_name} (${m.handle})`;
      const remove = m.role === 'owner' ? null
        : el('button', { type: 'button', class: 'secondary', 'aria-label': `Remove ${label} from the team` }, 'Remove');
      remove?.addEventListener('click', async () => {
        error.textContent = '';
        if (!window.confirm(`Remove ${label} from the team?`)) return;
        try {
          await deleteMember(hashtag, m.handle);
          await refresh();
          form.querySelector('[data-done]').textContent = `${label} is no longer on the team.`;
          form.elements.handle.focus();
        } catch (e) {
          error.textContent = errorText(e);
        }
      });
      return el('li', { 'data-handle': m.handle }, el('span', {}, `${label}: ${ROLE[m.role] ?? m.role}`), ' ', remove);
    }));
  }

  handleSubmit(form, async (data) => {
    const handle = String(data.get('handle')).trim();
    const role = String(data.get('role'));
    await putMember(hashtag, handle, role);
    await refresh();
    form.elements.handle.value = '';
    return `${handle} is now a ${role} of ${hashtag}.`;
  }, { fields: { role: 'role' }, explain: (e) => (e.status === 404 ? `handle: nobody has the handle ${form.elements.handle.value.trim()}.` : errorText(e)) });

  document.getElementById('h-team-section').hidden = false;
  await refresh();
}
