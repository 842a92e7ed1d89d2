import type { Scenario } from '../types.ts'
import { apiTokenScenarios } from './api-tokens.ts'
import { credentialScenarios } from './credentials.ts'
import { identityProviderScenarios } from './identity-providers.ts'
import { pathScenarios } from './paths.ts'
import { policyScenarios } from './policy.ts'
import { tokenApiScenarios } from './token-api.ts'

/** Every conformance scenario. */
export const scenarios: readonly Scenario[] = [...credentialScenarios, ...apiTokenScenarios, ...pathScenarios, ...policyScenarios, ...tokenApiScenarios, ...identityProviderScenarios]
