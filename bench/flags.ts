/** The command line's `--name=value` flags (`--name` alone is `'true'`), shared by the bench scripts. */
export function flags(argv: readonly string[] = process.argv.slice(2)): ReadonlyMap<string, string> {
  return new Map(argv.map((a) => {
    const [k, v] = a.replace(/^--/, '').split('=', 2)
    return [k!, v ?? 'true'] as const
  }))
}
