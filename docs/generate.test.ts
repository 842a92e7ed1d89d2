import { readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import { pages } from './generate.ts'

describe('generated reference pages', () => {
  for (const [path, text] of Object.entries(pages())) {
    it(`${path} matches the code (run npm run docs:reference after changing the schema or catalog)`, () => {
      expect(readFileSync(new URL(`../${path}`, import.meta.url), 'utf8')).toBe(text)
    })
  }
})
