//! The two databases the store runs on, behind one small synchronous interface: SQLite (a
//! file; the default) and PostgreSQL (shared by daemon replicas). The store's statements are
//! written once, in the SQL both accept (`?N` parameters, turned into `$N` for PostgreSQL;
//! `ON CONFLICT DO NOTHING`; `RETURNING`; `CAST(? AS TEXT)` where a type must be known), and
//! its rows read as integers, text and nulls.
//!
//! PostgreSQL is reached through tokio-postgres on a thread of its own with its own runtime:
//! the store's callers are synchronous and some run on tokio's workers, where blocking on
//! another runtime would panic. One connection per [`Conn`], so a transaction is one
//! connection's statements in order.

use std::collections::HashMap;
use std::sync::mpsc;
use tokio_postgres::types::{to_sql_checked, IsNull, ToSql, Type};

/// A parameter or a column's value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Value {
    Null,
    Int(i64),
    Text(String),
}

impl From<i64> for Value {
    fn from(v: i64) -> Value {
        Value::Int(v)
    }
}
impl From<&str> for Value {
    fn from(v: &str) -> Value {
        Value::Text(v.to_owned())
    }
}
impl From<String> for Value {
    fn from(v: String) -> Value {
        Value::Text(v)
    }
}
impl From<&String> for Value {
    fn from(v: &String) -> Value {
        Value::Text(v.clone())
    }
}
impl<T: Into<Value>> From<Option<T>> for Value {
    fn from(v: Option<T>) -> Value {
        v.map_or(Value::Null, Into::into)
    }
}

/// Parameters: `params![a, b]` as a slice of [`Value`]s.
macro_rules! params {
    ($($v:expr),* $(,)?) => { &[$($crate::db::Value::from($v)),*][..] };
}
pub(crate) use params;

/// Why a statement failed.
#[derive(Debug)]
pub(crate) enum DbError {
    Sqlite(rusqlite::Error),
    Postgres {
        message: String,
        /// A serialization failure or deadlock: the transaction may be run again.
        retry: bool,
    },
    /// A value not of the type the store wrote.
    Decode(String),
    /// A replica's lease on the account it stores a run of was taken over.
    LeaseLost,
}

impl From<rusqlite::Error> for DbError {
    fn from(e: rusqlite::Error) -> DbError {
        DbError::Sqlite(e)
    }
}

impl DbError {
    /// Another writer holds the database (SQLite), or the transaction lost a race
    /// (PostgreSQL): running it again may succeed.
    fn transient(&self) -> bool {
        match self {
            DbError::Sqlite(e) => matches!(
                e.sqlite_error_code(),
                Some(rusqlite::ErrorCode::DatabaseBusy | rusqlite::ErrorCode::DatabaseLocked)
            ),
            DbError::Postgres { retry, .. } => *retry,
            DbError::Decode(_) | DbError::LeaseLost => false,
        }
    }
}

impl std::fmt::Display for DbError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            DbError::Sqlite(e) => e.fmt(f),
            DbError::Postgres { message, .. } => f.write_str(message),
            DbError::Decode(m) => f.write_str(m),
            DbError::LeaseLost => f.write_str("the lease on the account was taken over"),
        }
    }
}

/// A row: its columns in order.
#[derive(Debug)]
pub(crate) struct Row(Vec<Value>);

impl Row {
    fn at(&self, i: usize) -> Result<&Value, DbError> {
        self.0
            .get(i)
            .ok_or_else(|| DbError::Decode(format!("no column {i}")))
    }
    pub(crate) fn opt_int(&self, i: usize) -> Result<Option<i64>, DbError> {
        match self.at(i)? {
            Value::Null => Ok(None),
            Value::Int(v) => Ok(Some(*v)),
            Value::Text(t) => Err(DbError::Decode(format!(
                "column {i}: text {t:?} where a number was stored"
            ))),
        }
    }
    pub(crate) fn int(&self, i: usize) -> Result<i64, DbError> {
        self.opt_int(i)?
            .ok_or_else(|| DbError::Decode(format!("column {i}: null where a number was stored")))
    }
    pub(crate) fn opt_text(&self, i: usize) -> Result<Option<String>, DbError> {
        match self.at(i)? {
            Value::Null => Ok(None),
            Value::Text(t) => Ok(Some(t.clone())),
            Value::Int(v) => Err(DbError::Decode(format!(
                "column {i}: number {v} where text was stored"
            ))),
        }
    }
    pub(crate) fn text(&self, i: usize) -> Result<String, DbError> {
        self.opt_text(i)?
            .ok_or_else(|| DbError::Decode(format!("column {i}: null where text was stored")))
    }
}

/// A connection to either database.
pub(crate) enum Conn {
    Sqlite(rusqlite::Connection),
    Postgres(PgConn),
}

impl std::fmt::Debug for Conn {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Conn::Sqlite(_) => "Conn::Sqlite",
            Conn::Postgres(_) => "Conn::Postgres",
        })
    }
}

impl rusqlite::ToSql for Value {
    fn to_sql(&self) -> rusqlite::Result<rusqlite::types::ToSqlOutput<'_>> {
        use rusqlite::types::{ToSqlOutput, ValueRef};
        Ok(match self {
            Value::Null => ToSqlOutput::Borrowed(ValueRef::Null),
            Value::Int(v) => ToSqlOutput::Borrowed(ValueRef::Integer(*v)),
            Value::Text(t) => ToSqlOutput::Borrowed(ValueRef::Text(t.as_bytes())),
        })
    }
}

fn sqlite_row(r: &rusqlite::Row<'_>, n: usize) -> rusqlite::Result<Row> {
    use rusqlite::types::ValueRef;
    let mut out = Vec::with_capacity(n);
    for i in 0..n {
        out.push(match r.get_ref(i)? {
            ValueRef::Null => Value::Null,
            ValueRef::Integer(v) => Value::Int(v),
            ValueRef::Text(t) => Value::Text(String::from_utf8_lossy(t).into_owned()),
            ValueRef::Real(v) => Value::Text(v.to_string()),
            ValueRef::Blob(_) => Value::Text(String::new()),
        });
    }
    Ok(Row(out))
}

impl Conn {
    /// Runs a statement; how many rows it changed.
    pub(crate) fn exec(&self, sql: &str, params: &[Value]) -> Result<u64, DbError> {
        match self {
            Conn::Sqlite(c) => {
                Ok(c.prepare_cached(sql)?
                    .execute(rusqlite::params_from_iter(params))? as u64)
            }
            Conn::Postgres(p) => match p.ask(Ask::Exec, sql, params)? {
                Answer::Count(n) => Ok(n),
                _ => Ok(0),
            },
        }
    }

    /// Runs a query; its rows.
    pub(crate) fn rows(&self, sql: &str, params: &[Value]) -> Result<Vec<Row>, DbError> {
        match self {
            Conn::Sqlite(c) => {
                let mut stmt = c.prepare_cached(sql)?;
                let n = stmt.column_count();
                let rows = stmt
                    .query_map(rusqlite::params_from_iter(params), |r| sqlite_row(r, n))?
                    .collect::<rusqlite::Result<Vec<Row>>>()?;
                Ok(rows)
            }
            Conn::Postgres(p) => match p.ask(Ask::Rows, sql, params)? {
                Answer::Rows(r) => Ok(r),
                _ => Ok(Vec::new()),
            },
        }
    }

    /// The first row of a query, if any.
    pub(crate) fn row(&self, sql: &str, params: &[Value]) -> Result<Option<Row>, DbError> {
        Ok(self.rows(sql, params)?.into_iter().next())
    }

    /// Runs statements without parameters.
    pub(crate) fn batch(&self, sql: &str) -> Result<(), DbError> {
        match self {
            Conn::Sqlite(c) => Ok(c.execute_batch(sql)?),
            Conn::Postgres(p) => p.ask(Ask::Batch, sql, &[]).map(drop),
        }
    }

    /// Runs `f` in a transaction, committed when it returns `Ok`. A transaction refused
    /// because another writer holds the database (SQLite, past its busy timeout) or lost a
    /// race (PostgreSQL) is run again, with back-off (0.5, 1, 2, 4, 8, 16 s), rather than
    /// losing what it writes.
    pub(crate) fn tx<T>(
        &mut self,
        mut f: impl FnMut(&Conn) -> Result<T, DbError>,
    ) -> Result<T, DbError> {
        let begin = match self {
            Conn::Sqlite(_) => "BEGIN IMMEDIATE",
            Conn::Postgres(_) => "BEGIN",
        };
        retrying(|| {
            self.batch(begin)?;
            let done = f(self).and_then(|v| self.batch("COMMIT").map(|()| v));
            if done.is_err() {
                let _ = self.batch("ROLLBACK");
            }
            done
        })
    }
}

/// Runs `f` again while it fails for a reason that passes ([`DbError::transient`]).
pub(crate) fn retrying<T>(mut f: impl FnMut() -> Result<T, DbError>) -> Result<T, DbError> {
    let mut pause = std::time::Duration::from_millis(500);
    loop {
        match f() {
            Err(e) if e.transient() && pause <= std::time::Duration::from_secs(16) => {
                std::thread::sleep(pause);
                pause *= 2;
            }
            other => return other,
        }
    }
}

impl ToSql for Value {
    fn to_sql(
        &self,
        ty: &Type,
        out: &mut bytes::BytesMut,
    ) -> Result<IsNull, Box<dyn std::error::Error + Sync + Send>> {
        match self {
            Value::Null => Ok(IsNull::Yes),
            Value::Int(v) => match *ty {
                Type::INT8 => v.to_sql(ty, out),
                Type::INT4 => i32::try_from(*v)?.to_sql(ty, out),
                Type::INT2 => i16::try_from(*v)?.to_sql(ty, out),
                _ => Err(format!("a number bound to a {ty} parameter").into()),
            },
            Value::Text(t) => match *ty {
                Type::TEXT | Type::VARCHAR | Type::BPCHAR | Type::NAME | Type::UNKNOWN => {
                    t.as_str().to_sql(ty, out)
                }
                _ => Err(format!("text bound to a {ty} parameter").into()),
            },
        }
    }

    fn accepts(_: &Type) -> bool {
        true
    }

    to_sql_checked!();
}

fn pg_row(r: &tokio_postgres::Row) -> Result<Row, DbError> {
    let mut out = Vec::with_capacity(r.len());
    for (i, c) in r.columns().iter().enumerate() {
        let got = match *c.type_() {
            Type::INT8 => r.try_get::<_, Option<i64>>(i).map(Value::from),
            Type::INT4 => r
                .try_get::<_, Option<i32>>(i)
                .map(|v| Value::from(v.map(i64::from))),
            Type::INT2 => r
                .try_get::<_, Option<i16>>(i)
                .map(|v| Value::from(v.map(i64::from))),
            Type::BOOL => r
                .try_get::<_, Option<bool>>(i)
                .map(|v| Value::from(v.map(i64::from))),
            Type::TEXT | Type::VARCHAR | Type::BPCHAR | Type::NAME => {
                r.try_get::<_, Option<String>>(i).map(Value::from)
            }
            ref other => {
                return Err(DbError::Decode(format!(
                    "column {} is of type {other}, which the store does not read",
                    c.name()
                )))
            }
        };
        out.push(got.map_err(|e| pg_error(&e))?);
    }
    Ok(Row(out))
}

fn pg_error(e: &tokio_postgres::Error) -> DbError {
    use tokio_postgres::error::SqlState;
    let retry = e.code().is_some_and(|c| {
        *c == SqlState::T_R_SERIALIZATION_FAILURE || *c == SqlState::T_R_DEADLOCK_DETECTED
    });
    DbError::Postgres {
        message: crate::pg::message(e),
        retry,
    }
}

/// `?N` parameters as PostgreSQL spells them, `$N` (the store's SQL has no `?` in a literal).
fn dollar_params(sql: &str) -> String {
    let mut out = String::with_capacity(sql.len());
    let mut chars = sql.chars().peekable();
    while let Some(c) = chars.next() {
        if c == '?' && chars.peek().is_some_and(char::is_ascii_digit) {
            out.push('$');
        } else {
            out.push(c);
        }
    }
    out
}

#[derive(Clone, Copy)]
enum Ask {
    Exec,
    Rows,
    Batch,
}

enum Answer {
    Count(u64),
    Rows(Vec<Row>),
    Done,
}

struct Request {
    ask: Ask,
    sql: String,
    params: Vec<Value>,
    reply: mpsc::Sender<Result<Answer, DbError>>,
}

/// A PostgreSQL connection served by a thread of its own (see the module's text).
pub(crate) struct PgConn {
    requests: Option<mpsc::Sender<Request>>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl PgConn {
    /// Connects to `url`; its error never holds the password.
    pub(crate) fn connect(url: &str) -> Result<PgConn, crate::pg::ConnectError> {
        let (requests, incoming) = mpsc::channel::<Request>();
        let (ready, connected) = mpsc::channel();
        let target = url.to_owned();
        let thread = std::thread::Builder::new()
            .name("store-postgres".into())
            .spawn(move || serve(&target, &ready, &incoming))
            .map_err(|e| crate::pg::ConnectError::Db {
                url: crate::pg::redacted(url),
                message: format!("cannot start its thread: {e}"),
            })?;
        match connected.recv() {
            Ok(Ok(())) => Ok(PgConn {
                requests: Some(requests),
                thread: Some(thread),
            }),
            Ok(Err(e)) => {
                let _ = thread.join();
                Err(e)
            }
            Err(_) => {
                let _ = thread.join();
                Err(crate::pg::ConnectError::Db {
                    url: crate::pg::redacted(url),
                    message: "its thread stopped".into(),
                })
            }
        }
    }

    fn ask(&self, ask: Ask, sql: &str, params: &[Value]) -> Result<Answer, DbError> {
        let gone = || DbError::Postgres {
            message: "the connection's thread is gone".into(),
            retry: false,
        };
        let (reply, answer) = mpsc::channel();
        self.requests
            .as_ref()
            .ok_or_else(gone)?
            .send(Request {
                ask,
                sql: sql.to_owned(),
                params: params.to_vec(),
                reply,
            })
            .map_err(|_| gone())?;
        answer.recv().map_err(|_| gone())?
    }
}

impl Drop for PgConn {
    fn drop(&mut self) {
        drop(self.requests.take());
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

/// The connection's thread: connects, then answers requests until its [`PgConn`] is dropped.
fn serve(
    url: &str,
    ready: &mpsc::Sender<Result<(), crate::pg::ConnectError>>,
    incoming: &mpsc::Receiver<Request>,
) {
    let rt = match tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            let _ = ready.send(Err(crate::pg::ConnectError::Db {
                url: crate::pg::redacted(url),
                message: format!("cannot start its runtime: {e}"),
            }));
            return;
        }
    };
    let client = match rt.block_on(crate::pg::connect(url)) {
        Ok(c) => c,
        Err(e) => {
            let _ = ready.send(Err(e));
            return;
        }
    };
    let _ = ready.send(Ok(()));
    let mut client = client;
    let mut prepared: HashMap<String, tokio_postgres::Statement> = HashMap::new();
    // Whether a transaction is open on this connection: a connection lost inside one is not
    // replaced until it is rolled back, so that no statement of it runs outside it.
    let mut in_tx = false;
    while let Ok(req) = incoming.recv() {
        // The connection is driven only while a request is answered: let it read what came
        // meanwhile (a server that ended it says so), and replace one found closed before
        // anything is sent on it (outside a transaction).
        rt.block_on(async {
            tokio::task::yield_now().await;
            tokio::task::yield_now().await;
        });
        if client.is_closed() && !in_tx {
            if let Ok(c) = rt.block_on(crate::pg::connect(url)) {
                client = c;
                prepared.clear();
            }
        }
        let mut got = rt.block_on(answer(&client, &mut prepared, &req));
        // The connection was lost (the server restarted, failed over, or ended it): outside
        // a transaction, a new one is made. A read, or a `BEGIN`, is asked again at once; a
        // write is not (the server may have done it before the connection went), so it fails
        // and its caller decides.
        if got.is_err() && client.is_closed() && !in_tx {
            if let Ok(c) = rt.block_on(crate::pg::connect(url)) {
                client = c;
                prepared.clear();
                let sql = req.sql.trim_start();
                if sql.starts_with("SELECT") || sql == "BEGIN" {
                    got = rt.block_on(answer(&client, &mut prepared, &req));
                }
            }
        }
        if let (Ask::Batch, Ok(_)) = (req.ask, &got) {
            match req.sql.trim() {
                "BEGIN" => in_tx = true,
                "COMMIT" | "ROLLBACK" => in_tx = false,
                _ => {}
            }
        }
        if let (Ask::Batch, "ROLLBACK") = (req.ask, req.sql.trim()) {
            // A rollback ends the transaction even when the connection it was on is gone.
            in_tx = false;
        }
        let _ = req.reply.send(got);
    }
}

/// Runs one request on `client`, preparing its statement once.
async fn answer(
    client: &tokio_postgres::Client,
    prepared: &mut HashMap<String, tokio_postgres::Statement>,
    req: &Request,
) -> Result<Answer, DbError> {
    if let Ask::Batch = req.ask {
        return client
            .batch_execute(&req.sql)
            .await
            .map(|()| Answer::Done)
            .map_err(|e| pg_error(&e));
    }
    let stmt = match prepared.get(&req.sql) {
        Some(s) => s.clone(),
        None => {
            let s = client
                .prepare(&dollar_params(&req.sql))
                .await
                .map_err(|e| pg_error(&e))?;
            prepared.insert(req.sql.clone(), s.clone());
            s
        }
    };
    let refs: Vec<&(dyn ToSql + Sync)> = req
        .params
        .iter()
        .map(|v| v as &(dyn ToSql + Sync))
        .collect();
    match req.ask {
        Ask::Exec => client
            .execute(&stmt, &refs)
            .await
            .map(Answer::Count)
            .map_err(|e| pg_error(&e)),
        _ => {
            let rows = client.query(&stmt, &refs).await.map_err(|e| pg_error(&e))?;
            rows.iter()
                .map(pg_row)
                .collect::<Result<Vec<Row>, DbError>>()
                .map(Answer::Rows)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parameters_are_renumbered_for_postgres() {
        assert_eq!(
            dollar_params("UPDATE runs SET a = ?2 WHERE id = ?1 AND b = 'x?'"),
            "UPDATE runs SET a = $2 WHERE id = $1 AND b = 'x?'"
        );
    }
}
