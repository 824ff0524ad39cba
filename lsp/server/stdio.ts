/** The server as a program of its own (the VS Code extension bundles this file): the same as `mtlc lsp`. */
import { startStdioServer } from './main.js';

startStdioServer();
