//! Writing files atomically, and the `checks` listing.

use anyhow::Context as _;
use auditor_checks::all;
use std::io::Write as _;
use std::path::Path;
use tabled::builder::Builder;
use tabled::settings::Style;

/// Writes `bytes` to `path` through a temporary file in the same directory and a rename,
/// so a reader never sees half a report and a crash leaves the previous file intact.
pub(crate) fn write_atomically(path: &Path, bytes: &[u8]) -> anyhow::Result<()> {
    let dir = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d,
        _ => Path::new("."),
    };
    std::fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
    let mut tmp = tempfile::NamedTempFile::new_in(dir)
        .with_context(|| format!("cannot write in {}", dir.display()))?;
    tmp.write_all(bytes)?;
    tmp.as_file().sync_all()?;
    tmp.persist(path).map_err(|e| e.error)?;
    Ok(())
}

/// Writes the JSON report to `path` (atomically) when one is given, then prints `json` or
/// the table on stdout. The file comes first: a closed stdout cannot lose it; its failure
/// is reported after stdout (exit 4).
pub(crate) fn emit(
    json: &str,
    table: impl FnOnce() -> String,
    as_json: bool,
    path: Option<&Path>,
) -> Result<(), crate::fail::Failure> {
    let write_err = path.and_then(|p| write_atomically(p, json.as_bytes()).err());
    if as_json {
        print!("{json}");
    } else {
        print!("{}", table());
    }
    if let (Some(p), Some(e)) = (path, write_err) {
        return Err(crate::fail::Failure {
            code: 4,
            message: format!("cannot write the report to {}: {e:#}", p.display()),
        });
    }
    if let Some(p) = path {
        crate::fail::say(&format!("JSON report written to {}", p.display()));
    }
    Ok(())
}

pub(crate) enum ChecksFormat {
    Table,
    Json,
    Markdown,
}

/// Prints the registry; returns the exit code.
pub(crate) fn print_checks(format: ChecksFormat) -> u8 {
    match format {
        ChecksFormat::Markdown => print!("{}", auditor_checks::docs::checks_markdown()),
        ChecksFormat::Json => {
            let v: Vec<_> = all()
                .iter()
                .map(|c| {
                    let m = c.meta();
                    serde_json::json!({
                        "code": m.code, "name": m.name, "title": m.title,
                        "service": m.service, "severity": m.severity, "wa": m.wa,
                        "wa_revision": auditor_checks::catalog::REVISION, "reads": m.reads,
                    })
                })
                .collect();
            println!("{}", serde_json::to_string_pretty(&v).unwrap_or_default());
        }
        ChecksFormat::Table => {
            let mut b = Builder::default();
            b.push_record(["CODE", "NAME", "SEVERITY", "WA (2023-10-03)", "TITLE"]);
            for c in all() {
                let m = c.meta();
                b.push_record([
                    m.code.to_owned(),
                    m.name.to_owned(),
                    m.severity.to_string(),
                    m.wa.join(", "),
                    m.title.to_owned(),
                ]);
            }
            println!("{}", b.build().with(Style::sharp()));
        }
    }
    0
}

/// For `make bench`: with `AUDITOR_PEAK_RSS_FILE` set, writes the process's peak resident
/// set size in bytes (Linux `VmHWM`) to that file at exit.
pub(crate) fn record_peak_rss() {
    let Some(path) = std::env::var_os("AUDITOR_PEAK_RSS_FILE") else {
        return;
    };
    let kib = std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find_map(|l| l.strip_prefix("VmHWM:"))
                .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<u64>().ok())
        });
    if let Some(kib) = kib {
        let _ = std::fs::write(path, (kib * 1024).to_string());
    }
}

pub(crate) fn init_logging(json: bool) {
    // SDK internals log retries and credential-chain misses; users see one-line errors from
    // us instead. AUDITOR_LOG=debug shows everything.
    let filter = tracing_subscriber::EnvFilter::try_from_env("AUDITOR_LOG").unwrap_or_else(|_| {
        tracing_subscriber::EnvFilter::new(
            "warn,auditor::daemon=info,auditor::cli=info,aws_config=error,aws_smithy_runtime=error,aws_smithy_runtime_api=error",
        )
    });
    use std::io::IsTerminal as _;
    let fmt = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr);
    if json {
        fmt.json()
            .flatten_event(true)
            .with_current_span(false)
            .init();
    } else {
        fmt.with_ansi(std::io::stderr().is_terminal()).init();
    }
}
