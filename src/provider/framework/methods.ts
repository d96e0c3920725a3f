/**
 * The tfplugin6.Provider methods streamform's provider serves (all unary). The plugin layer
 * registers them before the provider's modules load; ProviderServer.handlers() implements exactly
 * these (the compiler checks it).
 */
export const PROVIDER_METHODS = [
  'GetMetadata',
  'GetProviderSchema',
  'ValidateProviderConfig',
  'ConfigureProvider',
  'ValidateResourceConfig',
  'UpgradeResourceState',
  'ReadResource',
  'PlanResourceChange',
  'ApplyResourceChange',
  'ImportResourceState',
  'ReadDataSource',
  'ValidateDataResourceConfig',
  'GetFunctions',
  'StopProvider',
] as const;

export type ProviderMethod = (typeof PROVIDER_METHODS)[number];

/**
 * The methods whose answer is a function of the request alone (no server, no state of the
 * process): the plugin layer answers a repeated request from memory (plugin/serve.ts).
 */
export const PURE_METHODS: readonly ProviderMethod[] = ['GetMetadata', 'GetProviderSchema', 'ValidateResourceConfig'];
