import type { ConfigInput } from 'portcullis'

export const config = {
  jwt: {
    issuers: [
      {
        issuer: 'https://idp.example.com/realms/main', // matched against the token's iss
        algorithms: ['RS256'], // required: asymmetric algorithms only
        jwksUri: 'https://idp.example.com/realms/main/protocol/openid-connect/certs',
        audience: 'jira-api',
        usernameClaim: 'preferred_username',
      },
      {
        issuer: 'https://login.partner.example',
        algorithms: ['ES256'],
        jwksUri: 'https://login.partner.example/.well-known/jwks.json',
        usernameClaim: 'email',
        usernamePattern: '^(.+)@partner\\.example$', // the capture group is the username; others are refused
        maxLifetimeSeconds: 3600,
      },
    ],
    cacheSeconds: 300,
  },
  providers: { timeoutMs: 3000, jwksCooldownSeconds: 30, jwksMaxAgeSeconds: 600 },
} satisfies ConfigInput
