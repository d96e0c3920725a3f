/** Prints one line per set-up step with its duration, on stderr so stdout stays machine-readable. */
export async function step<T>(title: string, fn: () => Promise<T>): Promise<T> {
  const started = Date.now();
  process.stderr.write(`  … ${title}\n`);
  try {
    const result = await fn();
    process.stderr.write(`  ✓ ${title} (${((Date.now() - started) / 1000).toFixed(1)}s)\n`);
    return result;
  } catch (err) {
    process.stderr.write(`  ✗ ${title} (${((Date.now() - started) / 1000).toFixed(1)}s)\n`);
    throw err;
  }
}

export function note(text: string): void {
  process.stderr.write(`    ${text}\n`);
}
