//! SQL lab's gate: a statement passes only when it parses, in the source's dialect, as exactly
//! one read-only query: no writes, DDL, `SELECT ... INTO`, row locks or nested data-modifying
//! statements, and no call of a function with effects outside the read-only transaction
//! (advisory locks, signalling other sessions, reading server files, second connections,
//! notifications, sleeps; see [`denied_function`]). The database's own read-only mode, and a
//! session reset after every statement, are the next lines of defence.

use std::ops::ControlFlow;

use sqlparser::ast::{
    Expr, LimitClause, ObjectName, Offset, OffsetRows, Query, SetExpr, Statement, TableFactor,
    Value as SqlValue, Visit, Visitor,
};
use sqlparser::dialect::{Dialect, MySqlDialect, PostgreSqlDialect, SQLiteDialect};
use sqlparser::parser::{Parser, ParserError, ParserOptions};
use tessera_domain::SourceKind;

use crate::SourceError;

/// A statement that passed the gate.
#[derive(Debug, Clone)]
pub struct ReadQuery {
    query: Box<Query>,
    /// Tables and views the statement reads.
    pub tables: Vec<String>,
}

/// The sqlparser dialect of a source kind.
pub fn dialect(kind: SourceKind) -> Box<dyn Dialect> {
    match kind {
        SourceKind::Postgres => Box::new(PostgreSqlDialect {}),
        SourceKind::Mysql => Box::new(MySqlDialect {}),
        SourceKind::Sqlite => Box::new(SQLiteDialect {}),
    }
}

/// Parses `sql` and accepts exactly one read-only query.
pub fn read_only_query(kind: SourceKind, sql: &str) -> Result<ReadQuery, SourceError> {
    if sql.trim().is_empty() {
        return Err(SourceError::not_read_only("the statement is empty"));
    }
    // Keep string literals exactly as written: unescaped and printed back, a literal ending in an
    // escaped backslash would end in an escaped quote on MySQL, smuggling text out of the literal.
    let d = dialect(kind);
    let sql = table_shorthand(kind, sql);
    let mut statements = Parser::new(d.as_ref())
        .with_options(ParserOptions::new().with_unescape(false))
        .try_with_sql(&sql)
        .and_then(|mut p| p.parse_statements())
        .map_err(syntax_error)?;
    if statements.len() != 1 {
        return Err(SourceError::not_read_only(format!(
            "send exactly one statement; this has {}",
            statements.len()
        )));
    }
    let Some(Statement::Query(query)) = statements.pop() else {
        return Err(SourceError::not_read_only(
            "only read statements (SELECT, WITH, VALUES) are allowed",
        ));
    };
    let mut check = ReadOnlyCheck {
        kind,
        tables: Vec::new(),
    };
    if let ControlFlow::Break(why) = query.visit(&mut check) {
        return Err(SourceError::not_read_only(why));
    }
    let mut tables = check.tables;
    tables.sort();
    tables.dedup();
    Ok(ReadQuery { query, tables })
}

impl ReadQuery {
    /// The statement with a row window: `LIMIT limit OFFSET offset` added when it has none,
    /// otherwise wrapped in a subquery so its own LIMIT and ORDER BY still hold.
    pub fn paged(&self, limit: u64, offset: u64) -> String {
        if self.query.limit_clause.is_none() && self.query.fetch.is_none() {
            let mut q = self.query.clone();
            q.limit_clause = Some(LimitClause::LimitOffset {
                limit: Some(number(limit)),
                offset: (offset > 0).then(|| Offset {
                    value: number(offset),
                    rows: OffsetRows::None,
                }),
                limit_by: vec![],
            });
            q.to_string()
        } else {
            format!(
                "SELECT * FROM (\n{}\n) AS tessera_page LIMIT {limit} OFFSET {offset}",
                self.query
            )
        }
    }

    /// The statement with saved queries (datamarts) defined as common table expressions in
    /// front of it, checked again as a whole: `WITH name AS (sql), ... <statement>`.
    pub fn with_ctes(
        &self,
        kind: SourceKind,
        ctes: &[(String, String)],
    ) -> Result<ReadQuery, SourceError> {
        if ctes.is_empty() {
            return Ok(self.clone());
        }
        let defs: Vec<String> = ctes
            .iter()
            .map(|(name, sql)| {
                format!(
                    "{} AS (\n{}\n)",
                    crate::dialect::quote(kind, name),
                    sql.trim().trim_end_matches(';')
                )
            })
            .collect();
        let defs = defs.join(", ");
        let base = self.sql();
        let combined = if let Some(rest) = base.strip_prefix("WITH RECURSIVE ") {
            format!("WITH RECURSIVE {defs}, {rest}")
        } else if let Some(rest) = base.strip_prefix("WITH ") {
            format!("WITH {defs}, {rest}")
        } else {
            format!("WITH {defs} {base}")
        };
        read_only_query(kind, &combined)
    }

    /// The statement as parsed, re-serialised.
    pub fn sql(&self) -> String {
        self.query.to_string()
    }
}

fn number(n: u64) -> Expr {
    Expr::value(SqlValue::Number(n.to_string(), false))
}

/// PostgreSQL's and MySQL's `TABLE name` is `SELECT * FROM name`, which the parser does not
/// know as a statement: rewritten before parsing.
fn table_shorthand(kind: SourceKind, sql: &str) -> std::borrow::Cow<'_, str> {
    if kind == SourceKind::Sqlite {
        return sql.into();
    }
    let trimmed = sql.trim_start();
    let Some(keyword) = trimmed.get(..5) else {
        return sql.into();
    };
    let rest = &trimmed[5..];
    if keyword.eq_ignore_ascii_case("table") && rest.starts_with(|c: char| c.is_whitespace()) {
        format!("SELECT * FROM{rest}").into()
    } else {
        sql.into()
    }
}

/// Words that can never be an unquoted table name: `SELECT FROM WHERE` is not a query over a
/// table named WHERE, whatever a lenient parser makes of it.
const RESERVED: [&str; 24] = [
    "select",
    "from",
    "where",
    "group",
    "order",
    "having",
    "limit",
    "offset",
    "union",
    "intersect",
    "except",
    "join",
    "on",
    "and",
    "or",
    "not",
    "as",
    "by",
    "with",
    "into",
    "values",
    "set",
    "table",
    "window",
];

/// Functions whose effects outside the read-only transaction make them unsafe in SQL lab, by
/// dialect: exact names and, ending in `*`, name prefixes. Compared with the last part of the
/// (possibly schema-qualified) name, case-insensitively; table-valued functions in `FROM` too.
const DENIED_POSTGRES: &[&str] = &[
    // session-level locks outlive the rollback on a pooled connection
    "pg_advisory*",
    "pg_try_advisory*",
    // other sessions and the server itself
    "pg_terminate_backend",
    "pg_cancel_backend",
    "pg_signal_backend",
    "pg_reload_conf",
    "pg_rotate_logfile",
    "pg_switch_wal",
    "pg_promote",
    "pg_create_*",
    "pg_drop_*",
    "pg_copy_*",
    "pg_replication_*",
    "pg_logical_*",
    "pg_backup_*",
    "pg_start_backup",
    "pg_stop_backup",
    "pg_wal_replay_*",
    "pg_stat_reset*",
    "pg_log_backend_memory_contexts",
    "pg_import_system_collations",
    // server files
    "pg_read_file",
    "pg_read_binary_file",
    "pg_ls_*",
    "pg_stat_file",
    "pg_file_*",
    "pg_current_logfile",
    "pg_hba_file_rules",
    "pg_ident_file_mappings",
    "pg_file_settings",
    // large objects read and write server files and persist outside the transaction
    "lo_*",
    "loread",
    "lowrite",
    // a second connection writes outside the read-only transaction
    "dblink*",
    // run SQL text the gate never saw
    "query_to_xml*",
    "cursor_to_xml*",
    // session settings, notifications, sequences, sleeping
    "set_config",
    "pg_notify",
    "nextval",
    "setval",
    "pg_sleep*",
];
const DENIED_MYSQL: &[&str] = &[
    "load_file",
    "get_lock",
    "release_lock",
    "release_all_locks",
    "sleep",
    "benchmark",
    "master_pos_wait",
    "source_pos_wait",
    "wait_for_executed_gtid_set",
    "wait_until_sql_thread_after_gtids",
    "sys_exec",
    "sys_eval",
    "sys_get",
    "sys_set",
];
const DENIED_SQLITE: &[&str] = &[
    "load_extension",
    "readfile",
    "writefile",
    "edit",
    "fts3_tokenizer",
    // table-valued pragmas read and (some) change connection state
    "pragma_*",
];

/// Why calling `name` is refused in `kind`'s SQL lab, or `None` when it is allowed.
pub fn denied_function(kind: SourceKind, name: &ObjectName) -> Option<String> {
    let last = name
        .0
        .last()
        .and_then(|p| p.as_ident())?
        .value
        .to_lowercase();
    let list = match kind {
        SourceKind::Postgres => DENIED_POSTGRES,
        SourceKind::Mysql => DENIED_MYSQL,
        SourceKind::Sqlite => DENIED_SQLITE,
    };
    let hit = list.iter().any(|rule| match rule.strip_suffix('*') {
        Some(prefix) => last.starts_with(prefix),
        None => last == *rule,
    });
    hit.then(|| {
        format!(
            "{last}() is not allowed in SQL lab: it has effects outside the read-only transaction"
        )
    })
}

struct ReadOnlyCheck {
    kind: SourceKind,
    tables: Vec<String>,
}

impl Visitor for ReadOnlyCheck {
    type Break = String;

    fn pre_visit_statement(&mut self, statement: &Statement) -> ControlFlow<String> {
        match statement {
            Statement::Query(_) => ControlFlow::Continue(()),
            other => ControlFlow::Break(format!(
                "only read statements are allowed; found a nested {}",
                other
                    .to_string()
                    .split_whitespace()
                    .next()
                    .unwrap_or("statement")
                    .to_uppercase()
            )),
        }
    }

    fn pre_visit_query(&mut self, query: &Query) -> ControlFlow<String> {
        if !query.locks.is_empty() {
            return ControlFlow::Break("row locks (FOR UPDATE / FOR SHARE) are not allowed".into());
        }
        check_set_expr(&query.body)
    }

    fn pre_visit_relation(&mut self, relation: &ObjectName) -> ControlFlow<String> {
        let unquoted_keyword = relation.0.len() == 1
            && relation.0[0].as_ident().is_some_and(|i| {
                i.quote_style.is_none() && RESERVED.contains(&i.value.to_lowercase().as_str())
            });
        if unquoted_keyword {
            return ControlFlow::Break(format!(
                "syntax error: '{relation}' is a keyword, not a table name"
            ));
        }
        // a table-valued function in FROM is named like a relation
        if let Some(why) = denied_function(self.kind, relation) {
            return ControlFlow::Break(why);
        }
        self.tables.push(relation.to_string());
        ControlFlow::Continue(())
    }

    fn pre_visit_table_factor(&mut self, factor: &TableFactor) -> ControlFlow<String> {
        if let TableFactor::Function { name, .. } = factor {
            if let Some(why) = denied_function(self.kind, name) {
                return ControlFlow::Break(why);
            }
        }
        ControlFlow::Continue(())
    }

    fn pre_visit_expr(&mut self, expr: &Expr) -> ControlFlow<String> {
        if let Expr::Function(f) = expr {
            if let Some(why) = denied_function(self.kind, &f.name) {
                return ControlFlow::Break(why);
            }
        }
        ControlFlow::Continue(())
    }
}

fn check_set_expr(body: &SetExpr) -> ControlFlow<String> {
    match body {
        SetExpr::Select(select) if select.into.is_some() => {
            ControlFlow::Break("SELECT ... INTO writes a table and is not allowed".into())
        }
        // PostgreSQL answers zero-column rows to `SELECT FROM t`; nothing a lab user wants, and
        // the other engines refuse it
        SetExpr::Select(select) if select.projection.is_empty() => {
            ControlFlow::Break("syntax error: the SELECT list is empty".into())
        }
        SetExpr::SetOperation { left, right, .. } => {
            check_set_expr(left)?;
            check_set_expr(right)
        }
        SetExpr::Insert(_) | SetExpr::Update(_) | SetExpr::Delete(_) | SetExpr::Merge(_) => {
            ControlFlow::Break("data-modifying statements are not allowed".into())
        }
        _ => ControlFlow::Continue(()),
    }
}

/// Turns a parser error into a refusal with the error's line and column.
fn syntax_error(e: ParserError) -> SourceError {
    let message = e.to_string();
    let (line, column) = position(&message);
    SourceError::NotReadOnly {
        message: format!("syntax error: {message}"),
        line,
        column,
    }
}

/// Finds "Line: L, Column: C" in a sqlparser message.
fn position(message: &str) -> (Option<u64>, Option<u64>) {
    let grab = |key: &str| {
        message.rfind(key).and_then(|i| {
            message[i + key.len()..]
                .trim_start()
                .split(|c: char| !c.is_ascii_digit())
                .next()
                .and_then(|d| d.parse().ok())
        })
    };
    (grab("Line:"), grab("Column:"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn refused(kind: SourceKind, sql: &str) -> bool {
        matches!(
            read_only_query(kind, sql),
            Err(SourceError::NotReadOnly { .. })
        )
    }

    #[test]
    fn plain_queries_pass_on_every_dialect() {
        for kind in SourceKind::ALL {
            let q = read_only_query(
                kind,
                "SELECT a, count(*) FROM t JOIN u ON t.id = u.t_id GROUP BY a",
            )
            .unwrap();
            assert_eq!(q.tables, vec!["t".to_owned(), "u".to_owned()]);
            assert!(read_only_query(kind, "WITH x AS (SELECT 1 AS n) SELECT n FROM x;").is_ok());
        }
    }

    #[test]
    fn writes_ddl_and_multiple_statements_are_refused() {
        for kind in SourceKind::ALL {
            for sql in [
                "DELETE FROM t",
                "INSERT INTO t VALUES (1)",
                "UPDATE t SET a = 1",
                "DROP TABLE t",
                "CREATE TABLE x (a int)",
                "SELECT 1; DROP TABLE t",
                "COMMIT",
                "SET TRANSACTION READ WRITE",
                "BEGIN",
                "",
                "   ",
            ] {
                assert!(refused(kind, sql), "{kind}: {sql}");
            }
        }
        assert!(refused(SourceKind::Postgres, "SELECT * INTO copy FROM t"));
        assert!(refused(SourceKind::Postgres, "SELECT * FROM t FOR UPDATE"));
        assert!(refused(
            SourceKind::Postgres,
            "WITH d AS (DELETE FROM t RETURNING *) SELECT * FROM d"
        ));
        assert!(refused(SourceKind::Sqlite, "ATTACH DATABASE 'x.db' AS x"));
        assert!(refused(SourceKind::Sqlite, "PRAGMA query_only = OFF"));
    }

    #[test]
    fn functions_with_effects_outside_the_transaction_are_refused() {
        let pg = [
            "SELECT pg_advisory_lock(1)",
            "SELECT pg_catalog.pg_try_advisory_lock(1)",
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity",
            "SELECT pg_read_file('/etc/passwd')",
            "SELECT * FROM pg_ls_dir('.')",
            "SELECT dblink_exec('dbname=x', 'DELETE FROM t')",
            "SELECT * FROM dblink('dbname=x', 'SELECT 1') AS t(a int)",
            "SELECT lo_import('/etc/passwd')",
            "SELECT set_config('statement_timeout', '0', false)",
            "SELECT pg_notify('c', 'x')",
            "SELECT query_to_xml('SELECT pg_advisory_lock(1)', true, true, '')",
            "SELECT \"PG_SLEEP\"(10)",
            "WITH x AS (SELECT pg_advisory_lock(2)) SELECT * FROM x",
            "SELECT (SELECT pg_read_binary_file('x')) AS y",
        ];
        for sql in pg {
            assert!(refused(SourceKind::Postgres, sql), "{sql}");
        }
        for sql in [
            "SELECT LOAD_FILE('/etc/passwd')",
            "SELECT GET_LOCK('a', 10)",
            "SELECT SLEEP(5)",
            "SELECT BENCHMARK(100000000, MD5('x'))",
        ] {
            assert!(refused(SourceKind::Mysql, sql), "{sql}");
        }
        for sql in [
            "SELECT * FROM pragma_table_info('t')",
            "SELECT name FROM pragma_database_list",
            "SELECT load_extension('x')",
        ] {
            assert!(refused(SourceKind::Sqlite, sql), "{sql}");
        }
        // ordinary functions pass
        for kind in SourceKind::ALL {
            assert!(
                read_only_query(kind, "SELECT lower(a), count(*), max(b) FROM t GROUP BY 1")
                    .is_ok()
            );
        }
        assert!(read_only_query(
            SourceKind::Postgres,
            "SELECT date_trunc('day', t), pg_typeof(1) FROM x"
        )
        .is_ok());
    }

    #[test]
    fn keywords_are_not_table_names_and_table_is_a_read() {
        for kind in SourceKind::ALL {
            assert!(refused(kind, "SELECT FROM WHERE"), "{kind}");
            assert!(refused(kind, "SELECT * FROM where"), "{kind}");
            assert!(refused(kind, "SELECT FROM t"), "{kind}");
        }
        assert!(read_only_query(SourceKind::Postgres, "SELECT * FROM \"where\"").is_ok());
        let q = read_only_query(SourceKind::Postgres, "TABLE items").unwrap();
        assert_eq!(q.tables, vec!["items".to_owned()]);
        assert_eq!(q.sql(), "SELECT * FROM items");
        assert!(read_only_query(SourceKind::Mysql, "table items").is_ok());
        assert!(refused(SourceKind::Sqlite, "TABLE items"));
        assert!(refused(SourceKind::Postgres, "TABLE"));
    }

    #[test]
    fn string_literals_are_printed_back_exactly() {
        // with unescaping, this would be printed as `'x\' AS a, ' FROM t FOR UPDATE #'`, which
        // MySQL reads as one literal ending after FOR UPDATE: a lock hidden from the check
        let sql = r"SELECT 'x\\' AS a, ' FROM t FOR UPDATE #' AS b";
        let q = read_only_query(SourceKind::Mysql, sql).unwrap();
        assert!(q.sql().contains(r"'x\\'"), "{}", q.sql());
        assert!(q.paged(10, 0).contains(r"'x\\'"), "{}", q.paged(10, 0));
    }

    #[test]
    fn datamarts_become_ctes_and_are_checked_again() {
        let q = read_only_query(SourceKind::Postgres, "SELECT * FROM big").unwrap();
        let c = q
            .with_ctes(
                SourceKind::Postgres,
                &[("big".into(), "SELECT a FROM t WHERE a > 1".into())],
            )
            .unwrap();
        assert_eq!(
            c.sql(),
            "WITH \"big\" AS (SELECT a FROM t WHERE a > 1) SELECT * FROM big"
        );
        let w = read_only_query(
            SourceKind::Sqlite,
            "WITH x AS (SELECT 1) SELECT * FROM x JOIN big",
        )
        .unwrap();
        assert!(w
            .with_ctes(SourceKind::Sqlite, &[("big".into(), "SELECT 2".into())])
            .unwrap()
            .sql()
            .starts_with("WITH \"big\" AS (SELECT 2), x AS"));
        assert!(q
            .with_ctes(
                SourceKind::Postgres,
                &[("big".into(), "DELETE FROM t".into())]
            )
            .is_err());
    }

    #[test]
    fn syntax_errors_carry_a_position() {
        match read_only_query(SourceKind::Postgres, "SELECT a FROM t\nWHERE = 1") {
            Err(SourceError::NotReadOnly { line, column, .. }) => {
                assert_eq!(line, Some(2));
                assert!(column.is_some());
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn paging_adds_or_wraps_a_limit() {
        let q = read_only_query(SourceKind::Sqlite, "SELECT a FROM t ORDER BY a").unwrap();
        assert_eq!(
            q.paged(11, 20),
            "SELECT a FROM t ORDER BY a LIMIT 11 OFFSET 20"
        );
        let q = read_only_query(
            SourceKind::Mysql,
            "SELECT a FROM t ORDER BY a LIMIT 5 -- five",
        )
        .unwrap();
        assert!(q.paged(11, 0).starts_with("SELECT * FROM (\nSELECT a FROM t ORDER BY a LIMIT 5\n) AS tessera_page LIMIT 11 OFFSET 0"));
    }
}
