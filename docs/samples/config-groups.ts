import type { ConfigInput } from 'portcullis'

export const config = {
  adminGroups: ['jira-administrators'],
  access: {
    // "Allow API access": only these groups may authenticate at all (others get 403)
    allowedGroups: ['developers', 'readers', 'services', 'jira-administrators'],
    // members may only GET, HEAD and OPTIONS
    readOnlyGroups: ['readers'],
  },
} satisfies ConfigInput
