import type { ConfigInput } from 'portcullis'

export const config = {
  protectedPrefix: '/rest/', // the default: everything under it is authenticated
  paths: {
    // not judged at all (the host may run its own authentication there)
    bypass: ['/rest/health', '/rest/webhooks/**'],
    // the host's public APIs: no credentials needed, but credentials sent are still checked
    anonymous: ['/rest/api/2/serverInfo', '/rest/api/2/project/**'],
    // of those public APIs, these require authentication after all
    restricted: ['/rest/api/2/project/*/role/**'],
  },
} satisfies ConfigInput
