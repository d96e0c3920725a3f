/**
 * A headless Chromium for page tests (Debian's `chromium`, installed by ensureChromium when
 * missing) with a throw-away profile, one page at the given window size.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { BrowserContext, chromium, Page } from 'playwright-core';
import { CHROMIUM_ARGS, ensureChromium } from '../../src/tools/toolchain/chromium';

export interface TestBrowser {
  readonly context: BrowserContext;
  readonly page: Page;
  /** Closes the browser and removes its profile. */
  close(): Promise<void>;
}

export async function openChromium(name: string, viewport = { width: 1600, height: 1000 }): Promise<TestBrowser> {
  const executablePath = await ensureChromium();
  const userDataDir = fs.mkdtempSync(path.join(os.tmpdir(), `${name}-chromium-`));
  const context = await chromium.launchPersistentContext(userDataDir, {
    executablePath,
    headless: true,
    args: [...CHROMIUM_ARGS],
    viewport,
  });
  return {
    context,
    page: await context.newPage(),
    close: async () => {
      await context.close();
      fs.rmSync(userDataDir, { recursive: true, force: true });
    },
  };
}
