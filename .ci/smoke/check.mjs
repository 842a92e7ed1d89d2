// Exercises the built package the way a consumer would: create a token, authenticate with it.
// Shared by the ESM, CJS and Deno smoke runs; prints "N passed, N failed".
// `adapters` holds the adapter entry points the runtime loads: { hapi, koa, fetch, deno };
// `sqlite`, the SQLite stores and the runtime's driver: { stores, driver }.
export async function check(core, memory, node, conformance, adapters = {}, sqlite = undefined) {
  const results = []
  const test = async (name, fn) => {
    try {
      await fn()
      results.push([name, true])
    } catch (error) {
      results.push([name, false, error])
    }
  }
  await test('exports', () => {
    for (const [mod, names] of [
      [core, ['authenticate', 'createPortcullis', 'loadConfig', 'catalog']], [memory, ['memoryStores']], [node, ['withPortcullis']], [conformance, ['runConformance', 'scenarios']],
      [adapters.hapi, ['portcullisPlugin']], [adapters.koa, ['portcullisKoa']], [adapters.fetch, ['withPortcullis', 'toAuthRequest']], [adapters.deno, ['withPortcullis']],
    ]) {
      if (!mod) continue
      for (const n of names) if (mod[n] === undefined) throw new Error(`missing export ${n}`)
    }
  })
  await test('token round trip', async () => {
    const stores = memory.memoryStores({ passwordIterations: 1000 })
    const alice = await stores.users.add({ username: 'alice', password: 'pw' })
    const portcullis = core.createPortcullis({ config: {}, stores })
    const created = await portcullis.tokens().create(alice, { name: 'smoke', validity: '1m' })
    if (!created.ok) throw new Error(`create failed: ${created.error}`)
    const outcome = await portcullis.handle({ method: 'GET', target: '/rest/x', headers: new Headers({ authorization: `Bearer ${created.value.token}` }), peer: '127.0.0.1' })
    if (outcome.kind !== 'allow' || outcome.user.username !== 'alice') throw new Error(`expected allow, got ${outcome.kind}`)
  })
  for (const [name, wrap] of [
    ['fetch', (p, handler) => adapters.fetch.withPortcullis(p, handler, () => '127.0.0.1')],
    ['deno', (p, handler) => (request) => adapters.deno.withPortcullis(p, handler)(request, { remoteAddr: { hostname: '127.0.0.1' } })],
  ]) {
    if (!adapters[name]) continue
    await test(`${name} adapter: Request in, Response out`, async () => {
      const stores = memory.memoryStores({ passwordIterations: 1000 })
      const alice = await stores.users.add({ username: 'alice', password: 'pw' })
      const portcullis = core.createPortcullis({ config: {}, stores })
      const created = await portcullis.tokens().create(alice, { name: 'smoke', validity: '1m' })
      const handler = wrap(portcullis, (_request, auth) => new Response(auth ? auth.user.username : 'anonymous'))
      const allowed = await handler(new Request('http://localhost/rest/x', { headers: { authorization: `Bearer ${created.value.token}` } }))
      if (allowed.status !== 200 || (await allowed.text()) !== 'alice') throw new Error(`expected alice, got ${allowed.status}`)
      const denied = await handler(new Request('http://localhost/rest/x'))
      if (denied.status !== 401 || !(await denied.text()).includes('"status":"ERROR"')) throw new Error(`expected 401, got ${denied.status}`)
    })
  }
  if (sqlite) {
    await test('sqlite store: a token round trip, WAL checkpoints on their thread', async () => {
      const { mkdtempSync, rmSync, statSync } = await import('node:fs')
      const { tmpdir } = await import('node:os')
      const dir = mkdtempSync(`${tmpdir()}/portcullis-smoke-`)
      const errors = []
      const stores = sqlite.stores.openSqliteStores({ path: `${dir}/smoke.sqlite`, driver: sqlite.driver, passwordIterations: 1000, onCheckpointError: (e) => errors.push(e) })
      try {
        const alice = await stores.users.add({ username: 'alice' })
        const portcullis = core.createPortcullis({ config: {}, stores })
        const created = await portcullis.tokens().create(alice, { name: 'smoke', validity: '1m' })
        const request = { method: 'GET', target: '/rest/x', headers: new Headers({ authorization: `Bearer ${created.value.token}` }), peer: '127.0.0.1' }
        for (let i = 0; i < 5000; i++) {
          if ((await portcullis.handle(request)).kind !== 'allow') throw new Error('expected allow')
          if (i % 200 === 199) await new Promise((resolve) => setTimeout(resolve, 0))
        }
        // Under SQLite's own 1,000-page threshold, only the thread copies pages into the file.
        for (const start = Date.now(); statSync(`${dir}/smoke.sqlite`).size < 256 * 1024; await new Promise((resolve) => setTimeout(resolve, 20))) {
          if (errors.length) throw errors[0]
          if (Date.now() - start > 5000) throw new Error('no checkpoint within 5 s')
        }
      } finally {
        stores.close()
        rmSync(dir, { recursive: true, force: true })
      }
    })
  }
  await test('config error lists fields', () => {
    try {
      core.loadConfig({ apiTokens: { maxPerUser: -1 } })
    } catch (error) {
      if (error.problems?.[0]?.path === 'apiTokens.maxPerUser') return
      throw error
    }
    throw new Error('invalid config accepted')
  })
  for (const [name, ok, error] of results) console.log(`${ok ? 'ok  ' : 'FAIL'} ${name}${error ? `: ${error.message}` : ''}`)
  const failed = results.filter((r) => !r[1]).length
  console.log(`${results.length - failed} passed, ${failed} failed`)
  return failed
}
