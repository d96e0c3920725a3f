/** Config keys whose values are secrets (connector passwords, API keys, ...): never shown, never written as literals. */
export const SECRET_KEY = /(password|passwd|secret|token|api[._-]?key|private[._-]?key|credentials?)$/i;
