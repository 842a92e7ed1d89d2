import { setImmediate as nextTurn } from 'node:timers/promises'
import { describe, expect, it } from 'vitest'
import { TurnBatcher } from './batch.ts'

/** A batcher that records the batches it sends. */
function recording(maxItems?: number): { batcher: TurnBatcher<number>; sent: (readonly number[])[] } {
  const sent: (readonly number[])[] = []
  return { batcher: new TurnBatcher<number>((items) => sent.push(items), maxItems), sent }
}

describe('TurnBatcher', () => {
  it('sends the items of one turn together, in order, when the turn ends', async () => {
    const { batcher, sent } = recording()
    batcher.add(1)
    await Promise.resolve() // microtasks of the same turn join the batch
    batcher.add(2)
    batcher.add(3)
    expect(sent).toEqual([])
    await nextTurn()
    expect(sent).toEqual([[1, 2, 3]])
  })

  it('starts a new batch in the next turn, and sends nothing for a turn without items', async () => {
    const { batcher, sent } = recording()
    batcher.add(1)
    await nextTurn()
    await nextTurn()
    batcher.add(2)
    await nextTurn()
    expect(sent).toEqual([[1], [2]])
  })

  it('sends a batch as soon as it holds maxItems, and the rest at the end of the turn', async () => {
    const { batcher, sent } = recording(2)
    for (let i = 1; i <= 5; i++) batcher.add(i)
    expect(sent).toEqual([[1, 2], [3, 4]])
    await nextTurn()
    expect(sent).toEqual([[1, 2], [3, 4], [5]])
  })

  it('sends what waits at once on flush', async () => {
    const { batcher, sent } = recording()
    batcher.add(1)
    batcher.flush()
    expect(sent).toEqual([[1]])
    batcher.flush()
    await nextTurn()
    expect(sent).toEqual([[1]])
  })

  it('refuses a batch size that is not a positive integer', () => {
    for (const maxItems of [0, -1, 1.5, Number.NaN]) expect(() => new TurnBatcher(() => {}, maxItems)).toThrow(TypeError)
  })
})
