/**
 * The parser for the whole grammar of LANGUAGE.md §3: one shared, recovering Chevrotain CstParser.
 *
 * Each rule carries its EBNF production. Where the grammar says `ID` for a word with a fixed meaning
 * (`float`, `category`, `vocab`, `normalize`, `from`), the rule consumes an `Identifier` behind a gate
 * on its image, because those words are not reserved. Recovery is Chevrotain's: single-token
 * insertion or deletion first, then re-synchronisation to what may follow the failing rule; a member
 * that fails therefore skips to the next member keyword or `}`, and the members after it still parse.
 */
import { CstParser, EOF, tokenMatcher, type CstNode, type IOrAlt, type IToken, type TokenType } from '#chevrotain';
import { problemOf, SyntaxMessages, type SyntaxProblem } from './errors.js';
import * as T from './tokens.js';
import { endOf } from './tokens.js';

/** Words that follow a declared name; a keyword before one of them is taken as a (misused) name. */
const afterDeclaredName: readonly TokenType[] = [T.LCurly, T.LParen, T.Equals, T.Colon];
/** Tokens that follow a reference in a pipeline; a keyword before one of them is a misused name. */
const afterReference: readonly TokenType[] = [T.Arrow, T.LParen];

const MAX_REPETITION_RECOVERIES = 100;

/** The children of a CST node: a fast-properties object that inherits no keys (see MtlParser). */
const CstChildren = function CstChildren() {} as unknown as new () => CstNode['children'];
CstChildren.prototype = Object.create(null);

// CST labels, shared so that no rule allocates them per token.
const CALLEE = { LABEL: 'callee' };
const OPERATOR = { LABEL: 'operator' };
const NAME = { LABEL: 'name' };
const KEY = { LABEL: 'key' };
const LITERAL = { LABEL: 'literal' };
const OPEN = { LABEL: 'open' };
const CLOSE = { LABEL: 'close' };

/** Chevrotain's own in-repetition recovery, which the parser wraps (it is not in the typings). */
const recoverable = CstParser.prototype as unknown as { tryInRepetitionRecovery: (...args: unknown[]) => void };

function isWord(token: IToken, ...words: string[]): boolean {
  return token.tokenType === T.Identifier && words.includes(token.image);
}

function isOneOf(token: IToken, types: readonly TokenType[]): boolean {
  return types.some((type) => tokenMatcher(token, type));
}

export class MtlParser extends CstParser {
  readonly messages: SyntaxMessages;

  /**
   * `validate: false` skips Chevrotain's grammar validations (ambiguities, left recursion…), which
   * take most of the parser's construction time at every `mtlc` start; a test builds the parser
   * with them, so a grammar mistake still fails the suite.
   */
  constructor({ validate }: { validate: boolean }) {
    const messages = new SyntaxMessages();
    super(T.allTokens, { recoveryEnabled: true, nodeLocationTracking: 'none', errorMessageProvider: messages, skipValidations: !validate });
    this.messages = messages;
    this.performSelfAnalysis();
  }

  /** Recovery inserts tokens with NaN offsets by default; ours sit, empty, right after the previous token. */
  protected override getTokenToInsert(tokType: TokenType): IToken {
    const previous = this.LA(0);
    const at = previous.tokenType === EOF || Number.isNaN(previous.startOffset) ? 0 : endOf(previous);
    return {
      image: '',
      startOffset: at,
      endOffset: at - 1,
      tokenType: tokType,
      tokenTypeIdx: tokType.tokenTypeIdx!,
      isInsertedInRecovery: true,
    };
  }

  /**
   * Chevrotain recovers inside a repetition (skipping to the next member, say) by calling the
   * repetition again from within the recovery, so each recovery in one loop nests deeper. Past
   * `MAX_REPETITION_RECOVERIES` nested recoveries the loop gives up and the enclosing rule
   * re-synchronises instead: garbage input cannot overflow the stack.
   */
  private repetitionRecoveries = 0;

  tryInRepetitionRecovery(...args: unknown[]): void {
    if (this.repetitionRecoveries >= MAX_REPETITION_RECOVERIES) return;
    this.repetitionRecoveries++;
    try {
      recoverable.tryInRepetitionRecovery.apply(this, args);
    } finally {
      this.repetitionRecoveries--;
    }
  }

  /**
   * Chevrotain makes each CST node's children with `Object.create(null)`, which V8 keeps in slow
   * dictionary mode; a constructor whose prototype is null-prototyped gives the same "no inherited
   * keys" guarantee with fast properties. This halves parsing time and speeds up the AST builder.
   * (An internal hook: were it renamed, this override would go unused and parsing stay correct.)
   */
  cstInvocationStateUpdate(fullRuleName: string): void {
    (this as unknown as { CST_STACK: CstNode[] }).CST_STACK.push({ name: fullRuleName, children: new CstChildren() });
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

  // block = "block" ID [ "(" params ")" ] "=" pipeline ;   params = param { "," param } ;
  // (an empty parameter list, `block f() = …`, is accepted too)
  blockDecl = this.RULE('blockDecl', () => {
    this.CONSUME(T.Block);
    this.SUBRULE(this.declName);
    this.OPTION(() => {
      this.CONSUME(T.LParen);
      this.OPTION2(() => {
        this.SUBRULE(this.param);
        this.MANY(() => {
          this.CONSUME(T.Comma);
          this.SUBRULE2(this.param);
        });
      });
      this.CONSUME(T.RParen);
    });
    this.CONSUME(T.Equals);
    this.SUBRULE(this.pipeline);
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
  // member = input | trunk | gate | head | weights | weighting | train | data ;
  modelDecl = this.RULE('modelDecl', () => {
    this.CONSUME(T.Model);
    this.SUBRULE(this.declName);
    this.CONSUME(T.LCurly);
    this.MANY(() => {
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
    this.CONSUME(T.RCurly);
  });

  // input = "input" ID ":" tensorType { inputOption } ;
  // inputOption = "normalize" | "from" columns ;
  inputDecl = this.RULE('inputDecl', () => {
    this.CONSUME(T.Input);
    this.SUBRULE(this.declName);
    this.CONSUME(T.Colon);
    this.SUBRULE(this.tensorType);
    this.MANY({
      GATE: () => isWord(this.LA(1), 'normalize', 'from'),
      DEF: () => {
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
      },
    });
  });

  // tensorType = ("float" | "int") [ "[" dims "]" ] [ "vocab" INT ]      dims = INT { "," INT } ;
  //            | "category" "(" INT ")"
  //            | "category" "[" STRING { "," STRING } "]" ;
  tensorType = this.RULE('tensorType', () => {
    this.OR({
      IGNORE_AMBIGUITIES: true,
      DEF: [
        {
          GATE: () => isWord(this.LA(1), 'float', 'int'),
          ALT: () => {
            this.CONSUME(T.Identifier, { LABEL: 'dtype' });
            this.OPTION(() => {
              this.CONSUME(T.LBracket, { LABEL: 'dimsOpen' });
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
          },
        },
        {
          GATE: () => isWord(this.LA(1), 'category'),
          ALT: () => {
            this.CONSUME3(T.Identifier, { LABEL: 'category' });
            this.OR2([
              {
                ALT: () => {
                  this.CONSUME(T.LParen);
                  this.CONSUME4(T.NumberLiteral, { LABEL: 'count' });
                  this.CONSUME(T.RParen);
                },
              },
              {
                ALT: () => {
                  this.CONSUME2(T.LBracket, { LABEL: 'namesOpen' });
                  this.SUBRULE(this.stringList);
                  this.CONSUME2(T.RBracket);
                },
              },
            ]);
          },
        },
      ],
    });
  });

  // STRING { "," STRING } ;
  stringList = this.RULE('stringList', () => {
    this.CONSUME(T.StringLiteral);
    this.MANY(() => {
      this.CONSUME(T.Comma);
      this.CONSUME2(T.StringLiteral);
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
    this.MANY(this.options);
    this.CONSUME(T.RCurly);
  });

  // option = ID ":" expr [","] ;
  optionEntry = this.RULE('optionEntry', () => {
    this.key();
    this.CONSUME(T.Colon);
    this.SUBRULE(this.expr);
    this.OPTION(this.comma);
  });

  // pipeline = source { "->" call } ;   source = ID | call ;   chain = call { "->" call } ;
  // A source is a call without parentheses, so pipeline and chain are one rule. Its first call is
  // inlined (most pipelines are a single name): its tokens and arguments sit in the pipeline node.
  pipeline = this.RULE('pipeline', () => {
    this.OR(this.callee);
    this.OPTION(this.parenthesisedArgs);
    this.MANY2(this.arrowCall);
  });

  // call = ID [ "(" [ args ] ")" ] ;   args = arg { "," arg } ;
  // The callee may be a keyword before "->" or "(": the compiler reports it (MTL0011).
  call = this.RULE('call', () => {
    this.OR(this.callee);
    this.OPTION(this.parenthesisedArgs);
  });

  // arg = [ ID ":" ] expr ;   (`ID ":"` is told from a chain `ID` by the second token)
  arg = this.RULE('arg', () => {
    this.OPTION(this.argName);
    this.SUBRULE(this.expr);
  });

  // expr = term { ("+" | "-") term } ;   term = factor { ("*" | "/") factor } ;
  // Parsed flat as factor { operator factor }, and the AST builder applies precedence: one rule
  // instead of three for an expression keeps the parser fast and its recursion shallow. The first
  // factor is inlined here for the same reason (most expressions are a single value).
  expr = this.RULE('expr', () => {
    this.MANY(this.minus);
    this.OR(this.atoms);
    this.MANY2(this.operatorFactor);
  });

  // factor = NUMBER | STRING | "true" | "false" | list | chain | "(" expr ")" | "-" factor ;
  // (the minus signs are a loop, { "-" }, not a recursion)
  factor = this.RULE('factor', () => {
    this.MANY(this.minus);
    this.OR(this.atoms);
  });

  // list = "[" [ expr { "," expr } ] "]" ;
  list = this.RULE('list', () => {
    this.CONSUME(T.LBracket);
    this.OPTION(this.listItems);
    this.CONSUME(T.RBracket);
  });

  // ID, as a declared name. A keyword before what follows a name is taken, and reported by the
  // compiler as MTL0011. A rule of its own, so that a missing name re-synchronises right here.
  declName = this.RULE('declName', () => {
    this.OR(this.declaredName);
  });

  // ── Parts of the rules above, built once ──
  // A rule body runs once per node; allocating its alternatives and loop bodies each time (the
  // usual inline style) doubled the garbage collector's work on large files. Chevrotain's
  // performance guide recommends caching them like this.

  private readonly comma = (): void => {
    this.CONSUME(T.Comma);
  };

  private readonly options = {
    // A keyword is a key only when a ":" follows (`data { train: "a.csv" }`); otherwise it is the
    // next member, and the "}" is what is missing.
    GATE: (): boolean => this.LA(1).tokenType === T.Identifier || tokenMatcher(this.LA(2), T.Colon),
    DEF: (): void => {
      this.SUBRULE(this.optionEntry);
    },
  };

  private readonly arrowCall = (): void => {
    this.CONSUME(T.Arrow);
    this.SUBRULE2(this.call);
  };

  private readonly callee: IOrAlt<unknown>[] = [
    { ALT: () => this.CONSUME(T.Identifier, CALLEE) },
    { GATE: () => isOneOf(this.LA(2), afterReference), ALT: () => this.CONSUME(T.StatementKeyword, CALLEE) },
  ];

  private readonly moreArgs = (): void => {
    this.CONSUME(T.Comma);
    this.SUBRULE2(this.arg);
  };

  private readonly args = (): void => {
    this.SUBRULE(this.arg);
    this.MANY(this.moreArgs);
  };

  private readonly parenthesisedArgs = (): void => {
    this.CONSUME(T.LParen);
    this.OPTION2(this.args);
    this.CONSUME(T.RParen);
  };

  private readonly argName = {
    GATE: (): boolean => tokenMatcher(this.LA(2), T.Colon),
    DEF: (): void => {
      this.key();
      this.CONSUME(T.Colon);
    },
  };

  private readonly operators: IOrAlt<unknown>[] = [
    { ALT: () => this.CONSUME2(T.Plus, OPERATOR) },
    { ALT: () => this.CONSUME2(T.Minus, OPERATOR) },
    { ALT: () => this.CONSUME2(T.Star, OPERATOR) },
    { ALT: () => this.CONSUME2(T.Slash, OPERATOR) },
  ];

  private readonly operatorFactor = (): void => {
    this.OR2(this.operators);
    this.SUBRULE2(this.factor);
  };

  private readonly minus = (): void => {
    this.CONSUME(T.Minus);
  };

  /** The alternatives of a factor after its minus signs; shared by `expr` and `factor`. */
  private readonly atoms: IOrAlt<unknown>[] = [
    { ALT: () => this.CONSUME(T.NumberLiteral, LITERAL) },
    { ALT: () => this.CONSUME(T.StringLiteral, LITERAL) },
    { ALT: () => this.CONSUME(T.True, LITERAL) },
    { ALT: () => this.CONSUME(T.False, LITERAL) },
    { ALT: () => this.SUBRULE(this.list) },
    { ALT: () => this.SUBRULE(this.pipeline) },
    {
      ALT: () => {
        this.CONSUME(T.LParen, OPEN);
        this.SUBRULE(this.expr);
        this.CONSUME(T.RParen, CLOSE);
      },
    },
  ];

  private readonly moreItems = (): void => {
    this.CONSUME(T.Comma);
    this.SUBRULE2(this.expr);
  };

  private readonly listItems = (): void => {
    this.SUBRULE(this.expr);
    this.MANY(this.moreItems);
  };

  private readonly declaredName: IOrAlt<unknown>[] = [
    { ALT: () => this.CONSUME(T.Identifier, NAME) },
    { GATE: () => isOneOf(this.LA(2), afterDeclaredName), ALT: () => this.CONSUME(T.Keyword, NAME) },
  ];

  private readonly keys: IOrAlt<unknown>[] = [
    { ALT: () => this.CONSUME9(T.Identifier, KEY) },
    { ALT: () => this.CONSUME9(T.Keyword, KEY) },
  ];

  /**
   * ID, as the key of an option or a named argument; a keyword is a fine key (`data { train: … }`).
   * Inlined into the rules that call it, with occurrence index 9, which no rule uses otherwise.
   */
  private key(): void {
    this.OR9(this.keys);
  }
}

/** The one parser instance: Chevrotain parsers are built once and fed new input per parse. */
export const mtlParser = new MtlParser({ validate: false });

export interface ParseOutput {
  readonly cst: CstNode;
  readonly problems: SyntaxProblem[];
}

/**
 * Parses a token vector (comments already removed) into a CST. `text` is the source the tokens came
 * from; error messages quote it.
 */
export function parseTokens(tokens: readonly IToken[], text: string): ParseOutput {
  const stackTraceLimit = Error.stackTraceLimit;
  // Recovery throws and catches an exception per error; stack traces are never read.
  Error.stackTraceLimit = 0;
  try {
    mtlParser.messages.begin(tokens, text, (rule, preceding) => mtlParser.computeContentAssist(rule, preceding));
    // Chevrotain pads the vector it is given with EOF tokens; the caller's vector stays as it was.
    mtlParser.input = tokens.slice();
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
