import type { ConfigInput } from 'portcullis'

/** "Disable basic authentication": Basic carries API tokens only; a password gets 403. */
export const tokensOnly = {
  basicAuth: { passwords: false },
} satisfies ConfigInput

/** Passwords stay on, behind a stricter login throttle; the host's own tokens are accepted too. */
export const passwordsAndHostTokens = {
  basicAuth: { passwords: true },
  passwordLockout: { maxFailures: 5, windowSeconds: 600, lockSeconds: 900 },
  hostTokens: { enabled: true },
} satisfies ConfigInput
