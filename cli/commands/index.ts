/**
 * The registry of `mtlc` commands, in the order `mtlc --help` lists them. To add one, write
 * `cli/commands/NAME.ts` exporting a `CommandModule`, and list it here. A module that needs
 * TensorFlow.js or the language server must import them with `await import()` inside its action,
 * never at the top: every module listed here is loaded on every run, and `mtlc check` must not
 * load TensorFlow.js.
 */
import { buildCommand } from './build.js';
import { checkCommand } from './check.js';
import type { CommandModule } from './command.js';
import { dataCommand } from './data.js';
import { evalCommand } from './eval.js';
import { explainCommand } from './explain.js';
import { fmtCommand } from './fmt.js';
import { graphCommand } from './graph.js';
import { lspCommand } from './lsp.js';
import { predictCommand } from './predict.js';
import { relateCommand } from './relate.js';
import { summaryCommand } from './summary.js';
import { trainCommand } from './train.js';
import { tuneCommand } from './tune.js';

export const COMMANDS: readonly CommandModule[] = [
  checkCommand,
  fmtCommand,
  graphCommand,
  explainCommand,
  summaryCommand,
  buildCommand,
  trainCommand,
  evalCommand,
  predictCommand,
  tuneCommand,
  relateCommand,
  dataCommand,
  lspCommand,
];
