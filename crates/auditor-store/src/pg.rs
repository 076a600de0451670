//! Connecting to PostgreSQL from a URL, with TLS when the URL asks for it, and the URL as it
//! may be shown (its password replaced).
//!
//! `sslmode` is read as libpq spells it: `disable` and `prefer` (the default) connect
//! without TLS; `require`, `verify-ca` and `verify-full` connect with TLS only, and always
//! verify the server's certificate and name: against `sslrootcert` (a PEM file, as for
//! libpq; the CA bundle of RDS or Cloud SQL) when given, otherwise the system's roots.
//! A security tool does not send findings over a connection whose other end it has not
//! verified, so `require` is stricter here than libpq's.

use std::sync::Arc;
use tokio_postgres::config::SslMode;
use tokio_postgres::{Client, Config, NoTls};

/// Why a connection could not be made. Never holds the URL's password.
#[derive(Debug, thiserror::Error)]
pub enum ConnectError {
    /// The URL does not parse, or names a TLS setting that cannot be met.
    #[error("the PostgreSQL URL {url}: {message}")]
    Url {
        /// The URL, its password replaced.
        url: String,
        /// What is wrong.
        message: String,
    },
    /// The server could not be reached or refused.
    #[error("PostgreSQL at {url}: {message}")]
    Db {
        /// The URL, its password replaced.
        url: String,
        /// PostgreSQL's or the network's error.
        message: String,
    },
}

/// Whether `s` names a PostgreSQL database rather than a file: it starts `postgres:` or
/// `postgresql:` (a mistyped URL too, so that it is refused as one, its password hidden,
/// rather than taken for a file name).
pub fn is_url(s: &str) -> bool {
    let lower = s.get(..11).unwrap_or(s).to_ascii_lowercase();
    lower.starts_with("postgres:") || lower.starts_with("postgresql:")
}

fn well_formed(s: &str) -> bool {
    s.starts_with("postgres://") || s.starts_with("postgresql://")
}

/// `url` with its password (in the user part, or a `password` parameter) replaced by `***`.
/// A `password` parameter is hidden wherever it is (its key compared decoded, in any case);
/// then everything before the last `@` is taken as the user part, so a password holding
/// `?`, `/`, `&` or `@` is hidden too: what may be a password is hidden rather than shown.
pub fn redacted(url: &str) -> String {
    // Parameters first, split at every `?` and `&` (the separators kept).
    let mut hidden = String::with_capacity(url.len());
    let mut piece = String::new();
    let flush = |piece: &mut String, out: &mut String| {
        match piece.split_once('=') {
            Some((k, _)) if percent_decoded(k).eq_ignore_ascii_case("password") => {
                out.push_str(k);
                out.push_str("=***");
            }
            _ => out.push_str(piece),
        }
        piece.clear();
    };
    let is_password = |piece: &str| {
        piece
            .split_once('=')
            .is_some_and(|(k, _)| percent_decoded(k).eq_ignore_ascii_case("password"))
    };
    for c in url.chars() {
        // A password's value runs to the next `&` (a `?` may be part of it).
        if c == '&' || (c == '?' && !is_password(&piece)) {
            flush(&mut piece, &mut hidden);
            hidden.push(c);
        } else {
            piece.push(c);
        }
    }
    flush(&mut piece, &mut hidden);
    let (scheme, rest) = match hidden.split_once("://") {
        Some((s, r)) => (format!("{s}://"), r.to_owned()),
        None => (String::new(), hidden.clone()),
    };
    match rest.rfind('@') {
        Some(at) => {
            let creds = rest.get(..at).unwrap_or_default();
            let shown = match creds.split_once(':') {
                Some((user, _)) if !user.contains(['/', '?']) => format!("{user}:***@"),
                None if !scheme.is_empty() && !creds.contains(['/', '?', '&', '=']) => {
                    format!("{creds}@")
                }
                _ => "***@".to_owned(),
            };
            format!("{scheme}{shown}{}", rest.get(at + 1..).unwrap_or_default())
        }
        None => format!("{scheme}{rest}"),
    }
}

/// How to connect: tokio-postgres's configuration, and the TLS to use.
struct Target {
    config: Config,
    tls: Option<TlsSetting>,
}

struct TlsSetting {
    root_cert: Option<String>,
}

/// `%XX` sequences decoded (through `percent-encoding`, as the policy engine and the S3
/// collector decode).
fn percent_decoded(s: &str) -> String {
    percent_encoding::percent_decode_str(s)
        .decode_utf8_lossy()
        .into_owned()
}

fn target(url: &str) -> Result<Target, ConnectError> {
    let bad = |message: String| ConnectError::Url {
        url: redacted(url),
        message,
    };
    if !well_formed(url) {
        return Err(bad("is not a postgres:// or postgresql:// URL".to_owned()));
    }
    let (base, query) = url.split_once('?').unwrap_or((url, ""));
    let mut mode = "prefer".to_owned();
    let mut root_cert = None;
    let mut rest = Vec::new();
    for p in query.split('&').filter(|p| !p.is_empty()) {
        let (k, v) = p.split_once('=').unwrap_or((p, ""));
        match k {
            "sslmode" => mode = percent_decoded(v),
            "sslrootcert" => root_cert = Some(percent_decoded(v)),
            _ => rest.push(p),
        }
    }
    let tls = match mode.as_str() {
        "disable" | "prefer" | "allow" => None,
        "require" | "verify-ca" | "verify-full" => Some(TlsSetting { root_cert }),
        other => {
            return Err(bad(format!(
                "sslmode={other} is not one of disable, prefer, require, verify-ca, verify-full"
            )))
        }
    };
    let plain = if rest.is_empty() {
        base.to_owned()
    } else {
        format!("{base}?{}", rest.join("&"))
    };
    let mut config: Config = plain.parse().map_err(|e: tokio_postgres::Error| {
        // Its message names the option, never the password.
        bad(e.to_string())
    })?;
    config.ssl_mode(if tls.is_some() {
        SslMode::Require
    } else {
        SslMode::Disable
    });
    if config.get_connect_timeout().is_none() {
        config.connect_timeout(std::time::Duration::from_secs(10));
    }
    // A server that stops answering without closing the connection (a host lost, a
    // network cut) is noticed: TCP keepalives, and unacknowledged data given up after 2
    // minutes, rather than a statement hanging while it holds the store.
    config.keepalives(true);
    config.keepalives_idle(std::time::Duration::from_secs(30));
    config.tcp_user_timeout(std::time::Duration::from_secs(120));
    Ok(Target { config, tls })
}

/// Checks `url` without connecting: it parses, and its TLS settings can be met.
pub fn check(url: &str) -> Result<(), ConnectError> {
    let t = target(url)?;
    if let Some(tls) = &t.tls {
        rustls_config(url, tls)?;
    }
    Ok(())
}

fn rustls_config(url: &str, tls: &TlsSetting) -> Result<rustls::ClientConfig, ConnectError> {
    use rustls::pki_types::pem::PemObject;
    use rustls::pki_types::CertificateDer;
    let bad = |message: String| ConnectError::Url {
        url: redacted(url),
        message,
    };
    let mut roots = rustls::RootCertStore::empty();
    match &tls.root_cert {
        Some(file) => {
            let certs: Vec<CertificateDer<'static>> = CertificateDer::pem_file_iter(file)
                .and_then(|i| i.collect::<Result<_, _>>())
                .map_err(|e| bad(format!("sslrootcert {file}: {e}")))?;
            if certs.is_empty() {
                return Err(bad(format!("sslrootcert {file}: no certificate in it")));
            }
            for c in certs {
                roots
                    .add(c)
                    .map_err(|e| bad(format!("sslrootcert {file}: {e}")))?;
            }
        }
        None => {
            let found = rustls_native_certs::load_native_certs();
            for c in found.certs {
                let _ = roots.add(c);
            }
            if roots.is_empty() {
                return Err(bad(
                    "sslmode asks for TLS, no sslrootcert is given and the system has no root certificates".to_owned(),
                ));
            }
        }
    }
    let provider = Arc::new(rustls::crypto::aws_lc_rs::default_provider());
    Ok(rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| bad(e.to_string()))?
        .with_root_certificates(roots)
        .with_no_client_auth())
}

/// The message of a PostgreSQL error: the server's own when there is one, with what caused
/// it (a refused connection, a certificate not trusted).
pub(crate) fn message(e: &tokio_postgres::Error) -> String {
    if let Some(db) = e.as_db_error() {
        return db.message().to_owned();
    }
    let mut out = e.to_string();
    let mut source = std::error::Error::source(e);
    while let Some(s) = source {
        let m = s.to_string();
        if !out.contains(&m) {
            out.push_str(": ");
            out.push_str(&m);
        }
        source = s.source();
    }
    out
}

/// Connects to `url` and runs the connection on the caller's tokio runtime.
pub async fn connect(url: &str) -> Result<Client, ConnectError> {
    let t = target(url)?;
    let db = |e: tokio_postgres::Error| ConnectError::Db {
        url: redacted(url),
        message: message(&e),
    };
    match &t.tls {
        None => {
            let (client, conn) = t.config.connect(NoTls).await.map_err(db)?;
            tokio::spawn(async move {
                // Its error is the next query's.
                let _ = conn.await;
            });
            Ok(client)
        }
        Some(tls) => {
            let cfg = rustls_config(url, tls)?;
            let make = tokio_postgres_rustls::MakeRustlsConnect::new(cfg);
            let (client, conn) = t.config.connect(make).await.map_err(db)?;
            tokio::spawn(async move {
                let _ = conn.await;
            });
            Ok(client)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_password_is_never_shown() {
        for (url, shown) in [
            (
                "postgres://auditor:s3cret@db.internal:5432/auditor?sslmode=require",
                "postgres://auditor:***@db.internal:5432/auditor?sslmode=require",
            ),
            (
                "postgresql://auditor@db/auditor?password=s3cret&sslmode=disable",
                "postgresql://auditor@db/auditor?password=***&sslmode=disable",
            ),
            ("postgres://db/auditor", "postgres://db/auditor"),
            ("postgres://u:p%40ss@word@h/d", "postgres://u:***@h/d"),
        ] {
            assert_eq!(redacted(url), shown);
        }
    }

    #[test]
    fn a_bad_url_is_a_clear_error_without_the_password() {
        let e = check("postgres://u:s3cret@h/d?sslmode=maybe")
            .unwrap_err()
            .to_string();
        assert!(e.contains("sslmode=maybe"), "{e}");
        assert!(!e.contains("s3cret"), "{e}");
        let e = check("postgres://u:s3cret@h/d?bogus=1")
            .unwrap_err()
            .to_string();
        assert!(e.contains("bogus"), "{e}");
        assert!(!e.contains("s3cret"), "{e}");
        let e = check("postgres://h/d?sslmode=require&sslrootcert=/nonexistent/ca.pem")
            .unwrap_err()
            .to_string();
        assert!(e.contains("sslrootcert /nonexistent/ca.pem"), "{e}");
        assert!(check("postgres://u:s3cret@h:5432/d?sslmode=disable").is_ok());
        let e = check("postgresql:/u:s3cret@h/d").unwrap_err().to_string();
        assert!(
            e.contains("is not a postgres:// or postgresql:// URL"),
            "{e}"
        );
        assert!(!e.contains("s3cret"), "{e}");
        assert!(is_url("PostgreSQL:/typo") && !is_url("auditor.db") && !is_url("postgres.db"));
    }
}
