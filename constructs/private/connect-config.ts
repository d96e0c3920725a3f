/** Connector configuration entries built from typed settings. */
import type { ConverterSpec } from '../connectors/common';

/** `key.converter*` / `value.converter*` entries of a connector config. */
export function converterConfig(side: 'key' | 'value', spec: ConverterSpec | undefined): Record<string, string> {
  if (!spec) return {};
  const out: Record<string, string> = { [`${side}.converter`]: spec.converterClass };
  for (const [k, v] of Object.entries(spec.settings ?? {})) out[`${side}.converter.${k}`] = v;
  return out;
}

/** `transforms` entries for an ordered list of named single message transforms. */
export function transformsConfig(
  transforms: readonly { name: string; type: string; settings?: Readonly<Record<string, string>> }[],
): Record<string, string> {
  if (transforms.length === 0) return {};
  const out: Record<string, string> = { transforms: transforms.map((t) => t.name).join(',') };
  for (const t of transforms) {
    out[`transforms.${t.name}.type`] = t.type;
    for (const [k, v] of Object.entries(t.settings ?? {})) out[`transforms.${t.name}.${k}`] = v;
  }
  return out;
}
