import type { ConfigInput } from 'portcullis'

export const config = {
  restSso: {
    enabled: true,
    tokenEndpoint: 'https://idp.example.com/realms/main/protocol/openid-connect/token',
    clientId: 'jira-rest',
    clientSecret: process.env.IDP_REST_SSO_SECRET!, // leave out for a public client
    scope: 'openid',
  },
  passwordLockout: { maxFailures: 5, windowSeconds: 900, lockSeconds: 300 },
} satisfies ConfigInput
