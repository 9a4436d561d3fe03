//! What differs between SQLite and PostgreSQL, in one place: which backend a
//! pool talks to, and placeholders. Every statement is written with numbered
//! placeholders (`$1`), which both databases read; statements built piece by
//! piece with `QueryBuilder` get theirs numbered by [`finish`].

use sqlx::any::AnyArguments;
use sqlx::any::{AnyTypeInfo, AnyTypeInfoKind, AnyValueRef};
use sqlx::encode::IsNull;
use sqlx::error::BoxDynError;
use sqlx::{Any, AnyPool, Execute, QueryBuilder};
use sqlx_core::any::{AnyArgumentBuffer, AnyValueKind};
use std::borrow::Cow;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

impl Backend {
    pub fn of_url(url: &str) -> Option<Self> {
        if url.starts_with("sqlite:") {
            Some(Backend::Sqlite)
        } else if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            Some(Backend::Postgres)
        } else {
            None
        }
    }

    /// The backend of an open pool (pools are only made by `db::open`).
    pub fn of(pool: &AnyPool) -> Self {
        Self::of_url(pool.connect_options().database_url.as_str()).unwrap_or(Backend::Sqlite)
    }

    /// The backend of a connection taken from such a pool.
    pub fn of_connection(conn: &sqlx::AnyConnection) -> Self {
        if conn.backend_name().eq_ignore_ascii_case("postgresql") {
            Backend::Postgres
        } else {
            Backend::Sqlite
        }
    }

    pub fn is_postgres(self) -> bool {
        self == Backend::Postgres
    }
}

/// Rewrites `?` placeholders (outside quoted text) as `$1`, `$2`, … in order.
pub fn numbered(sql: &str) -> Cow<'_, str> {
    if !sql.contains('?') {
        return Cow::Borrowed(sql);
    }
    let mut out = String::with_capacity(sql.len() + 16);
    let (mut n, mut quoted) = (0, false);
    for ch in sql.chars() {
        match ch {
            '\'' => {
                quoted = !quoted;
                out.push(ch);
            }
            '?' if !quoted => {
                n += 1;
                out.push('$');
                out.push_str(&n.to_string());
            }
            _ => out.push(ch),
        }
    }
    Cow::Owned(out)
}

/// The same statement owning its arguments, with its placeholders numbered for
/// PostgreSQL: `QueryBuilder<Any>` writes `?`, which PostgreSQL does not read.
/// SQLite keeps `?`: sqlx looks every named parameter up by name, one list
/// scan each, so a 10,000-row INSERT with `$n` spent most of its time there.
/// Run the result's `build*()`.
pub fn finish(q: &mut QueryBuilder<'_, Any>, backend: Backend) -> QueryBuilder<'static, Any> {
    let mut query = q.build();
    let sql = match backend {
        Backend::Postgres => numbered(query.sql()).into_owned(),
        Backend::Sqlite => query.sql().to_owned(),
    };
    let args = query.take_arguments().ok().flatten().unwrap_or_default();
    // The arguments borrow the builder; owned copies let the statement outlive
    // it (an export streams from a spawned task). The buffer's field is hidden
    // but public, and pinned by Cargo.lock.
    let values = args.values.0.into_iter().map(owned).collect();
    QueryBuilder::with_arguments(
        sql,
        AnyArguments {
            values: AnyArgumentBuffer(values),
        },
    )
}

fn owned(value: AnyValueKind<'_>) -> AnyValueKind<'static> {
    match value {
        AnyValueKind::Text(t) => AnyValueKind::Text(Cow::Owned(t.into_owned())),
        AnyValueKind::Blob(b) => AnyValueKind::Blob(Cow::Owned(b.into_owned())),
        AnyValueKind::Null(kind) => AnyValueKind::Null(kind),
        AnyValueKind::Bool(v) => AnyValueKind::Bool(v),
        AnyValueKind::SmallInt(v) => AnyValueKind::SmallInt(v),
        AnyValueKind::Integer(v) => AnyValueKind::Integer(v),
        AnyValueKind::BigInt(v) => AnyValueKind::BigInt(v),
        AnyValueKind::Real(v) => AnyValueKind::Real(v),
        AnyValueKind::Double(v) => AnyValueKind::Double(v),
        other => unreachable!("an argument kind this sqlx version does not have: {other:?}"),
    }
}

/// A yes/no column or expression. SQLite answers integers (0/1) and the schema
/// keeps flags as BIGINT 0/1 on PostgreSQL too, but PostgreSQL's own
/// expressions (`EXISTS`, comparisons) answer booleans: this reads either, and
/// writes 0/1.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub struct Flag(pub bool);

impl sqlx::Type<Any> for Flag {
    fn type_info() -> AnyTypeInfo {
        <i64 as sqlx::Type<Any>>::type_info()
    }

    fn compatible(ty: &AnyTypeInfo) -> bool {
        ty.kind() == AnyTypeInfoKind::Bool || ty.kind().is_integer()
    }
}

impl<'r> sqlx::Decode<'r, Any> for Flag {
    fn decode(value: AnyValueRef<'r>) -> Result<Self, BoxDynError> {
        match <bool as sqlx::Decode<Any>>::decode(value.clone()) {
            Ok(b) => Ok(Flag(b)),
            Err(_) => <i64 as sqlx::Decode<Any>>::decode(value).map(|n| Flag(n != 0)),
        }
    }
}

impl<'q> sqlx::Encode<'q, Any> for Flag {
    fn encode_by_ref(&self, buf: &mut AnyArgumentBuffer<'q>) -> Result<IsNull, BoxDynError> {
        <i64 as sqlx::Encode<Any>>::encode(i64::from(self.0), buf)
    }
}

/// A number that may be missing, to bind. sqlx 0.8.6's Any driver sends a
/// missing `f64` to PostgreSQL as a `real` (it swaps the two float kinds for
/// NULLs), which PostgreSQL refuses for a `double precision` column; this
/// sends it as the kind that maps to `double precision`.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Number(pub Option<f64>);

impl sqlx::Type<Any> for Number {
    fn type_info() -> AnyTypeInfo {
        <f64 as sqlx::Type<Any>>::type_info()
    }
}

impl<'q> sqlx::Encode<'q, Any> for Number {
    fn encode_by_ref(&self, buf: &mut AnyArgumentBuffer<'q>) -> Result<IsNull, BoxDynError> {
        match self.0 {
            Some(x) => <f64 as sqlx::Encode<Any>>::encode(x, buf),
            None => {
                buf.0.push(AnyValueKind::Null(AnyTypeInfoKind::Real));
                Ok(IsNull::Yes)
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn placeholders_are_numbered_in_order_outside_quotes() {
        assert_eq!(
            numbered("SELECT '?' WHERE a = ? AND b IN (?, ?)"),
            "SELECT '?' WHERE a = $1 AND b IN ($2, $3)"
        );
        assert!(matches!(numbered("SELECT 1"), Cow::Borrowed(_)));
    }

    #[test]
    fn urls_name_their_backend() {
        assert_eq!(Backend::of_url("sqlite://x.db"), Some(Backend::Sqlite));
        assert_eq!(
            Backend::of_url("postgres://postgres@127.0.0.1/test"),
            Some(Backend::Postgres)
        );
        assert_eq!(Backend::of_url("mysql://x"), None);
    }
}
