import type { ConfigInput } from 'portcullis'

/** Opaque user access tokens checked at the provider's RFC 7662 introspection endpoint. */
export const introspection = {
  oauth: {
    introspection: {
      endpoint: 'https://idp.example.com/oauth2/introspect',
      clientId: 'jira-resource-server', // Portcullis's own client at the provider
      clientSecret: process.env.IDP_INTROSPECTION_SECRET!,
    },
    usernameAttribute: 'username', // the introspection response field naming the user
    usernamePattern: '^(.+)@example\\.com$', // optional: its capture group is the username
    cacheSeconds: 60,
  },
} satisfies ConfigInput

/** A provider without introspection: the token is checked by calling userinfo with it. */
export const userinfo = {
  oauth: {
    userinfoEndpoint: 'https://idp.example.com/oauth2/userinfo',
    usernameAttribute: 'preferred_username',
  },
} satisfies ConfigInput
