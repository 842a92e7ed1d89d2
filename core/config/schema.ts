/**
 * The configuration schema: the single source of the config's TypeScript types, its
 * validation (with field-by-field errors) and the docs' reference page.
 *
 * Every field says what it expects in its own error text, so a load error reads
 * `apiTokens.maxPerUser: expected a positive integer, got -1`.
 */
import { z } from 'zod'
import { maxValidityChoices } from '../tokens/validity.ts'

const positiveInt = () => z.int({ error: 'expected a positive integer' }).positive({ error: 'expected a positive integer' })
const flag = () => z.boolean({ error: 'expected true or false' })
/** The error text of a settings object (the root and each section). */
const section = { error: 'expected an object' }
const groupName = z.string({ error: 'expected a group name' }).trim().min(1, { error: 'expected a non-empty group name' })

/**
 * Who holds a permission: `"everyone"`, or the members of the listed groups.
 * Members of `adminGroups` hold every permission whatever this says.
 */
const grant = () =>
  z.union([z.literal('everyone'), z.array(groupName)], { error: 'expected "everyone" or a list of group names' })

/** Path prefix, origin-form, ending in a slash. */
const pathPrefix = z
  .string({ error: 'expected a path such as "/rest/"' })
  .regex(/^\/(?:[A-Za-z0-9._~!$&'()*+,;=:@-]+\/)*$/, { error: 'expected a path starting and ending with "/", such as "/rest/"' })

const realmName = z
  .string({ error: 'expected a realm name' })
  .regex(/^[\x20-\x7e]{1,64}$/, { error: 'expected 1 to 64 printable ASCII characters' })
  .refine((s) => !s.includes('"') && !s.includes('\\'), { error: 'expected no quote or backslash' })

const apiTokens = z
  .strictObject({
    enabled: flag().default(true).meta({ description: 'Accept API tokens issued by Portcullis.' }),
    allowUserCreation: flag()
      .default(true)
      .meta({ description: 'Let users create tokens. Off: only admins create tokens, for anyone.' }),
    maxValidity: z
      .enum(maxValidityChoices, { error: `expected one of ${maxValidityChoices.map((c) => `"${c}"`).join(', ')}` })
      .default('never')
      .meta({
        description:
          'The longest validity a user may pick. "6m" allows only 6 months; "1y" allows 1 year or 6 months; "2y" allows 2 years, 1 year or 6 months; "never" allows every choice, including tokens that never expire.',
      }),
    maxPerUser: positiveInt().max(10_000, { error: 'expected at most 10000' }).default(10).meta({
      description: 'How many tokens one user may hold at once.',
    }),
    permissions: z
      .strictObject({
        use: grant().default('everyone').meta({ description: 'Who may authenticate with a token.' }),
        createForSelf: grant()
          .default('everyone')
          .meta({ description: 'Who may create tokens for themselves (the token generation groups).' }),
        createForOthers: grant()
          .default([])
          .meta({ description: 'Who may create and delete tokens for other users, besides admins.' }),
      }, section)
      .prefault({}),
  }, section)
  .prefault({})

/** The Portcullis configuration schema. */
export const configSchema = z.strictObject({
  enabled: flag().default(true).meta({ description: 'Master switch. Off: every request passes through untouched.' }),
  protectedPrefix: pathPrefix.default('/rest/').meta({
    description: 'Requests under this path prefix are authenticated; others pass. Matched case-insensitively on the normalised path.',
  }),
  realm: realmName.default('portcullis').meta({ description: 'The realm named in WWW-Authenticate challenges.' }),
  adminGroups: z
    .array(groupName, { error: 'expected a list of group names' })
    .default(['admins'])
    .meta({ description: 'Members of these groups are admins: they hold every token permission, for any user.' }),
  basicAuth: z
    .strictObject({
      passwords: flag().default(true).meta({
        description: 'Accept local username/password Basic credentials. Off ("disable basic authentication"): Basic carries only API tokens.',
      }),
    }, section)
    .prefault({}),
  hostTokens: z
    .strictObject({
      enabled: flag().default(false).meta({
        description: "Accept the host's own personal access tokens (Bearer), checked by the verifier the host passes in.",
      }),
    }, section)
    .prefault({}),
  apiTokens,
  audit: z
    .strictObject({
      enabled: flag().default(true).meta({ description: 'Append every decision and token change to the audit store.' }),
    }, section)
    .prefault({}),
}, section)

/** Configuration as written by the user (every field optional). */
export type ConfigInput = z.input<typeof configSchema>
/** Configuration after validation and defaults. */
export type ConfigOutput = z.output<typeof configSchema>
/** A permission grant: `"everyone"` or a list of groups. */
export type Grant = ConfigOutput['apiTokens']['permissions']['use']
