import { existsSync, readFileSync } from 'node:fs'
import { ConfigError, loadConfig, type Config } from '../core/index.ts'

/**
 * Reads the demo's JSON config: `PORTCULLIS_CONFIG`, else `./portcullis.config.json`,
 * else defaults. A file that is not JSON or not a valid config throws with every problem.
 */
export function readConfigFile(path = process.env.PORTCULLIS_CONFIG ?? 'portcullis.config.json'): { config: Config; source: string } {
  const explicit = process.env.PORTCULLIS_CONFIG !== undefined
  if (!existsSync(path)) {
    if (explicit) throw new Error(`PORTCULLIS_CONFIG: no file at ${path}`)
    return { config: loadConfig({}), source: 'defaults' }
  }
  let json: unknown
  try {
    json = JSON.parse(readFileSync(path, 'utf8'))
  } catch (error) {
    throw new Error(`${path}: not valid JSON (${(error as Error).message})`)
  }
  try {
    return { config: loadConfig(json), source: path }
  } catch (error) {
    if (error instanceof ConfigError) throw new Error(`${path}: ${error.message}`)
    throw error
  }
}
