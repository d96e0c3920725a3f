import { VERSIONS } from '../../../constructs/platform/images';

/**
 * Pinned versions of what the set-up builds from package registries.
 * Container image versions live in constructs/platform/images.ts.
 */
export const TOOLCHAIN = {
  opentofu: {
    module: 'github.com/opentofu/opentofu',
    version: '1.12.6',
  },
  /**
   * kreuzwerker/docker. The Go module proxy reachable here serves a single revision of this
   * module: commit 96d331c98ff4 (2026-09-16, v4.6.0 plus later fixes). 3.6.2, the version
   * @cdktf/provider-docker 12.0.3 was generated from, is not served. The attributes streamform
   * uses (network, volume, container) are unchanged between 3.6.2 and 4.6; `check_duplicate`
   * on networks, removed in 4.0, is never set. Installed into the mirror as 4.6.0, which is what
   * a machine with registry access gets for the `~> 4.6` constraint the stacks declare.
   */
  dockerProvider: {
    /** The module path declared in the provider's own go.mod. */
    declaredModule: 'github.com/terraform-providers/terraform-provider-docker',
    module: 'github.com/kreuzwerker/terraform-provider-docker',
    pseudoVersion: 'v0.0.0-20260916201441-96d331c98ff4',
    version: '4.6.0',
    constraint: VERSIONS.dockerProviderConstraint,
  },
  /** GitHub Actions' workflow linter, for the tests of the CI templates. */
  actionlint: {
    module: 'github.com/rhysd/actionlint',
    version: '1.7.12',
  },
  /** The Go language version written into the wrapper module that builds the docker provider. */
  goDirective: '1.25.8',
} as const;

/** Where OpenTofu looks for providers given by short source under each binary. */
export const PROVIDER_HOSTS = ['registry.opentofu.org', 'registry.terraform.io'] as const;
