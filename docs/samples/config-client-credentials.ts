import type { ConfigInput } from 'portcullis'

export const config = {
  oauth: {
    introspection: {
      endpoint: 'https://idp.example.com/oauth2/introspect',
      clientId: 'jira-resource-server',
      clientSecret: process.env.IDP_INTROSPECTION_SECRET!,
    },
    clientCredentials: {
      clientIds: ['nightly-report', 'deployer'], // machine clients whose tokens are accepted
      serviceAccount: 'svc-automation', // the user those requests run as: must exist in the directory
      scope: 'jira.api', // a scope every such token must carry
    },
  },
} satisfies ConfigInput
