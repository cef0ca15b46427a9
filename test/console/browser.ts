import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { BrowserContext } from 'playwright-core';

export const CHROMIUM = '/usr/bin/chromium';
export const INSTALL = 'apt-get install -y chromium';

/**
 * Whether the browser tests can run. Without Chromium they skip locally but
 * fail in CI (CI is set), so they can never silently skip there.
 * @throws Error naming the install command, in CI without Chromium
 */
export function chromiumOrSkip(): string | undefined {
  if (existsSync(CHROMIUM)) return undefined;
  const reason = `${CHROMIUM} is missing: install it with \`${INSTALL}\``;
  if (process.env['CI'] !== undefined && process.env['CI'] !== '') throw new Error(reason);
  return reason;
}

/** Debian's Chromium, headless, with a fresh profile; `close()` removes the profile. */
export async function launch(): Promise<{ context: BrowserContext; close(): Promise<void> }> {
  const { chromium } = await import('playwright-core');
  const profile = mkdtempSync(join(tmpdir(), 'weft-chromium-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    viewport: { width: 1400, height: 900 },
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--no-first-run',
    ],
  });
  return {
    context,
    close: async () => {
      await context.close();
      rmSync(profile, { recursive: true, force: true });
    },
  };
}
