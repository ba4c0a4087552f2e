namespace SharpTune.Templates;

// The syntax tree of a template. Expressions evaluate to plain .NET values (see JinjaRuntime);
// statements write to the output.

internal abstract record Expr;
internal sealed record Literal(object? Value) : Expr;
internal sealed record Name(string Id) : Expr;
internal sealed record ListExpr(List<Expr> Items) : Expr;
internal sealed record DictExpr(List<(Expr Key, Expr Value)> Items) : Expr;
internal sealed record Attr(Expr Target, string Name) : Expr;
internal sealed record Index(Expr Target, Expr Key) : Expr;
internal sealed record SliceExpr(Expr Target, Expr? Start, Expr? Stop, Expr? Step) : Expr;
internal sealed record Call(Expr Target, List<Expr> Args, List<(string Name, Expr Value)> Kwargs) : Expr;
internal sealed record Filter(Expr Target, string Name, List<Expr> Args, List<(string Name, Expr Value)> Kwargs) : Expr;
internal sealed record Test(Expr Target, string Name, List<Expr> Args, bool Negated) : Expr;
internal sealed record Unary(string Op, Expr Operand) : Expr;
internal sealed record Binary(string Op, Expr Left, Expr Right) : Expr;
internal sealed record Conditional(Expr Condition, Expr Then, Expr? Else) : Expr;

internal abstract record Stmt;
internal sealed record TextStmt(string Text) : Stmt;
internal sealed record OutputStmt(Expr Value) : Stmt;
internal sealed record IfStmt(List<(Expr Condition, List<Stmt> Body)> Branches, List<Stmt>? Else) : Stmt;
internal sealed record ForStmt(List<string> Targets, Expr Iterable, Expr? Condition, List<Stmt> Body, List<Stmt>? Else) : Stmt;
internal sealed record SetStmt(Expr Target, Expr Value) : Stmt;
internal sealed record SetBlockStmt(string Name, List<Stmt> Body) : Stmt;
internal sealed record MacroStmt(string Name, List<(string Name, Expr? Default)> Params, List<Stmt> Body) : Stmt;
internal sealed record BreakStmt : Stmt;
internal sealed record ContinueStmt : Stmt;
