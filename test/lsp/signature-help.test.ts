import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type * as lsp from 'vscode-languageserver/node';
import { SEED, startTestServer, type TestServer } from './helpers.js';

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer();
});
afterAll(() => server.stop());

async function help(marked: string): Promise<lsp.SignatureHelp | null> {
  return server.at<lsp.SignatureHelp | null>('textDocument/signatureHelp', marked);
}

/** The active parameter's text in the label, or undefined when none is active. */
function active(h: lsp.SignatureHelp): string | undefined {
  const sig = h.signatures[h.activeSignature ?? 0]!;
  const param = sig.parameters?.[h.activeParameter ?? 0];
  if (param === undefined) return undefined;
  const [start, end] = param.label as [number, number];
  return sig.label.slice(start, end);
}

describe('signature help', () => {
  test('a layer call: the signature, its parameters as label ranges, and the positional one active', async () => {
    const h = await help(SEED.replace('dense(64, relu)', 'dense(64, <|>relu)'));
    expect(h).toEqual({
      signatures: [
        {
          label: 'dense(units: int, activation: an activation = linear)',
          parameters: [
            { label: [6, 16], documentation: 'output size' },
            { label: [18, 52], documentation: 'applied to the output' },
          ],
          documentation: {
            kind: 'markdown',
            value:
              'A fully connected layer on the last dimension.\n\n- `units`: an integer >= 1 — output size\n\n- `activation`: an activation (linear, relu, relu6, elu, selu, gelu, swish, sigmoid, tanh, softplus, softmax, leaky_relu), default linear — applied to the output',
          },
        },
      ],
      activeSignature: 0,
      activeParameter: 1,
    });
  });

  test('a named argument makes its parameter active, wherever it is written', async () => {
    const h = await help(SEED.replace('dense(64, relu)', 'conv1d(8, 3, padding: <|>)'));
    expect(h!.signatures[0]!.label).toBe(
      'conv1d(filters: int, kernel: int, activation: an activation = linear, stride: int = 1, padding: a padding = same)',
    );
    expect(active(h!)).toBe('padding: a padding = same');
  });

  test('after a named argument, a new argument has no active parameter until it is named', async () => {
    const h = await help(SEED.replace('dense(64, relu)', 'conv1d(8, 3, padding: same, <|>)'));
    expect(h?.activeParameter).toBe(5);
    expect(active(h!)).toBeUndefined();
  });

  test('a gate and a block call', async () => {
    const gate = await help(SEED.replace('trunk shared = x -> dense(64, relu)', 'gate shared = mmoe(x, experts: <|>4)'));
    expect([gate!.signatures[0]!.label, active(gate!)]).toEqual([
      'mmoe(source: source, experts: int = 4, expert: layers)',
      'experts: int = 4',
    ]);
    const block = await help(
      `block tower(units: int, p: float = 0.1) = dense(units) -> dropout(p)\n${SEED.replace('dense(64, relu)', 'tower(64, <|>)')}`,
    );
    expect(block).toEqual({
      signatures: [
        {
          label: 'tower(units: int, p: float = 0.1)',
          parameters: [{ label: [6, 16] }, { label: [18, 32] }],
          documentation: { kind: 'markdown', value: 'block `tower`' },
        },
      ],
      activeSignature: 0,
      activeParameter: 1,
    });
  });

  test('merges take any number of sources', async () => {
    const h = await help(`${SEED.replace('x -> dense(64, relu)', 'concat(x, <|>)')}`);
    expect([h!.signatures[0]!.label, active(h!)]).toEqual(['concat(source, source, …)', 'source']);
  });

  test('the innermost call wins, and an unclosed call still helps', async () => {
    const h = await help(
      SEED.replace('trunk shared = x -> dense(64, relu)', 'gate shared = mmoe(x, expert: dense(32, <|>').replace(/\n {2}head[\s\S]*$/, ''),
    );
    expect([h!.signatures[0]!.label.slice(0, 6), active(h!)]).toEqual(['dense(', 'activation: an activation = linear']);
  });

  test('outside a call, or in an unknown one: none', async () => {
    expect(await help(SEED.replace('dense(64, relu)', 'dense(64, relu) <|>'))).toBeNull();
    expect(await help(SEED.replace('dense(64, relu)', 'dnse(64, <|>)'))).toBeNull();
  });
});
