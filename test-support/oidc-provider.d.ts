/**
 * The slice of oidc-provider (which ships no types) that core/providers/oidc-provider.test.ts
 * uses: the provider, its HTTP callback and the token models it issues tokens with.
 */
declare module 'oidc-provider' {
  import type { IncomingMessage, ServerResponse } from 'node:http'

  interface Client {
    readonly clientId: string
  }
  interface Saved {
    /** Stores the artifact and returns its value (an opaque token, or a JWT for a JWT resource server). */
    save(): Promise<string>
  }
  interface Grant extends Saved {
    addOIDCScope(scope: string): void
    addResourceScope(resource: string, scope: string): void
  }
  interface AccessToken extends Saved {
    resourceServer?: unknown
  }

  export default class Provider {
    constructor(issuer: string, configuration?: Record<string, unknown>)
    callback(): (req: IncomingMessage, res: ServerResponse) => void
    readonly Client: { find(id: string): Promise<Client | undefined> }
    readonly Grant: new (init: { accountId: string; clientId: string }) => Grant
    readonly AccessToken: new (init: { accountId: string; client: Client; grantId: string; scope: string; gty?: string }) => AccessToken
    readonly ResourceServer: new (identifier: string, info: Record<string, unknown>) => unknown
  }
}
