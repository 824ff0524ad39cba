/**
 * `mtlc lsp`: the language server on stdin/stdout (lsp/server). The server is loaded only when this
 * command runs, and owns the process from then on: it exits when the client sends `exit` (code 0
 * after `shutdown`, else 1) or closes the stream. `--stdio`, which some clients add, is accepted.
 */
import type { Command } from 'commander';
import type { CliContext, CommandModule } from './command.js';

export const lspCommand: CommandModule = {
  name: 'lsp',
  register(program: Command, _ctx: CliContext): void {
    program
      .command('lsp')
      .description('run the language server on stdin/stdout, for editors')
      .option('--stdio', 'talk over stdin/stdout (the default and only transport)')
      .allowUnknownOption(true)
      .action(async () => {
        const { startStdioServer } = await import('../../lsp/server/main.js');
        startStdioServer();
        // The server answers until the client ends it; this command never returns on its own.
        await new Promise<never>(() => {});
      });
  },
};
