import type { ConfigInput } from 'portcullis'

/** Users create their own tokens, within limits. */
export const selfService = {
  adminGroups: ['admins'],
  apiTokens: {
    maxValidity: '1y', // users may pick 6 months or 1 year, never "never"
    maxPerUser: 5,
    deleteExpiredAfterDays: 30, // the maintenance job deletes tokens 30 days after they expired
    permissions: {
      use: 'everyone',
      createForSelf: ['developers', 'services'], // the token generation groups
      createForOthers: ['support'], // besides admins, who always may
    },
  },
} satisfies ConfigInput

/** Only admins create tokens, for anyone ("allow users to create tokens" off). */
export const adminsOnly = {
  apiTokens: { allowUserCreation: false, maxValidity: '6m' },
} satisfies ConfigInput
