//! Telling where one SQL statement ends, without a database.
//!
//! jgt wraps every model, test and preview in SQL of its own
//! (`create view ... as <model>`, `select count(*) from (<test>)`). A body
//! that holds a second statement would run it too: `select 1; drop table x`
//! must be refused before it reaches a database, and a harmless trailing
//! `; -- done` must not break the wrapper. [`single_statement`] is the one
//! helper every wrapper uses.
//!
//! The scanner follows the lexer DuckDB and PostgreSQL share, on the points
//! that decide where a statement ends: `'...'` strings with `''`,
//! `E'...'` strings with backslash escapes, `"..."` identifiers with `""`,
//! `$tag$ ... $tag$` dollar quotes (only where a token starts: `x$$` is an
//! identifier), `--` line comments and `/* ... */` block comments, which
//! nest. The cases in the tests were checked against DuckDB's own
//! `extract_statements`.

use std::fmt;

/// Why a SQL text is not exactly one statement.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum StatementError {
    /// Nothing but whitespace, comments and semicolons.
    Empty,
    /// More than one statement; `line` is the 1-based line where the
    /// second one starts.
    Several {
        /// How many statements the text holds.
        count: usize,
        /// The line of the second statement.
        line: usize,
    },
}

impl fmt::Display for StatementError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            StatementError::Empty => write!(
                f,
                "holds no SQL statement: write one select (comments alone do not count)"
            ),
            StatementError::Several { count, line } => write!(
                f,
                "holds {count} SQL statements (the second starts on line {line}); \
                 jgt runs exactly one select per model, test or preview: \
                 remove the ';' between them, or move the extra statement to a hook"
            ),
        }
    }
}

impl std::error::Error for StatementError {}

/// The one statement `sql` holds, without trailing semicolons, comments
/// or whitespace. Leading comments and blank lines are kept so that line
/// numbers in database errors still match the text. Refuses an empty text
/// and a text with more than one statement.
pub fn single_statement(sql: &str) -> Result<&str, StatementError> {
    let statements = statement_spans(sql);
    match statements.as_slice() {
        [] => Err(StatementError::Empty),
        [(_, end)] => Ok(&sql[..*end]),
        [_, (second, _), ..] => Err(StatementError::Several {
            count: statements.len(),
            line: sql[..*second].matches('\n').count() + 1,
        }),
    }
}

/// Whether the one statement `sql` holds reads rows (`select`, `with`,
/// `from`, `values`, `table`, `show`, `describe`, `summarize`, `pivot`,
/// `unpivot`), judged by its first keyword after comments and opening
/// parentheses. Everything else (DDL, DML, `set`, `attach`, ...) runs for
/// its effect.
pub fn returns_rows(sql: &str) -> bool {
    const READS: [&str; 10] = [
        "select",
        "with",
        "from",
        "values",
        "table",
        "show",
        "describe",
        "summarize",
        "pivot",
        "unpivot",
    ];
    let Some((start, _)) = statement_spans(sql).first().copied() else {
        return false;
    };
    let rest = sql[start..].trim_start_matches(|c: char| c == '(' || c.is_whitespace());
    let word: String = rest
        .chars()
        .take_while(|c| c.is_ascii_alphabetic())
        .collect::<String>()
        .to_ascii_lowercase();
    READS.contains(&word.as_str())
}

/// The statements `sql` holds, in order, each without its `;` and the
/// comments between statements (a hook may hold several).
pub fn statements(sql: &str) -> Vec<&str> {
    statement_spans(sql)
        .into_iter()
        .map(|(start, end)| &sql[start..end])
        .collect()
}

/// How many statements `sql` holds (what DuckDB's `extract_statements`
/// would count).
pub fn count_statements(sql: &str) -> usize {
    statement_spans(sql).len()
}

/// The byte ranges of the statements in `sql`: from the first significant
/// character to the end of the last one, trivia and `;` excluded.
fn statement_spans(sql: &str) -> Vec<(usize, usize)> {
    let mut spans = Vec::new();
    let mut current: Option<(usize, usize)> = None;
    let mut scanner = Scanner::new(sql);
    while let Some(token) = scanner.next_token() {
        match token {
            Token::Trivia => {}
            Token::Semicolon => {
                if let Some(span) = current.take() {
                    spans.push(span);
                }
            }
            Token::Significant { start, end } => {
                current = Some(match current {
                    Some((first, _)) => (first, end),
                    None => (start, end),
                });
            }
        }
    }
    spans.extend(current);
    spans
}

/// One lexical piece, as far as statement boundaries care.
enum Token {
    /// Whitespace or a comment.
    Trivia,
    /// A `;` outside strings, identifiers and comments.
    Semicolon,
    /// Anything else, at `start..end`.
    Significant { start: usize, end: usize },
}

/// A byte-level scanner; every construct that can hide a `;` is ASCII.
struct Scanner<'a> {
    text: &'a [u8],
    at: usize,
}

impl<'a> Scanner<'a> {
    fn new(sql: &'a str) -> Self {
        Scanner {
            text: sql.as_bytes(),
            at: 0,
        }
    }

    fn peek(&self, offset: usize) -> Option<u8> {
        self.text.get(self.at + offset).copied()
    }

    fn next_token(&mut self) -> Option<Token> {
        let start = self.at;
        let byte = self.peek(0)?;
        let token_start = start == 0 || !is_ident_continue(self.text[start - 1]);
        match byte {
            b';' => {
                self.at += 1;
                return Some(Token::Semicolon);
            }
            b if b.is_ascii_whitespace() => {
                self.at += 1;
                return Some(Token::Trivia);
            }
            b'-' if self.peek(1) == Some(b'-') => {
                self.skip_line_comment();
                return Some(Token::Trivia);
            }
            b'/' if self.peek(1) == Some(b'*') => {
                self.skip_block_comment();
                return Some(Token::Trivia);
            }
            b'\'' => self.skip_quoted(b'\'', false),
            b'"' => self.skip_quoted(b'"', false),
            b'e' | b'E' if token_start && self.peek(1) == Some(b'\'') => {
                self.at += 1;
                self.skip_quoted(b'\'', true);
            }
            b'$' if token_start => {
                if !self.skip_dollar_quoted() {
                    self.at += 1;
                }
            }
            // A word goes whole: nothing inside one can open a string,
            // a comment or a statement's end (`e'` and `$tag$` open only
            // where a word starts, and that case is above).
            b if is_ident_continue(b) => {
                self.at += 1;
                while self.peek(0).is_some_and(is_ident_continue) {
                    self.at += 1;
                }
            }
            _ => self.at += utf8_width(byte),
        }
        Some(Token::Significant {
            start,
            end: self.at,
        })
    }

    fn skip_line_comment(&mut self) {
        while let Some(byte) = self.peek(0) {
            self.at += 1;
            if byte == b'\n' {
                break;
            }
        }
    }

    /// Skips a block comment; they nest, as in PostgreSQL and DuckDB.
    fn skip_block_comment(&mut self) {
        let mut depth = 0usize;
        while self.at < self.text.len() {
            match (self.peek(0), self.peek(1)) {
                (Some(b'/'), Some(b'*')) => {
                    depth += 1;
                    self.at += 2;
                }
                (Some(b'*'), Some(b'/')) => {
                    depth -= 1;
                    self.at += 2;
                    if depth == 0 {
                        return;
                    }
                }
                _ => self.at += 1,
            }
        }
    }

    /// Skips a string or quoted identifier opening at `self.at`; a doubled
    /// quote stands for itself, and with `backslash` so does `\x`.
    fn skip_quoted(&mut self, quote: u8, backslash: bool) {
        self.at += 1;
        while let Some(byte) = self.peek(0) {
            if backslash && byte == b'\\' {
                self.at += 2;
            } else if byte == quote {
                if self.peek(1) == Some(quote) {
                    self.at += 2;
                } else {
                    self.at += 1;
                    return;
                }
            } else {
                self.at += 1;
            }
        }
        self.at = self.at.min(self.text.len());
    }

    /// Skips `$tag$ ... $tag$` when one opens at `self.at`; false when the
    /// `$` starts something else (a parameter such as `$1`).
    fn skip_dollar_quoted(&mut self) -> bool {
        let rest = &self.text[self.at + 1..];
        let tag_len = rest
            .iter()
            .position(|&b| b == b'$')
            .filter(|&len| is_dollar_tag(&rest[..len]));
        let Some(tag_len) = tag_len else {
            return false;
        };
        let delimiter = &self.text[self.at..self.at + tag_len + 2];
        let body_start = self.at + delimiter.len();
        match find(&self.text[body_start..], delimiter) {
            Some(offset) => self.at = body_start + offset + delimiter.len(),
            None => self.at = self.text.len(),
        }
        true
    }
}

/// Whether `tag` may sit between the dollars of a dollar quote.
fn is_dollar_tag(tag: &[u8]) -> bool {
    match tag.first() {
        None => true,
        Some(first) => {
            (first.is_ascii_alphabetic() || *first == b'_' || *first >= 0x80)
                && tag.iter().all(|&b| is_ident_continue(b) && b != b'$')
        }
    }
}

/// Characters that continue an identifier (PostgreSQL's `ident_cont`).
fn is_ident_continue(byte: u8) -> bool {
    byte.is_ascii_alphanumeric() || byte == b'_' || byte == b'$' || byte >= 0x80
}

fn utf8_width(first: u8) -> usize {
    match first {
        0xF0..=0xFF => 4,
        0xE0..=0xEF => 3,
        0xC0..=0xDF => 2,
        _ => 1,
    }
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack
        .windows(needle.len())
        .position(|window| window == needle)
}

#[cfg(test)]
mod tests {
    #[test]
    fn a_hook_splits_into_its_statements() {
        let hook =
            "create schema if not exists audit; -- first\n\ngrant usage on schema audit to bob;";
        assert_eq!(
            super::statements(hook),
            [
                "create schema if not exists audit",
                "grant usage on schema audit to bob"
            ]
        );
        assert!(super::statements("-- only a comment").is_empty());
    }

    #[test]
    fn queries_return_rows_and_commands_do_not() {
        use super::returns_rows;
        assert!(returns_rows("select 1"));
        assert!(returns_rows(
            "-- count them\n  WITH a as (select 1) select * from a"
        ));
        assert!(returns_rows("(select 1) union all (select 2)"));
        assert!(returns_rows("describe main.orders"));
        assert!(!returns_rows("create table t as select 1"));
        assert!(!returns_rows("/* note */ insert into t select 1"));
        assert!(!returns_rows("grant select on t to bob"));
        assert!(!returns_rows("-- nothing at all"));
    }

    use super::*;

    /// Texts and the number of statements DuckDB 2.0's
    /// `extract_statements` finds in them.
    const CHECKED_AGAINST_DUCKDB: &[(&str, usize)] = &[
        ("select 1", 1),
        ("select 1;", 1),
        ("select 1;;", 1),
        (";", 0),
        (" -- only a comment", 0),
        ("select 1; drop table victim", 2),
        ("select 1 /* /* */ ; select 2; -- */", 1),
        ("select $$a;b$$; select 2", 2),
        ("select $t$a;$$;b$t$", 1),
        ("select E'a\\';' ; select 3", 2),
        ("select 'a\\'; select 4", 2),
        ("select \"a;\"\"b\"", 1),
        ("select 1 -- c\n; select 2", 2),
        ("select $1", 1),
        ("select x$$ ; select 2", 2),
        ("select 'it''s; fine'", 1),
    ];

    #[test]
    fn counts_statements_as_duckdb_does() {
        for (sql, expected) in CHECKED_AGAINST_DUCKDB {
            assert_eq!(count_statements(sql), *expected, "{sql}");
        }
    }

    #[test]
    fn a_trailing_semicolon_and_comment_are_dropped() {
        assert_eq!(single_statement("select 1; -- done\n"), Ok("select 1"));
        assert_eq!(single_statement("select 1 -- done"), Ok("select 1"));
        assert_eq!(single_statement("select 1 /* x */ ;\n\n"), Ok("select 1"));
    }

    #[test]
    fn leading_lines_are_kept_for_line_numbers() {
        assert_eq!(
            single_statement("-- why\n\nselect 1;"),
            Ok("-- why\n\nselect 1")
        );
    }

    #[test]
    fn a_second_statement_is_refused_with_its_line() {
        assert_eq!(
            single_statement("select 1 as a;\ndrop table victim"),
            Err(StatementError::Several { count: 2, line: 2 })
        );
    }

    #[test]
    fn comments_alone_are_empty() {
        assert_eq!(
            single_statement("  -- nothing\n/* here */ ; "),
            Err(StatementError::Empty)
        );
    }

    #[test]
    fn unterminated_constructs_end_the_text() {
        assert_eq!(count_statements("select 'open; drop table x"), 1);
        assert_eq!(count_statements("select $$open; drop"), 1);
        assert_eq!(count_statements("select /* open; drop"), 1);
        assert_eq!(count_statements("select E'\\"), 1);
    }
}
