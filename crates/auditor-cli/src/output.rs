//! Writing files atomically, and the `checks` listing.

use anyhow::Context as _;
use auditor_checks::all;
use std::io::Write;
use std::path::Path;
use tabled::builder::Builder;

/// Where a report goes: a local file (written atomically), or an object in the operator's
/// own bucket (`s3://bucket/key`, put with the caller's credentials: the auditor's one
/// write, as the daemon's `upload_to`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Destination {
    File(std::path::PathBuf),
    S3 { bucket: String, key: String },
}

impl std::fmt::Display for Destination {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Destination::File(p) => write!(f, "{}", p.display()),
            Destination::S3 { bucket, key } => write!(f, "s3://{bucket}/{key}"),
        }
    }
}

impl Destination {
    /// `--output VALUE`: `s3://bucket/key`, or a path. Checked before the audit starts
    /// ([`Destination::check`]), so a report that cannot be delivered is known at once.
    pub(crate) fn parse(flag: &str, value: &Path) -> Result<Destination, crate::fail::Failure> {
        let text = value.to_string_lossy();
        let bad = |why: &str| crate::fail::usage(format!("{flag} {text}: {why}"));
        let (bucket, key) = match crate::config::s3_url(&text) {
            None => return Ok(Destination::File(value.to_owned())),
            Some(Err(e)) => return Err(bad(&e)),
            Some(Ok(parts)) => parts,
        };
        if key.is_empty() || key.ends_with('/') {
            return Err(bad("the key names a folder: give the object's full key, e.g. s3://bucket/auditor/report.json"));
        }
        Ok(Destination::S3 { bucket, key })
    }

    /// Before the audit: the file's directory, or the nearest of its parents that exists
    /// (the rest is made when the report is written), is a directory a file can be
    /// written in (tried, then removed; nothing else is created). An object cannot be
    /// tried without writing it.
    pub(crate) fn check(&self, flag: &str) -> Result<(), crate::fail::Failure> {
        let Destination::File(path) = self else {
            return Ok(());
        };
        let dir = match path.parent() {
            Some(d) if !d.as_os_str().is_empty() => d,
            _ => Path::new("."),
        };
        let cannot = |e: std::io::Error| crate::fail::Failure {
            code: 4,
            message: format!(
                "{flag} {}: cannot write in {}: {e}",
                path.display(),
                dir.display()
            ),
        };
        if path.is_dir() {
            return Err(crate::fail::Failure {
                code: 4,
                message: format!(
                    "{flag} {}: is a directory; give a file name",
                    path.display()
                ),
            });
        }
        let existing = dir
            .ancestors()
            .find(|a| a.as_os_str().is_empty() || a.exists())
            .filter(|a| !a.as_os_str().is_empty())
            .unwrap_or(Path::new("."));
        if !existing.is_dir() {
            return Err(cannot(std::io::Error::new(
                std::io::ErrorKind::NotADirectory,
                format!("{} is not a directory", existing.display()),
            )));
        }
        tempfile::Builder::new()
            .prefix(TMP_PREFIX)
            .tempfile_in(existing)
            .map(drop)
            .map_err(cannot)
    }
}

/// A report's format in a file or on standard output.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum ReportFormat {
    /// The v1 JSON report.
    Json,
    /// One row per finding, RFC 4180.
    Csv,
    /// SARIF 2.1.0 (GitHub code scanning).
    Sarif,
    /// AWS Security Finding Format, batches of 100 per line (Security Hub).
    Asff,
    /// OCSF Compliance Finding events, one per line (Security Lake).
    Ocsf,
    /// The review report: one self-contained HTML file.
    Html,
}

impl ReportFormat {
    /// The media type of an object uploaded in this format.
    pub(crate) fn content_type(self) -> &'static str {
        match self {
            ReportFormat::Json | ReportFormat::Sarif => "application/json",
            ReportFormat::Csv => "text/csv; charset=utf-8",
            ReportFormat::Asff | ReportFormat::Ocsf => "application/x-ndjson",
            ReportFormat::Html => "text/html; charset=utf-8",
        }
    }

    /// The report of `result` in this format, and what to call it. `changes` (from a store)
    /// is what the review report says changed since the previous run.
    pub(crate) fn render(
        self,
        result: &auditor_model::AuditResult,
        changes: Option<&auditor_report::html::Changes>,
    ) -> (String, &'static str) {
        match self {
            ReportFormat::Json => (auditor_report::json_v1::to_json(result), "JSON report"),
            ReportFormat::Csv => (auditor_report::csv::to_csv(result), "CSV report"),
            ReportFormat::Sarif => (auditor_report::sarif::to_sarif(result), "SARIF report"),
            ReportFormat::Asff => (auditor_report::asff::to_asff(result, &[]), "ASFF findings"),
            ReportFormat::Ocsf => (auditor_report::ocsf::to_ocsf(result), "OCSF events"),
            ReportFormat::Html => (
                auditor_report::html::to_html(result, changes),
                "HTML review report",
            ),
        }
    }
}

/// One `--output`: a format and where it goes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Output {
    pub(crate) format: ReportFormat,
    pub(crate) dest: Destination,
}

impl Output {
    /// `--output [FORMAT=]PATH`: the format named, else from the extension (`.csv`: CSV,
    /// `.sarif`: SARIF, `.asff`: ASFF, `.ocsf`: OCSF, `.html`/`.htm`: the review report;
    /// anything else: the JSON report).
    pub(crate) fn parse(value: &Path) -> Result<Output, crate::fail::Failure> {
        let text = value.to_string_lossy();
        let named = text.split_once('=').and_then(|(f, rest)| {
            let f = f.to_ascii_lowercase();
            matches!(
                f.as_str(),
                "json" | "csv" | "sarif" | "ocsf" | "asff" | "html"
            )
            .then(|| (f, rest.to_owned()))
        });
        let (format, path) = match named {
            Some((f, rest)) => (f, std::path::PathBuf::from(rest)),
            None => {
                let ext = value
                    .extension()
                    .map(|e| e.to_string_lossy().to_ascii_lowercase())
                    .unwrap_or_default();
                let f = match ext.as_str() {
                    "csv" => "csv",
                    "sarif" => "sarif",
                    "asff" => "asff",
                    "ocsf" => "ocsf",
                    "html" | "htm" => "html",
                    _ => "json",
                };
                (f.to_owned(), value.to_owned())
            }
        };
        let format = match format.as_str() {
            "json" => ReportFormat::Json,
            "csv" => ReportFormat::Csv,
            "sarif" => ReportFormat::Sarif,
            "asff" => ReportFormat::Asff,
            "ocsf" => ReportFormat::Ocsf,
            _ => ReportFormat::Html,
        };
        let dest = Destination::parse("--output", &path)?;
        dest.check("--output")?;
        Ok(Output { format, dest })
    }
}

/// The prefix of the temporary files [`write_atomically`] renames into place; one left by a
/// process killed between write and rename is removed by the next write in its directory.
pub(crate) const TMP_PREFIX: &str = ".auditor-tmp-";

/// A temporary file older than this is a dead writer's (a live one renames within seconds).
const STALE_TMP: std::time::Duration = std::time::Duration::from_secs(600);

/// Writes `bytes` to `path` through a temporary file in the same directory, `fsync`, a
/// rename and an `fsync` of the directory, so a reader never sees half a report, a crash
/// leaves the previous file intact, and the rename itself survives a power cut. Temporary
/// files a killed writer left in the directory are removed first.
pub(crate) fn write_atomically(path: &Path, bytes: &[u8]) -> anyhow::Result<()> {
    write_atomically_with(path, |f| f.write_all(bytes))
}

/// [`write_atomically`], the content written by `write` as it is produced (a large report
/// is serialised straight into the file, never held whole in memory).
pub(crate) fn write_atomically_with(
    path: &Path,
    write: impl FnOnce(&mut std::fs::File) -> std::io::Result<()>,
) -> anyhow::Result<()> {
    let dir = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d,
        _ => Path::new("."),
    };
    std::fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
    remove_stale_tmp(dir);
    let mut tmp = tempfile::Builder::new()
        .prefix(TMP_PREFIX)
        .tempfile_in(dir)
        .with_context(|| format!("cannot write in {}", dir.display()))?;
    write(tmp.as_file_mut())?;
    tmp.as_file().sync_all()?;
    tmp.persist(path).map_err(|e| e.error)?;
    // The rename is durable once the directory is synced (on Unix; elsewhere a no-op).
    if let Ok(d) = std::fs::File::open(dir) {
        let _ = d.sync_all();
    }
    Ok(())
}

/// Removes this tool's temporary files older than [`STALE_TMP`] from `dir`.
fn remove_stale_tmp(dir: &Path) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for e in entries.flatten() {
        let stale = e.file_name().to_string_lossy().starts_with(TMP_PREFIX)
            && e.metadata()
                .and_then(|m| m.modified())
                .ok()
                .and_then(|t| t.elapsed().ok())
                .is_some_and(|age| age > STALE_TMP);
        if stale {
            let _ = std::fs::remove_file(e.path());
        }
    }
}

/// Prints `json` or the table on stdout (the report's file or object is delivered by
/// `run::deliver`, before this).
pub(crate) fn emit(json: &str, table: impl FnOnce() -> String, as_json: bool) {
    if as_json {
        print!("{json}");
    } else {
        print!("{}", table());
    }
}

/// `--show`: the long lists the table leaves out by default.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub(crate) enum Show {
    /// Passing findings too.
    Passed,
    /// Every failing and unassessed finding (by default at most 10 per check are listed).
    Findings,
    /// Every state bucket's access matrix (by default a summary once it is long).
    StateAccess,
    /// All of the above.
    All,
}

/// The table's options from `--show-passed` and `--show`.
pub(crate) fn table_options(
    show_passed: bool,
    show: &[Show],
) -> auditor_report::table::TableOptions {
    let has = |x: Show| show.contains(&x) || show.contains(&Show::All);
    auditor_report::table::TableOptions {
        show_passed: show_passed || has(Show::Passed),
        show_all_findings: has(Show::Findings),
        show_state_access: has(Show::StateAccess),
    }
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
            println!("{}", auditor_report::table::sharp(b));
        }
    }
    0
}

/// `auditor checks --standard fsbp`: every FSBP control of the audited services with the
/// checks covering it, or why it is out of scope; returns the exit code.
pub(crate) fn print_fsbp(format: ChecksFormat) -> u8 {
    use auditor_checks::fsbp::{covered_by, markdown, CONTROLS};
    let codes = |id: &str| -> Vec<&'static str> { covered_by(id).iter().map(|m| m.code).collect() };
    match format {
        ChecksFormat::Markdown => print!("{}", markdown()),
        ChecksFormat::Json => {
            let v: Vec<_> = CONTROLS
                .iter()
                .map(|c| {
                    serde_json::json!({
                        "control": c.id, "title": c.title,
                        "covered_by": codes(c.id), "out_of_scope": c.out_of_scope,
                    })
                })
                .collect();
            println!("{}", serde_json::to_string_pretty(&v).unwrap_or_default());
        }
        ChecksFormat::Table => {
            let mut b = Builder::default();
            b.push_record(["CONTROL", "TITLE", "COVERED BY", "OUT OF SCOPE BECAUSE"]);
            for c in CONTROLS {
                b.push_record([
                    c.id.to_owned(),
                    c.title.to_owned(),
                    codes(c.id).join(", "),
                    c.out_of_scope.unwrap_or_default().to_owned(),
                ]);
            }
            println!("{}", auditor_report::table::sharp(b));
        }
    }
    0
}

/// For `make bench`: with `AUDITOR_PEAK_RSS_FILE` set, writes the process's peak resident
/// set size in bytes (Linux `VmHWM`) to that file at exit, and its CPU time on a second
/// line.
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
    // And the CPU time of every thread (`utime` and `stime`, in clock ticks of 1/100 s on
    // Linux), on a second line: user and system seconds.
    let cpu = std::fs::read_to_string("/proc/self/stat")
        .ok()
        .and_then(|s| {
            let after = s.rsplit_once(')')?.1;
            let f: Vec<&str> = after.split_whitespace().collect();
            let tick = |i: usize| f.get(i)?.parse::<f64>().ok().map(|t| t / 100.0);
            Some(format!("{} {}", tick(11)?, tick(12)?))
        });
    if let Some(kib) = kib {
        let _ = std::fs::write(
            path,
            format!("{}\n{}\n", kib * 1024, cpu.unwrap_or_default()),
        );
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
    let fmt = tracing_subscriber::fmt().with_env_filter(filter);
    if json {
        // JSON escapes control characters itself.
        fmt.with_writer(std::io::stderr)
            .json()
            .flatten_event(true)
            .with_current_span(false)
            .init();
    } else {
        // Log fields carry AWS data (error texts, names): escaped, never obeyed, so no
        // colours of our own either.
        fmt.with_writer(|| EscapingStderr).with_ansi(false).init();
    }
}

/// Standard error with every control or invisible format character but newline written as
/// `\u{..}` (one log event is one write).
struct EscapingStderr;

impl Write for EscapingStderr {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        let text = String::from_utf8_lossy(buf);
        std::io::stderr().write_all(auditor_model::text::escape_cell(&text).as_bytes())?;
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        std::io::stderr().flush()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_write_replaces_the_file_and_removes_a_killed_writers_leftovers_only() {
        let dir = tempfile::tempdir().expect("tempdir");
        let left = dir.path().join(format!("{TMP_PREFIX}abc123"));
        let fresh = dir.path().join(format!("{TMP_PREFIX}live99"));
        std::fs::write(&left, vec![b'x'; 4096]).expect("write");
        std::fs::write(&fresh, b"being written").expect("write");
        let old = std::time::SystemTime::now() - STALE_TMP - std::time::Duration::from_secs(5);
        std::fs::File::options()
            .write(true)
            .open(&left)
            .and_then(|f| f.set_modified(old))
            .expect("age the leftover");
        let path = dir.path().join("report.json");
        write_atomically(&path, b"{}").expect("write");
        assert_eq!(std::fs::read(&path).expect("read"), b"{}");
        assert!(!left.exists(), "a dead writer's temporary file is removed");
        assert!(
            fresh.exists(),
            "a live writer's temporary file is left alone"
        );
        let names: Vec<String> = std::fs::read_dir(dir.path())
            .expect("list")
            .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
            .collect();
        assert_eq!(names.len(), 2, "{names:?}");
    }
}
