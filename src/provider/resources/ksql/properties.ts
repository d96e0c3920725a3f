import { propertyProblems } from '../../../core/ksql';
import { Diagnostic, error } from '../../framework/resource';

/**
 * `streams_properties` checked against the names ksqlDB resolves (src/core/ksql/properties.ts):
 * ksqlDB refuses a whole request with an unknown name (HTTP 500 at apply), so a typo fails the plan
 * here instead, naming the property and the closest known name.
 */
export function validateStreamsProperties(value: unknown, diagnostics: Diagnostic[]): void {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return;
  for (const p of propertyProblems(value as Record<string, unknown>)) {
    diagnostics.push(
      error(
        `Unknown ksqlDB property '${p.name}'`,
        `streams_properties has '${p.name}', a name ksqlDB does not know: it would refuse the query at apply with "${p.message}". Fix: ${p.fix}`,
        ['streams_properties', p.name],
      ),
    );
  }
}
