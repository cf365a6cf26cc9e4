// Recurrence rules in the subset the API takes (weekly, fortnightly, monthly nth or last
// weekday), built from the form and told back in words.

export const WEEKDAYS = [
  ['MO', 'Monday'], ['TU', 'Tuesday'], ['WE', 'Wednesday'], ['TH', 'Thursday'],
  ['FR', 'Friday'], ['SA', 'Saturday'], ['SU', 'Sunday'],
];
const ORDINALS = { 1: 'first', 2: 'second', 3: 'third', 4: 'fourth', 5: 'fifth', '-1': 'last' };

/** freq: weekly, fortnightly or monthly; day: MO…SU; nth: 1-4 or -1 (monthly only). */
export function buildRule({ freq, day, nth }) {
  if (freq === 'monthly') return `FREQ=MONTHLY;BYDAY=${Number(nth)}${day}`;
  if (freq === 'fortnightly') return `FREQ=WEEKLY;INTERVAL=2;BYDAY=${day}`;
  return `FREQ=WEEKLY;BYDAY=${day}`;
}

/** "2026-12-03" and "20:00" → "2026-12-03T20:00:00". */
export const firstStartLocal = (date, time) => `${date}T${time.slice(0, 5)}:00`;

/** The form's fields for a rule, or null if it is outside what the form can show. */
export function parseRule(rule) {
  const parts = Object.fromEntries(String(rule).split(';').map((p) => p.split('=')));
  const match = /^(-?\d)?(MO|TU|WE|TH|FR|SA|SU)$/.exec(parts.BYDAY ?? '');
  if (!match) return null;
  const day = match[2];
  if (parts.FREQ === 'MONTHLY' && match[1]) return { freq: 'monthly', day, nth: match[1] };
  if (parts.FREQ === 'WEEKLY' && !match[1]) return { freq: parts.INTERVAL === '2' ? 'fortnightly' : 'weekly', day, nth: '1' };
  return null;
}

/** "Every Thursday at 20:00 (Europe/London), from 2026-12-03." */
export function describeRule({ rule, first_start_local: first, time_zone: zone }) {
  const fields = parseRule(rule);
  const [date, time = ''] = String(first).split('T');
  const at = `at ${time.slice(0, 5)} (${zone}), from ${date}`;
  if (!fields) return `Repeats by the rule ${rule}, ${at}.`;
  const dayName = WEEKDAYS.find(([code]) => code === fields.day)[1];
  if (fields.freq === 'monthly') return `Every month on the ${ORDINALS[fields.nth] ?? fields.nth} ${dayName} ${at}.`;
  if (fields.freq === 'fortnightly') return `Every other ${dayName} ${at}.`;
  return `Every ${dayName} ${at}.`;
}
