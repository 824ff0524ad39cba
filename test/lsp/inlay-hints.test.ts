import { afterAll, beforeAll, expect, test } from 'vitest';
import type * as lsp from 'vscode-languageserver/node';
import { startTestServer, type TestServer } from './helpers.js';

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer();
});
afterAll(() => server.stop());

const WHOLE = { start: { line: 0, character: 0 }, end: { line: 100, character: 0 } };

/** The text with each hint's label written in at its position. */
function withHints(text: string, hints: lsp.InlayHint[]): string {
  const lines = text.split('\n');
  for (const hint of [...hints].reverse()) {
    const line = lines[hint.position.line]!;
    lines[hint.position.line] = `${line.slice(0, hint.position.character)}⟨${hint.label as string}⟩${line.slice(hint.position.character)}`;
  }
  return lines.join('\n');
}

const TEXT = `block tower(units: int) = dense(units, relu) -> dropout(0.1)

model Reviews {
  input tokens: int[40] vocab 5000
  input img: float[28, 28, 1]
  trunk encoded = tokens -> embedding(64) -> lstm(64, sequences: true)
  trunk vision = img -> conv2d(8, 3) -> maxpool(2) -> flatten()
  gate moe = mmoe(vision, expert: dense(32, relu))
  head sentiment = encoded -> globalpool() -> tower(32) -> classify(3)
  head entities = encoded -> tag(9)
  head digit = moe -> classify(10)
  head broken = vision -> lstm(4) -> dense(2) -> binary()
}
`;

test('inlay hints show the shape after every pipeline stage whose input shape is known', async () => {
  const { uri } = await server.open(TEXT);
  const hints = await server.request<lsp.InlayHint[]>('textDocument/inlayHint', { textDocument: { uri }, range: WHOLE });
  expect(withHints(TEXT, hints)).toBe(`block tower(units: int) = dense(units, relu) -> dropout(0.1)

model Reviews {
  input tokens: int[40] vocab 5000
  input img: float[28, 28, 1]
  trunk encoded = tokens -> embedding(64)⟨: [40, 64]⟩ -> lstm(64, sequences: true)⟨: [40, 64]⟩
  trunk vision = img -> conv2d(8, 3)⟨: [28, 28, 8]⟩ -> maxpool(2)⟨: [14, 14, 8]⟩ -> flatten()⟨: [1568]⟩
  gate moe = mmoe(vision, expert: dense(32, relu)⟨: [32]⟩)
  head sentiment = encoded -> globalpool()⟨: [64]⟩ -> tower(32)⟨: [32]⟩ -> classify(3)⟨: [3]⟩
  head entities = encoded -> tag(9)⟨: [40, 9]⟩
  head digit = moe -> classify(10)⟨: [10]⟩
  head broken = vision -> lstm(4) -> dense(2) -> binary()
}
`);
});

test('a hint is a type hint with the shape change as its tooltip', async () => {
  const { uri } = await server.open(TEXT);
  const hints = await server.request<lsp.InlayHint[]>('textDocument/inlayHint', {
    textDocument: { uri },
    range: { start: { line: 5, character: 0 }, end: { line: 5, character: 80 } },
  });
  expect(hints).toEqual([
    { position: { line: 5, character: 41 }, label: ': [40, 64]', kind: 1, tooltip: 'embedding: [40] → [40, 64]' },
    { position: { line: 5, character: 70 }, label: ': [40, 64]', kind: 1, tooltip: 'lstm: [40, 64] → [40, 64]' },
  ]);
});
