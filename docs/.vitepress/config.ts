import { existsSync, readFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { defineConfig, type DefaultTheme } from 'vitepress'

/** An entry of the sidebar typedoc-vitepress-theme writes next to the API reference. */
interface TypedocItem {
  text: string
  link?: string
  collapsed?: boolean
  items?: TypedocItem[]
}

/**
 * The API reference's sidebar: one entry per module, named by its import specifier, with
 * its members grouped by kind. TypeDoc writes it at build time (`npm run docs:build`); the
 * site still builds without it, with a one-line sidebar.
 */
function apiSidebar(): DefaultTheme.SidebarItem[] {
  const file = fileURLToPath(new URL('../api/typedoc-sidebar.json', import.meta.url))
  const index = { text: 'All modules', link: '/api/' }
  if (!existsSync(file)) return [index]
  const modules: DefaultTheme.SidebarItem[] = []
  const isKindGroup = (item: TypedocItem) => !item.link && (item.items ?? []).every((child) => child.link?.endsWith('.md'))
  const walk = (items: readonly TypedocItem[]) => {
    for (const item of items) {
      if (item.link?.endsWith('/')) {
        const children = item.items ?? []
        modules.push({
          text: item.link.replace(/^\/api\//, '').replace(/\/$/, ''),
          link: item.link,
          collapsed: true,
          items: children.filter(isKindGroup).map((group) => ({ text: group.text, collapsed: true, items: group.items ?? [] })),
        })
        walk(children.filter((child) => !isKindGroup(child)))
      } else if (item.items) {
        walk(item.items)
      }
    }
  }
  walk(JSON.parse(readFileSync(file, 'utf8')) as TypedocItem[])
  return [index, ...modules]
}

const guides: DefaultTheme.SidebarItem[] = [
  {
    text: 'Introduction',
    items: [
      { text: 'Why Portcullis', link: '/guides/why' },
      { text: 'Quickstart', link: '/guides/quickstart' },
      { text: 'How it works', link: '/guides/how-it-works' },
    ],
  },
  {
    text: 'Adapters',
    items: [
      { text: 'Node http', link: '/guides/node' },
      { text: 'Hapi', link: '/guides/hapi' },
      { text: 'Koa', link: '/guides/koa' },
      { text: 'Deno and Deno Deploy', link: '/guides/deno' },
    ],
  },
  {
    text: 'Authentication methods',
    items: [
      { text: 'API tokens', link: '/guides/api-tokens' },
      { text: 'OAuth authorization grant', link: '/guides/oauth' },
      { text: 'OAuth client credentials', link: '/guides/client-credentials' },
      { text: 'JWT', link: '/guides/jwt' },
      { text: 'REST SSO (OpenID Connect)', link: '/guides/rest-sso' },
      { text: 'Passwords and host tokens', link: '/guides/passwords' },
    ],
  },
  {
    text: 'Policies',
    items: [
      { text: 'Groups and read-only', link: '/guides/groups' },
      { text: 'IP and reverse proxies', link: '/guides/ip' },
      { text: 'Public and bypass lists', link: '/guides/paths' },
      { text: 'Rate limits', link: '/guides/rate-limits' },
      { text: 'Audit log and retention', link: '/guides/audit' },
    ],
  },
  {
    text: 'Stores',
    items: [
      { text: 'Memory', link: '/guides/memory' },
      { text: 'SQLite', link: '/guides/sqlite' },
      { text: 'Redis and several instances', link: '/guides/redis' },
    ],
  },
  {
    text: 'For authors',
    items: [
      { text: 'Write an adapter', link: '/guides/conformance' },
      { text: 'Write a store', link: '/guides/stores' },
    ],
  },
  {
    text: 'Operations',
    items: [
      { text: 'Security model', link: '/guides/security' },
      { text: 'Benchmarks', link: '/guides/benchmarks' },
    ],
  },
  {
    text: 'Reference',
    items: [
      { text: 'Configuration', link: '/reference/config' },
      { text: 'Errors', link: '/reference/errors' },
      { text: 'API (TypeDoc)', link: '/api/' },
    ],
  },
]

export default defineConfig({
  title: 'Portcullis',
  description: 'REST API authentication for TypeScript servers: API tokens, OAuth 2.0, JWT and OpenID Connect behind one pure engine, on Node and Deno.',
  lang: 'en-US',
  // Samples are TypeScript files shown by `<<< @/samples/…`, not pages; the tools are scripts.
  srcExclude: ['samples/**', 'tools/**'],
  // A link to a page that does not exist fails the build (the browser test checks the output too).
  ignoreDeadLinks: false,
  lastUpdated: false,
  // The local search index of a couple of hundred pages is one chunk of about 650 kB, loaded on first search only.
  vite: { build: { chunkSizeWarningLimit: 1024 } },
  head: [['link', { rel: 'icon', type: 'image/svg+xml', href: '/logo.svg' }]],
  themeConfig: {
    logo: '/logo.svg',
    nav: [
      { text: 'Guides', link: '/guides/quickstart', activeMatch: '^/guides/' },
      { text: 'Configuration', link: '/reference/config' },
      { text: 'Errors', link: '/reference/errors' },
      { text: 'API', link: '/api/', activeMatch: '^/api/' },
    ],
    sidebar: {
      '/guides/': guides,
      '/reference/': guides,
      '/api/': apiSidebar(),
    },
    outline: [2, 3],
    search: { provider: 'local' },
    footer: { message: 'Portcullis is MIT licensed.' },
  },
})
