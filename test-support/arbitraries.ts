import fc from 'fast-check'

/** Any text, lone surrogates included, weighted to the characters that break lines and quoting. */
export const anyText = (maxLength: number) =>
  fc
    .array(
      fc.oneof(
        { weight: 6, arbitrary: fc.integer({ min: 0x20, max: 0x7e }) },
        { weight: 2, arbitrary: fc.constantFrom(0x00, 0x0a, 0x0d, 0x09, 0x1b, 0x22, 0x5c, 0x7f, 0x85, 0x9b, 0x2028, 0x2029, 0xd800, 0xfeff) },
        { weight: 1, arbitrary: fc.integer({ min: 0, max: 0x10ffff }) },
      ),
      { maxLength },
    )
    .map((points) => String.fromCodePoint(...points))
