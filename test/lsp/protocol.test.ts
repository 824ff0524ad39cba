import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { startStreamServer } from '../../lsp/server/main.js';

/** One framed message, as a client writes it: headers, a blank line, then the body's bytes. */
const frame = (body: string) => `Content-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`;

/** The bodies of every framed message written so far to `output`, parsed. */
function bodies(output: string): unknown[] {
  const out: unknown[] = [];
  let rest = output;
  for (;;) {
    const match = /^Content-Length: (\d+)\r\n(?:[^\r\n]+\r\n)*\r\n/.exec(rest);
    if (match === null) return out;
    const start = match[0].length;
    const body = Buffer.from(rest.slice(start), 'utf8').subarray(0, Number(match[1])).toString('utf8');
    out.push(JSON.parse(body));
    rest = rest.slice(start + body.length);
  }
}

describe('the language server on malformed JSON-RPC', () => {
  it('answers a body that is not JSON with a Parse error (-32700) and goes on reading in step', async () => {
    const input = new PassThrough();
    const output = new PassThrough();
    let written = '';
    output.on('data', (chunk: Buffer) => {
      written += chunk.toString('utf8');
    });
    const { connection, workspace } = startStreamServer(input, output, { debounceMs: 0 });
    const until = async (done: () => boolean) => {
      for (let i = 0; i < 200 && !done(); i++) await new Promise((resolve) => setTimeout(resolve, 10));
    };
    input.write(
      frame('{"jsonrpc": "2.0", "id": 1, "method": "initialize", "params": {"processId": null, "rootUri": null, "capabilities": {}}'),
    );
    await until(() => bodies(written).length >= 1);
    input.write(
      frame(JSON.stringify({ jsonrpc: '2.0', id: 2, method: 'initialize', params: { processId: null, rootUri: null, capabilities: {} } })),
    );
    await until(() => bodies(written).length >= 2);
    const [first, second] = bodies(written) as {
      id: number | null;
      error?: { code: number };
      result?: { serverInfo?: { name: string } };
    }[];
    expect(first).toMatchObject({ jsonrpc: '2.0', id: null, error: { code: -32700 } });
    expect(second).toMatchObject({ jsonrpc: '2.0', id: 2, result: { serverInfo: { name: 'mtlc lsp' } } });
    connection.dispose();
    workspace.dispose();
  });
});
