/**
 * The parser for the whole grammar of LANGUAGE.md §3: one shared, recovering Chevrotain CstParser.
 *
 * Each rule carries its EBNF production. Where the grammar says `ID` for a word with a fixed meaning
 * (`float`, `category`, `vocab`, `normalize`, `from`), the rule consumes an `Identifier` behind a gate
 * on its image, because those words are not reserved. Recovery is Chevrotain's: single-token
 * insertion or deletion first, then re-synchronisation to what may follow the failing rule; a member
 * that fails therefore skips to the next member keyword or `}`, and the members after it still parse.
 */
import { CstParser, EOF, tokenMatcher, type CstNode, type IToken, type TokenType } from 'chevrotain';
import { problemOf, SyntaxMessages, type SyntaxProblem } from './errors.js';
import * as T from './tokens.js';
import { endOf } from './tokens.js';

/** Words that follow a declared name; a keyword before one of them is taken as a (misused) name. */
const afterDeclaredName: readonly TokenType[] = [T.LCurly, T.LParen, T.Equals, T.Colon];
/** Tokens that follow a reference in a pipeline; a keyword before one of them is a misused name. */
const afterReference: readonly TokenType[] = [T.Arrow, T.LParen];

function isWord(token: IToken, ...words: string[]): boolean {
  return token.tokenType === T.Identifier && words.includes(token.image);
}

function isOneOf(token: IToken, types: readonly TokenType[]): boolean {
  return types.some((type) => tokenMatcher(token, type));
}

class MtlParser extends CstParser {
  readonly messages: SyntaxMessages;

  constructor() {
    const messages = new SyntaxMessages();
    super(T.allTokens, { recoveryEnabled: true, nodeLocationTracking: 'onlyOffset', errorMessageProvider: messages });
    this.messages = messages;
    this.performSelfAnalysis();
  }

  /** Recovery inserts tokens with NaN offsets by default; ours sit, empty, right after the previous token. */
  protected override getTokenToInsert(tokType: TokenType): IToken {
    const previous = this.LA(0);
    const at = previous.tokenType === EOF || Number.isNaN(previous.endOffset) ? 0 : endOf(previous);
    return {
      image: '',
      startOffset: at,
      endOffset: at - 1,
      tokenType: tokType,
      tokenTypeIdx: tokType.tokenTypeIdx!,
      isInsertedInRecovery: true,
    };
  }

  /** When the token after the unexpected one is the expected one, delete rather than insert. */
  protected override canTokenTypeBeInsertedInRecovery(tokType: TokenType): boolean {
    return !tokenMatcher(this.LA(2), tokType);
  }

  // file = { import | block | model } ;
  file = this.RULE('file', () => {
    this.MANY(() => {
      this.OR([
        { ALT: () => this.SUBRULE(this.importDecl) },
        { ALT: () => this.SUBRULE(this.blockDecl) },
        { ALT: () => this.SUBRULE(this.modelDecl) },
      ]);
    });
  });

  // import = "import" STRING ;
  importDecl = this.RULE('importDecl', () => {
    this.CONSUME(T.Import);
    this.CONSUME(T.StringLiteral);
  });

  // block = "block" ID [ "(" params ")" ] "=" pipeline ;
  // (an empty parameter list, `block f() = …`, is accepted too)
  blockDecl = this.RULE('blockDecl', () => {
    this.CONSUME(T.Block);
    this.SUBRULE(this.declName);
    this.OPTION(() => {
      this.CONSUME(T.LParen);
      this.OPTION2(() => this.SUBRULE(this.params));
      this.CONSUME(T.RParen);
    });
    this.CONSUME(T.Equals);
    this.SUBRULE(this.pipeline);
  });

  // params = param { "," param } ;
  params = this.RULE('params', () => {
    this.SUBRULE(this.param);
    this.MANY(() => {
      this.CONSUME(T.Comma);
      this.SUBRULE2(this.param);
    });
  });

  // param = ID ":" ("int" | "float" | "bool" | "string") [ "=" expr ] ;
  // (the type word is checked by the compiler, which can say which words are allowed)
  param = this.RULE('param', () => {
    this.SUBRULE(this.declName);
    this.CONSUME(T.Colon);
    this.CONSUME(T.Identifier, { LABEL: 'type' });
    this.OPTION(() => {
      this.CONSUME(T.Equals);
      this.SUBRULE(this.expr);
    });
  });

  // model = "model" ID "{" { member } "}" ;
  modelDecl = this.RULE('modelDecl', () => {
    this.CONSUME(T.Model);
    this.SUBRULE(this.declName);
    this.CONSUME(T.LCurly);
    this.MANY(() => this.SUBRULE(this.member));
    this.CONSUME(T.RCurly);
  });

  // member = input | trunk | gate | head | weights | weighting | train | data ;
  member = this.RULE('member', () => {
    this.OR([
      { ALT: () => this.SUBRULE(this.inputDecl) },
      { ALT: () => this.SUBRULE(this.trunkDecl) },
      { ALT: () => this.SUBRULE(this.gateDecl) },
      { ALT: () => this.SUBRULE(this.headDecl) },
      { ALT: () => this.SUBRULE(this.weightsDecl) },
      { ALT: () => this.SUBRULE(this.weightingDecl) },
      { ALT: () => this.SUBRULE(this.trainDecl) },
      { ALT: () => this.SUBRULE(this.dataDecl) },
    ]);
  });

  // input = "input" ID ":" tensorType { inputOption } ;
  inputDecl = this.RULE('inputDecl', () => {
    this.CONSUME(T.Input);
    this.SUBRULE(this.declName);
    this.CONSUME(T.Colon);
    this.SUBRULE(this.tensorType);
    this.MANY({
      GATE: () => isWord(this.LA(1), 'normalize', 'from'),
      DEF: () => this.SUBRULE(this.inputOption),
    });
  });

  // tensorType = ("float" | "int") [ "[" dims "]" ] [ "vocab" INT ]
  //            | "category" "(" INT ")" | "category" "[" STRING { "," STRING } "]" ;
  tensorType = this.RULE('tensorType', () => {
    this.OR({
      IGNORE_AMBIGUITIES: true,
      DEF: [
        { GATE: () => isWord(this.LA(1), 'float', 'int'), ALT: () => this.SUBRULE(this.numericType) },
        { GATE: () => isWord(this.LA(1), 'category'), ALT: () => this.SUBRULE(this.categoryType) },
      ],
    });
  });

  // ("float" | "int") [ "[" dims "]" ] [ "vocab" INT ] ;   dims = INT { "," INT } ;
  numericType = this.RULE('numericType', () => {
    this.CONSUME(T.Identifier, { LABEL: 'dtype' });
    this.OPTION(() => {
      this.CONSUME(T.LBracket);
      this.CONSUME(T.NumberLiteral, { LABEL: 'dim' });
      this.MANY(() => {
        this.CONSUME(T.Comma);
        this.CONSUME2(T.NumberLiteral, { LABEL: 'dim' });
      });
      this.CONSUME(T.RBracket);
    });
    this.OPTION2({
      GATE: () => isWord(this.LA(1), 'vocab'),
      DEF: () => {
        this.CONSUME2(T.Identifier, { LABEL: 'vocabWord' });
        this.CONSUME3(T.NumberLiteral, { LABEL: 'vocab' });
      },
    });
  });

  // "category" "(" INT ")" | "category" "[" STRING { "," STRING } "]" ;
  categoryType = this.RULE('categoryType', () => {
    this.CONSUME(T.Identifier, { LABEL: 'category' });
    this.OR([
      {
        ALT: () => {
          this.CONSUME(T.LParen);
          this.CONSUME(T.NumberLiteral, { LABEL: 'count' });
          this.CONSUME(T.RParen);
        },
      },
      {
        ALT: () => {
          this.CONSUME(T.LBracket);
          this.SUBRULE(this.stringList);
          this.CONSUME(T.RBracket);
        },
      },
    ]);
  });

  // STRING { "," STRING } ;
  stringList = this.RULE('stringList', () => {
    this.CONSUME(T.StringLiteral);
    this.MANY(() => {
      this.CONSUME(T.Comma);
      this.CONSUME2(T.StringLiteral);
    });
  });

  // inputOption = "normalize" | "from" columns ;
  inputOption = this.RULE('inputOption', () => {
    this.OR({
      IGNORE_AMBIGUITIES: true,
      DEF: [
        { GATE: () => isWord(this.LA(1), 'normalize'), ALT: () => this.CONSUME(T.Identifier, { LABEL: 'normalize' }) },
        {
          GATE: () => isWord(this.LA(1), 'from'),
          ALT: () => {
            this.CONSUME2(T.Identifier, { LABEL: 'from' });
            this.SUBRULE(this.columns);
          },
        },
      ],
    });
  });

  // columns = STRING ".." STRING | "[" STRING { "," STRING } "]" ;
  columns = this.RULE('columns', () => {
    this.OR([
      {
        ALT: () => {
          this.CONSUME(T.StringLiteral, { LABEL: 'first' });
          this.CONSUME(T.DotDot);
          this.CONSUME2(T.StringLiteral, { LABEL: 'last' });
        },
      },
      {
        ALT: () => {
          this.CONSUME(T.LBracket);
          this.SUBRULE(this.stringList);
          this.CONSUME(T.RBracket);
        },
      },
    ]);
  });

  // trunk = "trunk" ID "=" pipeline ;
  trunkDecl = this.RULE('trunkDecl', () => {
    this.CONSUME(T.Trunk);
    this.SUBRULE(this.declName);
    this.CONSUME(T.Equals);
    this.SUBRULE(this.pipeline);
  });

  // gate = "gate" ID "=" call ;
  gateDecl = this.RULE('gateDecl', () => {
    this.CONSUME(T.Gate);
    this.SUBRULE(this.declName);
    this.CONSUME(T.Equals);
    this.SUBRULE(this.call);
  });

  // head = "head" ID "=" pipeline [ "{" { option } "}" ] ;
  headDecl = this.RULE('headDecl', () => {
    this.CONSUME(T.Head);
    this.SUBRULE(this.declName);
    this.CONSUME(T.Equals);
    this.SUBRULE(this.pipeline);
    this.OPTION(() => this.SUBRULE(this.optionBlock));
  });

  // weights = "weights" "{" { ID ":" expr [","] } "}" ;
  weightsDecl = this.RULE('weightsDecl', () => {
    this.CONSUME(T.Weights);
    this.SUBRULE(this.optionBlock);
  });

  // weighting = "weighting" call ;
  weightingDecl = this.RULE('weightingDecl', () => {
    this.CONSUME(T.Weighting);
    this.SUBRULE(this.call);
  });

  // train = "train" "{" { option } "}" ;
  trainDecl = this.RULE('trainDecl', () => {
    this.CONSUME(T.Train);
    this.SUBRULE(this.optionBlock);
  });

  // data = "data" "{" { option } "}" ;
  dataDecl = this.RULE('dataDecl', () => {
    this.CONSUME(T.Data);
    this.SUBRULE(this.optionBlock);
  });

  // "{" { option } "}" ;
  optionBlock = this.RULE('optionBlock', () => {
    this.CONSUME(T.LCurly);
    this.MANY({
      // A keyword is a key only when a ":" follows (`data { train: "a.csv" }`); otherwise it is the
      // next member, and the "}" is what is missing.
      GATE: () => this.LA(1).tokenType === T.Identifier || tokenMatcher(this.LA(2), T.Colon),
      DEF: () => this.SUBRULE(this.optionEntry),
    });
    this.CONSUME(T.RCurly);
  });

  // option = ID ":" expr [","] ;
  optionEntry = this.RULE('optionEntry', () => {
    this.SUBRULE(this.key);
    this.CONSUME(T.Colon);
    this.SUBRULE(this.expr);
    this.OPTION(() => this.CONSUME(T.Comma));
  });

  // ID, as the key of an option or a named argument; a keyword is allowed there.
  key = this.RULE('key', () => {
    this.OR([{ ALT: () => this.CONSUME(T.Identifier) }, { ALT: () => this.CONSUME(T.Keyword) }]);
  });

  // ID, as a declared name; a keyword here is reported by the compiler (MTL0011), not a syntax error.
  declName = this.RULE('declName', () => {
    this.OR([
      { ALT: () => this.CONSUME(T.Identifier) },
      { GATE: () => isOneOf(this.LA(2), afterDeclaredName), ALT: () => this.CONSUME(T.Keyword) },
    ]);
  });

  // pipeline = source { "->" call } ;   source = ID | call ;   chain = call { "->" call } ;
  // (a source is a call without parentheses, so pipeline and chain are one rule)
  pipeline = this.RULE('pipeline', () => {
    this.SUBRULE(this.call);
    this.MANY(() => {
      this.CONSUME(T.Arrow);
      this.SUBRULE2(this.call);
    });
  });

  // call = ID [ "(" [ args ] ")" ] ;
  call = this.RULE('call', () => {
    this.SUBRULE(this.callee);
    this.OPTION(() => {
      this.CONSUME(T.LParen);
      this.OPTION2(() => this.SUBRULE(this.args));
      this.CONSUME(T.RParen);
    });
  });

  // ID, as a referenced name; a keyword is taken (and reported by the compiler) before "->" or "(".
  callee = this.RULE('callee', () => {
    this.OR([
      { ALT: () => this.CONSUME(T.Identifier) },
      { GATE: () => isOneOf(this.LA(2), afterReference), ALT: () => this.CONSUME(T.StatementKeyword) },
    ]);
  });

  // args = arg { "," arg } ;
  args = this.RULE('args', () => {
    this.SUBRULE(this.arg);
    this.MANY(() => {
      this.CONSUME(T.Comma);
      this.SUBRULE2(this.arg);
    });
  });

  // arg = [ ID ":" ] expr ;   (`ID ":"` is told from a chain `ID` by the second token)
  arg = this.RULE('arg', () => {
    this.OPTION({
      GATE: () => tokenMatcher(this.LA(2), T.Colon),
      DEF: () => {
        this.SUBRULE(this.key);
        this.CONSUME(T.Colon);
      },
    });
    this.SUBRULE(this.expr);
  });

  // expr = term { ("+" | "-") term } ;
  expr = this.RULE('expr', () => {
    this.SUBRULE(this.term);
    this.MANY(() => {
      this.OR([{ ALT: () => this.CONSUME(T.Plus, { LABEL: 'operator' }) }, { ALT: () => this.CONSUME(T.Minus, { LABEL: 'operator' }) }]);
      this.SUBRULE2(this.term);
    });
  });

  // term = factor { ("*" | "/") factor } ;
  term = this.RULE('term', () => {
    this.SUBRULE(this.factor);
    this.MANY(() => {
      this.OR([{ ALT: () => this.CONSUME(T.Star, { LABEL: 'operator' }) }, { ALT: () => this.CONSUME(T.Slash, { LABEL: 'operator' }) }]);
      this.SUBRULE2(this.factor);
    });
  });

  // factor = NUMBER | STRING | "true" | "false" | list | chain | "(" expr ")" | "-" factor ;
  // (written as { "-" } atom, so that a run of minus signs is a loop, not a recursion)
  factor = this.RULE('factor', () => {
    this.MANY(() => this.CONSUME(T.Minus));
    this.SUBRULE(this.atom);
  });

  // NUMBER | STRING | "true" | "false" | list | chain | "(" expr ")" ;
  atom = this.RULE('atom', () => {
    this.OR([
      { ALT: () => this.CONSUME(T.NumberLiteral) },
      { ALT: () => this.CONSUME(T.StringLiteral) },
      { ALT: () => this.CONSUME(T.True) },
      { ALT: () => this.CONSUME(T.False) },
      { ALT: () => this.SUBRULE(this.list) },
      { ALT: () => this.SUBRULE(this.pipeline) },
      { ALT: () => this.SUBRULE(this.paren) },
    ]);
  });

  // list = "[" [ expr { "," expr } ] "]" ;
  list = this.RULE('list', () => {
    this.CONSUME(T.LBracket);
    this.OPTION(() => {
      this.SUBRULE(this.expr);
      this.MANY(() => {
        this.CONSUME(T.Comma);
        this.SUBRULE2(this.expr);
      });
    });
    this.CONSUME(T.RBracket);
  });

  // "(" expr ")" ;
  paren = this.RULE('paren', () => {
    this.CONSUME(T.LParen);
    this.SUBRULE(this.expr);
    this.CONSUME(T.RParen);
  });
}

/** The one parser instance: Chevrotain parsers are built once and fed new input per parse. */
export const mtlParser = new MtlParser();

export interface ParseOutput {
  readonly cst: CstNode;
  readonly problems: SyntaxProblem[];
}

/**
 * Parses a token vector (comments already removed) into a CST. `text` is the source the tokens came
 * from; error messages quote it.
 */
export function parseTokens(tokens: IToken[], text: string): ParseOutput {
  const stackTraceLimit = Error.stackTraceLimit;
  // Recovery throws and catches an exception per error; stack traces are never read.
  Error.stackTraceLimit = 0;
  try {
    mtlParser.messages.begin(tokens, text, (rule, preceding) => mtlParser.computeContentAssist(rule, preceding));
    mtlParser.input = tokens;
    const cst = mtlParser.file();
    // Recovery can report one place twice (a failed alternative, then the resynchronisation).
    const problems: SyntaxProblem[] = [];
    const reported = new Set<number>();
    for (const error of mtlParser.errors) {
      const problem = problemOf(error, tokens);
      if (!reported.has(problem.start)) problems.push(problem);
      reported.add(problem.start);
    }
    return { cst, problems };
  } finally {
    Error.stackTraceLimit = stackTraceLimit;
    mtlParser.messages.end();
  }
}
