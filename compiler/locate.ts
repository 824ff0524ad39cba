/**
 * Finding syntax nodes by source offset, and the names that read a block's parameters: pure helpers
 * over the AST for the editor features (hover, completion, rename…), which need to know what sits
 * under the cursor even where the checker recorded nothing.
 */
import { bareName, type BlockDecl, type Expr, type MtlFile, type Name, type Node, type Param } from './ast.js';

/** The direct children of a node, in source order. */
function childrenOf(node: Node): Node[] {
  const opt = <T>(x: T | undefined): T[] => (x === undefined ? [] : [x]);
  switch (node.kind) {
    case 'File':
      return [...node.imports, ...node.blocks, ...node.models].sort((a, b) => a.span.start - b.span.start);
    case 'Import':
      return opt(node.path);
    case 'Block':
      return [node.name, ...node.params, ...opt(node.body)];
    case 'Param':
      return [node.name, node.type, ...opt(node.default)];
    case 'Model':
      return [node.name, ...node.members];
    case 'Input':
      return [node.name, ...opt(node.type), ...opt(node.from)];
    case 'NumericType':
      return [...(node.dims ?? []), ...opt(node.vocab)];
    case 'CategoryType':
      return [...opt(node.count), ...(node.names ?? [])];
    case 'ColumnRange':
      return [node.first, node.last];
    case 'ColumnList':
      return [...node.names];
    case 'Trunk':
      return [node.name, ...opt(node.pipeline)];
    case 'Gate':
      return [node.name, ...opt(node.call)];
    case 'Head':
      return [node.name, ...opt(node.pipeline), ...node.options];
    case 'Weights':
      return [...node.entries];
    case 'Weighting':
      return opt(node.call);
    case 'Train':
    case 'Data':
      return [...node.options];
    case 'Option':
      return [node.name, ...opt(node.value)];
    case 'Pipeline':
      return [...node.steps];
    case 'Call':
      return [node.callee, ...(node.args ?? [])];
    case 'Arg':
      return [...opt(node.name), ...opt(node.value)];
    case 'List':
      return [...node.items];
    case 'Binary':
      return [node.left, ...opt(node.right)];
    case 'Negate':
      return opt(node.operand);
    case 'Paren':
      return opt(node.inner);
    default:
      return [];
  }
}

function isEmptyName(node: Node): boolean {
  return node.kind === 'Name' && node.text === '';
}

/**
 * The chain of nodes from the file down to the smallest one that contains `offset` (ends count, so
 * the cursor just after a name is on it). Where two siblings touch, the one that starts there wins.
 */
export function nodePathAt(file: MtlFile, offset: number): Node[] {
  const path: Node[] = [file];
  let current: Node = file;
  for (;;) {
    let next: Node | undefined;
    for (const child of childrenOf(current)) {
      if (isEmptyName(child) || child.span.start > offset || child.span.end < offset) continue;
      next = child;
      if (offset < child.span.end) break;
    }
    if (next === undefined) return path;
    path.push(next);
    current = next;
  }
}

/** Calls `visit` on every node below `node`, parents before children. */
export function walk(node: Node, visit: (node: Node, parent: Node | undefined) => void, parent?: Node): void {
  visit(node, parent);
  for (const child of childrenOf(node)) walk(child, visit, node);
}

/**
 * Where each parameter of a block is read: bare names in the argument expressions of its body and
 * in the defaults of later parameters (a default may use the parameters before it).
 */
export function paramReferences(block: BlockDecl): Map<Param, Name[]> {
  const refs = new Map<Param, Name[]>(block.params.map((p) => [p, []]));
  const byName = (text: string, before: number): Param | undefined => block.params.slice(0, before).find((p) => p.name.text === text);
  const visitExpr = (expr: Expr | undefined, visible: number): void => {
    if (expr === undefined) return;
    walk(expr, (node) => {
      const name = node.kind === 'Pipeline' ? bareName(node) : undefined;
      const param = name && byName(name.text, visible);
      if (name && param) refs.get(param)!.push(name);
    });
  };
  block.params.forEach((param, i) => visitExpr(param.default, i));
  for (const step of block.body?.steps ?? []) {
    for (const arg of step.args ?? []) visitExpr(arg.value, block.params.length);
  }
  return refs;
}
