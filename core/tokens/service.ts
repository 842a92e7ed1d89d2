import type { AuditRecord, Stores, TokenRecord, User } from '../../storage/types.ts'
import type { RequestFields } from '../audit/record.ts'
import type { Config } from '../config/load.ts'
import type { ErrorId } from '../errors/catalog.ts'
import { holds, isAdmin } from '../policy/permissions.ts'
import { generateToken, generateTokenId } from './format.ts'
import { allowedValidities, expiryOf, type Validity } from './validity.ts'

/** A token as the management API shows it: never the token itself, never its hash. */
export interface TokenView {
  readonly id: string
  readonly name: string
  readonly owner: string
  readonly createdBy: string
  /** ISO 8601. */
  readonly createdAt: string
  /** ISO 8601, or `null` for a token that never expires. */
  readonly expiresAt: string | null
  readonly expired: boolean
  /** Whole days left (0 on the last day), `null` for never. */
  readonly expiresInDays: number | null
}

/** A freshly created token: the only time the plaintext `token` is ever shown. */
export interface CreatedToken extends TokenView {
  readonly token: string
}

/** What to create. */
export interface CreateTokenInput {
  readonly name: string
  readonly validity: Validity
  /** Whose token; defaults to the actor. */
  readonly owner?: string
}

/** A service call's result: a value, or a catalog error with an optional detail. */
export type ServiceResult<T> =
  | { readonly ok: true; readonly value: T }
  | { readonly ok: false; readonly error: ErrorId; readonly detail?: string }

const dayMs = 86_400_000
/** Longest token name. */
export const maxTokenNameLength = 100

/**
 * Token management with its permission rules. Every change writes an audit record that
 * names the actor and the owner. `origin` is the request the call serves (method, path,
 * client); a call that serves no request should pass something that says where it came from.
 */
export class TokenService {
  readonly #config: Config
  readonly #stores: Stores
  readonly #now: () => number
  readonly #origin: Omit<RequestFields, 'time'>

  constructor(config: Config, stores: Stores, origin: Omit<RequestFields, 'time'>, now: () => number = Date.now) {
    this.#config = config
    this.#stores = stores
    this.#origin = origin
    this.#now = now
  }

  /** Creates a token for the actor, or (with permission) for `input.owner`. */
  async create(actor: User, input: CreateTokenInput): Promise<ServiceResult<CreatedToken>> {
    const config = this.#config
    const ownerName = input.owner ?? actor.username
    const forSelf = ownerName === actor.username
    if (!isAdmin(actor, config)) {
      const grant = forSelf ? config.compiled.grants.createForSelf : config.compiled.grants.createForOthers
      if (!config.apiTokens.allowUserCreation || !holds(actor, grant, config)) {
        return { ok: false, error: 'token_generation_denied' }
      }
    }
    const allowed = allowedValidities(config.apiTokens.maxValidity)
    if (!allowed.includes(input.validity)) {
      return { ok: false, error: 'token_request_invalid', detail: `validity: expected one of ${allowed.map((v) => `"${v}"`).join(', ')} (the maximum is "${config.apiTokens.maxValidity}")` }
    }
    const owner = forSelf ? actor : await this.#stores.users.find(ownerName)
    if (!owner || owner.username !== ownerName || !owner.active) {
      return { ok: false, error: 'token_request_invalid', detail: 'username: expected the username of an active user' }
    }
    const now = this.#now()
    const { token, hash } = generateToken()
    const record: TokenRecord = {
      id: generateTokenId(),
      hash,
      owner: owner.username,
      name: input.name,
      createdAt: now,
      expiresAt: expiryOf(input.validity, now),
      createdBy: actor.username,
    }
    if ((await this.#stores.tokens.insert(record, config.apiTokens.maxPerUser)) === 'limit-reached') {
      return { ok: false, error: 'token_limit_reached' }
    }
    await this.#audit('token.create', actor, record)
    return { ok: true, value: { ...view(record, now), token } }
  }

  /** A token's expiry details. */
  async expiry(actor: User, id: string): Promise<ServiceResult<TokenView>> {
    const record = await this.#visible(actor, id)
    return record ? { ok: true, value: view(record, this.#now()) } : { ok: false, error: 'token_not_found' }
  }

  /** The tokens of the actor, or (with permission) of another user. */
  async list(actor: User, owner = actor.username): Promise<ServiceResult<readonly TokenView[]>> {
    if (!this.#mayManage(actor, owner)) return { ok: false, error: 'token_generation_denied' }
    const now = this.#now()
    return { ok: true, value: (await this.#stores.tokens.listByOwner(owner)).map((r) => view(r, now)) }
  }

  /** Revokes (deletes) one token. */
  async revoke(actor: User, id: string): Promise<ServiceResult<TokenView>> {
    const record = await this.#visible(actor, id)
    if (!record || !(await this.#stores.tokens.delete(id))) return { ok: false, error: 'token_not_found' }
    await this.#audit('token.delete', actor, record)
    return { ok: true, value: view(record, this.#now()) }
  }

  /** Deletes every expired token of the actor, or (with permission) of another user. */
  async deleteExpired(actor: User, owner = actor.username): Promise<ServiceResult<readonly TokenView[]>> {
    if (!this.#mayManage(actor, owner)) return { ok: false, error: 'token_generation_denied' }
    const now = this.#now()
    const deleted = await this.#stores.tokens.deleteExpired(now, owner)
    for (const record of deleted) await this.#audit('token.delete-expired', actor, record)
    return { ok: true, value: deleted.map((r) => view(r, now)) }
  }

  /** Deletes every user's tokens that expired more than `days` days ago (the cleanup job). */
  async purgeExpired(days: number): Promise<readonly TokenView[]> {
    const now = this.#now()
    const deleted = await this.#stores.tokens.deleteExpired(now - days * dayMs)
    for (const record of deleted) await this.#audit('token.delete-expired', undefined, record)
    return deleted.map((r) => view(r, now))
  }

  #mayManage(actor: User, owner: string): boolean {
    return owner === actor.username || holds(actor, this.#config.compiled.grants.createForOthers, this.#config)
  }

  /** The record if it exists and the actor may see it; another user's token is "not found". */
  async #visible(actor: User, id: string): Promise<TokenRecord | undefined> {
    const record = await this.#stores.tokens.findById(id)
    return record && this.#mayManage(actor, record.owner) ? record : undefined
  }

  async #audit(event: AuditRecord['event'], actor: User | undefined, record: TokenRecord): Promise<void> {
    if (!this.#config.audit.enabled || !this.#stores.audit) return
    await this.#stores.audit.append({
      ...this.#origin,
      time: this.#now(),
      event,
      outcome: 'success',
      reason: event,
      ...(actor && { user: actor.username }),
      owner: record.owner,
      tokenId: record.id,
    })
  }
}

function view(record: TokenRecord, now: number): TokenView {
  const left = record.expiresAt === null ? null : record.expiresAt - now
  return {
    id: record.id,
    name: record.name,
    owner: record.owner,
    createdBy: record.createdBy,
    createdAt: new Date(record.createdAt).toISOString(),
    expiresAt: record.expiresAt === null ? null : new Date(record.expiresAt).toISOString(),
    expired: left !== null && left <= 0,
    expiresInDays: left === null ? null : Math.max(0, Math.floor(left / dayMs)),
  }
}
