// Exercises the built package the way a consumer would: create a token, authenticate with it.
// Shared by the ESM, CJS and Deno smoke runs; prints "N passed, N failed".
export async function check(core, memory, node, conformance) {
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
    for (const [mod, names] of [[core, ['authenticate', 'createPortcullis', 'loadConfig', 'catalog']], [memory, ['memoryStores']], [node, ['withPortcullis']], [conformance, ['runConformance', 'scenarios']]]) {
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
