// Launching Debian's Chromium (never a downloaded browser) and small page helpers.

import { mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';
import AxeBuilderModule from '@axe-core/playwright';

const AxeBuilder = AxeBuilderModule.default ?? AxeBuilderModule;

export const HERE = dirname(dirname(fileURLToPath(import.meta.url)));
export const SCREENSHOTS = join(HERE, 'screenshots');

export const CHROMIUM = process.env.CHROMIUM_PATH || '/usr/bin/chromium';

// Playwright's launch() gives every run a fresh temporary --user-data-dir of its own (and
// removes it on close); it refuses one passed in `args`.
export const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

export function baseUrl() {
  const url = process.env.TWEETCHAT_URL;
  if (!url) throw new Error('TWEETCHAT_URL is not set: run the tests with tests/browser/run.sh');
  return url.replace(/\/$/, '');
}

export async function launch() {
  return chromium.launch({ executablePath: CHROMIUM, headless: true, args: CHROMIUM_ARGS });
}

/**
 * A new isolated browser context (its own cookies) whose pages fail the test on script errors
 * and CSP violations. `problems` collects them.
 */
export async function newContext(browser, options = {}) {
  const context = await browser.newContext({
    baseURL: baseUrl(),
    viewport: { width: 1280, height: 800 },
    locale: 'en-GB',
    timezoneId: 'Europe/London',
    reducedMotion: 'reduce',
    ...options,
  });
  context.problems = [];
  context.on('page', (page) => watch(page, context.problems));
  return context;
}

export function watch(page, problems) {
  page.on('pageerror', (error) => problems.push(`page error: ${error.message}`));
  page.on('console', (message) => {
    if (message.type() !== 'error') return;
    const text = message.text();
    // Chromium logs every 4xx answer; the pages handle them (anonymous visitors get 401 from
    // /api/v1/me, a wrong password 422). Server errors (5xx) still count.
    if (/Failed to load resource: the server responded with a status of 4\d\d/.test(text)) return;
    // A server being restarted on purpose refuses connections for a moment.
    if (/WebSocket connection to .* failed/.test(text) || /ERR_CONNECTION_REFUSED/.test(text)) return;
    problems.push(`console error: ${text}`);
  });
}

export async function screenshot(page, name) {
  mkdirSync(SCREENSHOTS, { recursive: true });
  const { width, height } = page.viewportSize();
  const path = join(SCREENSHOTS, `${name}-${width}x${height}.png`);
  await page.screenshot({ path });
  return path;
}

/** axe-core against WCAG 2.0/2.1/2.2 A and AA; returns the violations, summarised. */
export async function axeViolations(page) {
  const results = await new AxeBuilder({ page })
    .withTags(['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa', 'best-practice'])
    .analyze();
  return results.violations.map((v) => ({
    id: v.id,
    impact: v.impact,
    help: v.help,
    nodes: v.nodes.slice(0, 5).map((n) => `${n.target.join(' ')}: ${n.failureSummary?.split('\n').slice(0, 3).join(' ')}`),
  }));
}

export const SIZES = [
  { width: 360, height: 740 },
  { width: 1280, height: 800 },
];
