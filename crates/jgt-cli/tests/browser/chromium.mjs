// Starts Debian's Chromium through playwright-core, with a throwaway
// profile and nothing that talks to the network, and collects the checks a
// script makes so it can print them as one JSON line.

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium } from 'playwright-core';

/** The browser binary: $JGT_CHROMIUM, else Debian's. */
export const CHROMIUM = process.env.JGT_CHROMIUM || '/usr/bin/chromium';

const FLAGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

/**
 * Opens a browser with a fresh profile (playwright passes it as
 * --user-data-dir) and one page of the given size. `close()` ends the
 * browser and deletes the profile.
 */
export async function openBrowser({ width = 1440, height = 900 } = {}) {
  const profile = mkdtempSync(join(tmpdir(), 'jgt-chromium-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    args: FLAGS,
    viewport: { width, height },
    timeout: 60_000,
  });
  const page = context.pages()[0] || (await context.newPage());
  page.setDefaultTimeout(15_000);
  const problems = [];
  page.on('pageerror', (error) => problems.push(`page error: ${error.message}`));
  page.on('console', (message) => {
    if (message.type() === 'error') problems.push(`console error: ${message.text()}`);
  });
  const dialogs = [];
  page.on('dialog', async (dialog) => {
    dialogs.push(`${dialog.type()}: ${dialog.message()}`);
    await dialog.dismiss().catch(() => {});
  });
  return {
    page,
    problems,
    dialogs,
    async close() {
      await context.close().catch(() => {});
      rmSync(profile, { recursive: true, force: true });
    },
  };
}

/**
 * A list of named checks. `check(name, ok, detail)` records one;
 * `finish(extra)` prints `{"ok":…,"checks":[…],…}` on one line and ends the
 * process, with status 1 when any check failed.
 */
export function checklist() {
  const checks = [];
  return {
    check(name, ok, detail) {
      const entry = { name, ok: Boolean(ok) };
      if (detail !== undefined) entry.detail = detail;
      checks.push(entry);
      return entry.ok;
    },
    failed() {
      return checks.filter((c) => !c.ok);
    },
    finish(extra = {}) {
      const ok = checks.length > 0 && checks.every((c) => c.ok);
      process.stdout.write(JSON.stringify({ ok, checks, ...extra }) + '\n');
      process.exit(ok ? 0 : 1);
    },
  };
}

/** Ends the process with a failure line if the work takes longer than `ms`. */
export function deadline(ms, what) {
  const timer = setTimeout(() => {
    process.stdout.write(
      JSON.stringify({ ok: false, error: `${what} took longer than ${ms / 1000} s` }) + '\n',
    );
    process.exit(1);
  }, ms);
  timer.unref();
}

/** Runs `main`, turning an exception into a failure line. */
export function run(main) {
  main().catch((error) => {
    process.stdout.write(
      JSON.stringify({ ok: false, error: String((error && error.stack) || error) }) + '\n',
    );
    process.exit(1);
  });
}
