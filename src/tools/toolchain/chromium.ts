import { ensureSystemPackages } from './system-packages';

/** Where Debian's `chromium` package puts the browser. */
const CHROMIUM_PATH = '/usr/bin/chromium';

/**
 * Flags for a headless Chromium on a machine without internet: without the networking flags it
 * stalls on start-up trying to reach Google's services.
 */
export const CHROMIUM_ARGS: readonly string[] = [
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
 * Makes sure Chromium is at {@link CHROMIUM_PATH} and returns that path. The test set-up
 * (`scripts/setup.sh --tests`) installs it already; this covers a test run on its own.
 */
export async function ensureChromium(options: { logFile?: string } = {}): Promise<string> {
  await ensureSystemPackages(['chromium'], options.logFile);
  return CHROMIUM_PATH;
}
