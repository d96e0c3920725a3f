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
