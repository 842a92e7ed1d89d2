/**
 * Writes the reference pages from the code: the configuration reference from the config
 * schema, the error reference from the catalog. `npm run docs:reference` regenerates them;
 * `docs/generate.test.ts` fails when a committed page differs from what the code says.
 *
 *   node --import tsx docs/generate.ts [--check]
 */
import { readFileSync, writeFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { z } from 'zod'
import { configSchema } from '../core/config/schema.ts'
import { catalog, errorBody, type CatalogEntry } from '../core/errors/catalog.ts'

interface Node {
  type?: string | string[]
  description?: string
  default?: unknown
  enum?: unknown[]
  const?: unknown
  anyOf?: Node[]
  items?: Node
  properties?: Record<string, Node>
  minimum?: number
  maximum?: number
  exclusiveMinimum?: number
  minItems?: number
}

function typeOf(node: Node): string {
  if (node.const !== undefined) return JSON.stringify(node.const)
  if (node.enum) return node.enum.map((v) => JSON.stringify(v)).join(' | ')
  if (node.anyOf) return node.anyOf.map(typeOf).join(' | ')
  if (node.type === 'array') return `${node.items ? typeOf(node.items) : 'any'}[]`
  return Array.isArray(node.type) ? node.type.join(' | ') : node.type ?? 'any'
}

function constraints(node: Node): string {
  const parts: string[] = []
  if (node.exclusiveMinimum !== undefined) parts.push(`> ${node.exclusiveMinimum}`)
  if (node.minimum !== undefined) parts.push(`≥ ${node.minimum}`)
  if (node.maximum !== undefined && node.maximum < Number.MAX_SAFE_INTEGER) parts.push(`≤ ${node.maximum}`)
  if (node.minItems) parts.push(`at least ${node.minItems}`)
  return parts.join(', ')
}

const cell = (text: string) => text.replace(/\|/g, '\\|').replace(/\n/g, ' ')

function rows(node: Node, path: string[], out: string[]): void {
  for (const [name, child] of Object.entries(node.properties ?? {})) {
    const at = [...path, name]
    if (child.type === 'object' && child.properties) {
      rows(child, at, out)
      continue
    }
    const items = child.type === 'array' && child.items?.type === 'object' ? child.items : undefined
    const fallback = child.default === undefined ? '—' : `\`${JSON.stringify(child.default)}\``
    out.push(`| \`${at.join('.')}\` | ${items ? 'object[]' : cell(typeOf(child))} | ${fallback} | ${cell(constraints(child))} | ${cell(child.description ?? '')} |`)
    if (items) rows(items, [...at, '[]'], out)
  }
}

/** The configuration reference page. */
export function configReference(): string {
  const schema = z.toJSONSchema(configSchema, { io: 'input', unrepresentable: 'any' }) as Node
  const out = [
    '# Configuration reference',
    '',
    '<!-- Generated from core/config/schema.ts by docs/generate.ts: do not edit by hand. -->',
    '',
    'Every field is optional; `loadConfig` fills the defaults and refuses unknown fields, listing every problem by path.',
    '',
    '| field | type | default | constraints | meaning |',
    '|---|---|---|---|---|',
  ]
  rows(schema, [], out)
  return `${out.join('\n')}\n`
}

/** The error reference page. */
export function errorReference(): string {
  const out = [
    '# Error reference',
    '',
    '<!-- Generated from core/errors/catalog.ts by docs/generate.ts: do not edit by hand. -->',
    '',
    'Every error body has the shape `{"error":{"status":"ERROR","message":"…"}}`. The first nine are the documented responses, to the byte.',
    '',
    '| id | status | body | audit outcome | when |',
    '|---|---|---|---|---|',
  ]
  for (const [id, entry] of Object.entries(catalog) as [string, CatalogEntry][]) {
    const body = errorBody(id as keyof typeof catalog, entry.detailed ? '…' : undefined)
    out.push(`| \`${id}\` | ${entry.status} | \`${cell(body)}\` | ${entry.outcome} | ${cell(entry.when)} |`)
  }
  return `${out.join('\n')}\n`
}

/** The generated pages, by path relative to the repository root. */
export function pages(): Record<string, string> {
  return { 'docs/reference/config.md': configReference(), 'docs/reference/errors.md': errorReference() }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const root = fileURLToPath(new URL('..', import.meta.url))
  const check = process.argv.includes('--check')
  let stale = 0
  for (const [path, text] of Object.entries(pages())) {
    if (check) {
      if (readFileSync(root + path, 'utf8') !== text) stale++, console.error(`${path} is out of date: run npm run docs:reference`)
    } else writeFileSync(root + path, text)
  }
  process.exitCode = stale ? 1 : 0
}
