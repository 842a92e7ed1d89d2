import type { Allow, ConfigInput, ErrorId } from '../core/index.ts'
import type { Fixture, UnreachableStore } from './fixture.ts'

/** What the suite asks a factory to start. */
export interface ServerSetup {
  /** Raw configuration (JSON-able): pass it to `createPortcullis` or `loadConfig`. */
  readonly config: ConfigInput
  /** Users and tokens to seed (JSON-able); `seedMemoryStores(fixture)` does it in-process. */
  readonly fixture: Fixture
}

/** A server under test. */
export interface RunningServer {
  /** Base URL, such as `http://127.0.0.1:41234`; loopback only. */
  readonly url: string
  close(): Promise<void>
}

/**
 * Starts the adapter under test. The server must answer every request through the
 * adapter, and its host handler must reply with {@link echoResponse}: status 200 and
 * `echoResponse(auth)` as the body, where `auth` is the allow decision or `undefined`
 * when the request passed.
 */
export type StartServer = (setup: ServerSetup) => Promise<RunningServer>

/** The body the host handler of a server under test sends. */
export function echoResponse(auth: Pick<Allow, 'user' | 'via'> | undefined): string {
  return JSON.stringify(auth ? { user: auth.user.username, via: auth.via } : { user: null })
}

/** A request as bytes on the wire: header values are byte strings (one char per byte, latin1). */
export interface ScenarioRequest {
  readonly method: string
  /** Request target, sent verbatim. */
  readonly target: string
  /** In order; a name may repeat. Host, Connection and Content-Length are added by the runner. */
  readonly headers?: readonly (readonly [string, string])[]
  /** Body bytes as a byte string. */
  readonly body?: string
  /** Local (source) address to connect from, such as `127.0.0.2`: any of 127.0.0.0/8 works on Linux. */
  readonly from?: string
}

/** What the response must be. */
export interface ScenarioExpectation {
  readonly status: number
  /**
   * The exact body, or a check returning a description of what is wrong (`undefined`
   * when it is right) for bodies with generated values.
   */
  readonly body: string | ((body: string) => string | undefined)
  /** Headers that must be present with exactly these values (names lower case). */
  readonly headers?: Readonly<Record<string, string>>
  /** Headers that must be absent. */
  readonly absentHeaders?: readonly string[]
}

/**
 * Stands for the URL of the scenario's stub identity provider in its `config`, such as
 * `http://127.0.0.1:41234`: the runner replaces it before the server under test starts.
 */
export const providerUrl = '{{provider}}'

/**
 * A stub identity provider the runner starts on 127.0.0.1 for one scenario: an RFC 7662
 * introspection endpoint at `<providerUrl>/introspect`. Plain JSON, like the rest of a scenario.
 */
export interface ProviderStub {
  /** The client credentials the endpoint accepts (client_secret_basic); others get 401 `invalid_client`. */
  readonly clientId: string
  readonly clientSecret: string
  /** The introspection response for each token; any other token is `{"active":false}`. */
  readonly tokens: Readonly<Record<string, Readonly<Record<string, unknown>>>>
  /** Answer every request with this HTTP status instead, as a failing provider does. */
  readonly status?: number
}

/** One conformance case: a config, a request, the response it must get. */
export interface Scenario {
  /** Stable id, kebab-case. */
  readonly id: string
  /** What it proves, one line. */
  readonly title: string
  /** The catalog error it exercises, if any (for the docs' cross-reference). */
  readonly error?: ErrorId
  /** Raw configuration; the text {@link providerUrl} in it becomes the stub provider's URL. */
  readonly config?: ConfigInput
  /** A stub identity provider to start for this scenario. */
  readonly provider?: ProviderStub
  /** Stores the server's fixture marks unreachable (see {@link Fixture.unreachable}), for the fail-closed scenarios. */
  readonly unreachable?: readonly UnreachableStore[]
  /** Requests sent first, on the same server, whose responses are not checked (to use up a rate limit, say). */
  readonly before?: readonly ScenarioRequest[]
  readonly request: ScenarioRequest
  readonly expect: ScenarioExpectation
}
